using Downhill.Derivatives.Tests.Corpus;

namespace Downhill.Derivatives.Tests;

/// <summary>
/// The generated entry points check their span arguments before any work (issue 8, item 21), and a loss whose
/// arguments and locals are named with C# keywords and generated names differentiates exactly (item 9).
/// </summary>
public partial class EntryPointTests
{
    private static readonly double[] W = [0.5, -0.25, 0.75, 0.1];
    private static readonly double[] X = [1.0, 2.0, -1.0, 0.5];

    [Fact]
    public void ShortGradientOutputNamesTheArgument()
    {
        double db = 0;
        var ex = Assert.Throws<ArgumentException>(() => Models.LogisticGradient(W, 0.2, X, 1, new double[3], ref db));

        Assert.Equal("dw", ex.ParamName);
        Assert.Contains("'w' has 4", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, db);
    }

    [Fact]
    public void ShortTangentOrHessianOutputNamesTheArgument()
    {
        double hb = 0;
        Assert.Equal("tw", Assert.Throws<ArgumentException>(() => Models.LogisticTangent(W, 0.2, X, 1, new double[2], 1.0)).ParamName);
        Assert.Equal("tw", Assert.Throws<ArgumentException>(() => Models.LogisticHessianVector(W, 0.2, X, 1, new double[2], 1.0, new double[4], ref hb)).ParamName);
        Assert.Equal("hw", Assert.Throws<ArgumentException>(() => Models.LogisticHessianVector(W, 0.2, X, 1, new double[4], 1.0, new double[0], ref hb)).ParamName);
    }

    [Fact]
    public void ShortFullOutputsNameTheArgument()
    {
        double db = 0, hb = 0;
        Assert.Equal("dx", Assert.Throws<ArgumentException>(() => Models.LogisticGradientFull(W, 0.2, X, 1, new double[4], ref db, new double[1])).ParamName);
        Assert.Equal("hx", Assert.Throws<ArgumentException>(() => Models.LogisticHessianVectorFull(W, 0.2, X, 1, new double[4], 1.0, new double[4], ref hb, new double[3])).ParamName);
    }

    [Fact]
    public void LongerOutputsAreAccepted()
    {
        double db = 0;
        var dw = new double[6];
        Models.LogisticGradient(W, 0.2, X, 1, dw, ref db);

        Assert.NotEqual(0, dw[0]);
        Assert.Equal(0, dw[4]);
    }

    [Loss]
    private static double Keywords([Param] ReadOnlySpan<double> @in, [Param] double @out, [Hyper] double @params, ReadOnlySpan<double> @checked, double dout)
    {
        double @double = 0;
        double __t0 = @out;
        for (int @for = 0; @for < @in.Length; @for++)
        {
            @double += @in[@for] * @checked[@for];
        }

        double @var = @double + __t0 - dout;
        return (@var * @var) + (@params * @out * @out);
    }

    [Fact]
    public void KeywordNamedLossMatchesItsClosedForm()
    {
        double[] w = [0.5, -1.5];
        double[] x = [2.0, 1.0];
        double o = 0.25, p = 0.1, y = 0.3;
        double e = (w[0] * x[0]) + (w[1] * x[1]) + o - y;
        var dw = new double[2];
        double @do = 0;

        double f = KeywordsGradient(w, o, p, x, y, dw, ref @do);

        Assert.Equal((e * e) + (p * o * o), f, 1e-14);
        Assert.Equal(2 * e * x[0], dw[0], 1e-14);
        Assert.Equal(2 * e * x[1], dw[1], 1e-14);
        Assert.Equal((2 * e) + (2 * p * o), @do, 1e-14);
    }
}
