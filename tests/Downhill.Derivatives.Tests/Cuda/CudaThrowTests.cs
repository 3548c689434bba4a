using System.Runtime.InteropServices;

namespace Downhill.Derivatives.Tests.Cuda;

/// <summary>Losses whose device functions throw on bad input: a span function's checks, and a loss's own throw (and the Gaussian-process likelihood of docs/stdlib.md, which throws when its matrix is not positive definite).</summary>
public static partial class ThrowingLosses
{
    [Loss]
    public static double CholeskyDiagonal([Param] ReadOnlySpan<double> a, double c)
    {
        double[] l = new double[9];
        Fn.Cholesky(a, 3, l);
        return Math.Log(l[0]) + (Math.Log(l[4]) * c) + (l[3] * l[8]);
    }

    [Loss]
    public static double SolveSum([Param] ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double[] x = new double[2];
        Fn.Solve(a, b, 2, x);
        return Fn.Sum(x) * Fn.Sum(x);
    }

    [Loss]
    public static float OwnThrowF([Param] float w, float x)
    {
        if (x < 0)
        {
            throw new InvalidOperationException("x < 0: \"quoted\" \\ */ ??= é ✓\ttab");
        }

        return w * w * x;
    }

    /// <summary>The Gaussian-process likelihood of docs/stdlib.md (Cholesky, CholeskySolve, LogDet), n from the row's length.</summary>
    [Loss]
    public static double GaussianProcessNll([Param] double logLength, [Param] double logNoise, ReadOnlySpan<double> xs, ReadOnlySpan<double> ys)
    {
        int n = xs.Length;
        double[] k = new double[n * n];
        double inverseLength2 = Math.Exp(-2 * logLength);
        double noise = Math.Exp(2 * logNoise);
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double d = xs[i] - xs[j];
                k[(i * n) + j] = Math.Exp(-0.5 * d * d * inverseLength2) + (i == j ? noise : 0);
            }
        }

        double[] l = new double[n * n];
        Fn.Cholesky(k, n, l);
        double[] alpha = new double[n];
        Fn.CholeskySolve(l, ys, n, alpha);
        return (0.5 * Fn.Dot(ys, alpha)) + (0.5 * Fn.LogDet(k, n)) + (0.5 * n * Math.Log(2 * Math.PI));
    }
}

/// <summary>
/// A throw in device code (docs/cuda.md, Errors): through the host-compiled device functions, an input the C#
/// path refuses leaves the error record of the row and the number of a message that is exactly the C# path's
/// exception type and message, for the loss, the gradient and the HVP; good input leaves the record empty and
/// the values equal; and the record keeps the lowest key, as the kernels' atomicMin does.
/// </summary>
public sealed unsafe class CudaThrowTests
{
    private const ulong NoError = CudaHostCheckTests.NoError;

    private static readonly Lazy<HostLibrary> Library = new(() => HostLibrary.Of(
    [
        Describe("ThrowingLosses.CholeskyDiagonal", ThrowingLosses.CholeskyDiagonalLoss.Instance),
        Describe("ThrowingLosses.SolveSum", ThrowingLosses.SolveSumLoss.Instance),
        Describe("ThrowingLosses.OwnThrowF", ThrowingLosses.OwnThrowFLoss.Instance),
        Describe("ThrowingLosses.GaussianProcessNll", ThrowingLosses.GaussianProcessNllLoss.Instance),
    ]));

    private static readonly string[] Kinds = ["loss", "gradient", "hvp"];

