namespace Downhill.Benchmarks.Hypergradients;

/// <summary>The loss the hypergradient benchmark trains.</summary>
public static partial class Losses
{
    /// <summary>An MLP 64 → 32 (tanh) → 10 with a softmax cross-entropy on an int label and an L2 penalty.</summary>
    [Loss]
    public static double Mlp([Param] ReadOnlySpan<double> w1, [Param] ReadOnlySpan<double> b1, [Param] ReadOnlySpan<double> w2, [Param] ReadOnlySpan<double> b2, [Hyper] double lambda, ReadOnlySpan<double> x, int label)
    {
        Span<double> h = stackalloc double[32];
        double penalty = 0;
        for (int j = 0; j < 32; j++)
        {
            double s = b1[j];
            for (int i = 0; i < 64; i++)
            {
                s += w1[j * 64 + i] * x[i];
                penalty += w1[j * 64 + i] * w1[j * 64 + i];
            }

            h[j] = Math.Tanh(s);
        }

        Span<double> z = stackalloc double[10];
        for (int k = 0; k < 10; k++)
        {
            double s = b2[k];
            for (int j = 0; j < 32; j++)
            {
                s += w2[k * 32 + j] * h[j];
            }

            z[k] = s;
        }

        return Fn.LogSumExp(z) - z[label] + 0.5 * lambda * penalty;
    }
}
