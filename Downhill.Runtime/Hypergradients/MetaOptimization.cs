using System.Globalization;
using System.Numerics;

namespace Downhill.Hypergradients;

/// <summary>What a meta-optimization learns and how it steps (Maclaurin, Duvenaud &amp; Adams 2015, section 3).</summary>
public sealed class MetaOptions
{
    /// <summary>Meta steps: each is one exact run forward and back (default 10).</summary>
    public int MetaSteps { get; set; } = 10;

    /// <summary>The runtime optimizer that steps the hyperparameters (default Adam, as the paper).</summary>
    public Algo Algo { get; set; } = Algo.Adam;

    /// <summary>Its learning rate (default 0.04, the paper's).</summary>
    public double LearningRate { get; set; } = 0.04;

    /// <summary>Its momentum (default 0).</summary>
    public double Momentum { get; set; }

    /// <summary>Learn the learning-rate schedule, in log coordinates (default true).</summary>
    public bool LearnLearningRates { get; set; } = true;

    /// <summary>Learn the momentum schedule, in logit coordinates (default true).</summary>
    public bool LearnMomenta { get; set; } = true;

    /// <summary>Learn one log scale per parameter of the initial values, θ0 = e^s·θ0_given (default false).</summary>
    public bool LearnInitScales { get; set; }

    /// <summary>Learn the training [Hyper] values, in log coordinates (they must be positive; default false).</summary>
    public bool LearnHypers { get; set; }

    /// <summary>Learn the real training data itself (default false), in its own coordinates.</summary>
    public bool LearnTrainData { get; set; }

    /// <summary>How each exact run takes its batches and threads.</summary>
    public HypergradientOptions Run { get; set; } = new();

    /// <summary>Write one line per meta step to the console.</summary>
    public bool ShowProgress { get; set; }

    /// <summary>Receives a report after every meta step.</summary>
    public IProgress<MetaReport>? Progress { get; set; }

    /// <summary>Cancels between meta steps (and inside a run).</summary>
    public CancellationToken CancellationToken { get; set; }
}

/// <summary>The objective after meta step <paramref name="MetaStep"/> of <paramref name="MetaSteps"/>, measured by the run that step took.</summary>
/// <param name="MetaStep">Meta steps done.</param>
/// <param name="MetaSteps">Meta steps asked for.</param>
/// <param name="Loss">The objective at θ_T of the run before the step.</param>
public sealed record MetaReport(int MetaStep, int MetaSteps, double Loss);

/// <summary>The hyperparameters a meta-optimization ended with, and the objective along the way.</summary>
/// <param name="LearningRates">α, T × parameters.</param>
/// <param name="Momenta">β, T × parameters.</param>
/// <param name="InitScales">e^s per parameter (1 when not learned).</param>
/// <param name="Hypers">The training [Hyper] values.</param>
/// <param name="TrainData">The training columns (learned when asked).</param>
/// <param name="Losses">The objective of the run at each meta step, then of the final hyperparameters.</param>
public sealed record MetaResult(double[,] LearningRates, double[,] Momenta, double[] InitScales, double[] Hypers, Array[] TrainData, double[] Losses);

