namespace Downhill.EndToEnd.Tests;

public class RosenbrockTests
{
    /// <summary>downhill's test_minimize: NAG from (-3, -3) with clipped gradients reaches the minimum (1, 1).</summary>
    [Fact]
    public void Nag_reaches_the_minimum_through_the_generated_loss()
    {
        var fit = Losses.RosenbrockLoss.Minimize(
            init: new() { p = [-3, -3] },
            algo: Algo.Nag, learningRate: 0.001, momentum: 0.9, patience: 1, minImprovement: 0.1, maxGradientNorm: 1, batchSize: 1, threads: 1);

        Assert.Equal(StopReason.Patience, fit.StopReason);
        Assert.Equal(1, fit.Params.p[0], 0.001);
        Assert.Equal(1, fit.Params.p[1], 0.001);
        Assert.True(fit.Valid.Loss < 1e-5, $"loss {fit.Valid.Loss}");
    }

    [Fact]
    public void The_generated_gradient_and_hessian_vector_product_are_exact()
    {
        double[] p = [-3, -3];
        double[] g = new double[2];
        double loss = Losses.RosenbrockGradient(p, g);
        Assert.Equal(16 + 100 * 144, loss);
        // d/dx = -2(1 - x) - 400x(y - x²), d/dy = 200(y - x²).
        Assert.Equal(-2 * 4 - 400 * -3 * -12, g[0], 1e-9);
        Assert.Equal(200 * -12, g[1], 1e-9);

        double[] hv = new double[2];
        Losses.RosenbrockHessianVector(p, [1, 0], hv);
        // H = [[2 - 400(y - 3x²), -400x], [-400x, 200]].
        Assert.Equal(2 - 400 * (-3 - 27), hv[0], 1e-9);
        Assert.Equal(1200, hv[1], 1e-9);
    }
}
