namespace Downhill.Hypergradients.Tests;

/// <summary>After T steps forward and T back, θ0 and v0 are restored bit for bit and the buffer is empty.</summary>
public class RoundTripTests
{
    [Theory]
    [InlineData(10_000, 0.5, 4)]
    [InlineData(10_000, 0.9, 4)]
    [InlineData(10_000, 0.999, 0)]
    [InlineData(2_000, 0.99, 5)]
    public void A_double_run_is_restored_bit_for_bit(int steps, double beta, int batchSize)
    {
        var rng = new Random(steps + (int)(beta * 1000));
        double[,] alpha = Constant(steps, 1, 0.02);
        double[,] betas = Constant(steps, 1, beta);
        // Every step also draws its own β near the nominal one, so the multiplies differ from step to step.
        for (int t = 0; t < steps; t += 3)
        {
            betas[t, 0] = Math.Min(0.9995, beta + (0.01 * rng.NextDouble()));
        }

        var problem = new Problem(Losses.QuadraticLoss.Instance, [Problem.Matrix(rng, 12, 5, 1)], null, [Problem.Normals(rng, 5, 0.5)], [Problem.Normals(rng, 5, 0.1)], alpha, betas, [], null, batchSize);
        ReversedRun<double> run = problem.Run();
        AssertRestored(run.InitialTheta, run.RestoredTheta);
        AssertRestored(run.InitialVelocity, run.RestoredVelocity);
        double ideal = Enumerable.Range(0, steps).Sum(t => Math.Log2(65536.0 / ExactDecay.FromBeta(betas[t, 0]).Numerator)) * 5;
        Assert.True(run.BufferBits > 0.9 * ideal, $"{run.BufferBits} bits kept, {ideal} expected");
    }

    [Theory]
    [InlineData(10_000, 0.5)]
    [InlineData(3_000, 0.95)]
    public void A_float_run_with_minibatches_is_restored_bit_for_bit(int steps, double beta)
    {
        var rng = new Random(4);
        var data = new float[20, 5];
        for (int r = 0; r < 20; r++)
        {
            for (int c = 0; c < 5; c++)
            {
                data[r, c] = (float)Problem.Normal(rng);
            }
        }

        float[] w0 = [.. Problem.Normals(rng, 5, 0.5).Select(x => (float)x)];
        ReversedRun<float> run = ReversibleLearning.Run(Losses.QuadraticFloatLoss.Instance, [data], null, [w0], null, Constant(steps, 1, 0.02), Constant(steps, 1, beta), null, null,
            new HypergradientOptions { BatchSize = 6, Seed = 3 });
        AssertRestored(run.InitialTheta, run.RestoredTheta);
        AssertRestored(run.InitialVelocity, run.RestoredVelocity);
        Assert.True(run.Loss < 0.5 * Losses.QuadraticFloatLoss.Instance.SumLoss([w0], [], new DataBatch([Flatten(data)], [5], 0, 20), 0, 20) / 20);
    }

    [Fact]
    public void The_result_does_not_depend_on_the_thread_count()
    {
        ReversedRun<double> one = (Problem.Mlp(5) with { Threads = 1 }).Run();
        ReversedRun<double> three = (Problem.Mlp(5) with { Threads = 3 }).Run();
        Assert.Equal(one.Loss, three.Loss);
        Assert.Equal(one.LearningRates, three.LearningRates);
        Assert.Equal(one.Momenta, three.Momenta);
        Assert.Equal(one.Init, three.Init);
        Assert.Equal(one.InitVelocity, three.InitVelocity);
        Assert.Equal(one.Hypers, three.Hypers);
        Assert.Equal(one.TrainData, three.TrainData);
        Assert.Equal(one.BufferBits, three.BufferBits);
    }

    [Fact]
    public void The_batch_schedule_depends_on_the_seed_and_a_full_batch_does_not()
    {
        double a = (Problem.Logistic(4, true) with { Seed = 1 }).Loss();
        double b = (Problem.Logistic(4, true) with { Seed = 2 }).Loss();
        Assert.NotEqual(a, b);
        Assert.Equal((Problem.Logistic(0, true) with { Seed = 1 }).Loss(), (Problem.Logistic(0, true) with { Seed = 2 }).Loss());
    }

    private static void AssertRestored(long[][] initial, long[][] restored)
    {
        Assert.Equal(initial.Length, restored.Length);
        for (int p = 0; p < initial.Length; p++)
        {
            Assert.Equal(initial[p], restored[p]);
        }
    }

    private static double[,] Constant(int steps, int parameters, double value)
    {
        var s = new double[steps, parameters];
        for (int t = 0; t < steps; t++)
        {
            for (int p = 0; p < parameters; p++)
            {
                s[t, p] = value;
            }
        }

        return s;
    }

    private static float[] Flatten(float[,] m) => [.. m.Cast<float>()];
}
