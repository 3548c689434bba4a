namespace Downhill.EndToEnd.Tests;

/// <summary>The losses the end-to-end tests train, written as users write them.</summary>
public static partial class Losses
{
    /// <summary>The guide's house prices: the squared error of the line m·x + b against y.</summary>
    [Loss]
    public static double Line([Param] double m, [Param] double b, double x, double y)
    {
        double e = m * x + b - y;
        return e * e;
    }

    /// <summary>The absolute error of the line, reported by name.</summary>
    [Monitor(nameof(Line), "abs error")]
    public static double LineAbsoluteError(double m, double b, double x, double y) => Math.Abs(m * x + b - y);

    /// <summary>Linear regression with a vector of weights over a row of features.</summary>
    [Loss]
    public static double Regression([Param] ReadOnlySpan<double> w, [Param] double b, ReadOnlySpan<double> x, double y)
    {
        double s = b;
        for (int i = 0; i < w.Length; i++)
        {
            s += w[i] * x[i];
        }

        double e = s - y;
        return 0.5 * e * e;
    }

    /// <summary>The absolute error of the regression, reported by name.</summary>
    [Monitor(nameof(Regression), "abs error")]
    public static double RegressionAbsoluteError(ReadOnlySpan<double> w, double b, ReadOnlySpan<double> x, double y)
    {
        double s = b;
        for (int i = 0; i < w.Length; i++)
        {
            s += w[i] * x[i];
        }

        return Math.Abs(s - y);
    }

    /// <summary>Rosenbrock's function of one vector parameter of two elements, no data.</summary>
    [Loss]
    public static double Rosenbrock([Param] ReadOnlySpan<double> p)
    {
        double a = 1 - p[0];
        double c = p[1] - p[0] * p[0];
        return a * a + 100 * c * c;
    }

    /// <summary>Softmax regression 784 → 10 over one Fashion-MNIST image (pixels in [0, 1]) and its label.</summary>
    [Loss]
    public static float Softmax([Param] ReadOnlySpan<float> w, [Param] ReadOnlySpan<float> b, ReadOnlySpan<float> x, int label)
    {
        float[] z = new float[10];
        for (int k = 0; k < 10; k++)
        {
            float s = b[k];
            for (int i = 0; i < 784; i++)
            {
                s += w[k * 784 + i] * x[i];
            }

            z[k] = s;
        }

        return Fn.LogSumExp(z) - z[label];
    }
}
