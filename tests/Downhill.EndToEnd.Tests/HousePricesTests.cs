namespace Downhill.EndToEnd.Tests;

public class HousePricesTests
{
    /// <summary>Synthetic houses on the line price = 0.3·size + 20 with Gaussian noise (sizes in hundreds of square feet).</summary>
    internal static (double[] Sizes, double[] Prices) Houses(Random random, int count, double noise = 0.5)
    {
        var sizes = new double[count];
        var prices = new double[count];
        for (int i = 0; i < count; i++)
        {
            sizes[i] = 5 + 30 * random.NextDouble();
            double gauss = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            prices[i] = 0.3 * sizes[i] + 20 + noise * gauss;
        }

        return (sizes, prices);
    }

    [Fact]
    public void Minimize_recovers_the_line()
    {
        var random = new Random(42);
        var (sizes, prices) = Houses(random, 4000);
        var (validSizes, validPrices) = Houses(random, 1000);

        var fit = Losses.LineLoss.Minimize(
            train: (sizes, prices), valid: (validSizes, validPrices),
            init: new() { m = 1, b = 0 },
            algo: Algo.RmsProp, learningRate: 0.03, batchSize: 32, validateEvery: 1, patience: 5, seed: 1);

        Assert.Equal(0.3, fit.Params.m, 0.01);
        Assert.Equal(20, fit.Params.b, 0.1);
        // The noise has variance 0.25 and mean absolute value 0.5·√(2/π) ≈ 0.40: the fit leaves just the noise.
        Assert.InRange(fit.Valid.Loss, 0.2, 0.3);
        Assert.InRange(fit.Valid["abs error"], 0.35, 0.45);
        Assert.Equal(StopReason.Patience, fit.StopReason);
        Assert.InRange(fit.Epochs, 2, 200);
    }

    [Fact]
    public void The_same_seed_gives_the_same_fit()
    {
        var (sizes, prices) = Houses(new Random(7), 500);
        var a = Losses.LineLoss.Minimize(train: (sizes, prices), init: new() { m = 1, b = 0 }, algo: Algo.Adam, learningRate: 0.1, maxUpdates: 5, seed: 3);
        var b = Losses.LineLoss.Minimize(train: (sizes, prices), init: new() { m = 1, b = 0 }, algo: Algo.Adam, learningRate: 0.1, maxUpdates: 5, seed: 3);
        Assert.Equal(a.Params.m, b.Params.m);
        Assert.Equal(a.Params.b, b.Params.b);
        Assert.Equal(StopReason.MaxUpdates, a.StopReason);
        Assert.Equal(5, a.Epochs);
    }

    [Fact]
    public void The_generated_gradient_matches_the_derivative_by_hand()
    {
        double dm = 0, db = 0;
        double loss = Losses.LineGradient(1, 0, 20, 26, ref dm, ref db);
        Assert.Equal(36, loss);
        Assert.Equal(2 * (20 - 26) * 20, dm);
        Assert.Equal(2 * (20 - 26), db);
    }
}
