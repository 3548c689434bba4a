using Downhill;

namespace Downhill.Mpi.TestProgram;

/// <summary>A small MLP 8 → 16 (tanh) → 3 with softmax cross-entropy, and synthetic data for it.</summary>
public static partial class Classifier
{
    /// <summary>Features per row.</summary>
    public const int Features = 8;

    /// <summary>Hidden units.</summary>
    public const int Hidden = 16;

    /// <summary>Classes.</summary>
    public const int Classes = 3;

    /// <summary>One row's cross-entropy.</summary>
    [Loss]
    public static double Mlp([Param] ReadOnlySpan<double> w1, [Param] ReadOnlySpan<double> b1, [Param] ReadOnlySpan<double> w2, [Param] ReadOnlySpan<double> b2, ReadOnlySpan<double> x, int label)
    {
        double[] h = new double[16];
        double[] z = new double[3];
        for (int j = 0; j < 16; j++)
        {
            double s = b1[j];
            for (int i = 0; i < 8; i++)
            {
                s += w1[j * 8 + i] * x[i];
            }

            h[j] = Math.Tanh(s);
        }

        for (int k = 0; k < 3; k++)
        {
            double s = b2[k];
            for (int j = 0; j < 16; j++)
            {
                s += w2[k * 16 + j] * h[j];
            }

            z[k] = s;
        }

        return Fn.LogSumExp(z) - z[label];
    }

    /// <summary><paramref name="rows"/> rows of Gaussian features and the label of a fixed random linear rule.</summary>
    public static (double[,] X, int[] Y) Data(int rows, int seed)
    {
        var random = new Random(seed);
        var rule = new Random(7);
        double[] w = [.. Enumerable.Range(0, Classes * Features).Select(_ => rule.NextDouble() - 0.5)];
        var x = new double[rows, Features];
        var y = new int[rows];
        for (int r = 0; r < rows; r++)
        {
            int best = 0;
            double bestScore = double.NegativeInfinity;
            for (int i = 0; i < Features; i++)
            {
                x[r, i] = (random.NextDouble() * 2) - 1;
            }

            for (int k = 0; k < Classes; k++)
            {
                double s = 0;
                for (int i = 0; i < Features; i++)
                {
                    s += w[(k * Features) + i] * x[r, i];
                }

                if (s > bestScore)
                {
                    (best, bestScore) = (k, s);
                }
            }

            y[r] = best;
        }

        return (x, y);
    }

    /// <summary>Fixed small initial weights.</summary>
    public static MlpLoss.Params Init()
    {
        var random = new Random(11);
        double[] Values(int n, double scale) => [.. Enumerable.Range(0, n).Select(_ => ((random.NextDouble() * 2) - 1) * scale)];
        return new MlpLoss.Params { w1 = Values(Hidden * Features, 0.5), b1 = new double[Hidden], w2 = Values(Classes * Hidden, 0.5), b2 = new double[Classes] };
    }
}
