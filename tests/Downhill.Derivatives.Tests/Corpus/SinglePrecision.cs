using Downhill;

namespace Downhill.Derivatives.Tests.Corpus;

/// <summary>Float losses: the same language in single precision (MathF, float Fn overloads, float spans).</summary>
public static partial class SinglePrecision
{
    [Loss]
    public static float SquaredF([Param] float m, [Param] float b, float x, float y)
    {
        float e = m * x + b - y;
        return e * e;
    }

    [Loss]
    public static float LogisticF([Param] ReadOnlySpan<float> w, [Param] float b, ReadOnlySpan<float> x, int label)
    {
        float z = b;
        for (int i = 0; i < 3; i++)
        {
            z += w[i] * x[i];
        }

        return label == 1 ? Fn.Softplus(-z) : Fn.Softplus(z);
    }

    [Loss]
    public static float ElementaryF([Param] float a, [Param] float b, float c)
    {
        return MathF.Sin(a) * c + MathF.Exp(b * 0.5f) + MathF.Log(a * a + 1f) + MathF.Tanh(a * b) + MathF.Sqrt(b * b + 2f) + MathF.Pow(a * a + 1f, 1.5f);
    }

    [Loss]
    public static float MlpF([Param] ReadOnlySpan<float> w1, [Param] ReadOnlySpan<float> w2, ReadOnlySpan<float> x, float y)
    {
        float[] h = new float[3];
        for (int j = 0; j < 3; j++)
        {
            float s = 0f;
            for (int i = 0; i < 2; i++)
            {
                s += w1[j * 2 + i] * x[i];
            }

            h[j] = MathF.Tanh(s);
        }

        float o = 0f;
        for (int j = 0; j < 3; j++)
        {
            o += w2[j] * h[j];
        }

        return Helpers.SquareF(o - y);
    }

    [Loss]
    public static float RosenbrockF([Param] float x, [Param] float y)
    {
        float a = y - x * x;
        float b = 1f - x;
        return 100f * a * a + b * b;
    }

    [Loss]
    public static float RidgeF([Param] ReadOnlySpan<float> w, [Hyper] float lambda, ReadOnlySpan<float> x, float y)
    {
        float e = w[0] * x[0] + w[1] * x[1] - y;
        return 0.5f * e * e + lambda * (w[0] * w[0] + w[1] * w[1]);
    }

    [Loss]
    public static float SoftmaxF([Param] ReadOnlySpan<float> z, int label)
    {
        return Fn.LogSumExp(z) - z[label];
    }

    [Loss]
    public static float SmoothFunctionsF([Param] float x, float c)
    {
        return Fn.Sigmoid(x * c) + Fn.LogSumExp(x, c) + MathF.Atan(x) + MathF.Cosh(x * 0.5f) + Fn.Square(x);
    }

    /// <summary>Flow.NonFiniteTests in single precision (float.IsNaN and its siblings).</summary>
    [Loss]
    public static float NonFiniteTestsF([Param] float a, [Param] float b, float x, int k)
    {
        float f = MathF.Log(x);
        float g = float.IsNaN(f) ? a * a : a * f + b;
        float s = k * MathF.Exp(1000f * k * k);
        if (float.IsFinite(s))
        {
            return g * g;
        }

        if (float.IsInfinity(s) && float.IsPositiveInfinity(s))
        {
            return g * b;
        }

        return float.IsNegativeInfinity(s) ? g - b : 0;
    }
}
