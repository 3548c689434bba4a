namespace Downhill.Derivatives.Tests;

/// <summary>The gradient checker itself, on hand-written models whose derivatives are known right (or known wrong).</summary>
public class GradientCheckTests
{
    private static readonly double[][] RosenbrockAt = [[-1.2, 1.0, 0.7, 1.3, -0.4]];

    private static (Array[] Columns, double[][] At, double[] Hypers) RidgeData()
    {
        var xs = new double[6, 3];
        var y = new double[6];
        var k = new int[6];
        var random = new Random(7);
        for (int r = 0; r < 6; r++)
        {
            for (int j = 0; j < 3; j++)
            {
                xs[r, j] = (random.NextDouble() * 2) - 1;
            }

            y[r] = random.NextDouble();
            k[r] = 1 + (r % 2);
        }

        return ([xs, y, k], [[0.3, -0.7, 1.1], [0.25]], [0.1]);
    }

    [Fact]
    public void RosenbrockHandWrittenPassesEveryMode()
    {
        var report = GradientCheck.Run(new RosenbrockModel<double>(), RosenbrockAt, [], [], new GradientCheckOptions { Points = 3 });

        Assert.True(report.Passed, report.ToString());
        Assert.Equal(4, report.Points);
        foreach (var mode in new[] { GradientCheckMode.Value, GradientCheckMode.Gradient, GradientCheckMode.Tangent, GradientCheckMode.HessianVector, GradientCheckMode.GradientFull, GradientCheckMode.HessianVectorFull, GradientCheckMode.Symmetry })
        {
            Assert.Contains(report.Entries, e => e.Mode == mode);
        }

        // The sixth-order stencil resolves double gradients far below the tolerance.
        Assert.True(report.WorstError(GradientCheckMode.Gradient) < 1e-9, report.ToString());
        Assert.True(report.WorstError(GradientCheckMode.HessianVector) < 1e-8, report.ToString());
        Assert.Equal(5 * 4, report.Find(GradientCheckMode.Gradient, "x")!.Compared);
        report.EnsurePassed();
    }

    [Fact]
    public void RosenbrockHandWrittenInFloatPassesWithFloatTolerances()
    {
        float[][] at = [[-1.2f, 1.0f, 0.7f, 1.3f, -0.4f]];
        var report = GradientCheck.Run(new RosenbrockModel<float>(), at, [], []);

        Assert.True(report.Passed, report.ToString());
        Assert.Equal(GradientCheckOptions.FloatFirstOrderTolerance, report.FirstOrderTolerance);
        Assert.Equal(GradientCheckOptions.FloatSecondOrderTolerance, report.SecondOrderTolerance);
        Assert.Equal(typeof(float), report.ElementType);
    }

