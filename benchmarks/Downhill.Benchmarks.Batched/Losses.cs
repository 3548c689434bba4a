namespace Downhill.Benchmarks.Batched;

/// <summary>
/// The two dense models, written as users write them (one example, plain C#), in double and in float
/// (a loss is all-double or all-float). The generator supplies their gradients; the benchmark runs them through
/// <see cref="BatchEvaluator{T}"/>, the path training takes.
/// </summary>
public static partial class Losses
{
    /// <summary>Inputs (pixels) of both models.</summary>
    public const int Inputs = 784;

    /// <summary>Hidden units of the MLP.</summary>
    public const int Hidden = 64;

    /// <summary>Classes of the MLP.</summary>
    public const int Classes = 10;

    /// <summary>MLP 784 → 64 (tanh) → 10, softmax cross-entropy of an integer label. <c>w1</c> is 64×784, <c>w2</c> 10×64.</summary>
    [Loss]
    public static double MlpDouble([Param] ReadOnlySpan<double> w1, [Param] ReadOnlySpan<double> b1, [Param] ReadOnlySpan<double> w2, [Param] ReadOnlySpan<double> b2, ReadOnlySpan<double> x, int label)
    {
        Span<double> h = stackalloc double[64];
        Span<double> z = stackalloc double[10];
        for (int j = 0; j < 64; j++)
        {
            double s = b1[j];
            for (int i = 0; i < 784; i++)
            {
                s += w1[j * 784 + i] * x[i];
            }

            h[j] = Math.Tanh(s);
        }

        for (int k = 0; k < 10; k++)
        {
            double s = b2[k];
            for (int j = 0; j < 64; j++)
            {
                s += w2[k * 64 + j] * h[j];
            }

            z[k] = s;
        }

        return Fn.LogSumExp(z) - z[label];
    }

    /// <summary>The same MLP in float.</summary>
    [Loss]
    public static float MlpFloat([Param] ReadOnlySpan<float> w1, [Param] ReadOnlySpan<float> b1, [Param] ReadOnlySpan<float> w2, [Param] ReadOnlySpan<float> b2, ReadOnlySpan<float> x, int label)
    {
        Span<float> h = stackalloc float[64];
        Span<float> z = stackalloc float[10];
        for (int j = 0; j < 64; j++)
        {
            float s = b1[j];
            for (int i = 0; i < 784; i++)
            {
                s += w1[j * 784 + i] * x[i];
            }

            h[j] = MathF.Tanh(s);
        }

        for (int k = 0; k < 10; k++)
        {
            float s = b2[k];
            for (int j = 0; j < 64; j++)
            {
                s += w2[k * 64 + j] * h[j];
            }

            z[k] = s;
        }

        return Fn.LogSumExp(z) - z[label];
    }

    /// <summary>Logistic regression over 784 features: the stable log-loss, softplus(z) for label 0, softplus(−z) for label 1.</summary>
    [Loss]
    public static double LogisticDouble([Param] ReadOnlySpan<double> w, [Param] double b, ReadOnlySpan<double> x, int label)
    {
        double z = b;
        for (int i = 0; i < 784; i++)
        {
            z += w[i] * x[i];
        }

        return label == 1 ? Fn.Softplus(-z) : Fn.Softplus(z);
    }

    /// <summary>The same logistic regression in float.</summary>
    [Loss]
    public static float LogisticFloat([Param] ReadOnlySpan<float> w, [Param] float b, ReadOnlySpan<float> x, int label)
    {
        float z = b;
        for (int i = 0; i < 784; i++)
        {
            z += w[i] * x[i];
        }

        return label == 1 ? Fn.Softplus(-z) : Fn.Softplus(z);
    }
}
