using Downhill.Derivatives.Tests.Corpus;

namespace Downhill.Derivatives.Tests;

/// <summary>
/// The generated methods called directly with the exact signatures of the contract (DESIGN.md, "What the generator
/// writes"), against derivatives worked out by hand, and autograd's regression points.
/// </summary>
public class ContractTests
{
    private const double Exact = 1e-12;

    [Fact]
    public void SquaredGradientReturnsTheLossAndAddsToItsAdjoints()
    {
        double m = 1.5, b = -0.25, x = 2.0, y = 0.5;
        double e = (m * x) + b - y;
        double dm = 0, db = 0;

        double f = Models.SquaredGradient(m, b, x, y, ref dm, ref db);
        Assert.Equal(e * e, f, Exact);
        Assert.Equal(2 * e * x, dm, Exact);
        Assert.Equal(2 * e, db, Exact);

        // A second call adds: the outputs hold twice the gradient.
        Models.SquaredGradient(m, b, x, y, ref dm, ref db);
        Assert.Equal(4 * e * x, dm, Exact);
        Assert.Equal(4 * e, db, Exact);
    }

    [Fact]
    public void SquaredTangentIsTheDirectionalDerivative()
    {
        double m = 1.5, b = -0.25, x = 2.0, y = 0.5;
        double e = (m * x) + b - y;

        (double value, double tangent) = Models.SquaredTangent(m, b, x, y, 0.3, -0.7);

        Assert.Equal(e * e, value, Exact);
        Assert.Equal(2 * e * ((0.3 * x) - 0.7), tangent, Exact);
    }

    [Fact]
    public void SquaredHessianVectorAddsHTimesT()
    {
        double m = 1.5, b = -0.25, x = 2.0, y = 0.5, tm = 0.3, tb = -0.7;
        double hm = 1, hb = 1;

        double f = Models.SquaredHessianVector(m, b, x, y, tm, tb, ref hm, ref hb);

        // H = 2 [[x², x], [x, 1]]
        Assert.Equal(Math.Pow((m * x) + b - y, 2), f, Exact);
        Assert.Equal(1 + (2 * ((x * x * tm) + (x * tb))), hm, Exact);
        Assert.Equal(1 + (2 * ((x * tm) + tb)), hb, Exact);
    }

    [Fact]
    public void LogisticGradientTakesSpansAndAnIntLabel()
    {
        double[] w = [0.5, -0.25, 0.75, 0.1];
        double[] x = [1.0, 2.0, -1.0, 0.5];
        double b = 0.2;
        double z = b + w.Zip(x, (a, c) => a * c).Sum();
        var dw = new double[4];
        double db = 0;

        double f = Models.LogisticGradient(w, b, x, 1, dw, ref db);
        Models.LogisticGradient(w, b, x, 1, dw, ref db);

        // -log σ(z): d/dz = σ(z) − 1
        double s = 1 / (1 + Math.Exp(-z));
        Assert.Equal(-Math.Log(s), f, Exact);
        Assert.Equal(2 * (s - 1), db, Exact);
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(2 * (s - 1) * x[i], dw[i], Exact);
        }

