namespace Downhill.Benchmarks.Runtime;

/// <summary>
/// The loss of the runtime benchmarks, written as users write it: least squares (w·x − y)² over rows x of
/// <see cref="Features"/> floats, one vector parameter w. The generator supplies its gradient, so the
/// benchmarks measure the path training takes (generated code under <see cref="BatchEvaluator{T}"/>).
/// </summary>
public static partial class DenseRegression
{
    /// <summary>Features per row.</summary>
    public const int Features = 64;

    /// <summary>The squared error of one row.</summary>
    [Loss]
    public static float Dense([Param] ReadOnlySpan<float> w, ReadOnlySpan<float> x, float y)
    {
        float s = 0;
        for (int i = 0; i < Features; i++)
        {
            s += w[i] * x[i];
        }

        float e = s - y;
        return e * e;
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
