using Downhill;

namespace Downhill.Derivatives.Tests.Corpus;

/// <summary>
/// The span functions of <see cref="Fn"/> (the standard library, docs/stdlib.md) as losses call them: on [Param]
/// spans, data rows and local scratch arrays, inside nonlinear losses so that second derivatives are not trivial.
/// </summary>
public static partial class SpanLibrary
{
    [Loss]
    public static double SumOf([Param] ReadOnlySpan<double> w, ReadOnlySpan<double> x, double c)
    {
        double s = Fn.Sum(w);
        return Math.Sin(s) * c + Fn.Sum(x) * s * s;
    }

    [Loss]
    public static double Mean([Param] ReadOnlySpan<double> w, ReadOnlySpan<double> x)
    {
        double[] h = new double[4];
        for (int i = 0; i < 4; i++)
        {
            h[i] = w[i] * x[i];
        }

        double m = Fn.Mean(h);
        return m * m + Math.Exp(Fn.Mean(w));
    }

    [Loss]
    public static double Dot([Param] ReadOnlySpan<double> w, ReadOnlySpan<double> x)
    {
        return Fn.Softplus(Fn.Dot(w, x)) + 0.5 * Fn.Dot(w, w) * Fn.Dot(x, x);
    }

    [Loss]
    public static double SquaredNorm([Param] ReadOnlySpan<double> w, double c)
    {
        return Math.Log(1 + Fn.SquaredNorm(w)) * c;
    }

    [Loss]
    public static double Norm([Param] ReadOnlySpan<double> w, ReadOnlySpan<double> x)
    {
        double[] d = new double[3];
        for (int i = 0; i < 3; i++)
        {
            d[i] = w[i] - x[i];
        }

        double r = Fn.Norm(d);
        return r * r * r + Math.Tanh(Fn.Norm(w));
    }

    [Loss]
    public static double VarianceAndStdDev([Param] ReadOnlySpan<double> w, ReadOnlySpan<double> x)
    {
        double[] h = new double[5];
        for (int i = 0; i < 5; i++)
        {
            h[i] = w[i] * x[i];
        }

        return Fn.Variance(w) * Fn.Variance(x) + Math.Sin(Fn.StdDev(h));
    }

    [Loss]
    public static double Prod([Param] ReadOnlySpan<double> w, double c)
    {
        return Fn.Prod(w) * c + Math.Log(Fn.Prod(w));
    }

    [Loss]
    public static double MaxMin([Param] ReadOnlySpan<double> w, ReadOnlySpan<double> x)
    {
        double[] h = new double[5];
        for (int i = 0; i < 5; i++)
        {
            h[i] = w[i] * x[i];
        }

        double top = Fn.Max(h);
        double bottom = Fn.Min(w);
        return top * top + Math.Exp(bottom) * top;
    }

    // Single precision: every reduction through the float overloads.
    [Loss]
    public static float SmoothReductionsF([Param] ReadOnlySpan<float> w, ReadOnlySpan<float> x)
    {
        float[] h = new float[4];
        for (int i = 0; i < 4; i++)
        {
            h[i] = w[i] * x[i];
        }

        float a = Fn.Sum(w) * Fn.Mean(h) + Fn.Dot(w, x);
        float b = Fn.SquaredNorm(w) + Fn.Norm(h) + Fn.Variance(w) + Fn.StdDev(x) * Fn.StdDev(h);
        return MathF.Sin(a) + 0.5f * b * b;
    }

    [Loss]
    public static float ProdMaxMinF([Param] ReadOnlySpan<float> w, ReadOnlySpan<float> x)
    {
        float[] h = new float[4];
        for (int i = 0; i < 4; i++)
        {
            h[i] = w[i] * x[i];
        }

        return Fn.Prod(w) + Fn.Max(h) * Fn.Max(h) - Fn.Min(w) * Fn.Sum(x);
    }
}
