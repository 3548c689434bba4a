using System.Numerics;
using System.Runtime.Intrinsics;
using Downhill.Kernels;

namespace Downhill.Runtime.Tests.Kernels;

/// <summary>
/// The matrix-product kernels against a naive reference that computes each element as the sequential
/// fused-multiply-add chain the kernels promise: every path, shape, layout and thread count must give its bits.
/// </summary>
public class MatrixProductTests
{
    /// <summary>m, n, k: ones, odd sizes, sizes around the 6-row and 4/8/16/32-column tiles, sizes that cross
    /// the 96-row, 256-deep and 1024-column blocks, and both sides of the 256 uses below which a row-major operand
    /// is read in place rather than packed (n for A, m for B).</summary>
    public static readonly TheoryData<int, int, int> Shapes = new()
    {
        { 1, 1, 1 },
        { 1, 7, 3 },
        { 5, 1, 9 },
        { 6, 16, 4 },
        { 7, 17, 5 },
        { 13, 33, 31 },
        { 12, 8, 1 },
        { 97, 10, 37 },
        { 200, 9, 11 },
        { 13, 19, 600 },
        { 7, 1030, 3 },
        { 64, 64, 300 },
        { 300, 40, 20 },
        { 257, 270, 9 },
    };

    internal static KernelPath[] Paths()
    {
        var paths = new List<KernelPath> { KernelPath.Scalar, KernelPath.Auto };
        if (Vector128.IsHardwareAccelerated)
        {
            paths.Add(KernelPath.Vector128);
        }

        if (Vector256.IsHardwareAccelerated)
        {
            paths.Add(KernelPath.Vector256);
        }

        if (Vector512.IsHardwareAccelerated)
        {
            paths.Add(KernelPath.Vector512);
        }

        return [.. paths];
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Every_path_layout_and_mode_equals_the_fma_chain_reference_double(int m, int n, int k)
        => CheckEveryPath<double>(m, n, k, seed: m * 10007 + n * 101 + k);

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Every_path_layout_and_mode_equals_the_fma_chain_reference_float(int m, int n, int k)
        => CheckEveryPath<float>(m, n, k, seed: m * 10009 + n * 103 + k);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(8)]
    public void Thread_count_does_not_change_the_bits(int threads)
    {
        foreach ((int m, int n, int k) in new[] { (301, 70, 129), (11, 900, 65), (64, 784, 130) })
        {
            var rng = new Random(threads * 31 + m);
            double[] a = Random<double>(rng, m * k), b = Random<double>(rng, k * n), c = Random<double>(rng, m * n);
            double[] expected = Reference(false, false, m, n, k, a, k, b, n, c, n, accumulate: true);
            MatrixProducts.Multiply(false, false, m, n, k, a, k, b, n, c, n, accumulate: true, threads);
            Assert.Equal(Bits(expected), Bits(c));

            float[] af = Random<float>(rng, m * k), bf = Random<float>(rng, n * k), cf = new float[m * n];
            float[] expectedF = Reference(false, true, m, n, k, af, k, bf, k, cf, n, accumulate: false);
            MatrixProducts.Multiply(false, true, m, n, k, af, k, bf, k, cf, n, accumulate: false, threads);
            Assert.Equal(Bits(expectedF), Bits(cf));
        }
    }

    [Fact]
    public void A_strided_output_keeps_the_elements_between_its_rows()
    {
        const int m = 9, n = 11, k = 5, ldc = 20;
        var rng = new Random(5);
        double[] a = Random<double>(rng, m * k), b = Random<double>(rng, k * n), c = Random<double>(rng, m * ldc);
        double[] expected = Reference(false, false, m, n, k, a, k, b, n, c, ldc, accumulate: false);
        foreach (KernelPath path in Paths())
        {
            double[] got = (double[])c.Clone();
            MatrixProducts.Multiply(path, false, false, m, n, k, a, k, b, n, got, ldc, accumulate: false, threads: 1);

            // The reference leaves the elements between rows as they were, so equal bits mean the kernel did too.
            Assert.Equal(Bits(expected), Bits(got));
        }
    }

    [Fact]
    public void An_empty_reduction_zeroes_when_overwriting_and_keeps_when_accumulating()
    {
        double[] c = [1, 2, 3, 4, 5, 6];
        MatrixProducts.Multiply<double>(false, false, 2, 3, 0, [], 0, [], 3, c, 3, accumulate: true);
        Assert.Equal([1, 2, 3, 4, 5, 6], c);
        MatrixProducts.Multiply<double>(false, false, 2, 3, 0, [], 0, [], 3, c, 3, accumulate: false);
        Assert.All(c, v => Assert.Equal(0.0, v));
    }

