namespace Downhill.Hypergradients.Tests;

/// <summary>The losses the hypergradient tests train, written as users write them.</summary>
public static partial class Losses
{
    /// <summary>The paper's quadratic: (a·w)² per row a, so the batch loss is wᵀ(AᵀA)w / rows.</summary>
    [Loss]
    public static double Quadratic([Param] ReadOnlySpan<double> w, ReadOnlySpan<double> a)
    {
        double s = 0;
        for (int i = 0; i < w.Length; i++)
        {
            s += a[i] * w[i];
        }

        return s * s;
    }

    /// <summary>The quadratic in single precision.</summary>
    [Loss]
    public static float QuadraticFloat([Param] ReadOnlySpan<float> w, ReadOnlySpan<float> a)
    {
        float s = 0;
        for (int i = 0; i < w.Length; i++)
        {
            s += a[i] * w[i];
        }

        return s * s;
    }

    /// <summary>L2-regularized logistic regression with a bias: softplus(z) − y·z + λ/2·|w|².</summary>
    [Loss]
    public static double Logistic([Param] ReadOnlySpan<double> w, [Param] double b, [Hyper] double lambda, ReadOnlySpan<double> x, int label)
    {
        double z = b;
        double penalty = 0;
        for (int i = 0; i < w.Length; i++)
        {
            z += w[i] * x[i];
            penalty += w[i] * w[i];
        }

        return Fn.Softplus(z) - label * z + 0.5 * lambda * penalty;
    }

    /// <summary>A 3 → 4 → 1 tanh MLP with a squared error; its layer is a recursion-free helper.</summary>
    [Loss]
    public static double Mlp([Param] ReadOnlySpan<double> w1, [Param] ReadOnlySpan<double> b1, [Param] ReadOnlySpan<double> w2, [Param] double b2, [Hyper] double decay, ReadOnlySpan<double> x, double y)
    {
        double output = b2;
        double norm = 0;
        for (int j = 0; j < 4; j++)
        {
            double h = Unit(w1, b1[j], x, j * 3, 3);
            output += w2[j] * h;
            norm += w2[j] * w2[j];
        }

        double e = output - y;
        return 0.5 * e * e + decay * norm;
    }

    /// <summary>One tanh unit: tanh(b + Σ w[offset + i]·x[i]).</summary>
    [Differentiable]
    public static double Unit(ReadOnlySpan<double> w, double b, ReadOnlySpan<double> x, int offset, int n)
    {
        double s = b;
        for (int i = 0; i < n; i++)
        {
            s += w[offset + i] * x[i];
        }

        return Math.Tanh(s);
    }

    /// <summary>The paper's Figure 1 toy: 800·sigmoid(R(w)/500), R = 100(w1 − w0²)² + (1 − w0)² + 200·w0.</summary>
    [Loss]
    public static double Toy([Param] ReadOnlySpan<double> w)
    {
        double c = w[1] - w[0] * w[0];
        double r = 100 * c * c + (1 - w[0]) * (1 - w[0]) + 200 * w[0];
        return 800 * Fn.Sigmoid(r / 500);
    }
}
