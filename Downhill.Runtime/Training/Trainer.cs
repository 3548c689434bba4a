using System.Numerics;
using Downhill.Optimizers;

namespace Downhill;

/// <summary>
/// The training loop of downhill (reference: downhill.md, "iterate / minimize"): validate before the first epoch
/// and every <see cref="TrainingOptions.ValidateEvery"/> epochs, stop on patience, <see cref="TrainingOptions.MaxUpdates"/>
/// or cancellation, and leave the best parameters in place. Unlike downhill it validates once more at the end so
/// that updates since the last validation are kept when they are better, checks every loss and gradient for NaN
/// and infinity (<see cref="TrainingDivergedException"/>), and can checkpoint and resume.
/// </summary>
public static class Trainer
{
    /// <summary>
    /// Trains <paramref name="parameters"/> in place, yielding the training metrics and the latest validation metrics
    /// after every epoch. When the loop ends, is broken out of, or is cancelled, the best parameters are left in
    /// <paramref name="parameters"/>. Options and data are checked before the first epoch.
    /// </summary>
    /// <remarks>
    /// Early stopping: a validation counts as progress iff best − loss &gt; |best| · <see cref="TrainingOptions.MinImprovement"/>,
    /// and training stops when more than <see cref="TrainingOptions.Patience"/> validations in a row fail. downhill compares
    /// with best · MinImprovement (no absolute value), so with a negative best a worse loss counts as progress, and its
    /// first comparison against an infinite best makes MinImprovement ≥ 1 fail even the first validation; here the
    /// first finite validation always counts and the threshold uses |best|, so negative losses work.
    /// <see cref="TrainingOptions.MaxUpdates"/> counts epochs. Where downhill throws away the updates since the last
    /// validation, this validates once more at the end and keeps them when they are better.
    /// </remarks>
    /// <param name="model">The loss.</param>
    /// <param name="train">Training data.</param>
    /// <param name="valid">Validation data (null: the training data, as a view without shuffling; a callable source is used as is).</param>
    /// <param name="parameters">The parameters, one array per <see cref="LossSchema.Params"/> entry; updated in place.</param>
    /// <param name="hypers">The hyperparameter values.</param>
    /// <param name="options">The options.</param>
    public static IEnumerable<(Metrics Train, Metrics Valid)> Iterate<T>(ILossModel<T> model, Dataset train, Dataset? valid, T[][] parameters, T[] hypers, TrainingOptions options)
        where T : unmanaged, IFloatingPointIeee754<T> => Iterate(model, train, valid, parameters, hypers, options, null);

    /// <summary>As <see cref="Iterate{T}(ILossModel{T}, Dataset, Dataset?, T[][], T[], TrainingOptions)"/>, with an optimizer of the caller's (a custom subclass, say).</summary>
    public static IEnumerable<(Metrics Train, Metrics Valid)> Iterate<T>(ILossModel<T> model, Dataset train, Dataset? valid, T[][] parameters, T[] hypers, TrainingOptions options, Optimizer? optimizer)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Built eagerly so that bad options and data throw at the call, before any training.
        var run = new TrainingRun<T>(model, train, valid, parameters, hypers, options, optimizer);
        return new OneRun<T>(run);
    }

    /// <summary>
    /// Minimizes a loss over data given as columns (in <see cref="LossSchema.Data"/> order) and returns the best
    /// parameters: the entry point generated <c>Minimize</c> methods call. <paramref name="init"/> is copied, not changed.
    /// Batches come from <see cref="TrainingOptions.BatchSize"/>, <see cref="TrainingOptions.TrainBatches"/>,
    /// <see cref="TrainingOptions.ValidBatches"/>, <see cref="TrainingOptions.Seed"/> and <see cref="TrainingOptions.ShuffleRows"/>.
    /// </summary>
    /// <param name="model">The loss.</param>
    /// <param name="trainColumns">Training columns; empty for a loss without data.</param>
    /// <param name="validColumns">Validation columns (null: validate on the training data).</param>
    /// <param name="init">Initial parameters.</param>
    /// <param name="hypers">Hyperparameter values.</param>
    /// <param name="options">The options.</param>
    public static TrainingResult<T> Minimize<T>(ILossModel<T> model, Array[] trainColumns, Array[]? validColumns, T[][] init, T[] hypers, TrainingOptions options)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(trainColumns);
        ArgumentNullException.ThrowIfNull(options);
        TrainingOptionsValidation.Validate(options);
        TrainingOptionsValidation.ValidateForAlgorithm(options.Algo, options);
        string[] names = [.. model.Schema.Data.Select(d => d.Name)];
        if (trainColumns.Length != names.Length)
        {
            throw new ArgumentException($"The loss {model.Schema.Name} takes {names.Length} data arguments ({string.Join(", ", names)}); got {trainColumns.Length} training columns.", nameof(trainColumns));
        }

        var train = new Dataset(trainColumns, names, options.BatchSize, options.TrainBatches, shuffle: true, options.ShuffleRows, options.Seed, "train");
        Dataset? valid = null;
        if (validColumns is not null)
        {
            if (validColumns.Length != names.Length)
            {
                throw new ArgumentException($"The loss {model.Schema.Name} takes {names.Length} data arguments ({string.Join(", ", names)}); got {validColumns.Length} validation columns.", nameof(validColumns));
            }

            valid = new Dataset(validColumns, names, options.BatchSize, options.ValidBatches, shuffle: true, shuffleRows: false, unchecked(options.Seed + 1), "valid");
        }

        return Minimize(model, train, valid, init, hypers, options);
    }

    /// <summary>Minimizes a loss over <see cref="Dataset"/>s; <paramref name="init"/> is copied, not changed.</summary>
    public static TrainingResult<T> Minimize<T>(ILossModel<T> model, Dataset train, Dataset? valid, T[][] init, T[] hypers, TrainingOptions options)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(init);
        T[][] parameters = [.. init.Select(p => (T[])p?.Clone()!)];
        using var run = new TrainingRun<T>(model, train, valid, parameters, hypers, options, null, nameof(init));
        try
        {
            while (run.MoveNext(out _, out _))
            {
            }
        }
        finally
        {
            run.Finish();
        }

        return new TrainingResult<T>(parameters, run.LastTrain!, run.BestValid ?? run.LastTrain!, run.Epoch, run.StopReason ?? StopReason.Stopped);
    }

    /// <summary>
    /// The sequence <see cref="Iterate{T}(ILossModel{T}, Dataset, Dataset?, T[][], T[], TrainingOptions)"/> returns:
    /// one training run, so it can be enumerated once; a second enumeration would continue from trained parameters
    /// with a finished run's state, and throws a clear <see cref="InvalidOperationException"/> instead.
    /// </summary>
    private sealed class OneRun<T>(TrainingRun<T> run) : IEnumerable<(Metrics Train, Metrics Valid)>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private int started;

        public IEnumerator<(Metrics Train, Metrics Valid)> GetEnumerator() =>
            Interlocked.Exchange(ref started, 1) == 0
                ? Enumerate(run).GetEnumerator()
                : throw new InvalidOperationException("The sequence from Trainer.Iterate is one training run and has been enumerated already; call Trainer.Iterate again (with fresh initial parameters) to train again.");

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    private static IEnumerable<(Metrics Train, Metrics Valid)> Enumerate<T>(TrainingRun<T> run)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        using (run)
        {
            try
            {
                while (run.MoveNext(out Metrics train, out Metrics valid))
                {
                    yield return (train, valid);
                }
            }
            finally
            {
                run.Finish();
            }
        }
    }
}
