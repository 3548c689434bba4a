namespace Downhill.Derivatives.Tests;

/// <summary>Losses for the tests below (not in the corpus: they are checked at chosen points, not on a domain).</summary>
public static partial class LibraryLosses
{
    [Loss]
    public static double NormOnly([Param] ReadOnlySpan<double> w) => Fn.Norm(w);

    [Loss]
    public static double MaxOnly([Param] ReadOnlySpan<double> w) => Fn.Max(w);

    [Loss]
    public static double DotWithData([Param] ReadOnlySpan<double> w, ReadOnlySpan<double> x) => Fn.Dot(w, x);

    [Loss]
    public static double LogDetOnly([Param] ReadOnlySpan<double> a) => Fn.LogDet(a, 2);

    [Loss]
    public static double SolveOnly([Param] ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double[] x = new double[2];
        Fn.Solve(a, b, 2, x);
        return Fn.Sum(x);
    }
}

/// <summary>
/// The span functions of <see cref="Fn"/>: the linear algebra at every size from 1 to 6 in every mode, the defined
/// derivatives at non-differentiable points, bad input as exceptions naming the function (from generated derivatives
/// and from plain calls alike), and the values against independent computations.
/// </summary>
public class StandardLibraryTests
{
    public static TheoryData<int, int> SizedCases()
    {
        var data = new TheoryData<int, int>();
        for (int k = 0; k < CorpusCases.SizedDomains.Length; k++)
        {
            for (int n = 1; n <= 6; n++)
            {
                data.Add(k, n);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SizedCases))]
    public void LinearAlgebraMatchesFiniteDifferencesAtEverySizeFromOneToSix(int loss, int n)
    {
        var (model, domain) = CorpusCases.SizedDomains[loss];
        var s = domain(new Random(100 + n), n);
        var report = GradientCheck.Run(model, s.At, s.Hypers, s.Columns, new GradientCheckOptions { Points = 1, Perturbation = 0.01, Seed = n });
        Assert.True(report.Passed, $"n = {n}\n{report}");
    }

    [Fact]
    public void NormHasDerivativeZeroAtZero()
    {
        double[] w = [0, 0, 0];
        double[] dw = new double[3], hw = new double[3];
        Assert.Equal(0, LibraryLosses.NormOnlyGradient(w, dw));
        Assert.Equal(new double[] { 0, 0, 0 }, dw);
        var (value, tangent) = LibraryLosses.NormOnlyTangent(w, [1, 2, 3]);
        Assert.Equal((0.0, 0.0), (value, tangent));
        LibraryLosses.NormOnlyHessianVector(w, [1, 2, 3], hw);
        Assert.Equal(new double[] { 0, 0, 0 }, hw);

        // Away from 0: x / |x|.
        LibraryLosses.NormOnlyGradient([3, 4, 0], dw);
        Assert.Equal(new double[] { 0.6, 0.8, 0 }, dw, (u, v) => Math.Abs(u - v) < 1e-15);
    }

    [Fact]
    public void MaxGivesATieToTheFirstLargestElement()
    {
        double[] dw = new double[3];
        Assert.Equal(3, LibraryLosses.MaxOnlyGradient([1, 3, 3], dw));
        Assert.Equal(new double[] { 0, 1, 0 }, dw);
    }

    [Fact]
    public void NotPositiveDefiniteIsAnExceptionNamingTheFunctionInEveryModeAndTheTapeRecovers()
    {
        double[] notPd = [1, 2, 2, 1];
        double[] da = new double[4];
        string Message(Action a) => Assert.Throws<ArgumentException>(a).Message;
        foreach (var message in new[]
        {
            Message(() => LibraryLosses.LogDetOnlyGradient(notPd, da)),
            Message(() => LibraryLosses.LogDetOnlyTangent(notPd, [1, 0, 0, 0])),
            Message(() => LibraryLosses.LogDetOnlyHessianVector(notPd, [1, 0, 0, 0], da)),
            Message(() => Fn.LogDet(notPd, 2)),
            Message(() => Fn.Cholesky(notPd, 2, new double[4])),
        })
        {
            Assert.Contains("Fn.Cholesky", message);
            Assert.Contains("not positive definite", message);
        }

        // log det [[2, 1], [1, 2]] = log 3; its gradient on the lower triangle: A⁻¹ = [[2, -1], [-1, 2]] / 3, the
        // off-diagonal pair read once (as 2·(-1/3)).
        Array.Clear(da);
        Assert.Equal(Math.Log(3), LibraryLosses.LogDetOnlyGradient([2, 1, 1, 2], da), 12);
        Assert.Equal(2.0 / 3, da[0], 12);
        Assert.Equal(0, da[1]);
        Assert.Equal(-2.0 / 3, da[2], 12);
        Assert.Equal(2.0 / 3, da[3], 12);
    }

