using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Downhill.Benchmarks.Batched;

/// <summary>
/// The machine's ceilings, measured in the same run as the kernels: a register-only loop of fused multiply-adds
/// at the kernels' vector width (12 independent accumulators, enough to hide the FMA latency on two pipes), and
/// the bandwidth of a large array copy.
/// </summary>
internal static class Machine
{
    /// <summary>FMA instructions per accumulator per <see cref="FmaPeak"/> call.</summary>
    private const int Iterations = 4_000_000;

    /// <summary>Runs the FMA loop on <paramref name="threads"/> threads at once; returns the floating-point operations done (2 per lane per FMA).</summary>
    public static double FmaPeak<T>(int threads)
        where T : unmanaged
    {
        double sink = 0;
        var lockObject = new object();
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, _ =>
        {
            double s = typeof(T) == typeof(double) ? LoopDouble(Iterations) : LoopFloat(Iterations);
            lock (lockObject)
            {
                sink += s;
            }
        });

        if (double.IsNaN(sink))
        {
            throw new InvalidOperationException("The FMA loop produced NaN.");
        }

        int lanes = Lanes / Unsafe.SizeOf<T>();
        return 2.0 * 12 * lanes * Iterations * threads;
    }

    /// <summary>The vector width the kernels use, in bytes (at least 16, the narrowest loop written here).</summary>
    public static int Lanes => Math.Max(16, Downhill.Kernels.MatrixProducts.VectorBits / 8);

    /// <summary>Copies <paramref name="source"/> into <paramref name="target"/> with <paramref name="threads"/> threads, each its own contiguous part.</summary>
    public static void Copy(double[] source, double[] target, int threads)
    {
        if (threads == 1)
        {
            source.AsSpan().CopyTo(target);
            return;
        }

        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            int begin = (int)((long)source.Length * t / threads), end = (int)((long)source.Length * (t + 1) / threads);
            source.AsSpan(begin, end - begin).CopyTo(target.AsSpan(begin, end - begin));
        });
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static double LoopDouble(int n) => Lanes switch
    {
        64 => Loop512(n, Vector512.Create(0.999999), Vector512.Create(1e-7)),
        32 => Loop256(n, Vector256.Create(0.999999), Vector256.Create(1e-7)),
        _ => Loop128(n, Vector128.Create(0.999999), Vector128.Create(1e-7)),
    };

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static double LoopFloat(int n) => Lanes switch
    {
        64 => Loop512(n, Vector512.Create(0.9999f), Vector512.Create(1e-5f)),
        32 => Loop256(n, Vector256.Create(0.9999f), Vector256.Create(1e-5f)),
        _ => Loop128(n, Vector128.Create(0.9999f), Vector128.Create(1e-5f)),
    };

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static double Loop256<T>(int n, Vector256<T> m, Vector256<T> a)
        where T : unmanaged, System.Numerics.INumberBase<T>
    {
        Vector256<T> c0 = a, c1 = a + a, c2 = c1 + a, c3 = c2 + a, c4 = c3 + a, c5 = c4 + a;
        Vector256<T> c6 = c5 + a, c7 = c6 + a, c8 = c7 + a, c9 = c8 + a, c10 = c9 + a, c11 = c10 + a;
        for (int i = 0; i < n; i++)
        {
            c0 = Fma(c0, m, a);
            c1 = Fma(c1, m, a);
            c2 = Fma(c2, m, a);
            c3 = Fma(c3, m, a);
            c4 = Fma(c4, m, a);
            c5 = Fma(c5, m, a);
            c6 = Fma(c6, m, a);
            c7 = Fma(c7, m, a);
            c8 = Fma(c8, m, a);
            c9 = Fma(c9, m, a);
            c10 = Fma(c10, m, a);
            c11 = Fma(c11, m, a);
        }

        Vector256<T> s = c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11;
        return double.CreateTruncating(Vector256.Sum(s));

        static Vector256<T> Fma(Vector256<T> x, Vector256<T> y, Vector256<T> z) => typeof(T) == typeof(double)
            ? Vector256.FusedMultiplyAdd(x.AsDouble(), y.AsDouble(), z.AsDouble()).As<double, T>()
            : Vector256.FusedMultiplyAdd(x.AsSingle(), y.AsSingle(), z.AsSingle()).As<float, T>();
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static double Loop512<T>(int n, Vector512<T> m, Vector512<T> a)
        where T : unmanaged, System.Numerics.INumberBase<T>
    {
        Vector512<T> c0 = a, c1 = a + a, c2 = c1 + a, c3 = c2 + a, c4 = c3 + a, c5 = c4 + a;
        Vector512<T> c6 = c5 + a, c7 = c6 + a, c8 = c7 + a, c9 = c8 + a, c10 = c9 + a, c11 = c10 + a;
        for (int i = 0; i < n; i++)
        {
            c0 = Fma(c0, m, a);
            c1 = Fma(c1, m, a);
            c2 = Fma(c2, m, a);
            c3 = Fma(c3, m, a);
            c4 = Fma(c4, m, a);
            c5 = Fma(c5, m, a);
            c6 = Fma(c6, m, a);
            c7 = Fma(c7, m, a);
            c8 = Fma(c8, m, a);
            c9 = Fma(c9, m, a);
            c10 = Fma(c10, m, a);
            c11 = Fma(c11, m, a);
        }

        Vector512<T> s = c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11;
        return double.CreateTruncating(Vector512.Sum(s));

        static Vector512<T> Fma(Vector512<T> x, Vector512<T> y, Vector512<T> z) => typeof(T) == typeof(double)
            ? Vector512.FusedMultiplyAdd(x.AsDouble(), y.AsDouble(), z.AsDouble()).As<double, T>()
            : Vector512.FusedMultiplyAdd(x.AsSingle(), y.AsSingle(), z.AsSingle()).As<float, T>();
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static double Loop128<T>(int n, Vector128<T> m, Vector128<T> a)
        where T : unmanaged, System.Numerics.INumberBase<T>
    {
        Vector128<T> c0 = a, c1 = a + a, c2 = c1 + a, c3 = c2 + a, c4 = c3 + a, c5 = c4 + a;
        Vector128<T> c6 = c5 + a, c7 = c6 + a, c8 = c7 + a, c9 = c8 + a, c10 = c9 + a, c11 = c10 + a;
        for (int i = 0; i < n; i++)
        {
            c0 = Fma(c0, m, a);
            c1 = Fma(c1, m, a);
            c2 = Fma(c2, m, a);
            c3 = Fma(c3, m, a);
            c4 = Fma(c4, m, a);
            c5 = Fma(c5, m, a);
            c6 = Fma(c6, m, a);
            c7 = Fma(c7, m, a);
            c8 = Fma(c8, m, a);
            c9 = Fma(c9, m, a);
            c10 = Fma(c10, m, a);
            c11 = Fma(c11, m, a);
        }

        Vector128<T> s = c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11;
        return double.CreateTruncating(Vector128.Sum(s));

        static Vector128<T> Fma(Vector128<T> x, Vector128<T> y, Vector128<T> z) => typeof(T) == typeof(double)
            ? Vector128.FusedMultiplyAdd(x.AsDouble(), y.AsDouble(), z.AsDouble()).As<double, T>()
            : Vector128.FusedMultiplyAdd(x.AsSingle(), y.AsSingle(), z.AsSingle()).As<float, T>();
    }
}
