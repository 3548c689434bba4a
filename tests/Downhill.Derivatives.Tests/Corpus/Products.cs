namespace Downhill.Derivatives.Tests.Corpus;

/// <summary>
/// Dense contractions whose shapes exercise the batch sums' matrix products: rows and columns that a loop covers
/// only in part (the tiled sum runs the loop itself at such a site), a row length taken from the data's width,
/// and data narrower than the matrix's row (the plain lane sum runs instead).
/// </summary>
public static partial class Products
{
    /// <summary>Two rows and three columns of a 3 × 4 matrix: the tiled sum's check at the site fails, and the loop runs.</summary>
    [Loss]
    public static double PartialRows([Param] ReadOnlySpan<double> w, ReadOnlySpan<double> x, double y)
    {
        double total = 0;
        for (int j = 0; j < 2; j++)
        {
            double s = 0;
            for (int i = 0; i < 3; i++)
            {
                s += w[j * 4 + i] * x[i];
            }

            total += Math.Tanh(s);
        }

        double e = total - y;
        return e * e;
    }

    /// <summary>The row length is the data's width and the rows are the bias's length.</summary>
    [Loss]
    public static double RowsByLength([Param] ReadOnlySpan<double> w, [Param] ReadOnlySpan<double> b, ReadOnlySpan<double> x, double y)
    {
        int n = x.Length;
        double total = 0;
        for (int j = 0; j < b.Length; j++)
        {
            double s = b[j];
            for (int i = 0; i < n; i++)
            {
                s += w[j * n + i] * x[i];
            }

            double weight = j + 1;
            total += weight * Math.Tanh(s);
        }

        double e = total - y;
        return e * e;
    }

    /// <summary>A dot product over the data's width with a longer weight vector: the products do not fit, so the plain lane sum runs.</summary>
    [Loss]
    public static double NarrowData([Param] ReadOnlySpan<double> w, ReadOnlySpan<double> x, double y)
    {
        double z = 0;
        for (int i = 0; i < x.Length; i++)
        {
            z += w[i] * x[i];
        }

        double e = z - y;
        return e * e;
    }

    /// <summary>A float layer whose rows come from the matrix's length.</summary>
    [Loss]
    public static float LayerF([Param] ReadOnlySpan<float> w, ReadOnlySpan<float> x, int label)
    {
        float total = 0;
        for (int j = 0; j < 3; j++)
        {
            float s = 0;
            for (int i = 0; i < 4; i++)
            {
                s += w[j * 4 + i] * x[i];
            }

            total += label == j ? -s : MathF.Tanh(s);
        }

        return total;
    }

    /// <summary>A ReLU layer: the ReLU reads the sum, whose partial values the tape need not keep (only the value before the row).</summary>
    [Loss]
    public static double ReluLayer([Param] ReadOnlySpan<double> w, [Param] ReadOnlySpan<double> b, [Param] ReadOnlySpan<double> v, ReadOnlySpan<double> x, double y)
    {
        double output = 0;
        for (int j = 0; j < 3; j++)
        {
            double s = b[j];
            for (int i = 0; i < 4; i++)
            {
                s += w[j * 4 + i] * x[i];
            }

            output += v[j] * Fn.Relu(s) + 0.1 * s * s;
        }

        double e = output - y;
        return e * e;
    }
}
