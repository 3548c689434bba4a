using System.Diagnostics;
using System.Runtime.InteropServices;
using Downhill.Cuda.Kernels;
using Downhill.Optimizers;

namespace Downhill.Cuda.Tests;

/// <summary>
/// The optimizers' CUDA update kernels: they compile with NVRTC and assemble with ptxas, and, compiled as host C++
/// with g++ (a shim for the CUDA keywords), every algorithm's kernel gives the bits of <see cref="Optimizer.Step{T}"/>.
/// </summary>
public class OptimizerKernelTests
{
    private const string Shim = """
        #include <cmath>
        #include <cstring>
        struct dh_dim3 { unsigned x, y, z; };
        static dh_dim3 blockIdx, threadIdx, blockDim;
        #define __global__
        #define __device__
        #define __forceinline__ inline
        """;

    private const string Driver = """
        #define DH_K(name) if (std::strcmp(kernel, #name) == 0) { name(n, p, g, s0, s1, vel, hv, h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8], mu, mu2, opm, mode, clip); continue; }
        extern "C" int host_step(const char* kernel, int n, dh_real* p, dh_real* g, dh_real* s0, dh_real* s1, dh_real* vel, const dh_real* hv,
            const dh_real* h, dh_real mu, dh_real mu2, dh_real opm, int mode, dh_real clip)
        {
            blockDim.x = 256;
            for (int j = 0; j < n; j++)
            {
                blockIdx.x = j / 256; threadIdx.x = j % 256;
                DH_K(dh_opt_sgd) DH_K(dh_opt_rprop) DH_K(dh_opt_adagrad) DH_K(dh_opt_rmsprop) DH_K(dh_opt_adadelta)
                DH_K(dh_opt_esgd) DH_K(dh_opt_adam) DH_K(dh_opt_adamw)
                return 1;
            }
            return 0;
        }
        """;

    private static readonly Lazy<nint> DoubleLibrary = new(() => BuildHost(single: false));
    private static readonly Lazy<nint> FloatLibrary = new(() => BuildHost(single: true));

    public static TheoryData<string, string, bool> Targets => new()
    {
        { "compute_80", "sm_80", false }, { "compute_90", "sm_90", false },
        { "compute_80", "sm_80", true }, { "compute_90", "sm_90", true },
    };

    public static TheoryData<Algo, double, bool, double, double> Settings()
    {
        var data = new TheoryData<Algo, double, bool, double, double>();
        foreach (Algo algo in Enum.GetValues<Algo>())
        {
            data.Add(algo, 0, false, 0, 0);
            data.Add(algo, 0.9, false, 0.05, 0);
            data.Add(algo, 0.5, true, 0, 0);
            data.Add(algo, 0, false, 0, 0.5);
        }

        return data;
    }

