using System.Numerics;

namespace Downhill.Benchmarks.Runtime;

/// <summary>
/// A hand-written loss for the benchmarks: least squares (w·x − y)² over rows x of <see cref="Features"/> floats,
/// with one vector parameter w. It stands in for generated code until the generator is ready.
/// </summary>
public sealed class DenseRegression : ILossModel<float>
{
    /// <summary>Features per row.</summary>
    public const int Features = 64;

    /// <inheritdoc/>
    public LossSchema Schema { get; } = new("Bench.Dense", typeof(float), [new ParamSpec("w", true)], [], [new DataSpec("x", true, false), new DataSpec("y", false, false)], []);

    /// <inheritdoc/>
    public double SumLoss(float[][] parameters, float[] hypers, in DataBatch batch, int start, int end) => Sum(parameters, batch, start, end, null);

    /// <inheritdoc/>
    public double SumGradient(float[][] parameters, float[] hypers, in DataBatch batch, int start, int end, float[][] gradient) => Sum(parameters, batch, start, end, gradient[0]);

    /// <inheritdoc/>
    public (double Loss, double Tangent) SumTangent(float[][] parameters, float[] hypers, in DataBatch batch, int start, int end, float[][] tangent) =>
        throw new NotSupportedException("The benchmarks use loss and gradient only.");

    /// <inheritdoc/>
    public double SumHessianVector(float[][] parameters, float[] hypers, in DataBatch batch, int start, int end, float[][] tangent, float[][] product) =>
        throw new NotSupportedException("The benchmarks use loss and gradient only.");

    /// <inheritdoc/>
    public double SumGradientFull(float[][] parameters, float[] hypers, in DataBatch batch, int start, int end, float[][] gradient, float[] hyperGradient, float[]?[] dataGradient) =>
        throw new NotSupportedException("The benchmarks use loss and gradient only.");

    /// <inheritdoc/>
    public double SumHessianVectorFull(float[][] parameters, float[] hypers, in DataBatch batch, int start, int end, float[][] tangent, float[][] product, float[] hyperProduct, float[]?[] dataProduct) =>
        throw new NotSupportedException("The benchmarks use loss and gradient only.");

    /// <inheritdoc/>
    public void SumMonitors(float[][] parameters, float[] hypers, in DataBatch batch, int start, int end, Span<double> sums)
    {
    }

    private static double Sum(float[][] parameters, in DataBatch batch, int start, int end, float[]? gradient)
    {
        ReadOnlySpan<float> w = parameters[0];
        var xs = (float[])batch.Columns[0];
        var ys = (float[])batch.Columns[1];
        double loss = 0;
        for (int r = batch.Offset + start; r < batch.Offset + end; r++)
        {
            ReadOnlySpan<float> x = xs.AsSpan(r * Features, Features);
            float e = Dot(w, x) - ys[r];
            loss += e * e;
            if (gradient is not null)
            {
                AddScaled(x, 2 * e, gradient);
            }
        }

        return loss;
    }

    private static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var acc = Vector<float>.Zero;
        int i = 0;
        for (; i <= a.Length - Vector<float>.Count; i += Vector<float>.Count)
        {
            acc += new Vector<float>(a[i..]) * new Vector<float>(b[i..]);
        }

        float s = Vector.Sum(acc);
        for (; i < a.Length; i++)
        {
            s += a[i] * b[i];
        }

        return s;
    }

    private static void AddScaled(ReadOnlySpan<float> x, float scale, Span<float> into)
    {
        int i = 0;
        for (; i <= x.Length - Vector<float>.Count; i += Vector<float>.Count)
        {
            (new Vector<float>(into[i..]) + (new Vector<float>(x[i..]) * scale)).CopyTo(into[i..]);
        }

        for (; i < x.Length; i++)
        {
            into[i] += x[i] * scale;
        }
    }

    /// <summary>A random data set of <paramref name="rows"/> rows.</summary>
    public static Array[] Data(int rows, int seed = 1)
    {
        var rng = new Random(seed);
        var x = new float[rows, Features];
        var y = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < Features; j++)
            {
                x[r, j] = (float)rng.NextDouble();
            }

            y[r] = (float)rng.NextDouble();
        }

        return [x, y];
    }
}
