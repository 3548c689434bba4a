namespace Downhill.Derivatives.Tests;

/// <summary>Draws one number from a domain.</summary>
internal delegate double Sampler(Random random);

/// <summary>One point of a loss's domain: parameters, hyperparameters and a few rows of data (double; float cases convert).</summary>
internal sealed record Sample(double[][] At, double[] Hypers, Array[] Columns);

/// <summary>Domains of the corpus (autograd's for the elementary functions) and builders of samples from them.</summary>
internal static class Domain
{
    /// <summary>The rows of data every sample has.</summary>
    public const int Rows = 3;

    public static Sampler Normal { get; } = r => Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());

    /// <summary>|N(0, 1)|, kept off 0 by 0.05 (log1p and expm1's domain in autograd).</summary>
    public static Sampler AbsNormal { get; } = r => 0.05 + Math.Abs(Normal(r));

    /// <summary>rand² + 1, autograd's base of x^y.</summary>
    public static Sampler PowBase { get; } = r =>
    {
        double u = r.NextDouble();
        return (u * u) + 1;
    };

    public static Sampler U(double lo, double hi) => r => lo + ((hi - lo) * r.NextDouble());

    /// <summary>±U(lo, hi): away from 0 on either side.</summary>
    public static Sampler SignedU(double lo, double hi) => r => (r.NextDouble() < 0.5 ? -1 : 1) * U(lo, hi)(r);

    public static Sampler Scaled(Sampler s, double factor) => r => factor * s(r);

    /// <summary>s, redrawn while it lies within margin of one of the points (kinks of the loss in a data value).</summary>
    public static Sampler Avoiding(Sampler s, double margin, params double[] points) => r =>
    {
        while (true)
        {
            double v = s(r);
            if (points.All(p => Math.Abs(v - p) > margin))
            {
                return v;
            }
        }
    };

    /// <summary>A scalar parameter.</summary>
    public static Func<Random, double[]> P(Sampler s) => r => [s(r)];

    /// <summary>A vector parameter of n elements.</summary>
    public static Func<Random, double[]> V(int n, Sampler s) => r => [.. Enumerable.Range(0, n).Select(_ => s(r))];

    /// <summary>A scalar data column.</summary>
    public static Func<Random, Array> C(Sampler s) => r => Enumerable.Range(0, Rows).Select(_ => s(r)).ToArray();

    /// <summary>A span data column of rows of the given width.</summary>
    public static Func<Random, Array> R(int width, Sampler s) => r =>
    {
        var m = new double[Rows, width];
        for (int i = 0; i < Rows; i++)
        {
            for (int j = 0; j < width; j++)
            {
                m[i, j] = s(r);
            }
        }

        return m;
    };

    /// <summary>An int data column with values in [lo, hi).</summary>
    public static Func<Random, Array> I(int lo, int hi) => r => Enumerable.Range(0, Rows).Select(_ => r.Next(lo, hi)).ToArray();

    /// <summary>Independent draws of every parameter, hyperparameter and column.</summary>
    public static Func<Random, Sample> Of(Func<Random, double[]>[] ps, Sampler[]? hypers = null, Func<Random, Array>[]? columns = null) => r =>
        new Sample(
            [.. ps.Select(p => p(r))],
            [.. (hypers ?? []).Select(h => h(r))],
            [.. (columns ?? []).Select(c => c(r))]);

    /// <summary>Draws from a domain until the predicate holds (keeps samples away from kinks that depend on several values).</summary>
    public static Func<Random, Sample> Where(this Func<Random, Sample> draw, Func<Sample, bool> ok) => r =>
    {
        for (int attempt = 0; attempt < 10_000; attempt++)
        {
            var s = draw(r);
            if (ok(s))
            {
                return s;
            }
        }

        throw new InvalidOperationException("No sample away from the kinks was found.");
    };

    /// <summary>The scalar of column c at a row.</summary>
    public static double Col(this Sample s, int c, int row) => ((double[])s.Columns[c])[row];

    /// <summary>The element j of span column c at a row.</summary>
    public static double Col(this Sample s, int c, int row, int j) => ((double[,])s.Columns[c])[row, j];

    /// <summary>The int column c at a row.</summary>
    public static int Int(this Sample s, int c, int row) => ((int[])s.Columns[c])[row];

    /// <summary>The same sample in single precision.</summary>
    public static (float[][] At, float[] Hypers, Array[] Columns) ToSingle(this Sample s) =>
        ([.. s.At.Select(p => p.Select(v => (float)v).ToArray())],
         [.. s.Hypers.Select(v => (float)v)],
         [.. s.Columns.Select(ToSingle)]);

    private static Array ToSingle(Array column) => column switch
    {
        double[] d => d.Select(v => (float)v).ToArray(),
        double[,] m => ToSingle(m),
        _ => column,
    };

    private static float[,] ToSingle(double[,] m)
    {
        var f = new float[m.GetLength(0), m.GetLength(1)];
        for (int i = 0; i < m.GetLength(0); i++)
        {
            for (int j = 0; j < m.GetLength(1); j++)
            {
                f[i, j] = (float)m[i, j];
            }
        }

        return f;
    }
}
