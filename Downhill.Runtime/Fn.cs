using System.Runtime.CompilerServices;

namespace Downhill;

/// <summary>
/// Numerically stable helpers that losses may call; the generator knows the derivative of each.
/// Every function has a <see cref="double"/> and a <see cref="float"/> overload.
/// </summary>
public static partial class Fn
{
    /// <summary>The logistic function 1 / (1 + e^-x), evaluated without overflow for large |x|.</summary>
    public static double Sigmoid(double x)
    {
        if (x >= 0)
        {
            return 1.0 / (1.0 + Math.Exp(-x));
        }

        double e = Math.Exp(x);
        return e / (1.0 + e);
    }

    /// <inheritdoc cref="Sigmoid(double)"/>
    public static float Sigmoid(float x)
    {
        if (x >= 0)
        {
            return 1f / (1f + MathF.Exp(-x));
        }

        float e = MathF.Exp(x);
        return e / (1f + e);
    }

    /// <summary>log(sigmoid(x)) = -softplus(-x), stable for large |x|.</summary>
    public static double LogSigmoid(double x) => -Softplus(-x);

    /// <inheritdoc cref="LogSigmoid(double)"/>
    public static float LogSigmoid(float x) => -Softplus(-x);

    /// <summary>The softplus log(1 + e^x) in the stable form max(x, 0) + log1p(e^-|x|).</summary>
    public static double Softplus(double x) => Math.Max(x, 0.0) + Log1P(Math.Exp(-Math.Abs(x)));

    /// <inheritdoc cref="Softplus(double)"/>
    public static float Softplus(float x) => MathF.Max(x, 0f) + Log1P(MathF.Exp(-MathF.Abs(x)));

    /// <summary>The rectifier max(x, 0); its derivative at 0 is taken as 0.</summary>
    public static double Relu(double x) => x > 0 ? x : 0.0;

    /// <inheritdoc cref="Relu(double)"/>
    public static float Relu(float x) => x > 0 ? x : 0f;

    /// <summary>x², written as a function so that losses read naturally.</summary>
    public static double Square(double x) => x * x;

    /// <inheritdoc cref="Square(double)"/>
    public static float Square(float x) => x * x;

    /// <summary>log(1 + x), accurate for small x (Goldberg's compensation, as in numpy.log1p).</summary>
    public static double Log1P(double x)
    {
        double u = 1.0 + x;
        if (u == 1.0)
        {
            return x;
        }

        return Math.Log(u) * x / (u - 1.0);
    }

    /// <inheritdoc cref="Log1P(double)"/>
    public static float Log1P(float x) => (float)Log1P((double)x);

    /// <summary>e^x - 1, accurate for small x (Kahan's compensation, as in numpy.expm1).</summary>
    public static double Expm1(double x)
    {
        double u = Math.Exp(x);
        if (u == 1.0)
        {
            return x;
        }

        double um1 = u - 1.0;
        if (um1 == -1.0)
        {
            return -1.0;
        }

        return um1 * x / Math.Log(u);
    }

    /// <inheritdoc cref="Expm1(double)"/>
    public static float Expm1(float x) => (float)Expm1((double)x);

    /// <summary>log(e^a + e^b) = max(a, b) + log1p(e^-|a - b|), without overflow.</summary>
    public static double LogSumExp(double a, double b) => Math.Max(a, b) + Log1P(Math.Exp(-Math.Abs(a - b)));

    /// <inheritdoc cref="LogSumExp(double, double)"/>
    public static float LogSumExp(float a, float b) => MathF.Max(a, b) + Log1P(MathF.Exp(-MathF.Abs(a - b)));

    /// <summary>log Σ e^(z_i), computed as m + log Σ e^(z_i - m) with m = max z_i. An empty span gives -∞.</summary>
    public static double LogSumExp(ReadOnlySpan<double> z)
    {
        if (z.IsEmpty)
        {
            return double.NegativeInfinity;
        }

        double m = z[0];
        for (int i = 1; i < z.Length; i++)
        {
            m = Math.Max(m, z[i]);
        }

        double s = 0;
        for (int i = 0; i < z.Length; i++)
        {
            s += Math.Exp(z[i] - m);
        }

        return m + Math.Log(s);
    }

    /// <inheritdoc cref="LogSumExp(ReadOnlySpan{double})"/>
    public static float LogSumExp(ReadOnlySpan<float> z)
    {
        if (z.IsEmpty)
        {
            return float.NegativeInfinity;
        }

        float m = z[0];
        for (int i = 1; i < z.Length; i++)
        {
            m = MathF.Max(m, z[i]);
        }

        float s = 0;
        for (int i = 0; i < z.Length; i++)
        {
            s += MathF.Exp(z[i] - m);
        }

        return m + MathF.Log(s);
    }
}
