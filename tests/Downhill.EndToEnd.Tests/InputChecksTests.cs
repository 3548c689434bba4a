namespace Downhill.EndToEnd.Tests;

/// <summary>A ridge loss with two [Hyper] arguments, for the checks of omitted hypers.</summary>
public static partial class HyperLosses
{
    /// <summary>Ridge regression with an L2 weight and an output scale, both [Hyper].</summary>
    [Loss]
    public static double Ridge([Param] ReadOnlySpan<double> w, [Hyper] double lambda, [Hyper] double scale, ReadOnlySpan<double> x, double y)
    {
        double s = 0;
        double norm = 0;
        for (int i = 0; i < w.Length; i++)
        {
            s += w[i] * x[i];
            norm += w[i] * w[i];
        }

        double e = scale * s - y;
        return 0.5 * e * e + lambda * norm;
    }
}

/// <summary>What the typed entry points refuse before training, as a user meets it.</summary>
public class InputChecksTests
{
    private static (double[,] X, double[] Y) Data(int rows, int width, int seed)
    {
        var random = new Random(seed);
        var x = new double[rows, width];
        var y = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            for (int i = 0; i < width; i++)
            {
                x[r, i] = random.NextDouble() - 0.5;
            }

            y[r] = x[r, 0] - x[r, 1];
        }

        return (x, y);
    }

    [Fact]
    public void Omitted_hypers_are_an_error_naming_them_not_a_silent_zero()
    {
        var (x, y) = Data(40, 2, 1);
        var reports = new List<EpochReport>();
        var progress = new Collect(reports);
        var e = Assert.Throws<ArgumentException>(() => HyperLosses.RidgeLoss.Minimize(train: (x, y), init: new() { w = [0, 0] }, maxUpdates: 2, progress: progress));
        Assert.Equal("hypers", e.ParamName);
        Assert.Contains("not set: lambda scale", e.Message);
        Assert.Contains("a missing [Hyper] is an error, not 0", e.Message);

        e = Assert.Throws<ArgumentException>(() => HyperLosses.RidgeLoss.Minimize(train: (x, y), init: new() { w = [0, 0] }, hypers: new() { lambda = 0.1 }, maxUpdates: 2, progress: progress));
        Assert.Contains("not set: scale.", e.Message);
        Assert.Empty(reports);

        // The low-level API names them too.
        e = Assert.Throws<ArgumentException>(() => Trainer.Minimize(HyperLosses.RidgeLoss.Instance, [x, y], null, [[0, 0]], [0.1], new TrainingOptions()));
        Assert.Contains("(lambda, scale)", e.Message);

        // Given (0 on purpose included), it trains.
        var fit = HyperLosses.RidgeLoss.Minimize(train: (x, y), init: new() { w = [0, 0] }, hypers: new() { lambda = 0, scale = 1 }, algo: Algo.Adam, learningRate: 0.05, maxUpdates: 3);
        Assert.Equal(3, fit.Epochs);
    }

    [Fact]
    public void A_vector_left_out_of_init_gets_the_message_of_a_missing_init()
    {
        var (x, y) = Data(40, 3, 2);
        string none = Assert.Throws<ArgumentNullException>(() => Losses.RegressionLoss.Minimize(train: (x, y))).Message;
        string partial = Assert.Throws<ArgumentException>(() => Losses.RegressionLoss.Minimize(train: (x, y), init: new() { b = 1 })).Message;
        Assert.StartsWith("init: the vector parameter 'w' needs initial values; their length gives its shape.", none);
        Assert.StartsWith("init: the vector parameter 'w' needs initial values; their length gives its shape.", partial);
    }

    [Fact]
    public void The_typed_api_refuses_ignored_options_other_widths_and_foreign_checkpoints()
    {
        var (x, y) = Data(40, 3, 3);
        Assert.Equal(nameof(TrainingOptions.WeightDecay), Assert.Throws<ArgumentException>(() => Losses.RegressionLoss.Minimize(train: (x, y), init: new() { w = [0, 0, 0] }, weightDecay: 0.1)).ParamName);
        Assert.Equal(nameof(TrainingOptions.LearningRate), Assert.Throws<ArgumentOutOfRangeException>(() => Losses.RegressionLoss.Minimize(train: (x, y), init: new() { w = [0, 0, 0] }, learningRate: 0)).ParamName);

        var (vx, vy) = Data(10, 4, 4);
        var e = Assert.Throws<ArgumentException>(() => Losses.RegressionLoss.Minimize(train: (x, y), valid: (vx, vy), init: new() { w = [0, 0, 0] }));
        Assert.Contains("its rows have 4 elements, the rows of data set 'train' have 3", e.Message);

        string dir = Directory.CreateTempSubdirectory("downhill-e2e").FullName;
        try
        {
            string path = Path.Combine(dir, "run.ckpt");
            var first = Losses.RegressionLoss.Minimize(train: (x, y), init: new() { w = [0, 0, 0] }, algo: Algo.Adam, learningRate: 0.05, maxUpdates: 3, checkpointPath: path, checkpointEvery: 1);
            var (x2, y2) = Data(40, 3, 5);
            var refused = Assert.Throws<InvalidDataException>(() => Losses.RegressionLoss.Minimize(train: (x2, y2), init: new() { w = [0, 0, 0] }, algo: Algo.Adam, learningRate: 0.05, maxUpdates: 3, checkpointPath: path));
            Assert.Contains("the training data", refused.Message);
            var fresh = Losses.RegressionLoss.Minimize(train: (x2, y2), init: new() { w = [0, 0, 0] }, algo: Algo.Adam, learningRate: 0.05, maxUpdates: 3, checkpointPath: path, onCheckpointMismatch: CheckpointMismatch.StartFresh);
            Assert.NotEqual(first.Params.w, fresh.Params.w);
            Assert.Equal(Losses.RegressionLoss.Minimize(train: (x2, y2), init: new() { w = [0, 0, 0] }, algo: Algo.Adam, learningRate: 0.05, maxUpdates: 3).Params.w, fresh.Params.w);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private sealed class Collect(List<EpochReport> reports) : IProgress<EpochReport>
    {
        public void Report(EpochReport value) => reports.Add(value);
    }
}