    [Fact]
    public void Wrong_shapes_are_exceptions_naming_the_argument()
    {
        var w = new double[6];
        var x = new double[6];
        var s = new double[4];
        Assert.Equal("x", Assert.Throws<ArgumentException>(() => MatrixProducts.MatrixTimesBatch<double>(w, 2, 3, x.AsSpan(0, 5), 2, s, false)).ParamName);
        Assert.Equal("s", Assert.Throws<ArgumentException>(() => MatrixProducts.MatrixTimesBatch<double>(w, 2, 3, x, 2, s.AsSpan(0, 3), false)).ParamName);
        Assert.Equal("w", Assert.Throws<ArgumentException>(() => MatrixProducts.BatchTimesMatrix<double>(s, w.AsSpan(0, 5), 2, 2, 3, x, false)).ParamName);
        Assert.Equal("dw", Assert.Throws<ArgumentException>(() => MatrixProducts.AccumulateOuterProducts<double>(s, x, 2, 2, 3, w.AsSpan(0, 2))).ParamName);
        Assert.Equal("ldc", Assert.Throws<ArgumentOutOfRangeException>(() => MatrixProducts.Multiply<double>(false, false, 2, 3, 2, w, 2, x, 3, new double[6], 2, false)).ParamName);
        Assert.Equal("threads", Assert.Throws<ArgumentOutOfRangeException>(() => MatrixProducts.MatrixTimesBatch<double>(w, 2, 3, x, 2, s, false, threads: 0)).ParamName);
        Assert.Equal("batch", Assert.Throws<ArgumentOutOfRangeException>(() => MatrixProducts.MatrixTimesBatch<double>(w, 2, 3, x, -1, s, false)).ParamName);
    }

    [Fact]
    public void The_kernels_agree_with_an_ordinary_sum_to_rounding()
    {
        // A guard on the reference itself: the FMA chain is a dot product, not merely a reproducible number.
        const int m = 17, n = 23, k = 301;
        var rng = new Random(11);
        double[] a = Random<double>(rng, m * k), b = Random<double>(rng, k * n), c = new double[m * n];
        MatrixProducts.Multiply(false, false, m, n, k, a, k, b, n, c, n, accumulate: false);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int p = 0; p < k; p++)
                {
                    sum += a[i * k + p] * b[p * n + j];
                }

                Assert.True(Math.Abs(sum - c[i * n + j]) <= 1e-12 * k, $"C[{i}, {j}] = {c[i * n + j]}, the plain sum is {sum}");
            }
        }
    }

    private static void CheckEveryPath<T>(int m, int n, int k, int seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Random(seed);
        foreach (bool ta in new[] { false, true })
        {
            foreach (bool tb in new[] { false, true })
            {
                int lda = ta ? m : k, ldb = tb ? k : n;
                T[] a = Random<T>(rng, m * k), b = Random<T>(rng, k * n), c0 = Random<T>(rng, m * n);
                foreach (bool accumulate in new[] { false, true })
                {
                    T[] expected = Reference(ta, tb, m, n, k, a, lda, b, ldb, c0, n, accumulate);
                    foreach (KernelPath path in Paths())
                    {
                        T[] c = (T[])c0.Clone();
                        MatrixProducts.Multiply(path, ta, tb, m, n, k, a, lda, b, ldb, c, n, accumulate, threads: 1);
                        Assert.True(Bits(expected).SequenceEqual(Bits(c)), $"{path}, transposeA={ta}, transposeB={tb}, accumulate={accumulate}: bits differ from the FMA-chain reference");
                    }
                }
            }
        }
    }

    /// <summary>C (+)= op(A)·op(B), each element acc = fma(A[i,p], B[p,j], acc) for p = 0, 1, ... in order.</summary>
    internal static T[] Reference<T>(bool ta, bool tb, int m, int n, int k, T[] a, int lda, T[] b, int ldb, T[] c, int ldc, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] result = (T[])c.Clone();
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                T acc = accumulate ? c[i * ldc + j] : T.Zero;
                for (int p = 0; p < k; p++)
                {
                    T x = ta ? a[p * lda + i] : a[i * lda + p];
                    T y = tb ? b[j * ldb + p] : b[p * ldb + j];
                    acc = T.FusedMultiplyAdd(x, y, acc);
                }

                result[i * ldc + j] = acc;
            }
        }

        return result;
    }

    internal static T[] Random<T>(Random rng, int length)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var values = new T[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = T.CreateTruncating(rng.NextDouble() * 2 - 1);
        }

        return values;
    }

    internal static long[] Bits<T>(T[] values)
        where T : unmanaged, IFloatingPointIeee754<T>
        => typeof(T) == typeof(double)
            ? [.. ((double[])(object)values).Select(BitConverter.DoubleToInt64Bits)]
            : [.. ((float[])(object)values).Select(v => (long)BitConverter.SingleToInt32Bits(v))];
}
