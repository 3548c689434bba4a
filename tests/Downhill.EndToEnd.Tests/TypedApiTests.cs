namespace Downhill.EndToEnd.Tests;

public class TypedApiTests
{
    private static (double[,] X, double[] Y) Regression(Random random, int rows, double[] w, double b)
    {
        var x = new double[rows, w.Length];
        var y = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            double s = b;
            for (int i = 0; i < w.Length; i++)
            {
                x[r, i] = 2 * random.NextDouble() - 1;
                s += w[i] * x[r, i];
            }

            y[r] = s + 0.01 * (random.NextDouble() - 0.5);
        }

        return (x, y);
    }

    [Fact]
    public void A_vector_parameter_is_initialized_trained_and_returned_typed()
    {
        double[] trueW = [1.5, -2, 0.5];
        var random = new Random(11);
        var (x, y) = Regression(random, 1000, trueW, 0.7);
        var (vx, vy) = Regression(random, 200, trueW, 0.7);
        double[] init = [0, 0, 0];

        var fit = Losses.RegressionLoss.Minimize(
            train: (x, y), valid: (vx, vy),
            init: new() { w = init, b = 0 },
            algo: Algo.Adam, learningRate: 0.05, batchSize: 50, validateEvery: 2, patience: 3, maxUpdates: 300, seed: 2);

        Assert.Equal([0.0, 0.0, 0.0], init);
        Assert.Equal(3, fit.Params.w.Length);
        for (int i = 0; i < trueW.Length; i++)
        {
            Assert.Equal(trueW[i], fit.Params.w[i], 0.02);
        }

        Assert.Equal(0.7, fit.Params.b, 0.02);
        Assert.Equal(["loss", "abs error"], fit.Valid.Keys);
        Assert.Equal(["loss", "abs error"], fit.Train.Keys);
        Assert.InRange(fit.Valid["abs error"], 0, 0.05);
        Assert.True(fit.Valid.Loss < 1e-3, $"valid loss {fit.Valid.Loss}");
        Assert.Contains(fit.StopReason, new[] { StopReason.Patience, StopReason.MaxUpdates });
        Assert.InRange(fit.Epochs, 1, 300);
        if (fit.StopReason == StopReason.MaxUpdates)
        {
            Assert.Equal(300, fit.Epochs);
        }
    }

    [Fact]
    public void MaxUpdates_counts_epochs_and_progress_sees_each()
    {
        var (x, y) = Regression(new Random(3), 200, [1, 2], 0);
        var reports = new List<EpochReport>();
        var fit = Losses.RegressionLoss.Minimize(
            train: (x, y), init: new() { w = [0, 0], b = 0 },
            algo: Algo.Sgd, learningRate: 0.01, maxUpdates: 4, progress: new Collect(reports));

        Assert.Equal(StopReason.MaxUpdates, fit.StopReason);
        Assert.Equal(4, fit.Epochs);
        Assert.Equal([1, 2, 3, 4], reports.Select(r => r.Epoch));
        Assert.True(reports[^1].Train.Loss < reports[0].Train.Loss);
    }

    [Fact]
    public void Columns_of_different_lengths_throw_before_training()
    {
        var (x, _) = Regression(new Random(1), 10, [1, 2], 0);
        var reports = new List<EpochReport>();
        var e = Assert.ThrowsAny<ArgumentException>(() => Losses.RegressionLoss.Minimize(
            train: (x, new double[9]), init: new() { w = [0, 0], b = 0 }, progress: new Collect(reports)));
        Assert.Contains("y", e.Message, StringComparison.Ordinal);
        Assert.Contains("9", e.Message, StringComparison.Ordinal);
        Assert.Contains("10", e.Message, StringComparison.Ordinal);
        Assert.Empty(reports);
    }

    [Fact]
    public void Rows_narrower_than_the_loss_reads_throw_before_training()
    {
        // The loss reads x[i] for every weight: rows of 2 features against 3 weights cannot be evaluated.
        var (x, y) = Regression(new Random(1), 10, [1, 2], 0);
        var reports = new List<EpochReport>();
        var e = Assert.ThrowsAny<ArgumentException>(() => Losses.RegressionLoss.Minimize(
            train: (x, y), init: new() { w = [0, 0, 0], b = 0 }, progress: new Collect(reports)));
        Assert.Equal("x", e.ParamName);
        Assert.Contains("row 0 of data set 'train'", e.Message, StringComparison.Ordinal);
        Assert.Contains("column 'x' has rows of 2 elements but the loss reads 3", e.Message, StringComparison.Ordinal);
        Assert.Contains("w[3]", e.Message, StringComparison.Ordinal);
        Assert.IsType<IndexOutOfRangeException>(e.InnerException);
        Assert.Empty(reports);

        // The same rows as validation data, with training data wide enough.
        var (wide, wideY) = Regression(new Random(2), 10, [1, 2, 3], 0);
        e = Assert.ThrowsAny<ArgumentException>(() => Losses.RegressionLoss.Minimize(
            train: (wide, wideY), valid: (x, y), init: new() { w = [0, 0, 0], b = 0 }, progress: new Collect(reports)));
        Assert.Contains("data set 'valid'", e.Message, StringComparison.Ordinal);
        Assert.Contains("column 'x' has rows of 2 elements but the loss reads 3", e.Message, StringComparison.Ordinal);
        Assert.Empty(reports);
    }

    [Fact]
    public void Rows_from_a_callable_source_that_are_too_narrow_stop_with_the_column_and_width()
    {
        var model = Losses.RegressionLoss.Instance;
        var source = new Dataset(() => [new double[4, 2], new double[4]], iterationSize: 2, name: "stream");
        var e = Assert.ThrowsAny<ArgumentException>(() => Trainer.Minimize(
            model, source, null, [new double[5], [0.0]], [], new TrainingOptions { MaxUpdates = 1 }));
        Assert.Contains("data set 'stream'", e.Message, StringComparison.Ordinal);
        Assert.Contains("column 'x' has rows of 2 elements but the loss reads 5", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_label_out_of_range_is_reported_with_its_value_and_row()
    {
        var x = new float[3, 784];
        int[] labels = [3, 1, 12];
        var e = Assert.ThrowsAny<ArgumentException>(() => Losses.SoftmaxLoss.Minimize(
            train: (x, labels), init: new() { w = new float[7840], b = new float[10] }, maxUpdates: 1));
        // No valid set was given: the failing validation before the first epoch ran on the training data, and says so.
        Assert.Contains("row 2 of data set 'train (validating on the training data)'", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("'valid'", e.Message, StringComparison.Ordinal);
        Assert.Contains("label = 12", e.Message, StringComparison.Ordinal);
        Assert.Contains("w[7840]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NaN_in_the_data_throws_before_training()
    {
        var (sizes, prices) = HousePricesTests.Houses(new Random(1), 100);
        prices[37] = double.NaN;
        var reports = new List<EpochReport>();
        var e = Assert.ThrowsAny<ArgumentException>(() => Losses.LineLoss.Minimize(
            train: (sizes, prices), init: new() { m = 1, b = 0 }, progress: new Collect(reports)));
        Assert.Contains("y", e.Message, StringComparison.Ordinal);
        Assert.Contains("37", e.Message, StringComparison.Ordinal);
        Assert.Empty(reports);

        sizes[3] = double.PositiveInfinity;
        prices[37] = 1;
        Assert.ThrowsAny<ArgumentException>(() => Losses.LineLoss.Minimize(
            train: (sizes, prices), init: new() { m = 1, b = 0 }, progress: new Collect(reports)));
        Assert.Empty(reports);
    }

    [Fact]
    public void NaN_in_the_validation_data_throws_before_training()
    {
        var (sizes, prices) = HousePricesTests.Houses(new Random(1), 100);
        var (vs, vp) = HousePricesTests.Houses(new Random(2), 50);
        vs[5] = double.NaN;
        var reports = new List<EpochReport>();
        Assert.ThrowsAny<ArgumentException>(() => Losses.LineLoss.Minimize(
            train: (sizes, prices), valid: (vs, vp), init: new() { m = 1, b = 0 }, progress: new Collect(reports)));
        Assert.Empty(reports);
    }

    [Fact]
    public void The_generated_derivatives_pass_the_gradient_check()
    {
        var (x, y) = Regression(new Random(4), 20, [1, -1, 2], 0.5);
        Losses.RegressionLoss.Check(new() { w = [0.3, 0.2, -0.1], b = 0.1 }, (x, y)).EnsurePassed();
        Losses.RosenbrockLoss.Check(new() { p = [-1.2, 1] }).EnsurePassed();
    }

    /// <summary>Collects reports synchronously (Progress&lt;T&gt; would post them to the thread pool).</summary>
    private sealed class Collect(List<EpochReport> reports) : IProgress<EpochReport>
    {
        public void Report(EpochReport value) => reports.Add(value);
    }
}
