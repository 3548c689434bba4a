using Downhill;

namespace Downhill.Derivatives.Tests.Corpus;

/// <summary>Regression, classification and network losses of the kind users write.</summary>
public static partial class Models
{
    [Loss]
    public static double Squared([Param] double m, [Param] double b, double x, double y)
    {
        double e = m * x + b - y;
        return e * e;
    }

    [Loss]
    public static double Huber([Param] double m, [Param] double b, double x, double y)
    {
        double e = m * x + b - y;
        double delta = 0.5;
        if (Math.Abs(e) <= delta)
        {
            return 0.5 * e * e;
        }
        else
        {
            return delta * (Math.Abs(e) - 0.5 * delta);
        }
    }

    [Loss]
    public static double HuberByHelper([Param] ReadOnlySpan<double> w, [Param] double b, ReadOnlySpan<double> x, double y)
    {
        return Helpers.HuberOf(Helpers.Dot(w, x, 3) + b - y, 0.3);
    }

    [Loss]
    public static double LogCosh([Param] double m, [Param] double b, double x, double y)
    {
        double e = m * x + b - y;
        return Math.Log(Math.Cosh(e));
    }

    [Loss]
    public static double Cauchy([Param] double m, [Param] double b, double x, double y)
    {
        double e = (m * x + b - y) / 0.7;
        return Fn.Log1P(e * e);
    }

    [Loss]
    public static double Logistic([Param] ReadOnlySpan<double> w, [Param] double b, ReadOnlySpan<double> x, int label)
    {
        double z = b;
        for (int i = 0; i < w.Length; i++)
        {
            z += w[i] * x[i];
        }

        double sign = label == 1 ? 1.0 : -1.0;
        return -Fn.LogSigmoid(sign * z);
    }

    [Loss]
    public static double LogisticBySigmoid([Param] ReadOnlySpan<double> w, [Param] double b, ReadOnlySpan<double> x, int label)
    {
        double p = Fn.Sigmoid(Helpers.Dot(w, x, 4) + b);
        return label == 1 ? -Math.Log(p) : -Math.Log(1.0 - p);
    }

    [Loss]
    public static double Hinge([Param] ReadOnlySpan<double> w, [Param] double b, ReadOnlySpan<double> x, int label)
    {
        double f = b;
        for (int i = 0; i < 3; i++)
        {
            f += w[i] * x[i];
        }

        double y = 2 * label - 1;
        return Math.Max(0.0, 1.0 - y * f);
    }

    [Loss]
    public static double PoissonRegression([Param] ReadOnlySpan<double> w, ReadOnlySpan<double> x, double y)
    {
        double eta = 0.0;
        for (int i = 0; i < 3; i++)
        {
            eta += w[i] * x[i];
        }

        return Math.Exp(eta) - y * eta;
    }

    [Loss]
    public static double GaussianNll([Param] double mu, [Param] double logSigma, double y)
    {
        double z = (y - mu) * Math.Exp(-logSigma);
        return 0.5 * z * z + logSigma + 0.5 * Math.Log(2.0 * Math.PI);
    }

    /// <summary>An MLP 3 → 5 → 4 → 1 with tanh and softplus layers; scratch arrays made with new.</summary>
    [Loss]
    public static double Mlp([Param] ReadOnlySpan<double> w1, [Param] ReadOnlySpan<double> b1, [Param] ReadOnlySpan<double> w2, [Param] ReadOnlySpan<double> b2, [Param] ReadOnlySpan<double> w3, [Param] double b3, ReadOnlySpan<double> x, double y)
    {
        int n = 3;
        int h1 = 5;
        int h2 = 4;
        double[] a = new double[h1];
        for (int j = 0; j < h1; j++)
        {
            double s = b1[j];
            for (int i = 0; i < n; i++)
            {
                s += w1[j * n + i] * x[i];
            }

            a[j] = Math.Tanh(s);
        }

        double[] c = new double[h2];
        for (int k = 0; k < h2; k++)
        {
            double s = b2[k];
            for (int j = 0; j < h1; j++)
            {
                s += w2[k * h1 + j] * a[j];
            }

            c[k] = Fn.Softplus(s);
        }

        double output = b3;
        for (int k = 0; k < h2; k++)
        {
            output += w3[k] * c[k];
        }

        double e = output - y;
        return 0.5 * e * e;
    }

    /// <summary>An MLP 4 → 3 → 3 → 2 with sigmoid layers and scratch made with stackalloc, trained with a logistic output.</summary>
    [Loss]
    public static double MlpStackalloc([Param] ReadOnlySpan<double> w1, [Param] ReadOnlySpan<double> w2, [Param] ReadOnlySpan<double> w3, ReadOnlySpan<double> x, int label)
    {
        Span<double> h = stackalloc double[3];
        for (int j = 0; j < 3; j++)
        {
            double s = 0.0;
            for (int i = 0; i < 4; i++)
            {
                s += w1[j * 4 + i] * x[i];
            }

            h[j] = Fn.Sigmoid(s);
        }

        Span<double> g = stackalloc double[3];
        for (int k = 0; k < 3; k++)
        {
            double s = 0.0;
            for (int j = 0; j < 3; j++)
            {
                s += w2[k * 3 + j] * h[j];
            }

            g[k] = Math.Tanh(s);
        }

        double z0 = 0.0;
        double z1 = 0.0;
        for (int k = 0; k < 3; k++)
        {
            z0 += w3[k] * g[k];
            z1 += w3[3 + k] * g[k];
        }

        double chosen = label == 0 ? z0 : z1;
        return Fn.LogSumExp(z0, z1) - chosen;
    }