    [Fact]
    public void WrongGradientFailsOnTheGradientOfTheWrongParameter()
    {
        var report = GradientCheck.Run(new WrongGradientRosenbrock(), RosenbrockAt, [], []);

        Assert.False(report.Passed);
        var gradient = report.Find(GradientCheckMode.Gradient, "x")!;
        Assert.False(gradient.Passed);
        Assert.Equal(4, gradient.Index);
        Assert.Equal(1, gradient.WorstError, 9);
        Assert.Equal(0, gradient.Generated, 9);

        // Forward mode and the Hessian are right in this model; the Hessian-vector line fails too, because it is
        // held to differences of the wrong gradient.
        Assert.True(report.Find(GradientCheckMode.Tangent, "along t")!.Passed, report.ToString());
        Assert.False(report.Find(GradientCheckMode.HessianVector, "x")!.Passed, report.ToString());
        Assert.True(report.Find(GradientCheckMode.Symmetry, "u·Hv vs v·Hu")!.Passed, report.ToString());

        var ex = Assert.Throws<GradientCheckException>(() => report.EnsurePassed());
        Assert.Same(report, ex.Report);
        Assert.Contains("FAIL", ex.Message, StringComparison.Ordinal);
        Assert.Contains("HandWritten.Rosenbrock", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WrongHessianFailsHessianVectorAndSymmetry()
    {
        var report = GradientCheck.Run(new WrongHessianRosenbrock(), RosenbrockAt, [], []);

        Assert.False(report.Passed);
        Assert.True(report.Find(GradientCheckMode.Gradient, "x")!.Passed, report.ToString());
        Assert.False(report.Find(GradientCheckMode.HessianVector, "x")!.Passed, report.ToString());
        Assert.False(report.Find(GradientCheckMode.Symmetry, "u·Hv vs v·Hu")!.Passed, report.ToString());
    }

    [Fact]
    public void RidgeWithHyperRowScalarAndIntColumnsPasses()
    {
        var (columns, at, hypers) = RidgeData();
        var report = GradientCheck.Run(new RidgeModel(), at, hypers, columns);

        Assert.True(report.Passed, report.ToString());
        Assert.Equal(18 * 3, report.Find(GradientCheckMode.GradientFull, "xs")!.Compared);
        Assert.Equal(6 * 3, report.Find(GradientCheckMode.HessianVectorFull, "y")!.Compared);
        Assert.NotNull(report.Find(GradientCheckMode.GradientFull, "lambda"));
        Assert.NotNull(report.Find(GradientCheckMode.HessianVectorFull, "lambda"));
        Assert.Null(report.Find(GradientCheckMode.GradientFull, "k"));
        Assert.Equal(GradientCheckArgumentKind.Hyper, report.Find(GradientCheckMode.GradientFull, "lambda")!.Kind);
        Assert.Equal(GradientCheckArgumentKind.Data, report.Find(GradientCheckMode.GradientFull, "y")!.Kind);
    }

    [Fact]
    public void RidgeWithWrongDataGradientFailsOnlyThatColumn()
    {
        var (columns, at, hypers) = RidgeData();
        var report = GradientCheck.Run(new RidgeModel { WrongDataGradient = true }, at, hypers, columns);

        // The full gradient of y is wrong, and so are the differences of it that check the mixed products of y.
        var failures = report.Failures.ToList();
        Assert.Equal([GradientCheckMode.GradientFull, GradientCheckMode.HessianVectorFull], failures.Select(f => f.Mode));
        Assert.All(failures, f => Assert.Equal("y", f.Argument));
        Assert.All(failures, f => Assert.Equal(GradientCheckArgumentKind.Data, f.Kind));
        Assert.Equal(2, failures[0].WorstError, 6);
    }

    [Fact]
    public void CheckDoesNotModifyItsInputs()
    {
        var (columns, at, hypers) = RidgeData();
        var xs = (double[,])((double[,])columns[0]).Clone();
        var w = (double[])at[0].Clone();

        GradientCheck.Run(new RidgeModel(), at, hypers, columns);

        Assert.Equal(w, at[0]);
        Assert.Equal(xs, (double[,])columns[0]);
        Assert.Equal([0.1], hypers);
    }

    [Fact]
    public void SameSeedGivesTheSameReportAndOtherSeedsOtherPoints()
    {
        var a = GradientCheck.Run(new RosenbrockModel<double>(), RosenbrockAt, [], [], new GradientCheckOptions { Seed = 5 });
        var b = GradientCheck.Run(new RosenbrockModel<double>(), RosenbrockAt, [], [], new GradientCheckOptions { Seed = 5 });
        var c = GradientCheck.Run(new RosenbrockModel<double>(), RosenbrockAt, [], [], new GradientCheckOptions { Seed = 6 });

        Assert.Equal(a.ToString(), b.ToString());
        Assert.NotEqual(a.ToString(), c.ToString());
    }

    [Fact]
    public void ReportTableListsEveryLineWithAVerdict()
    {
        var report = GradientCheck.Run(new WrongGradientRosenbrock(), RosenbrockAt, [], [], new GradientCheckOptions { Points = 0 });
        string text = report.ToString();
        string[] lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.StartsWith("Gradient check of HandWritten.Rosenbrock (Double, 1 point, tolerance 1E-06 first order, 1E-05 second order): FAILED", lines[0], StringComparison.Ordinal);
        Assert.Contains("mode", lines[1], StringComparison.Ordinal);
        Assert.Contains("worst error", lines[1], StringComparison.Ordinal);
        Assert.Equal(report.Entries.Count + 2, lines.Length);
        Assert.Contains(lines, l => l.StartsWith("Gradient ", StringComparison.Ordinal) && l.TrimEnd().EndsWith("FAIL", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("Tangent ", StringComparison.Ordinal) && l.TrimEnd().EndsWith("ok", StringComparison.Ordinal));
    }

    [Fact]
    public void ToleranceOptionDecidesAboutASmallRelativeError()
    {
        var strict = GradientCheck.Run(new SlightlyWrongRosenbrock(), RosenbrockAt, [], []);
        var loose = GradientCheck.Run(new SlightlyWrongRosenbrock(), RosenbrockAt, [], [], new GradientCheckOptions { FirstOrderTolerance = 1e-3, SecondOrderTolerance = 1e-3 });

        Assert.False(strict.Passed);
        Assert.Equal(1e-4, strict.Find(GradientCheckMode.Gradient, "x")!.WorstError, 1e-6);
        Assert.True(loose.Passed, loose.ToString());
        Assert.Equal(1e-3, loose.FirstOrderTolerance);
    }

    [Fact]
    public void MismatchedInputsAreRejectedWithClearMessages()
    {
        var (columns, at, hypers) = RidgeData();
        var model = new RidgeModel();

        var ex = Assert.Throws<ArgumentException>(() => GradientCheck.Run(model, [at[0]], hypers, columns));
        Assert.Contains("has 2 parameters (w, b)", ex.Message, StringComparison.Ordinal);

        ex = Assert.Throws<ArgumentException>(() => GradientCheck.Run(model, [at[0], [1.0, 2.0]], hypers, columns));
        Assert.Contains("'b' is a scalar", ex.Message, StringComparison.Ordinal);

        ex = Assert.Throws<ArgumentException>(() => GradientCheck.Run(model, at, [], columns));
        Assert.Contains("(lambda)", ex.Message, StringComparison.Ordinal);
        Assert.Contains("a missing one is not 0", ex.Message, StringComparison.Ordinal);

        ex = Assert.Throws<ArgumentException>(() => GradientCheck.Run(model, at, hypers, [columns[0], columns[1]]));
        Assert.Contains("3 data column(s)", ex.Message, StringComparison.Ordinal);

        ex = Assert.Throws<ArgumentException>(() => GradientCheck.Run(model, at, hypers, [new double[6], columns[1], columns[2]]));
        Assert.Contains("'xs'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Double[,]", ex.Message, StringComparison.Ordinal);

        ex = Assert.Throws<ArgumentException>(() => GradientCheck.Run(model, at, hypers, [columns[0], new double[5], columns[2]]));
        Assert.Contains("5 rows", ex.Message, StringComparison.Ordinal);

        ex = Assert.Throws<ArgumentException>(() => GradientCheck.Run(model, at, hypers, [columns[0], columns[1], new double[6]]));
        Assert.Contains("int[]", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckValidatesItsInputsAsTrainingDoes()
    {
        var (columns, at, hypers) = RidgeData();
        var model = new RidgeModel();

        // An empty vector parameter would compare nothing and pass: refused, as Minimize refuses it.
        var ex = Assert.Throws<ArgumentException>(() => GradientCheck.Run(model, [[], at[1]], hypers, columns));
        Assert.Contains("the vector parameter 'w' needs values", ex.Message, StringComparison.Ordinal);
        Assert.Equal("at", ex.ParamName);

        // Non-finite parameters, hypers and data: refused by name and place, not a FAILED report without a reason.
        Assert.Contains("'b' starts with a non-finite value", Assert.Throws<ArgumentException>(() => GradientCheck.Run(model, [at[0], [double.NaN]], hypers, columns)).Message, StringComparison.Ordinal);
        Assert.Contains("'lambda' is an infinity", Assert.Throws<ArgumentException>(() => GradientCheck.Run(model, at, [double.PositiveInfinity], columns)).Message, StringComparison.Ordinal);
        var xs = (double[,])((double[,])columns[0]).Clone();
        xs[4, 2] = double.NaN;
        Assert.Contains("column 'xs' holds NaN at row 4, element 2", Assert.Throws<ArgumentException>(() => GradientCheck.Run(model, at, hypers, [xs, columns[1], columns[2]])).Message, StringComparison.Ordinal);
        var y = (double[])((double[])columns[1]).Clone();
        y[3] = double.NegativeInfinity;
        Assert.Contains("column 'y' holds an infinity at row 3", Assert.Throws<ArgumentException>(() => GradientCheck.Run(model, at, hypers, [columns[0], y, columns[2]])).Message, StringComparison.Ordinal);

        // Rows narrower than the loss reads: the column and the width, not a bare IndexOutOfRangeException.
        ex = Assert.Throws<ArgumentException>(() => GradientCheck.Run(model, at, hypers, [new double[6, 2], columns[1], columns[2]]));
        Assert.Contains("'xs'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("3", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(nameof(GradientCheckOptions.StepScale), double.NaN)]
    [InlineData(nameof(GradientCheckOptions.StepScale), 0.0)]
    [InlineData(nameof(GradientCheckOptions.StepScale), 2.0)]
    [InlineData(nameof(GradientCheckOptions.FirstOrderTolerance), -1e-6)]
    [InlineData(nameof(GradientCheckOptions.SecondOrderTolerance), double.NaN)]
    [InlineData(nameof(GradientCheckOptions.ScaleFloor), -1.0)]
    [InlineData(nameof(GradientCheckOptions.Perturbation), double.NaN)]
    [InlineData(nameof(GradientCheckOptions.Perturbation), -0.1)]
    [InlineData(nameof(GradientCheckOptions.Points), -1.0)]
    public void OptionsOutOfRangeAreRefusedByName(string option, double value)
    {
        GradientCheckOptions options = option switch
        {
            nameof(GradientCheckOptions.StepScale) => new() { StepScale = value },
            nameof(GradientCheckOptions.FirstOrderTolerance) => new() { FirstOrderTolerance = value },
            nameof(GradientCheckOptions.SecondOrderTolerance) => new() { SecondOrderTolerance = value },
            nameof(GradientCheckOptions.ScaleFloor) => new() { ScaleFloor = value },
            nameof(GradientCheckOptions.Perturbation) => new() { Perturbation = value },
            _ => new() { Points = (int)value },
        };
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => GradientCheck.Run(new RosenbrockModel<double>(), RosenbrockAt, [], [], options));
        Assert.Equal(option, ex.ParamName);
    }

    [Fact]
    public void AFailureAtAnAbsKinkSaysSo()
    {
        // |x| at x = 0: the generated derivative takes one side (its subgradient), differences average both.
        var report = Corpus.Elementary.AbsLoss.Check(new() { x = 0 }, [2.0], new GradientCheckOptions { Points = 0 });
        var gradient = report.Find(GradientCheckMode.Gradient, "x")!;
        Assert.False(gradient.Passed, report.ToString());
        Assert.True(gradient.AtKink, report.ToString());
        Assert.Contains("FAIL (kink)", report.ToString(), StringComparison.Ordinal);
        Assert.Contains("the loss has a kink here (Abs", report.ToString(), StringComparison.Ordinal);

        // Away from the kink the same loss passes and nothing mentions kinks.
        var away = Corpus.Elementary.AbsLoss.Check(new() { x = 0.5 }, [2.0]);
        Assert.True(away.Passed, away.ToString());
        Assert.DoesNotContain("kink", away.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("max")]
    [InlineData("min")]
    [InlineData("relu")]
    public void FailuresAtMaxMinAndReluKinksSaySoToo(string kind)
    {
        // Max(x, y) and Min(x, y) at x = y; Relu at 0. The kink lies within the stencil of the failing components.
        var options = new GradientCheckOptions { Points = 0 };
        GradientCheckReport report = kind switch
        {
            "max" => Corpus.Elementary.MaxLoss.Check(new() { x = 0.3, y = 0.3 }, [1.5], options),
            "min" => Corpus.Elementary.MinLoss.Check(new() { x = 0.3, y = 0.3 }, [1.5], options),
            _ => Corpus.Elementary.ReluLoss.Check(new() { x = 0 }, [1.5], options),
        };
        Assert.False(report.Passed, report.ToString());
        Assert.All(report.Failures.Where(f => f.Mode is GradientCheckMode.Gradient or GradientCheckMode.GradientFull), f => Assert.True(f.AtKink, report.ToString()));
        Assert.Contains("FAIL (kink)", report.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void AWrongDerivativeOfASmoothLossIsNotBlamedOnAKink()
    {
        var report = GradientCheck.Run(new WrongGradientRosenbrock(), RosenbrockAt, [], []);
        Assert.False(report.Passed);
        Assert.All(report.Failures, f => Assert.False(f.AtKink, report.ToString()));
        Assert.DoesNotContain("kink", report.ToString(), StringComparison.Ordinal);

        var (columns, at, hypers) = RidgeData();
        var data = GradientCheck.Run(new RidgeModel { WrongDataGradient = true }, at, hypers, columns);
        Assert.False(data.Passed);
        Assert.All(data.Failures, f => Assert.False(f.AtKink, data.ToString()));
    }

    [Fact]
    public void CheckRefusesOmittedHypersNamingThem()
    {
        var (x, y) = (new double[,] { { 1, 2 }, { 0.5, -1 } }, new double[] { 0.3, -0.2 });
        var ex = Assert.Throws<ArgumentException>(() => Corpus.Models.TwoHypersLoss.Check(new() { w = [0.1, 0.2, 0.3, 0.4] }, (x, new[] { 0, 1 })));
        Assert.Equal("hypers", ex.ParamName);
        Assert.Contains("not set: logLambda temperature", ex.Message, StringComparison.Ordinal);

        ex = Assert.Throws<ArgumentException>(() => Corpus.Models.TwoHypersLoss.Check(new() { w = [0.1, 0.2, 0.3, 0.4] }, (x, new[] { 0, 1 }), new() { temperature = 2 }));
        Assert.Contains("not set: logLambda.", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("temperature =", ex.Message.Split("Pass")[0], StringComparison.Ordinal);

        var x4 = new double[,] { { 1, 2, -1, 0.5 }, { 0.5, -1, 2, 1 } };
        ex = Assert.Throws<ArgumentException>(() => Corpus.Models.RidgeLoss.Check(new() { w = [0.1, 0.2, 0.3, 0.4], b = 0 }, (x4, y)));
        Assert.Contains("not set: lambda", ex.Message, StringComparison.Ordinal);

        // Set to 0 on purpose is a value, not an omission.
        var report = Corpus.Models.RidgeLoss.Check(new() { w = [0.1, 0.2, 0.3, 0.4], b = 0 }, (x4, y), new() { lambda = 0 });
        Assert.True(report.Passed, report.ToString());
    }
}
