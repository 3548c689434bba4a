using System.Numerics;

namespace Downhill.Hypergradients;

/// <summary>Which half of an exact run a <see cref="HypergradientProgress"/> reports.</summary>
public enum HypergradientPhase
{
    /// <summary>Training forward, keeping the bits the decay destroys.</summary>
    Forward,

    /// <summary>Training backwards, accumulating the hypergradients.</summary>
    Reverse,
}

/// <summary>Progress of an exact run: <paramref name="Step"/> of <paramref name="Steps"/> done in <paramref name="Phase"/>.</summary>
/// <param name="Phase">Forward or reverse.</param>
/// <param name="Step">Steps done in this phase.</param>
/// <param name="Steps">Steps T of the run.</param>
public sealed record HypergradientProgress(HypergradientPhase Phase, int Step, int Steps);

/// <summary>How an exact run takes its batches and threads.</summary>
public sealed class HypergradientOptions
{
    /// <summary>Rows per batch; 0 (or at least the rows of the set) is the whole set every step.</summary>
    public int BatchSize { get; set; }

    /// <summary>The seed of the batch schedule: batch t is drawn from (seed, t) alone.</summary>
    public long Seed { get; set; }

    /// <summary>Threads (default: every core); the result does not depend on it.</summary>
    public int? Threads { get; set; }

    /// <summary>Receives a report after every step of each phase.</summary>
    public IProgress<HypergradientProgress>? Progress { get; set; }

    /// <summary>Cancels the run between steps.</summary>
    public CancellationToken CancellationToken { get; set; }
}

/// <summary>
/// Exact hypergradients by reversible learning (Maclaurin, Duvenaud &amp; Adams, "Gradient-based Hyperparameter
/// Optimization through Reversible Learning", ICML 2015): T steps of SGD with momentum held in exact fixed-point
/// arithmetic, then the same steps backwards, giving the gradient of the objective at θ_T with respect to every
/// learning rate, momentum, θ0, v0, [Hyper] argument and training-data element without storing the trajectory.
/// The generated <c>FLoss.Hypergradient</c> methods call <see cref="Run{T}"/>.
/// </summary>
public static class ReversibleLearning
{
    /// <summary>
    /// Runs T steps forward and back. Schedules are T × (number of [Param] arguments): one column per parameter.
    /// The objective is the mean loss over <paramref name="valid"/> (or <paramref name="train"/> when null) with
    /// <paramref name="validHypers"/>; when that is null the objective uses <paramref name="hypers"/> itself, and
    /// its direct dependence on them (and on the training data, when <paramref name="valid"/> is null) is included.
    /// </summary>
    /// <exception cref="ArgumentException">A bad input (schedules, shapes, hypers, data); raised before any step.</exception>
    /// <exception cref="FixedPointOverflowException">A value left |x| &lt; 2048 during the run.</exception>
    public static ReversedRun<T> Run<T>(ILossModel<T> model, Array[] train, Array[]? valid, T[][] init, T[][]? initVelocity,
        double[,] learningRates, double[,] momenta, T[]? hypers, T[]? validHypers, HypergradientOptions? options = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        options ??= new HypergradientOptions();
        LossSchema schema = model.Schema;
        int steps = CheckSchedules(schema, learningRates, momenta);
        double[][] theta0 = CheckShapes(schema, init, nameof(init), null);
        double[][] v0 = initVelocity is null ? [.. theta0.Select(a => new double[a.Length])] : CheckShapes(schema, initVelocity, nameof(initVelocity), theta0);
        T[] trainHypers = CheckHypers(schema, hypers, nameof(hypers)) ?? [];
        T[]? objectiveHypers = CheckHypers(schema, validHypers, nameof(validHypers));
        ArgumentOutOfRangeException.ThrowIfNegative(options.BatchSize, nameof(options.BatchSize));
        if (options.Threads is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Threads, "Threads must be at least 1.");
        }

        var trainSet = new ExactData<T>(schema, train, nameof(train), options.BatchSize, options.Seed);
        var validSet = valid is null ? null : new ExactData<T>(schema, valid, nameof(valid), 0, 0);
        using var run = new ReversibleSgd<T>(model, trainSet, validSet, theta0, v0, learningRates, momenta, trainHypers, objectiveHypers, options);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        run.Forward();
        TimeSpan forward = clock.Elapsed;
        double bits = run.State.Buffer.Bits;
        long bytes = run.State.Buffer.Bytes;
        T[][] finalParams = [.. run.State.Theta.Select(a => a.Select(x => T.CreateTruncating(FixedPoint.ToDouble(x))).ToArray())];
        double[][] dTheta = [.. theta0.Select(a => new double[a.Length])];
        double[][] dVelocity = [.. theta0.Select(a => new double[a.Length])];
        double[] dHypers = new double[trainHypers.Length];
        double[]?[] dData = trainSet.NewDataGradients();
        double loss = run.Objective(dTheta, dHypers, dData);
        var dAlpha = new double[steps, theta0.Length];
        var dBeta = new double[steps, theta0.Length];
        clock.Restart();
        run.Reverse(dTheta, dVelocity, dAlpha, dBeta, dHypers, dData);
        TimeSpan reverse = clock.Elapsed;
        bool restored = Same(run.State.Theta, run.InitialTheta) && Same(run.State.Velocity, run.InitialVelocity) && run.State.Buffer.IsEmpty;
        if (!restored)
        {
            throw new InvalidOperationException("The reverse run did not restore θ0, v0 and an empty buffer exactly.");
        }

