namespace Downhill.Hypergradients.Tests;

/// <summary>The generated <c>FLoss.Hypergradient</c> entry points: the contract's names and shapes, and bad input.</summary>
public class TypedApiTests
{
    private static readonly double[,] X = Problem.Matrix(new Random(1), 10, 3, 1);
    private static readonly int[] Labels = [0, 1, 1, 0, 1, 0, 0, 1, 1, 1];
    private static readonly double[,] ValidX = Problem.Matrix(new Random(2), 6, 3, 1);
    private static readonly int[] ValidLabels = [1, 0, 1, 0, 1, 1];
    private static readonly double[] Alphas = [0.5, 0.4, 0.3, 0.3, 0.2];
    private static readonly double[] Betas = [0.9, 0.9, 0.8, 0.8, 0.5];

    [Fact]
    public void The_typed_result_has_every_member_of_the_contract_shaped_like_its_input()
    {
        var h = Losses.LogisticLoss.Hypergradient(
            train: (X, Labels), valid: (ValidX, ValidLabels),
            init: new() { w = [0.1, -0.2, 0.3], b = 0 },
            learningRates: Alphas, momenta: Betas,
            hypers: new() { lambda = 0.05 }, validHypers: new() { lambda = 0 },
            initVelocity: new() { w = [0.01, 0, 0], b = 0.02 },
            batchSize: 4, seed: 1);
        Assert.True(h.Loss > 0);
        Assert.Equal(3, h.Params.w.Length);
        Assert.Equal(5, h.LearningRates.Length);
        Assert.Equal(5, h.Momenta.Length);
        Assert.Equal(3, h.Init.w.Length);
        Assert.Equal(3, h.InitVelocity.w.Length);
        Assert.NotEqual(0, h.Hypers.lambda);
        Assert.Equal(10, h.TrainData.x.GetLength(0));
        Assert.Equal(3, h.TrainData.x.GetLength(1));
        Assert.True(h.BufferBits > 0);

        // The untyped run gives the same numbers.
        ReversedRun<double> run = ReversibleLearning.Run(Losses.LogisticLoss.Instance, [X, Labels], [ValidX, ValidLabels], [[0.1, -0.2, 0.3], [0]], [[0.01, 0, 0], [0.02]],
            ReversibleLearning.Broadcast(Alphas, 2, "a"), ReversibleLearning.Broadcast(Betas, 2, "b"), [0.05], [0.0], new HypergradientOptions { BatchSize = 4, Seed = 1 });
        Assert.Equal(run.Loss, h.Loss);
        Assert.Equal(run.Init[0], h.Init.w);
        Assert.Equal(run.Hypers[0], h.Hypers.lambda);
    }

    [Fact]
    public void A_per_parameter_schedule_gives_per_parameter_gradients_that_sum_to_the_per_step_ones()
    {
        var perStep = Losses.LogisticLoss.Hypergradient((X, Labels), init: new() { w = [0.1, -0.2, 0.3] }, learningRates: Alphas, momenta: Betas, hypers: new() { lambda = 0.05 });
        var perParam = Losses.LogisticLoss.Hypergradient((X, Labels), init: new() { w = [0.1, -0.2, 0.3] }, learningRates: ReversibleLearning.Broadcast(Alphas, 2, "a"), momenta: ReversibleLearning.Broadcast(Betas, 2, "b"), hypers: new() { lambda = 0.05 });
        Assert.Equal(5, perParam.LearningRates.GetLength(0));
        Assert.Equal(2, perParam.LearningRates.GetLength(1));
        for (int t = 0; t < 5; t++)
        {
            Assert.Equal(perStep.LearningRates[t], perParam.LearningRates[t, 0] + perParam.LearningRates[t, 1], 15);
            Assert.Equal(perStep.Momenta[t], perParam.Momenta[t, 0] + perParam.Momenta[t, 1], 15);
        }

        Assert.Equal(perStep.Loss, perParam.Loss);
    }

    [Fact]
    public void A_loss_without_data_takes_init_and_schedules_alone()
    {
        var h = Losses.ToyLoss.Hypergradient(init: new() { w = [1.4, 3.9] }, learningRates: Enumerable.Repeat(Math.Exp(-4.5), 50).ToArray(), momenta: Enumerable.Repeat(0.99, 50).ToArray());
        Assert.InRange(h.Loss, 300, 500);
        Assert.Equal(50, h.LearningRates.Length);
        Assert.Equal(2, h.Init.w.Length);
    }

