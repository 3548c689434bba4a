using System.Numerics;

namespace Downhill.Hypergradients;

/// <summary>
/// The result of <see cref="ReversibleLearning.Run{T}"/>: the objective at θ_T, θ_T, and the gradient of the
/// objective with respect to every input of the run (schedules T × parameters).
/// </summary>
/// <typeparam name="T">The loss's element type.</typeparam>
public sealed class ReversedRun<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly int[] widths;

    internal ReversedRun(double loss, T[][] parameters, double[,] learningRates, double[,] momenta, double[][] init, double[][] initVelocity,
        double[] hypers, double[]?[] trainData, int[] widths, double bufferBits, long bufferBytes,
        long[][] initialTheta, long[][] restoredTheta, long[][] initialVelocity, long[][] restoredVelocity)
    {
        Loss = loss;
        Parameters = parameters;
        LearningRates = learningRates;
        Momenta = momenta;
        Init = init;
        InitVelocity = initVelocity;
        Hypers = hypers;
        TrainData = trainData;
        this.widths = widths;
        BufferBits = bufferBits;
        BufferBytes = bufferBytes;
        InitialTheta = initialTheta;
        RestoredTheta = restoredTheta;
        InitialVelocity = initialVelocity;
        RestoredVelocity = restoredVelocity;
    }

    /// <summary>The objective at θ_T.</summary>
    public double Loss { get; }

    /// <summary>θ_T rounded to the loss's type, one array per parameter.</summary>
    public T[][] Parameters { get; }

    /// <summary>∂Loss/∂α_{t,p}: T × parameters.</summary>
    public double[,] LearningRates { get; }

    /// <summary>∂Loss/∂β_{t,p}: T × parameters.</summary>
    public double[,] Momenta { get; }

    /// <summary>∂Loss/∂θ0, one array per parameter.</summary>
    public double[][] Init { get; }

    /// <summary>∂Loss/∂v0, one array per parameter.</summary>
    public double[][] InitVelocity { get; }

    /// <summary>∂Loss/∂(training [Hyper] values), in argument order.</summary>
    public double[] Hypers { get; }

    /// <summary>∂Loss/∂(training data), one flat row-major array per data column (null for integer columns).</summary>
    public IReadOnlyList<double[]?> TrainData { get; }

    /// <summary>The information the exact multiply kept after the forward run, in bits.</summary>
    public double BufferBits { get; }

    /// <summary>The memory the information buffer held after the forward run, in bytes (element states and spilled words).</summary>
    public long BufferBytes { get; }

    /// <summary>Wall-clock time of the forward run (T gradients).</summary>
    public TimeSpan ForwardTime { get; internal init; }

    /// <summary>Wall-clock time of the reverse run (T gradients and T second-order products); the objective's gradient is in neither.</summary>
    public TimeSpan ReverseTime { get; internal init; }

    /// <summary>θ0 on the 2^-52 grid (value·2^52).</summary>
    public long[][] InitialTheta { get; }

    /// <summary>θ after the reverse run (equal to <see cref="InitialTheta"/> bit for bit).</summary>
    public long[][] RestoredTheta { get; }

    /// <summary>v0 on the 2^-52 grid.</summary>
    public long[][] InitialVelocity { get; }

    /// <summary>v after the reverse run (equal to <see cref="InitialVelocity"/> bit for bit).</summary>
    public long[][] RestoredVelocity { get; }

    /// <summary>Per-step gradients of a schedule shared by all parameters.</summary>
    public double[] LearningRatesPerStep() => ReversibleLearning.SumColumns(LearningRates);

    /// <summary>Per-step gradients of a momentum schedule shared by all parameters.</summary>
    public double[] MomentaPerStep() => ReversibleLearning.SumColumns(Momenta);

    /// <summary>A gradient given per parameter, in the loss's type.</summary>
    public static T[][] ToModel(double[][] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return [.. values.Select(a => a.Select(x => T.CreateTruncating(x)).ToArray())];
    }

    /// <summary>The hyper gradients in the loss's type.</summary>
    public T[] HypersAsModel() => [.. Hypers.Select(x => T.CreateTruncating(x))];

    /// <summary>The gradient of data column <paramref name="column"/> as a vector (a scalar column).</summary>
    public double[] DataVector(int column) => TrainData[column] is double[] d ? (double[])d.Clone() : [];

    /// <summary>The gradient of data column <paramref name="column"/> as rows × width (a span column).</summary>
    public double[,] DataMatrix(int column)
    {
        if (TrainData[column] is not double[] d)
        {
            return new double[0, 0];
        }

        int w = widths[column];
        var m = new double[d.Length / w, w];
        for (int r = 0; r < m.GetLength(0); r++)
        {
            for (int k = 0; k < w; k++)
            {
                m[r, k] = d[(r * w) + k];
            }
        }

        return m;
    }
}