    [Fact]
    public void ThrowingLossesHaveCudaSourceWithTheirMessagesInTheTable()
    {
        foreach (var c in Library.Value.Cases)
        {
            Assert.True(c.Source is not null, $"{c.Case.Name}: {c.Reason}");
            Assert.Contains("dh_report(dh_status, dh_r, dh_w.err)", c.Source, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void CholeskyOfAMatrixThatIsNotPositiveDefiniteRecordsTheCSharpMessage()
    {
        double[][] at = [[1, 2, 0, 2, 1, 0, 0, 0, 1]];
        Array[] columns = [new double[] { 0.7 }];
        AssertSameError<double, ArgumentException>("ThrowingLosses.CholeskyDiagonal", ThrowingLosses.CholeskyDiagonalLoss.Instance, at, columns, [1], "Fn.Cholesky: the matrix is not positive definite");
    }

    [Fact]
    public void SolveWithARightHandSideOfTheWrongLengthRecordsTheShapeCheck()
    {
        double[][] at = [[2, 1, 1, 3]];
        Array[] columns = [new double[] { 1, 2, 3 }];
        AssertSameError<double, ArgumentException>("ThrowingLosses.SolveSum", ThrowingLosses.SolveSumLoss.Instance, at, columns, [3], "Fn.Solve: the matrix must have n * n elements");
    }

    [Fact]
    public void SolveOfASingularMatrixRecordsTheCSharpMessage()
    {
        double[][] at = [[1, 2, 2, 4]];
        Array[] columns = [new double[] { 1, 2 }];
        AssertSameError<double, ArgumentException>("ThrowingLosses.SolveSum", ThrowingLosses.SolveSumLoss.Instance, at, columns, [2], "Fn.Solve: the matrix is singular");
    }

    [Fact]
    public void AMessageWithQuotesBackslashesAndNonAsciiComesBackExactly()
    {
        float[][] at = [[1.5f]];
        Array[] columns = [new float[] { -1 }];
        AssertSameError<float, InvalidOperationException>("ThrowingLosses.OwnThrowF", ThrowingLosses.OwnThrowFLoss.Instance, at, columns, [1], "x < 0: \"quoted\" \\ */ ??= é ✓\ttab");
    }

    [Fact]
    public void GoodInputLeavesTheRecordEmptyAndTheValuesEqual()
    {
        var library = Library.Value;
        var model = ThrowingLosses.CholeskyDiagonalLoss.Instance;
        double[][] at = [[4, 2, 0.5, 2, 3, 0.25, 0.5, 0.25, 2]];
        Array[] columns = [new double[] { 0.7 }];
        double[] expected = [model.SumLoss(at, [], Batch(columns, [1]), 0, 1)];
        foreach (string kind in Kinds)
        {
            ulong record = NoError;
            double host = Run(library, "ThrowingLosses.CholeskyDiagonal", kind, at, columns, [1], ref record);
            Assert.Equal(NoError, record);
            Assert.Equal(expected[0], host, 12);
        }
    }

    [Fact]
    public void TheRecordKeepsTheLowestRowAndMessage()
    {
        var library = Library.Value;
        double[][] at = [[1, 2, 0, 2, 1, 0, 0, 0, 1]];
        Array[] columns = [new double[] { 0.7 }];
        ulong record = NoError;
        Run(library, "ThrowingLosses.CholeskyDiagonal", "loss", at, columns, [1], ref record);
        Assert.Equal(0UL, record >> 16);
        ulong own = record;

        // A lower key already there (another thread's) stays; a higher one (a later row's) is replaced.
        ulong lower = own - 1;
        record = lower;
        Run(library, "ThrowingLosses.CholeskyDiagonal", "loss", at, columns, [1], ref record);
        Assert.Equal(lower, record);
        record = (5UL << 16) | 1;
        Run(library, "ThrowingLosses.CholeskyDiagonal", "loss", at, columns, [1], ref record);
        Assert.Equal(own, record);
    }

    [Fact]
    public void TheGaussianProcessLikelihoodMatchesTheCSharpDerivativesWithinItsWorkspaceBound()
    {
        var library = Library.Value;
        var model = ThrowingLosses.GaussianProcessNllLoss.Instance;
        string prefix = library.Cases.Single(c => c.Case.Name == "ThrowingLosses.GaussianProcessNll").Prefix;
        var random = new Random(8);
        int examples = 0;
        foreach (int n in new[] { 1, 4, 7 })
        {
            var xs = new double[3, n];
            var ys = new double[3, n];
            for (int r = 0; r < 3; r++)
            {
                for (int j = 0; j < n; j++)
                {
                    xs[r, j] = 3 * random.NextDouble();
                    ys[r, j] = Math.Sin(xs[r, j]);
                }
            }

            string problems = CudaHostCheckTests.Check(library, prefix, model, [[0.2], [-0.8]], [], [xs, ys], 1e-11, n, ref examples);
            Assert.True(problems.Length == 0, $"n = {n}:\n{problems}");
        }

        Assert.Equal(9, examples);
    }

    private static CudaCase Describe(string name, object model) =>
        HostLibrary.Describe(new LossCase(name, _ => throw new InvalidOperationException("not a corpus loss")) { Model = model });

    /// <summary>The C# path throws <typeparamref name="TException"/>; every host kind records row 0 and a message number whose table entry is that type and message.</summary>
    private static void AssertSameError<T, TException>(string name, ILossModel<T> model, T[][] at, Array[] columns, int[] widths, string messageStart)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        where TException : Exception
    {
        var library = Library.Value;
        var batch = Batch(columns, widths);
        T[][] tangent = [.. at.Select(p => p.Select((_, j) => T.CreateChecked(0.25 * (j + 1))).ToArray())];
        Exception[] expected =
        [
            Assert.Throws<TException>(() => model.SumLoss(at, [], batch, 0, 1)),
            Assert.Throws<TException>(() => model.SumGradient(at, [], batch, 0, 1, [.. at.Select(p => new T[p.Length])])),
            Assert.Throws<TException>(() => model.SumHessianVector(at, [], batch, 0, 1, tangent, [.. at.Select(p => new T[p.Length])])),
        ];
        string prefix = library.Cases.Single(c => c.Case.Name == name).Prefix;
        var table = (delegate* unmanaged<int, int, byte*>)library.Export(prefix, "error");
        for (int kind = 0; kind < 3; kind++)
        {
            Assert.IsType<TException>(expected[kind]);
            Assert.StartsWith(messageStart, expected[kind].Message, StringComparison.Ordinal);
            ulong record = NoError;
            double value = Run(library, name, Kinds[kind], at, columns, widths, ref record);
            Assert.NotEqual(NoError, record);
            Assert.Equal(0UL, record >> 16);
            int number = (int)(record & 0xFFFF);
            Assert.Equal(typeof(TException).FullName, Marshal.PtrToStringUTF8((nint)table(number, 0)));
            Assert.Equal(expected[kind].Message, Marshal.PtrToStringUTF8((nint)table(number, 1)));
            Assert.True(double.IsNaN(value), $"{Kinds[kind]}: an example that threw returns NaN, not {value}");
        }

        Assert.True(table(0, 1) is null, "message 0 is not in the table");
    }

    private static DataBatch Batch(Array[] columns, int[] widths) => new(columns, widths, 0, 1);

    /// <summary>One host wrapper on the one row of <paramref name="columns"/> (all real, row-major = lane-major for one row).</summary>
    private static double Run<T>(HostLibrary library, string name, string kind, T[][] at, Array[] columns, int[] widths, ref ulong record)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        string prefix = library.Cases.Single(c => c.Case.Name == name).Prefix;
        int[] shape = [.. at.Select(p => p.Length), .. widths];
        long[] slots = new long[6];
        fixed (int* s = shape)
        fixed (long* o = slots)
        {
            ((delegate* unmanaged<int*, long*, void>)library.Export(prefix, "workspace"))(s, o);
        }

        int k = Array.IndexOf(Kinds, kind);
        T[] flat = [.. at.SelectMany(p => p)];
        T[] data = [.. columns.SelectMany(c => (T[])c)];
        T[]? tangent = k == 2 ? [.. flat.Select((_, j) => T.CreateChecked(0.25 * (j + 1)))] : null;
        T[]? output = k > 0 ? new T[flat.Length] : null;
        var work = new T[slots[2 * k] + 1];
        var iwork = new int[slots[(2 * k) + 1] + 1];
        return CudaHostCheckTests.HostCall(library, prefix, kind, flat, [], data, [], shape, tangent, output, work, iwork, ref record);
    }
}