    [NvrtcTheory]
    [MemberData(nameof(Targets))]
    public void Every_update_kernel_compiles_and_assembles(string virtualArch, string realArch, bool single)
    {
        string ptx = Nvrtc.CompileToPtx(OptimizerKernels.Source(single), virtualArch, OptimizerKernels.CompileOptions);

        foreach (string name in Enum.GetValues<Algo>().Select(OptimizerKernels.KernelName).Append("dh_opt_sumsq").Append("dh_opt_clip_norm"))
        {
            Assert.Contains($".entry {name}(", ptx, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("fma.rn", ptx, StringComparison.Ordinal);
        Assert.True(CudaTools.Assemble(ptx, realArch) > 0);
    }

    [GxxTheory]
    [MemberData(nameof(Settings))]
    public void The_double_kernels_step_as_the_cpu_does_bit_for_bit(Algo algo, double momentum, bool nesterov, double maxElem, double maxNorm) =>
        Compare<double>(algo, momentum, nesterov, maxElem, maxNorm);

    [GxxTheory]
    [MemberData(nameof(Settings))]
    public void The_float_kernels_step_as_the_cpu_does_bit_for_bit(Algo algo, double momentum, bool nesterov, double maxElem, double maxNorm) =>
        Compare<float>(algo, momentum, nesterov, maxElem, maxNorm);

    private static unsafe void Compare<T>(Algo algo, double momentum, bool nesterov, double maxElem, double maxNorm)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var options = new TrainingOptions { Algo = algo, Momentum = momentum, MaxGradientElem = maxElem, MaxGradientNorm = maxNorm, Seed = 3 };
        if (algo != Algo.AdaDelta)
        {
            options.LearningRate = 0.01;
        }

        if (nesterov && algo != Algo.Nag)
        {
            options.Nesterov = true;
        }

        Optimizer cpu = Optimizer.Create(algo, options);
        var kernelOptimizer = Optimizer.Create(algo, options);
        const int n = 37;
        var random = new Random(7);
        T[] p = [.. Enumerable.Range(0, n).Select(_ => T.CreateTruncating(random.NextDouble() * 2 - 1))];
        T[] q = (T[])p.Clone();
        T[] s0 = new T[n], s1 = new T[n], vel = new T[n], hv = new T[n];
        if (algo == Algo.RProp)
        {
            Array.Fill(s0, T.CreateTruncating(options.LearningRate));
        }

        nint library = typeof(T) == typeof(float) ? FloatLibrary.Value : DoubleLibrary.Value;
        var step = (delegate* unmanaged<byte*, int, T*, T*, T*, T*, T*, T*, T*, T, T, T, int, T, int>)NativeLibrary.GetExport(library, "host_step");
        byte[] name = [.. System.Text.Encoding.ASCII.GetBytes(OptimizerKernels.KernelName(algo)), 0];
        for (int t = 1; t <= 6; t++)
        {
            T[] g = [.. Enumerable.Range(0, n).Select(j => T.CreateTruncating(Math.Sin((j + 1) * t * 0.7) * (j % 5 == 0 ? 3 : 0.2)))];
            T[] gk = (T[])g.Clone();
            cpu.Step([p], [g], (r, product) =>
            {
                for (int j = 0; j < n; j++)
                {
                    product[0][j] = (r[0][j] * T.CreateTruncating(0.5)) + p[j];
                }

                product[0].CopyTo(hv, 0);
            });

            // Norm clipping runs in its own kernels on the device; here the host applies Optimizer.Clip itself.
            if (maxElem == 0 && maxNorm > 0)
            {
                ClipNorm(gk, maxNorm);
            }

            T[] h = CudaOptimizerConstants<T>(kernelOptimizer, t);
            T mu = T.CreateTruncating(momentum);
            int mode = momentum == 0 ? 0 : cpu.Nesterov ? 2 : 1;
            T clip = maxElem > 0 ? T.CreateTruncating(maxElem) : T.Zero;
            fixed (byte* kn = name)
            fixed (T* pp = q, gp = gk, a = s0, b = s1, v = vel, hp = hv, hh = h)
            {
                Assert.Equal(0, step(kn, n, pp, gp, a, b, v, hp, hh, mu, mu * mu, T.One + mu, mode, clip));
            }

            Assert.Equal(p, q);
            Assert.Equal(g, gk);
        }
    }

    private static void ClipNorm<T>(T[] g, double max)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        double sq = 0;
        foreach (T x in g)
        {
            double d = double.CreateTruncating(x);
            sq += d * d;
        }

        double norm = Math.Sqrt(sq);
        if (norm > max)
        {
            T scale = T.CreateTruncating(max / norm);
            for (int j = 0; j < g.Length; j++)
            {
                g[j] *= scale;
            }
        }
    }

    /// <summary>The constants <see cref="Training.CudaOptimizer{T}"/> passes at step <paramref name="t"/>.</summary>
    private static T[] CudaOptimizerConstants<T>(Optimizer optimizer, long t)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> =>
        Training.CudaOptimizer<T>.ConstantsAt(optimizer, t);

    private static nint BuildHost(bool single)
    {
        string folder = Directory.CreateTempSubdirectory("downhill-gxx-").FullName;
        string source = Path.Combine(folder, "opt.cpp");
        string library = Path.Combine(folder, "libopt.so");
        File.WriteAllText(source, Shim + "\n" + OptimizerKernels.Source(single) + "\n" + Driver);
        var start = new ProcessStartInfo("g++", ["-O2", "-ffp-contract=off", "-shared", "-fPIC", "-o", library, source]) { RedirectStandardError = true };
        using var p = Process.Start(start)!;
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, err);
        return NativeLibrary.Load(library);
    }
}

/// <summary>A theory that needs g++ on the PATH; skipped where there is none.</summary>
public sealed class GxxTheoryAttribute : TheoryAttribute
{
    public GxxTheoryAttribute()
    {
        bool found = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(d => File.Exists(Path.Combine(d, "g++")));
        if (!found)
        {
            Skip = "g++ is not on the PATH (apt-get install g++)";
        }
    }
}