    [Fact]
    public void A_float_loss_is_typed_in_float_and_its_data_gradient_in_double()
    {
        var a = new float[8, 5];
        for (int r = 0; r < 8; r++)
        {
            for (int c = 0; c < 5; c++)
            {
                a[r, c] = (float)Math.Sin((r * 5) + c);
            }
        }

        var h = Losses.QuadraticFloatLoss.Hypergradient(a, init: new() { w = [0.5f, -0.25f, 0.125f, 0f, 1f] }, learningRates: [0.05, 0.05, 0.05], momenta: [0.9, 0.9, 0.9], batchSize: 3, seed: 2);
        float[] init = h.Init.w;
        double[,] data = h.TrainData.a;
        Assert.Equal(5, init.Length);
        Assert.Equal(8, data.GetLength(0));
        Assert.Contains(init, g => g != 0);
        Assert.True(h.Loss < Losses.QuadraticFloatLoss.Hypergradient(a, init: new() { w = [0.5f, -0.25f, 0.125f, 0f, 1f] }, learningRates: [0.0], momenta: [0.9]).Loss);
    }

    public static TheoryData<string, Action> BadInputs() => new()
    {
        { "momenta", () => Logistic(momenta: [0.9, 0.9]) },
        { "learningRates", () => Logistic(learningRates: []) },
        { "learningRates", () => Logistic(learningRates: [0.1, double.NaN, 0.1, 0.1, 0.1]) },
        { "momenta", () => Logistic(momenta: [0.9, 1.0, 0.9, 0.9, 0.9]) },
        { "momenta", () => Logistic(momenta: [0.9, -0.1, 0.9, 0.9, 0.9]) },
        { "init", () => Logistic(init: new() { w = [] }) },
        { "initVelocity", () => Logistic(initVelocity: new() { w = [0, 0] }) },
        { "hypers", () => Losses.LogisticLoss.Hypergradient((X, Labels), init: new() { w = [0, 0, 0] }, learningRates: Alphas, momenta: Betas) },
        { "train", () => Losses.LogisticLoss.Hypergradient((X, [0, 1]), init: new() { w = [0, 0, 0] }, learningRates: Alphas, momenta: Betas, hypers: new() { lambda = 0.05 }) },
        { "init", () => Logistic(init: new() { w = [5000, 0, 0] }) },
        { "learningRates", () => Losses.LogisticLoss.Hypergradient((X, Labels), init: new() { w = [0, 0, 0] }, learningRates: new double[5, 3], momenta: new double[5, 3], hypers: new() { lambda = 0.05 }) },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void Bad_input_is_an_exception_naming_the_argument_before_any_step(string argument, Action call)
    {
        var e = Assert.ThrowsAny<ArgumentException>(call);
        Assert.Equal(argument, e.ParamName);
    }

    [Fact]
    public void A_run_that_leaves_the_fixed_point_range_names_the_parameter_the_element_and_the_step()
    {
        var e = Assert.Throws<FixedPointOverflowException>(() => Losses.ToyLoss.Hypergradient(init: new() { w = [1.4, 3.9] }, learningRates: [1e6, 1e6], momenta: [0.5, 0.5]));
        Assert.Equal("w", e.Parameter);
        Assert.Contains("smaller learning rate", e.Message, StringComparison.Ordinal);
        Assert.InRange(e.Step, 0, 1);
    }

    [Fact]
    public void Progress_reports_every_step_of_both_phases_and_cancellation_stops_the_run()
    {
        var reports = new List<HypergradientProgress>();
        Losses.ToyLoss.Hypergradient(init: new() { w = [1.4, 3.9] }, learningRates: [0.01, 0.01, 0.01], momenta: [0.9, 0.9, 0.9], progress: new Synchronous(reports.Add));
        Assert.Equal(6, reports.Count);
        Assert.Equal(new HypergradientProgress(HypergradientPhase.Reverse, 3, 3), reports[^1]);

        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => Losses.ToyLoss.Hypergradient(init: new() { w = [1.4, 3.9] }, learningRates: [0.01], momenta: [0.9], cancellationToken: cancel.Token));
    }

    private static void Logistic(Losses.LogisticLoss.Params? init = null, double[]? learningRates = null, double[]? momenta = null, Losses.LogisticLoss.Params? initVelocity = null) =>
        Losses.LogisticLoss.Hypergradient((X, Labels), init: init ?? new() { w = [0, 0, 0] }, learningRates: learningRates ?? Alphas, momenta: momenta ?? Betas, hypers: new() { lambda = 0.05 }, initVelocity: initVelocity);

    private sealed class Synchronous(Action<HypergradientProgress> report) : IProgress<HypergradientProgress>
    {
        public void Report(HypergradientProgress value) => report(value);
    }
}
