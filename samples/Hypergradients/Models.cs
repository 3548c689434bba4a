using Downhill;

namespace Hypergradients;

/// <summary>The losses of the hypergradient sample.</summary>
public static partial class Models
{
    /// <summary>Pixels of a Fashion-MNIST image.</summary>
    public const int Pixels = 784;

    /// <summary>Classes.</summary>
    public const int Classes = 10;

    /// <summary>Hidden units of the small MLP.</summary>
    public const int Hidden = 32;

    /// <summary>The paper's Figure 1 toy: 800·sigmoid(R(w)/500), R = 100(w1 − w0²)² + (1 − w0)² + 200·w0.</summary>
    [Loss]
    public static double Toy([Param] ReadOnlySpan<double> w)
    {
        double c = w[1] - w[0] * w[0];
        double r = 100 * c * c + (1 - w[0]) * (1 - w[0]) + 200 * w[0];
        return 800 * Fn.Sigmoid(r / 500);
    }

    /// <summary>Softmax regression 784 → 10 over one image and its label.</summary>
    [Loss]
    public static double Softmax([Param] ReadOnlySpan<double> w, [Param] ReadOnlySpan<double> b, ReadOnlySpan<double> x, int label)
    {
        double[] z = new double[Classes];
        for (int k = 0; k < Classes; k++)
        {
            double s = b[k];
            for (int i = 0; i < Pixels; i++)
            {
                s += w[k * Pixels + i] * x[i];
            }

            z[k] = s;
        }

        return Fn.LogSumExp(z) - z[label];
    }

    /// <summary>An MLP 784 → 32 → 10 with a tanh hidden layer and a softmax output.</summary>
    [Loss]
    public static double Mlp([Param] ReadOnlySpan<double> w1, [Param] ReadOnlySpan<double> b1, [Param] ReadOnlySpan<double> w2, [Param] ReadOnlySpan<double> b2, ReadOnlySpan<double> x, int label)
    {
        double[] h = new double[Hidden];
        for (int j = 0; j < Hidden; j++)
        {
            double s = b1[j];
            for (int i = 0; i < Pixels; i++)
            {
                s += w1[j * Pixels + i] * x[i];
            }

            h[j] = Math.Tanh(s);
        }

        double[] z = new double[Classes];
        for (int k = 0; k < Classes; k++)
        {
            double s = b2[k];
            for (int j = 0; j < Hidden; j++)
            {
                s += w2[k * Hidden + j] * h[j];
            }

            z[k] = s;
        }

        return Fn.LogSumExp(z) - z[label];
    }
}