    [Fact]
    public void SingularAndMismatchedInputAreExceptionsNamingTheFunction()
    {
        double[] singular = [1, 2, 2, 4];
        Assert.Equal("Fn.Solve: the matrix is singular.", Assert.Throws<ArgumentException>(() => LibraryLosses.SolveOnlyGradient(singular, [1, 1], new double[4])).Message);
        Assert.Equal("Fn.Solve: the matrix is singular.", Assert.Throws<ArgumentException>(() => Fn.Solve(singular, [1.0, 1], 2, new double[2])).Message);
        Assert.Equal("Fn.Inverse: the matrix is singular.", Assert.Throws<ArgumentException>(() => Fn.Inverse(singular, 2, new double[4])).Message);
        Assert.Equal(0, Fn.Det(singular, 2));
        Assert.StartsWith("Fn.Dot:", Assert.Throws<ArgumentException>(() => LibraryLosses.DotWithDataGradient([1, 2, 3], [1, 2], new double[3])).Message);
        Assert.StartsWith("Fn.Max:", Assert.Throws<ArgumentException>(() => Fn.Max(ReadOnlySpan<double>.Empty)).Message);
        Assert.StartsWith("Fn.MatVec:", Assert.Throws<ArgumentException>(() => Fn.MatVec([1.0, 2], [1.0], 2, 2, new double[2])).Message);
    }

    [Fact]
    public void ValuesMatchIndependentComputations()
    {
        double[] x = [3, -1, 4, 1, -5];
        Assert.Equal(2, Fn.Sum(x));
        Assert.Equal(0.4, Fn.Mean(x), 14);
        Assert.Equal(x.Select(v => (v - 0.4) * (v - 0.4)).Sum() / 5, Fn.Variance(x), 12);
        Assert.Equal(Math.Sqrt(x.Select(v => (v - 0.4) * (v - 0.4)).Sum() / 5), Fn.StdDev(x), 12);
        Assert.Equal(60, Fn.Prod(x));
        Assert.Equal((4.0, -5.0), (Fn.Max(x), Fn.Min(x)));
        Assert.Equal(Math.Sqrt(52), Fn.Norm(x), 14);
        Assert.Equal(52, Fn.SquaredNorm(x));

        var sorted = new double[5];
        Fn.Sort(x, sorted);
        Assert.Equal(x.Order().ToArray(), sorted);

        var p = new double[5];
        Fn.Softmax(x, p);
        double z = x.Sum(Math.Exp);
        Assert.Equal(x.Select(v => Math.Exp(v) / z).ToArray(), p, (a, b) => Math.Abs(a - b) < 1e-15);
        var logp = new double[5];
        Fn.LogSoftmax(x, logp);
        Assert.Equal(x.Select(v => v - Math.Log(z)).ToArray(), logp, (a, b) => Math.Abs(a - b) < 1e-14);

        // A = [[4, 2, 0], [2, 5, 1], [0, 1, 3]]: L Lᵀ = A, A x = b, A A⁻¹ = I, det A = 4·14 - 2·6 = 44.
        double[] a = [4, 2, 0, 2, 5, 1, 0, 1, 3];
        var l = new double[9];
        Fn.Cholesky(a, 3, l);
        var lt = new double[9];
        for (int i = 0; i < 3; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                lt[(i * 3) + j] = l[(j * 3) + i];
            }
        }

        var product = new double[9];
        Fn.MatMul(l, lt, 3, 3, 3, product);
        Assert.Equal(a, product, (u, v) => Math.Abs(u - v) < 1e-14);
        Assert.Equal(44, Fn.Det(a, 3), 12);
        Assert.Equal(Math.Log(44), Fn.LogDet(a, 3), 12);
        Assert.Equal(12, Fn.Trace(a, 3));

        double[] b = [1, -2, 3];
        var solved = new double[3];
        Fn.Solve(a, b, 3, solved);
        var back = new double[3];
        Fn.MatVec(a, solved, 3, 3, back);
        Assert.Equal(b, back, (u, v) => Math.Abs(u - v) < 1e-14);
        var byFactor = new double[3];
        Fn.CholeskySolve(l, b, 3, byFactor);
        Assert.Equal(solved, byFactor, (u, v) => Math.Abs(u - v) < 1e-14);

        var inverse = new double[9];
        Fn.Inverse(a, 3, inverse);
        Fn.MatMul(a, inverse, 3, 3, 3, product);
        Assert.Equal(new double[] { 1.0, 0, 0, 0, 1, 0, 0, 0, 1 }, product, (u, v) => Math.Abs(u - v) < 1e-14);

        var outer = new double[6];
        Fn.Outer([1.0, 2], [3.0, 4, 5], outer);
        Assert.Equal(new double[] { 3.0, 4, 5, 6, 8, 10 }, outer);
        var cum = new double[5];
        Fn.CumSum(x, cum);
        Assert.Equal(new double[] { 3.0, 2, 6, 7, 2 }, cum);
        var clipped = new double[5];
        Fn.Clip(x, -1, 2, clipped);
        Assert.Equal(new double[] { 2.0, -1, 2, 1, -1 }, clipped);
        var chosen = new double[5];
        Fn.Where([1, 0, 1, 0, 0], x, clipped, chosen);
        Assert.Equal(new double[] { 3.0, -1, 4, 1, -1 }, chosen);
    }
}
