using System.Collections;

namespace Downhill;

/// <summary>Metrics of a pass over a data set: the mean loss, then the monitors and gradient norms by name.</summary>
public sealed class Metrics : IReadOnlyDictionary<string, double>
{
    private readonly List<KeyValuePair<string, double>> values;

    /// <summary>Creates metrics from name/value pairs; the first must be <c>loss</c>.</summary>
    public Metrics(IEnumerable<KeyValuePair<string, double>> values)
    {
        this.values = [.. values];
        if (this.values.Count == 0 || this.values[0].Key != "loss")
        {
            throw new ArgumentException("Metrics must start with 'loss'.", nameof(values));
        }
    }

    /// <summary>The mean loss over the pass.</summary>
    public double Loss => values[0].Value;

    /// <inheritdoc/>
    public int Count => values.Count;

    /// <inheritdoc/>
    public IEnumerable<string> Keys => values.Select(kv => kv.Key);

    /// <inheritdoc/>
    public IEnumerable<double> Values => values.Select(kv => kv.Value);

    /// <summary>A metric by name (<c>loss</c>, a monitor's name, or <c>grad(param)</c>).</summary>
    /// <exception cref="KeyNotFoundException">No metric has that name; the message lists those that exist.</exception>
    public double this[string key] => TryGetValue(key, out double v)
        ? v
        : throw new KeyNotFoundException($"No metric '{key}'. Metrics: {string.Join(", ", Keys)}.");

    /// <inheritdoc/>
    public bool ContainsKey(string key) => values.Exists(kv => kv.Key == key);

    /// <inheritdoc/>
    public bool TryGetValue(string key, out double value)
    {
        foreach (var kv in values)
        {
            if (kv.Key == key)
            {
                value = kv.Value;
                return true;
            }
        }

        value = 0;
        return false;
    }

    /// <inheritdoc/>
    public IEnumerator<KeyValuePair<string, double>> GetEnumerator() => values.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc/>
    public override string ToString() => string.Join(" ", values.Select(kv => FormattableString.Invariant($"{kv.Key}={kv.Value:G6}")));
}

/// <summary>Why training stopped.</summary>
public enum StopReason
{
    /// <summary>Validation failed to improve <see cref="TrainingOptions.Patience"/> + 1 times in a row.</summary>
    Patience,

    /// <summary><see cref="TrainingOptions.MaxUpdates"/> epochs ran.</summary>
    MaxUpdates,

    /// <summary>The cancellation token was cancelled.</summary>
    Cancelled,

    /// <summary>The caller stopped iterating.</summary>
    Stopped,
}

/// <summary>What is reported after every epoch.</summary>
/// <param name="Epoch">Epochs done so far (1 after the first).</param>
/// <param name="Train">The epoch's training metrics: running means over its batches, while the parameters moved.</param>
/// <param name="Valid">The latest validation metrics, of the parameters after <see cref="ValidEpoch"/> epochs (after epoch 1: the initial parameters).</param>
/// <param name="BestValidLoss">The best validation loss so far.</param>
public sealed record EpochReport(int Epoch, Metrics Train, Metrics Valid, double BestValidLoss)
{
    /// <summary>Epochs done when <see cref="Valid"/> was measured: validation runs before an epoch, so 0 means the initial parameters.</summary>
    public int ValidEpoch { get; init; }
}

/// <summary>The outcome of a run, with parameters as arrays in schema order.</summary>
/// <typeparam name="T">The loss's element type.</typeparam>
/// <param name="Parameters">The best parameters (one array per parameter, a scalar as one element).</param>
/// <param name="Train">Training metrics of the last epoch: running means over its batches while the parameters moved, not the loss at the returned parameters (that is <paramref name="Valid"/>).</param>
/// <param name="Valid">Metrics of the best validation, at the returned parameters (on the training data when no validation data was given).</param>
/// <param name="Epochs">Epochs run.</param>
/// <param name="StopReason">Why it stopped.</param>
public sealed record TrainingResult<T>(T[][] Parameters, Metrics Train, Metrics Valid, int Epochs, StopReason StopReason);

/// <summary>The outcome of a typed <c>Minimize</c>, with one member per parameter in <see cref="Params"/>.</summary>
/// <typeparam name="TParams">The loss's generated parameter type.</typeparam>
/// <param name="Params">The best parameters.</param>
/// <param name="Train">Training metrics of the last epoch: running means over its batches while the parameters moved, not the loss at the returned parameters (that is <paramref name="Valid"/>).</param>
/// <param name="Valid">Metrics of the best validation, at the returned parameters (on the training data when no validation data was given).</param>
/// <param name="Epochs">Epochs run.</param>
/// <param name="StopReason">Why it stopped.</param>
public sealed record MinimizeResult<TParams>(TParams Params, Metrics Train, Metrics Valid, int Epochs, StopReason StopReason);