        double db0 = 0;
        var dw0 = new double[4];
        Models.LogisticGradient(w, b, x, 0, dw0, ref db0);
        Assert.Equal(s, db0, Exact);
    }

    [Fact]
    public void LogisticTangentAndHessianVectorTakeSpanTangents()
    {
        double[] w = [0.5, -0.25, 0.75, 0.1];
        double[] x = [1.0, 2.0, -1.0, 0.5];
        double[] tw = [1, 0, -1, 2];
        double b = 0.2, tb = 0.5;
        double z = b + w.Zip(x, (a, c) => a * c).Sum();
        double dz = tb + tw.Zip(x, (a, c) => a * c).Sum();
        double s = 1 / (1 + Math.Exp(-z));

        var (value, tangent) = Models.LogisticTangent(w, b, x, 1, tw, tb);
        Assert.Equal(-Math.Log(s), value, Exact);
        Assert.Equal((s - 1) * dz, tangent, Exact);

        var hw = new double[4];
        double hb = 0;
        Models.LogisticHessianVector(w, b, x, 1, tw, tb, hw, ref hb);
        double curvature = s * (1 - s);
        Assert.Equal(curvature * dz, hb, Exact);
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(curvature * dz * x[i], hw[i], Exact);
        }
    }

    [Fact]
    public void RidgeFullVariantsCoverTheHyperAndTheData()
    {
        double[] w = [0.5, -1.0, 0.25, 2.0];
        double[] x = [1.0, 0.5, -2.0, 0.1];
        double b = 0.3, lambda = 0.4, y = 1.2;
        double e = b + w.Zip(x, (a, c) => a * c).Sum() - y;
        double norm = w.Sum(v => v * v);

        var dw = new double[4];
        var dx = new double[4];
        double db = 0, dlambda = 0, dy = 0;
        double f = Models.RidgeGradientFull(w, b, lambda, x, y, dw, ref db, ref dlambda, dx, ref dy);

        Assert.Equal((0.5 * e * e) + (0.5 * lambda * norm), f, Exact);
        Assert.Equal(e, db, Exact);
        Assert.Equal(0.5 * norm, dlambda, Exact);
        Assert.Equal(-e, dy, Exact);
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal((e * x[i]) + (lambda * w[i]), dw[i], Exact);
            Assert.Equal(e * w[i], dx[i], Exact);
        }

        // Along (tw, tb): de = tw·x + tb; d/dt dλ = w·tw; d/dt dx = de·w + e·tw; d/dt dy = −de.
        double[] tw = [1, -1, 0.5, 0];
        double tb = -0.5;
        double de = tb + tw.Zip(x, (a, c) => a * c).Sum();
        var hw = new double[4];
        var hx = new double[4];
        double hb = 0, hlambda = 0, hy = 0;
        Models.RidgeHessianVectorFull(w, b, lambda, x, y, tw, tb, hw, ref hb, ref hlambda, hx, ref hy);

        Assert.Equal(de, hb, Exact);
        Assert.Equal(w.Zip(tw, (a, c) => a * c).Sum(), hlambda, Exact);
        Assert.Equal(-de, hy, Exact);
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal((de * x[i]) + (lambda * tw[i]), hw[i], Exact);
            Assert.Equal((de * w[i]) + (e * tw[i]), hx[i], Exact);
        }

        // The gradient with respect to the parameters alone has no outputs for λ or the data.
        var dw2 = new double[4];
        double db2 = 0;
        Models.RidgeGradient(w, b, lambda, x, y, dw2, ref db2);
        Assert.Equal(dw, dw2);
        Assert.Equal(db, db2, Exact);
    }

    [Fact]
    public void FloatLossesHaveFloatSignatures()
    {
        float m = 1.5f, b = -0.25f, x = 2f, y = 0.5f;
        float dm = 0, db = 0;
        float f = SinglePrecision.SquaredFGradient(m, b, x, y, ref dm, ref db);
        float e = (m * x) + b - y;

        Assert.Equal(e * e, f, 1e-5f);
        Assert.Equal(2 * e * x, dm, 1e-5f);
        Assert.Equal(2 * e, db, 1e-5f);

        (float value, float tangent) = SinglePrecision.SquaredFTangent(m, b, x, y, 1f, 0f);
        Assert.Equal(e * e, value, 1e-5f);
        Assert.Equal(2 * e * x, tangent, 1e-5f);

        float hm = 0, hb = 0;
        SinglePrecision.SquaredFHessianVector(m, b, x, y, 0f, 1f, ref hm, ref hb);
        Assert.Equal(2 * x, hm, 1e-5f);
        Assert.Equal(2f, hb, 1e-5f);
    }

    [Fact]
    public void ObjectiveWithoutDataHasOnlyParameterArguments()
    {
        double dx = 0, dy = 0;
        double f = Models.Rosenbrock2Gradient(1.0, 1.0, ref dx, ref dy);

        Assert.Equal(0, f, Exact);
        Assert.Equal(0, dx, Exact);
        Assert.Equal(0, dy, Exact);

        double hx = 0, hy = 0;
        Models.Rosenbrock2HessianVector(1.0, 1.0, 1.0, 0.0, ref hx, ref hy);
        Assert.Equal(802, hx, Exact);
        Assert.Equal(-400, hy, Exact);
    }

    [Fact]
    public void PowerZeroHasZeroFirstAndSecondDerivativesAtZero()
    {
        double d = 0;
        double f = Elementary.PowZeroGradient(0.0, ref d);
        Assert.Equal(1.0, f);
        Assert.Equal(0.0, d);

        double h = 0;
        Elementary.PowZeroHessianVector(0.0, 1.0, ref h);
        Assert.Equal(0.0, h);

        Assert.Equal(0.0, Elementary.PowZeroTangent(0.0, 1.0).Tangent);
    }

    [Fact]
    public void MaxOfAValueWithItselfHasDerivativeOne()
    {
        foreach (double x in new[] { -1.5, 0.0, 2.0 })
        {
            double d = 0;
            Elementary.MaxOfItselfGradient(x, ref d);
            Assert.Equal(1.0, d);
            Assert.Equal(1.0, Elementary.MaxOfItselfTangent(x, 1.0).Tangent);
        }
    }

    [Fact]
    public void XPlusSinXSquaredTimesXHasAutogradsDerivativeAt1Point3()
    {
        double d = 0;
        Elementary.SinOfSquareTimesXGradient(1.3, ref d);
        Assert.Equal(3.1909487468716, d, 1e-9);
        Assert.Equal(3.1909487468716, Elementary.SinOfSquareTimesXTangent(1.3, 1.0).Tangent, 1e-9);
    }

    [Fact]
    public void HelpersAreDifferentiatedThroughRecursion()
    {
        // x^5·c − x² at x = 1.1, c = 2: d/dx = 10x⁴ − 2x, d²/dx² = 40x³ − 2.
        double x = 1.1;
        double d = 0;
        Models.RecursivePowerGradient(x, 2.0, ref d);
        Assert.Equal((10 * Math.Pow(x, 4)) - (2 * x), d, 1e-12);

        double h = 0;
        Models.RecursivePowerHessianVector(x, 2.0, 1.0, ref h);
        Assert.Equal((40 * Math.Pow(x, 3)) - 2, h, 1e-11);
    }

    [Fact]
    public void DescriptorSchemaNamesTheArguments()
    {
        var schema = Models.RidgeLoss.Instance.Schema;

        // Type.Method, the type with its namespace.
        Assert.Equal("Downhill.Derivatives.Tests.Corpus.Models.Ridge", schema.Name);
        Assert.Equal(typeof(double), schema.ElementType);
        Assert.Equal([new ParamSpec("w", true), new ParamSpec("b", false)], schema.Params);
        Assert.Equal(["lambda"], schema.Hypers);
        Assert.Equal([new DataSpec("x", true, false), new DataSpec("y", false, false)], schema.Data);

        var logistic = Models.LogisticLoss.Instance.Schema;
        Assert.Equal(new DataSpec("label", false, true), logistic.Data[1]);
        Assert.Equal(typeof(float), SinglePrecision.SquaredFLoss.Instance.Schema.ElementType);
        Assert.Same(Models.RidgeLoss.Instance, Models.RidgeLoss.Instance);
    }

    [Fact]
    public void DescriptorSumsRowsOfABatchFromItsOffsetAndAdds()
    {
        double[] xs = [0.5, -1.0, 2.0, 1.5];
        double[] ys = [1.0, 0.0, -0.5, 2.0];
        var batch = new DataBatch([xs, ys], [1, 1], 1, 3);
        double m = 0.7, b = -0.2;

        double expectedLoss = 0, dm = 0, db = 0;
        for (int r = 1; r < 3; r++)
        {
            expectedLoss += Models.SquaredGradient(m, b, xs[r + 1], ys[r + 1], ref dm, ref db);
        }

        var gradient = new[] { new[] { 1.0 }, new[] { 1.0 } };
        double loss = Models.SquaredLoss.Instance.SumGradient([[m], [b]], [], batch, 1, 3, gradient);

        Assert.Equal(expectedLoss, loss, Exact);
        Assert.Equal(1 + dm, gradient[0][0], Exact);
        Assert.Equal(1 + db, gradient[1][0], Exact);
        Assert.Equal(expectedLoss, Models.SquaredLoss.Instance.SumLoss([[m], [b]], [], batch, 1, 3), Exact);

        // Data gradients are laid out like the whole column: rows 2 and 3 only.
        var dx = new double[4];
        var dy = new double[4];
        Models.SquaredLoss.Instance.SumGradientFull([[m], [b]], [], batch, 1, 3, [[0.0], [0.0]], [], [dx, dy]);
        Assert.Equal(0, dx[0]);
        Assert.Equal(0, dx[1]);
        Assert.Equal(2 * ((m * xs[2]) + b - ys[2]) * m, dx[2], Exact);
        Assert.Equal(-2 * ((m * xs[3]) + b - ys[3]), dy[3], Exact);
    }

    [Fact]
    public void TypedCheckOfTheDescriptorPasses()
    {
        double[] sizes = [0.5, 1.0, 1.5, 2.0];
        double[] prices = [1.1, 1.9, 3.2, 3.9];
        var report = Models.SquaredLoss.Check(new Models.SquaredLoss.Params { m = 1.5, b = 0.2 }, (sizes, prices));
        Assert.True(report.Passed, report.ToString());
        Assert.Equal("Downhill.Derivatives.Tests.Corpus.Models.Squared", report.LossName);

        var rows = new double[,] { { 1, 0.5, -1, 2 }, { 0, 1, 1, -1 } };
        var ridge = Models.RidgeLoss.Check(new Models.RidgeLoss.Params { w = [0.1, 0.2, -0.3, 0.4], b = 0.5 }, (rows, new[] { 1.0, -1.0 }), new Models.RidgeLoss.Hypers { lambda = 0.25 });
        Assert.True(ridge.Passed, ridge.ToString());
        Assert.NotNull(ridge.Find(GradientCheckMode.GradientFull, "lambda"));

        var labels = new[] { 0, 1 };
        var logistic = Models.LogisticLoss.Check(new Models.LogisticLoss.Params { w = [0.1, 0.2, -0.3, 0.4], b = 0.5 }, (rows, labels), options: new GradientCheckOptions { Points = 0 });
        Assert.True(logistic.Passed, logistic.ToString());
        Assert.Equal(1, logistic.Points);

        var rosenbrock = Models.RosenbrockLoss.Check(new Models.RosenbrockLoss.Params { x = [-1.2, 1.0, 0.5] });
        Assert.True(rosenbrock.Passed, rosenbrock.ToString());
        rosenbrock.EnsurePassed();
    }
}