        return new ReversedRun<T>(loss, finalParams, dAlpha, dBeta, dTheta, dVelocity, dHypers, dData, [.. trainSet.Widths], bits, bytes,
            [.. run.InitialTheta.Select(a => (long[])a.Clone())], [.. run.State.Theta.Select(a => (long[])a.Clone())],
            [.. run.InitialVelocity.Select(a => (long[])a.Clone())], [.. run.State.Velocity.Select(a => (long[])a.Clone())])
        {
            ForwardTime = forward,
            ReverseTime = reverse,
        };
    }

    /// <summary>A per-step schedule (one value per step) as a T × <paramref name="parameters"/> schedule, the same for every parameter.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="schedule"/> is null.</exception>
    public static double[,] Broadcast(double[]? schedule, int parameters, string argument)
    {
        ArgumentNullException.ThrowIfNull(schedule, argument);
        var result = new double[schedule.Length, parameters];
        for (int t = 0; t < schedule.Length; t++)
        {
            for (int p = 0; p < parameters; p++)
            {
                result[t, p] = schedule[t];
            }
        }

        return result;
    }

    /// <summary>Per-step sums over the columns of a T × P gradient: the gradient of a schedule shared by every parameter.</summary>
    public static double[] SumColumns(double[,] gradient)
    {
        ArgumentNullException.ThrowIfNull(gradient);
        var result = new double[gradient.GetLength(0)];
        for (int t = 0; t < result.Length; t++)
        {
            for (int p = 0; p < gradient.GetLength(1); p++)
            {
                result[t] += gradient[t, p];
            }
        }

        return result;
    }

    private static int CheckSchedules(LossSchema schema, double[,]? learningRates, double[,]? momenta)
    {
        ArgumentNullException.ThrowIfNull(learningRates);
        ArgumentNullException.ThrowIfNull(momenta);
        int parameters = schema.Params.Count;
        int steps = learningRates.GetLength(0);
        if (steps == 0)
        {
            throw new ArgumentException("The learning-rate schedule is empty: give one value per step.", nameof(learningRates));
        }

        if (momenta.GetLength(0) != steps)
        {
            throw new ArgumentException($"The schedules have different lengths: {steps} learning rates, {momenta.GetLength(0)} momenta.", nameof(momenta));
        }

        foreach (var (schedule, name) in new[] { (learningRates, nameof(learningRates)), (momenta, nameof(momenta)) })
        {
            if (schedule.GetLength(1) != parameters)
            {
                throw new ArgumentException($"A per-parameter schedule has one column per [Param] argument ({parameters}: {string.Join(", ", schema.Params.Select(p => p.Name))}); it has {schedule.GetLength(1)}.", name);
            }
        }

        for (int t = 0; t < steps; t++)
        {
            for (int p = 0; p < parameters; p++)
            {
                double a = learningRates[t, p];
                double b = momenta[t, p];
                if (!double.IsFinite(a))
                {
                    throw new ArgumentOutOfRangeException(nameof(learningRates), a, $"Step {t}, parameter '{schema.Params[p].Name}': a learning rate must be finite.");
                }

                if (!(b >= 0 && b < 1))
                {
                    throw new ArgumentOutOfRangeException(nameof(momenta), b, $"Step {t}, parameter '{schema.Params[p].Name}': a momentum β must be in [0, 1).");
                }
            }
        }

        return steps;
    }

    private static double[][] CheckShapes<T>(LossSchema schema, T[][]? values, string argument, double[][]? like)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(values, argument);
        if (values.Length != schema.Params.Count)
        {
            throw new ArgumentException($"Expected {schema.Params.Count} parameter arrays, got {values.Length}.", argument);
        }

        var result = new double[values.Length][];
        for (int p = 0; p < values.Length; p++)
        {
            ParamSpec spec = schema.Params[p];
            T[] a = values[p] ?? throw new ArgumentNullException(argument, $"Parameter '{spec.Name}' has no values.");
            if (like is not null && a.Length != like[p].Length)
            {
                throw new ArgumentException($"Parameter '{spec.Name}' has {a.Length} elements here but {like[p].Length} in init.", argument);
            }

            if (spec.IsVector ? a.Length == 0 : a.Length != 1)
            {
                throw new ArgumentException(spec.IsVector ? $"The vector parameter '{spec.Name}' needs initial values; their length gives its shape." : $"The scalar parameter '{spec.Name}' is one element, not {a.Length}.", argument);
            }

            result[p] = [.. a.Select(x => double.CreateTruncating(x))];
            for (int i = 0; i < result[p].Length; i++)
            {
                if (!FixedPoint.TryFromDouble(result[p][i], out _))
                {
                    throw new ArgumentOutOfRangeException(argument, result[p][i], $"Parameter '{spec.Name}', element {i}: exact runs hold values with |x| < 2048 (and finite); use a smaller initial scale.");
                }
            }
        }

        return result;
    }

    private static T[]? CheckHypers<T>(LossSchema schema, T[]? values, string argument)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int count = schema.Hypers.Count;
        if (values is null)
        {
            if (count > 0 && argument == "hypers")
            {
                throw new ArgumentNullException(argument, $"The loss has [Hyper] arguments ({string.Join(", ", schema.Hypers)}): give the values used in training.");
            }

            return null;
        }

        if (values.Length != count)
        {
            throw new ArgumentException($"The loss has {count} [Hyper] arguments ({string.Join(", ", schema.Hypers)}); {values.Length} values were given.", argument);
        }

        for (int h = 0; h < count; h++)
        {
            if (!T.IsFinite(values[h]))
            {
                throw new ArgumentOutOfRangeException(argument, values[h], $"The [Hyper] argument '{schema.Hypers[h]}' must be finite.");
            }
        }

        return (T[])values.Clone();
    }

    private static bool Same(long[][] a, long[][] b) => a.Length == b.Length && a.Zip(b).All(x => x.First.AsSpan().SequenceEqual(x.Second));
}