    /// <summary>Softmax cross-entropy of a linear layer 3 → 4, the label used as an index into the logits.</summary>
    [Loss]
    public static double SoftmaxCrossEntropy([Param] ReadOnlySpan<double> w, [Param] ReadOnlySpan<double> b, ReadOnlySpan<double> x, int label)
    {
        double[] logits = new double[4];
        for (int k = 0; k < 4; k++)
        {
            double s = b[k];
            for (int i = 0; i < 3; i++)
            {
                s += w[k * 3 + i] * x[i];
            }

            logits[k] = s;
        }

        return Fn.LogSumExp(logits) - logits[label];
    }

    /// <summary>Softmax cross-entropy written out: max-shifted exponentials summed in a loop.</summary>
    [Loss]
    public static double SoftmaxByHand([Param] ReadOnlySpan<double> z, int label)
    {
        double m = z[0];
        for (int k = 1; k < z.Length; k++)
        {
            m = Math.Max(m, z[k]);
        }

        double s = 0.0;
        for (int k = 0; k < z.Length; k++)
        {
            s += Math.Exp(z[k] - m);
        }

        return Math.Log(s) + m - z[label];
    }

    /// <summary>A recurrence over 50 steps: s = s·x[i] + w[i].</summary>
    [Loss]
    public static double Recurrence([Param] ReadOnlySpan<double> w, [Param] double s0, ReadOnlySpan<double> x)
    {
        double s = s0;
        for (int i = 0; i < 50; i++)
        {
            s = s * x[i] + w[i];
        }

        return s * s;
    }

    /// <summary>A tanh recurrent cell over the row, the state overwritten every step.</summary>
    [Loss]
    public static double TanhRnn([Param] double a, [Param] double u, [Param] double v, ReadOnlySpan<double> x, double y)
    {
        double s = 0.0;
        for (int t = 0; t < 8; t++)
        {
            s = Math.Tanh(a * s + u * x[t]);
        }

        double e = v * s - y;
        return e * e;
    }

    /// <summary>The running maximum of w[i]·x[i].</summary>
    [Loss]
    public static double RunningMax([Param] ReadOnlySpan<double> w, ReadOnlySpan<double> x)
    {
        double m = w[0] * x[0];
        for (int i = 1; i < 6; i++)
        {
            double v = w[i] * x[i];
            if (v > m)
            {
                m = v;
            }
        }

        return m * m + m;
    }

    /// <summary>Ridge regression with a [Hyper] L2 weight.</summary>
    [Loss]
    public static double Ridge([Param] ReadOnlySpan<double> w, [Param] double b, [Hyper] double lambda, ReadOnlySpan<double> x, double y)
    {
        double f = b;
        double norm = 0.0;
        for (int i = 0; i < 4; i++)
        {
            f += w[i] * x[i];
            norm += w[i] * w[i];
        }

        double e = f - y;
        return 0.5 * e * e + 0.5 * lambda * norm;
    }

    /// <summary>Two hyperparameters: a log-scale L2 weight and a temperature.</summary>
    [Loss]
    public static double TwoHypers([Param] ReadOnlySpan<double> w, [Hyper] double logLambda, [Hyper] double temperature, ReadOnlySpan<double> x, int label)
    {
        double z0 = (w[0] * x[0] + w[1] * x[1]) / temperature;
        double z1 = (w[2] * x[0] + w[3] * x[1]) / temperature;
        double penalty = Math.Exp(logLambda) * (w[0] * w[0] + w[1] * w[1] + w[2] * w[2] + w[3] * w[3]);
        return Fn.LogSumExp(z0, z1) - (label == 0 ? z0 : z1) + penalty;
    }

    /// <summary>A hyperparameter inside a nonlinearity, no data.</summary>
    [Loss]
    public static double HyperOnly([Param] double x, [Hyper] double alpha)
    {
        return Fn.Softplus(alpha * x) + alpha * alpha * x * x;
    }

    /// <summary>A quadratic form xᵀAx with A a row-major matrix parameter.</summary>
    [Loss]
    public static double QuadraticForm([Param] ReadOnlySpan<double> a, ReadOnlySpan<double> x)
    {
        double q = 0.0;
        for (int i = 0; i < 3; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                q += x[i] * a[i * 3 + j] * x[j];
            }
        }

        return q * q;
    }

    /// <summary>The Rosenbrock function of a vector: an objective without data.</summary>
    [Loss]
    public static double Rosenbrock([Param] ReadOnlySpan<double> x)
    {
        double f = 0.0;
        for (int i = 0; i < x.Length - 1; i++)
        {
            double a = x[i + 1] - x[i] * x[i];
            double b = 1.0 - x[i];
            f += 100.0 * a * a + b * b;
        }

        return f;
    }

    /// <summary>The two-dimensional Rosenbrock function of two scalars.</summary>
    [Loss]
    public static double Rosenbrock2([Param] double x, [Param] double y)
    {
        return 100.0 * (y - x * x) * (y - x * x) + (1.0 - x) * (1.0 - x);
    }

    /// <summary>A polynomial evaluated by a recursive [Differentiable] helper.</summary>
    [Loss]
    public static double RecursivePolynomial([Param] ReadOnlySpan<double> c, double x)
    {
        return Helpers.Horner(c, x, 0);
    }

    /// <summary>A power computed by a recursive [Differentiable] helper.</summary>
    [Loss]
    public static double RecursivePower([Param] double x, double c)
    {
        return c * Helpers.PowerByRecursion(x, 5) - Helpers.PowerByRecursion(x, 2);
    }

    /// <summary>A helper that calls helpers.</summary>
    [Loss]
    public static double NestedHelpers([Param] double a, [Param] double b, double x)
    {
        return Helpers.Distance(a * x, b) + Helpers.Square(a - b);
    }
}
