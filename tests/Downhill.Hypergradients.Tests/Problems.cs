namespace Downhill.Hypergradients.Tests;

/// <summary>
/// One exact training run as arrays, for the untyped entry point: copies can be perturbed one input element at a
/// time for central finite differences of the whole run.
/// </summary>
internal sealed record Problem(
    ILossModel<double> Model,
    Array[] Train,
    Array[]? Valid,
    double[][] Init,
    double[][] InitVelocity,
    double[,] Alpha,
    double[,] Beta,
    double[] Hypers,
    double[]? ValidHypers,
    int BatchSize,
    long Seed = 1,
    int? Threads = null)
{
    public ReversedRun<double> Run() => ReversibleLearning.Run(Model, Train, Valid, Init, InitVelocity, Alpha, Beta, Hypers, ValidHypers,
        new HypergradientOptions { BatchSize = BatchSize, Seed = Seed, Threads = Threads });

    public double Loss() => Run().Loss;

    public Problem Copy() => this with
    {
        Train = [.. Train.Select(c => (Array)c.Clone())],
        Init = [.. Init.Select(a => (double[])a.Clone())],
        InitVelocity = [.. InitVelocity.Select(a => (double[])a.Clone())],
        Alpha = (double[,])Alpha.Clone(),
        Beta = (double[,])Beta.Clone(),
        Hypers = (double[])Hypers.Clone(),
    };

    /// <summary>Random schedules as the paper's quadratic test draws them: α = 0.1·U(0, 1), β = 0.5 + 0.2·U(0, 1).</summary>
    public static (double[,] Alpha, double[,] Beta) Schedules(Random rng, int steps, int parameters, double alphaScale = 0.1)
    {
        var alpha = new double[steps, parameters];
        var beta = new double[steps, parameters];
        for (int t = 0; t < steps; t++)
        {
            for (int p = 0; p < parameters; p++)
            {
                alpha[t, p] = alphaScale * rng.NextDouble();
                beta[t, p] = 0.5 + (0.2 * rng.NextDouble());
            }
        }

        return (alpha, beta);
    }

    public static double Normal(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    public static double[] Normals(Random rng, int n, double scale) => [.. Enumerable.Range(0, n).Select(_ => scale * Normal(rng))];

    public static double[,] Matrix(Random rng, int rows, int cols, double scale)
    {
        var m = new double[rows, cols];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < cols; c++)
            {
                m[r, c] = scale * Normal(rng);
            }
        }

        return m;
    }

    /// <summary>The paper's quadratic: 5 weights, 12 rows, 9 steps, W0 and V0 = 0.1·randn.</summary>
    public static Problem Quadratic(int batchSize, int steps = 9)
    {
        var rng = new Random(42);
        var (alpha, beta) = Schedules(rng, steps, 1);
        return new Problem(Losses.QuadraticLoss.Instance, [Matrix(rng, 12, 5, 1)], null, [Normals(rng, 5, 0.1)], [Normals(rng, 5, 0.1)], alpha, beta, [], null, batchSize);
    }

    /// <summary>L2 logistic regression on 12 rows of 3 features, validated on 8 other rows without the penalty.</summary>
    public static Problem Logistic(int batchSize, bool withValidation)
    {
        var rng = new Random(7);
        var (alpha, beta) = Schedules(rng, 9, 2, 0.5);
        int[] Labels(int n) => [.. Enumerable.Range(0, n).Select(_ => rng.Next(2))];
        Array[] train = [Matrix(rng, 12, 3, 1), Labels(12)];
        Array[]? valid = withValidation ? [Matrix(rng, 8, 3, 1), Labels(8)] : null;
        return new Problem(Losses.LogisticLoss.Instance, train, valid, [Normals(rng, 3, 0.1), [0.05]], [Normals(rng, 3, 0.1), [0.02]], alpha, beta, [0.05], withValidation ? [0.0] : null, batchSize);
    }

    /// <summary>A 3 → 4 → 1 tanh MLP (its unit a helper) on 12 rows, validated on 8 others.</summary>
    public static Problem Mlp(int batchSize)
    {
        var rng = new Random(9);
        var (alpha, beta) = Schedules(rng, 9, 4, 0.3);
        Array[] train = [Matrix(rng, 12, 3, 1), Normals(rng, 12, 1)];
        Array[] valid = [Matrix(rng, 8, 3, 1), Normals(rng, 8, 1)];
        double[][] init = [Normals(rng, 12, 0.5), Normals(rng, 4, 0.1), Normals(rng, 4, 0.5), [0.1]];
        double[][] v0 = [Normals(rng, 12, 0.05), Normals(rng, 4, 0.05), Normals(rng, 4, 0.05), [0.01]];
        return new Problem(Losses.MlpLoss.Instance, train, valid, init, v0, alpha, beta, [0.01], [0.0], batchSize);
    }
}
