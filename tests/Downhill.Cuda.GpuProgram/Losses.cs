using Downhill;

namespace Downhill.Cuda.GpuProgram;

/// <summary>The losses of the training and benchmark checks: the guide's line, a wide regression, a float classifier.</summary>
public static partial class Losses
{
    /// <summary>The guide's house prices.</summary>
    [Loss]
    public static double Line([Param] double m, [Param] double b, double x, double y)
    {
        double e = m * x + b - y;
        return e * e;
    }

    /// <summary>Linear regression over a row of features (the benchmark's loss).</summary>
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

    /// <summary>A span library loss whose data can make it throw: the Cholesky factor of the row's matrix plus diag(w²).</summary>
    [Loss]
    public static double CholeskyOfRow([Param] ReadOnlySpan<double> w, ReadOnlySpan<double> a)
    {
        double[] m = new double[9];
        for (int i = 0; i < 9; i++)
        {
            m[i] = a[i];
        }

        for (int i = 0; i < 3; i++)
        {
            m[(i * 3) + i] += w[i] * w[i];
        }

        double[] l = new double[9];
        Fn.Cholesky(m, 3, l);
        return Math.Log(l[0]) + Math.Log(l[4]) + Math.Log(l[8]) + (l[3] * l[7]);
    }

    /// <summary>Softmax regression in float over 4 classes, with an int label.</summary>
    [Loss]
    public static float Softmax([Param] ReadOnlySpan<float> w, ReadOnlySpan<float> x, int label)
    {
        int classes = 4;
        int features = x.Length;
        float[] z = new float[4];
        float top = -1e30f;
        for (int c = 0; c < classes; c++)
        {
            float s = 0;
            for (int j = 0; j < features; j++)
            {
                s += w[c * features + j] * x[j];
            }

            z[c] = s;
            top = MathF.Max(top, s);
        }

        float sum = 0;
        for (int c = 0; c < classes; c++)
        {
            sum += MathF.Exp(z[c] - top);
        }

        return MathF.Log(sum) + top - z[label];
    }
}
