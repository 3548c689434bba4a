using System.Numerics;

namespace Downhill;

/// <summary>
/// Thrown when the loss or a gradient becomes NaN or infinite during training. The parameter arrays hold the
/// best parameters found before it happened (also in <see cref="BestParameters"/>).
/// </summary>
public sealed class TrainingDivergedException : Exception
{
    /// <summary>Creates the exception with a message naming the epoch and the parameter.</summary>
    public TrainingDivergedException(int epoch, string? parameterName, Array[] bestParameters, string message)
        : base(message)
    {
        Epoch = epoch;
        ParameterName = parameterName;
        BestParameters = bestParameters;
    }

    /// <summary>Creates the exception with a message.</summary>
    public TrainingDivergedException(string message)
        : this(0, null, [], message)
    {
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public TrainingDivergedException(string message, Exception innerException)
        : base(message, innerException)
    {
        BestParameters = [];
    }

    /// <summary>Creates the exception with a default message.</summary>
    public TrainingDivergedException()
        : this("Training diverged.")
    {
    }

    /// <summary>The epoch (1-based) during which the non-finite value appeared.</summary>
    public int Epoch { get; }

    /// <summary>The parameter whose gradient was not finite, or null when the loss itself was.</summary>
    public string? ParameterName { get; }

    /// <summary>Copies of the best parameters (one <c>T[]</c> per parameter, in schema order).</summary>
    public Array[] BestParameters { get; }

    /// <summary>The best parameters typed as <typeparamref name="T"/>.</summary>
    public T[][] GetBestParameters<T>()
        where T : unmanaged, IFloatingPointIeee754<T> => [.. BestParameters.Select(a => (T[])a)];
}
