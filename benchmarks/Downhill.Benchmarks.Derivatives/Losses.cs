using Downhill;

namespace Downhill.Benchmarks.Derivatives;

/// <summary>The three losses measured here, written as users write them; the generator supplies their derivatives.</summary>
public static partial class Losses
{
    public const int MlpInputs = 64;
    public const int MlpHidden = 32;
    public const int MlpClasses = 10;
    public const int LogisticFeatures = 100;
    public const int RecurrenceSteps = 50;

    /// <summary>A 64 → 32 (tanh) → 10 MLP with softmax cross-entropy on an integer label.</summary>
    [Loss]
    public static double Mlp(
        [Param] ReadOnlySpan<double> w1, [Param] ReadOnlySpan<double> b1,
        [Param] ReadOnlySpan<double> w2, [Param] ReadOnlySpan<double> b2,
        ReadOnlySpan<double> x, int label)
    {
        Span<double> h = stackalloc double[32];
        Span<double> z = stackalloc double[10];
        for (int j = 0; j < 32; j++)
        {
            double s = b1[j];
            for (int i = 0; i < 64; i++)
            {
                s += w1[j * 64 + i] * x[i];
            }

            h[j] = Math.Tanh(s);
        }

        for (int k = 0; k < 10; k++)
        {
            double s = b2[k];
            for (int j = 0; j < 32; j++)
            {
                s += w2[k * 32 + j] * h[j];
            }

            z[k] = s;
        }

        return Fn.LogSumExp(z) - z[label];
    }

    /// <summary>Logistic regression over 100 features: the stable log-loss softplus(z) for label 0, softplus(-z) for label 1.</summary>
    [Loss]
    public static double Logistic([Param] ReadOnlySpan<double> w, [Param] double b, ReadOnlySpan<double> x, int label)
    {
        double z = b;
        for (int i = 0; i < 100; i++)
        {
            z += w[i] * x[i];
        }

        return label == 1 ? Fn.Softplus(-z) : Fn.Softplus(z);
    }

    /// <summary>A 50-step recurrence s = tanh(s·x[i] + w[i]) from s0, loss s².</summary>
    [Loss]
    public static double Recurrence([Param] ReadOnlySpan<double> w, [Param] double s0, ReadOnlySpan<double> x)
    {
        double s = s0;
        for (int i = 0; i < 50; i++)
        {
            s = Math.Tanh(s * x[i] + w[i]);
        }

        return s * s;
    }
}
