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