/// <summary>
/// Gradient-based hyperparameter optimization by reversible learning: every meta step runs training forward and
/// back exactly (<see cref="ReversibleLearning.Run{T}"/>) and steps the hyperparameters with one of the runtime's
/// optimizers along the chain rule: log α, logit β, log init scale and log [Hyper] coordinates keep them in range.
/// </summary>
public static class MetaOptimization
{
    /// <summary>Improves the hyperparameters of a run of <paramref name="model"/> (arguments as <see cref="ReversibleLearning.Run{T}"/>).</summary>
    /// <exception cref="ArgumentException">Bad input, before any run.</exception>
    public static MetaResult Optimize<T>(ILossModel<T> model, Array[] train, Array[]? valid, T[][] init, T[][]? initVelocity,
        double[,] learningRates, double[,] momenta, T[]? hypers, T[]? validHypers, MetaOptions? options = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(init);
        ArgumentNullException.ThrowIfNull(learningRates);
        ArgumentNullException.ThrowIfNull(momenta);
        ArgumentNullException.ThrowIfNull(train);
        options ??= new MetaOptions();
        ArgumentOutOfRangeException.ThrowIfNegative(options.MetaSteps, nameof(options.MetaSteps));
        int steps = learningRates.GetLength(0);
        int parameters = learningRates.GetLength(1);
        double[,] alpha = (double[,])learningRates.Clone();
        double[,] beta = (double[,])momenta.Clone();
        double[] hyper = hypers is null ? [] : [.. hypers.Select(h => double.CreateTruncating(h))];
        if (options.LearnLearningRates && alpha.Cast<double>().Any(a => !(a > 0)))
        {
            throw new ArgumentOutOfRangeException(nameof(learningRates), "Learned learning rates live in log coordinates: every α must be positive.");
        }

        if (options.LearnHypers && hyper.Any(h => !(h > 0)))
        {
            throw new ArgumentOutOfRangeException(nameof(hypers), "Learned [Hyper] values live in log coordinates: each must be positive.");
        }

        Array[] data = [.. train.Select(c => (Array)c.Clone())];
        double[] scale = [.. Enumerable.Repeat(1.0, init.Length)];
        double[][] x =
        [
            options.LearnLearningRates ? [.. alpha.Cast<double>().Select(a => Math.Log(a))] : [],
            options.LearnMomenta ? [.. beta.Cast<double>().Select(b => Math.Log(b / (1 - b)))] : [],
            options.LearnInitScales ? new double[init.Length] : [],
            options.LearnHypers ? [.. hyper.Select(h => Math.Log(h))] : [],
        ];
        // The training data (when learned) in its own coordinates, one block per column.
        double[][] pixels = options.LearnTrainData ? Flatten(data) : [];
        x = [.. x, .. pixels];
        double[][] g = [.. x.Select(a => new double[a.Length])];
        var optimizer = Downhill.Optimizers.Optimizer.Create(options.Algo, new TrainingOptions { Algo = options.Algo, LearningRate = options.LearningRate, Momentum = options.Momentum });
        var losses = new List<double>();
        for (int m = 0; m <= options.MetaSteps; m++)
        {
            options.CancellationToken.ThrowIfCancellationRequested();
            T[][] theta0 = [.. init.Select((a, p) => a.Select(v => T.CreateTruncating(scale[p] * double.CreateTruncating(v))).ToArray())];
            var runOptions = new HypergradientOptions { BatchSize = options.Run.BatchSize, Seed = options.Run.Seed, Threads = options.Run.Threads, CancellationToken = options.CancellationToken };
            ReversedRun<T> run = ReversibleLearning.Run(model, data, valid, theta0, initVelocity, alpha, beta, hypers is null ? null : [.. hyper.Select(h => T.CreateTruncating(h))], validHypers, runOptions);
            losses.Add(run.Loss);
            if (options.ShowProgress)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"meta step {m}/{options.MetaSteps}: objective {run.Loss:G6}"));
            }

            options.Progress?.Report(new MetaReport(m, options.MetaSteps, run.Loss));
            if (m == options.MetaSteps)
            {
                break;
            }

            // Chain rule into the meta coordinates: dlog α = dα·α, dlogit β = dβ·β(1 − β), ds = dθ0·θ0, dlog λ = dλ·λ.
            int k = 0;
            for (int t = 0; t < steps; t++)
            {
                for (int p = 0; p < parameters; p++, k++)
                {
                    if (options.LearnLearningRates)
                    {
                        g[0][k] = run.LearningRates[t, p] * alpha[t, p];
                    }

                    if (options.LearnMomenta)
                    {
                        g[1][k] = run.Momenta[t, p] * beta[t, p] * (1 - beta[t, p]);
                    }
                }
            }

            for (int p = 0; p < g[2].Length; p++)
            {
                g[2][p] = run.Init[p].Select((d, i) => d * double.CreateTruncating(theta0[p][i])).Sum();
            }

            for (int h = 0; h < g[3].Length; h++)
            {
                g[3][h] = run.Hypers[h] * hyper[h];
            }

            for (int c = 0; c < pixels.Length; c++)
            {
                if (run.TrainData[c] is double[] d)
                {
                    d.CopyTo(g[4 + c], 0);
                }
            }

            optimizer.Step(x, g);
            if (options.LearnTrainData)
            {
                Unflatten(x[4..], data);
            }

            k = 0;
            for (int t = 0; t < steps; t++)
            {
                for (int p = 0; p < parameters; p++, k++)
                {
                    if (options.LearnLearningRates)
                    {
                        alpha[t, p] = Math.Exp(x[0][k]);
                    }

                    if (options.LearnMomenta)
                    {
                        // β stays in [0, 1): the logistic of a finite number, kept below 1 in double.
                        beta[t, p] = Math.Min(1 / (1 + Math.Exp(-x[1][k])), 1 - Math.Pow(2, -20));
                    }
                }
            }

            for (int p = 0; p < x[2].Length; p++)
            {
                scale[p] = Math.Exp(x[2][p]);
            }

            for (int h = 0; h < x[3].Length; h++)
            {
                hyper[h] = Math.Exp(x[3][h]);
            }
        }

        return new MetaResult(alpha, beta, scale, hyper, data, [.. losses]);
    }

    /// <summary>The real training columns flattened, one array each (empty for integer columns).</summary>
    private static double[][] Flatten(Array[] data) => [.. data.Select(c => c switch
    {
        double[] v => (double[])v.Clone(),
        float[] v => v.Select(x => (double)x).ToArray(),
        double[,] m => m.Cast<double>().ToArray(),
        float[,] m => m.Cast<float>().Select(x => (double)x).ToArray(),
        _ => [],
    })];

    /// <summary>Writes the flattened values back into the columns.</summary>
    private static void Unflatten(double[][] values, Array[] data)
    {
        for (int c = 0; c < data.Length; c++)
        {
            double[] v = values[c];
            switch (data[c])
            {
                case double[] d:
                    v.CopyTo(d, 0);
                    break;
                case float[] f:
                    for (int i = 0; i < v.Length; i++)
                    {
                        f[i] = (float)v[i];
                    }

                    break;
                case double[,] m:
                    for (int i = 0; i < v.Length; i++)
                    {
                        m[i / m.GetLength(1), i % m.GetLength(1)] = v[i];
                    }

                    break;
                case float[,] m:
                    for (int i = 0; i < v.Length; i++)
                    {
                        m[i / m.GetLength(1), i % m.GetLength(1)] = (float)v[i];
                    }

                    break;
            }
        }
    }
}
