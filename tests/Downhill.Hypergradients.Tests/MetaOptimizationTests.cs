namespace Downhill.Hypergradients.Tests;

/// <summary>Meta-optimization: hyperparameters stepped along exact hypergradients with the runtime's optimizers.</summary>
public class MetaOptimizationTests
{
    [Fact]
    public void Three_meta_steps_on_the_papers_toy_reproduce_its_code()
    {
        // The paper's code: SGD with step 0.01 and mass 0.9 (v ← 0.9v − 0.1g) on log α_t and logit β_t.
        var reports = new List<MetaReport>();
        MetaResult result = MetaOptimization.Optimize(Losses.ToyLoss.Instance, [], null, [[1.4, 3.9]], null,
            ReversibleLearning.Broadcast([.. Enumerable.Repeat(Math.Exp(-4.5), 50)], 1, "a"), ReversibleLearning.Broadcast([.. Enumerable.Repeat(0.99, 50)], 1, "b"), null, null,
            new MetaOptions { MetaSteps = 2, Algo = Algo.Sgd, LearningRate = 0.001, Momentum = 0.9, Progress = new Synchronous<MetaReport>(reports.Add) });
        Assert.Equal(395.3, result.Losses[0], 0.05);
        Assert.Equal(356.6, result.Losses[1], 0.05);
        Assert.Equal(356.3, result.Losses[2], 0.05);
        Assert.Equal(3, reports.Count);
        Assert.All(result.Momenta.Cast<double>(), b => Assert.InRange(b, 0, 0.99999));
        Assert.All(result.LearningRates.Cast<double>(), a => Assert.True(a > 0));
    }

    [Fact]
    public void Learning_the_penalty_the_init_scale_and_the_data_lowers_the_validation_loss()
    {
        Problem p = Problem.Logistic(0, withValidation: true);
        MetaResult result = MetaOptimization.Optimize(p.Model, p.Train, p.Valid, p.Init, null, p.Alpha, p.Beta, p.Hypers, p.ValidHypers,
            new MetaOptions { MetaSteps = 5, LearningRate = 0.05, LearnInitScales = true, LearnHypers = true, LearnTrainData = true });
        Assert.True(result.Losses[^1] < result.Losses[0] - 1e-3, string.Join(", ", result.Losses));
        Assert.NotEqual(1.0, result.InitScales[0]);
        Assert.NotEqual(p.Hypers[0], result.Hypers[0]);
        Assert.True(result.Hypers[0] > 0);
        Assert.NotEqual(((double[,])p.Train[0])[0, 0], ((double[,])result.TrainData[0])[0, 0]);
        Assert.Equal(((double[,])p.Train[0])[0, 0], ((double[,])Problem.Logistic(0, true).Train[0])[0, 0]);
    }

    [Fact]
    public void Bad_meta_input_and_cancellation_stop_before_any_run()
    {
        Problem p = Problem.Logistic(0, withValidation: true);
        var bad = (double[,])p.Alpha.Clone();
        bad[0, 0] = 0;
        Assert.Throws<ArgumentOutOfRangeException>(() => MetaOptimization.Optimize(p.Model, p.Train, p.Valid, p.Init, null, bad, p.Beta, p.Hypers, p.ValidHypers));
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => MetaOptimization.Optimize(p.Model, p.Train, p.Valid, p.Init, null, p.Alpha, p.Beta, p.Hypers, p.ValidHypers, new MetaOptions { CancellationToken = cancel.Token }));
    }

    private sealed class Synchronous<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
