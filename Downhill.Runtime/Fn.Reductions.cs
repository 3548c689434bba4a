namespace Downhill;

// Reductions of a span, written in the loss language. The generator reads this file (embedded
// in it) and differentiates these bodies with the loss in every mode (docs/stdlib.md); outside losses they are
// ordinary methods. Each has a double and a float overload (the float one has the double one's documentation).
public static partial class Fn
{
    /// <summary>Σ x_i (0 for an empty span). ∂/∂x_i = 1.</summary>
    [Differentiable]
    public static double Sum(ReadOnlySpan<double> x)
    {
        double s = 0.0;
        for (int i = 0; i < x.Length; i++)
        {
            s += x[i];
        }

        return s;
    }

    /// <summary>The mean Σ x_i / n (NaN for an empty span). ∂/∂x_i = 1/n.</summary>
    [Differentiable]
    public static double Mean(ReadOnlySpan<double> x) => Sum(x) / x.Length;

    /// <summary>The dot product Σ x_i y_i of two spans of one length. ∂/∂x_i = y_i, ∂/∂y_i = x_i.</summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    [Differentiable]
    public static double Dot(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        if (x.Length != y.Length)
        {
            throw new ArgumentException("Fn.Dot: the two spans must have the same length.");
        }

        double s = 0.0;
        for (int i = 0; i < x.Length; i++)
        {
            s += x[i] * y[i];
        }

        return s;
    }

    /// <summary>The squared 2-norm Σ x_i². ∂/∂x_i = 2 x_i.</summary>
    [Differentiable]
    public static double SquaredNorm(ReadOnlySpan<double> x)
    {
        double s = 0.0;
        for (int i = 0; i < x.Length; i++)
        {
            s += x[i] * x[i];
        }

        return s;
    }

    /// <summary>
    /// The 2-norm √(Σ x_i²). ∂/∂x_i = x_i / ‖x‖; at x = 0, where the norm has no derivative, the derivative is taken
    /// as 0 (a subgradient), and so are the second derivatives.
    /// </summary>
    [Differentiable]
    public static double Norm(ReadOnlySpan<double> x)
    {
        double s = SquaredNorm(x);
        if (s == 0.0)
        {
            return 0.0;
        }

        return Math.Sqrt(s);
    }

    /// <summary>
    /// The population variance Σ (x_i - m)² / n with m the mean (numpy's var, ddof = 0; NaN for an empty span).
    /// ∂/∂x_i = 2 (x_i - m) / n.
    /// </summary>
    [Differentiable]
    public static double Variance(ReadOnlySpan<double> x)
    {
        double m = Mean(x);
        double s = 0.0;
        for (int i = 0; i < x.Length; i++)
        {
            double d = x[i] - m;
            s += d * d;
        }

        return s / x.Length;
    }

    /// <summary>
    /// The population standard deviation √Variance(x). ∂/∂x_i = (x_i - m) / (n σ); where σ = 0 (all elements equal)
    /// the derivative is taken as 0.
    /// </summary>
    [Differentiable]
    public static double StdDev(ReadOnlySpan<double> x)
    {
        double v = Variance(x);
        if (v == 0.0)
        {
            return 0.0;
        }

        return Math.Sqrt(v);
    }

    /// <summary>The product Π x_i (1 for an empty span). ∂/∂x_i = Π_(j≠i) x_j, exact at zeros too (no division).</summary>
    [Differentiable]
    public static double Prod(ReadOnlySpan<double> x)
    {
        double p = 1.0;
        for (int i = 0; i < x.Length; i++)
        {
            p *= x[i];
        }

        return p;
    }

    /// <summary>The largest element. Its derivative is 1 for the first largest element and 0 elsewhere (ties as Math.Max: the first wins).</summary>
    /// <exception cref="ArgumentException">The span is empty.</exception>
    [Differentiable]
    public static double Max(ReadOnlySpan<double> x)
    {
        if (x.Length == 0)
        {
            throw new ArgumentException("Fn.Max: the span is empty.");
        }

        double m = x[0];
        for (int i = 1; i < x.Length; i++)
        {
            m = Math.Max(m, x[i]);
        }

        return m;
    }

    /// <summary>The smallest element. Its derivative is 1 for the first smallest element and 0 elsewhere (ties as Math.Min: the first wins).</summary>
    /// <exception cref="ArgumentException">The span is empty.</exception>
    [Differentiable]
    public static double Min(ReadOnlySpan<double> x)
    {
        if (x.Length == 0)
        {
            throw new ArgumentException("Fn.Min: the span is empty.");
        }

        double m = x[0];
        for (int i = 1; i < x.Length; i++)
        {
            m = Math.Min(m, x[i]);
        }

        return m;
    }

    /// <inheritdoc cref="Sum(ReadOnlySpan{double})"/>
    [Differentiable]
    public static float Sum(ReadOnlySpan<float> x)
    {
        float s = 0f;
        for (int i = 0; i < x.Length; i++)
        {
            s += x[i];
        }

        return s;
    }

    /// <inheritdoc cref="Mean(ReadOnlySpan{double})"/>
    [Differentiable]
    public static float Mean(ReadOnlySpan<float> x) => Sum(x) / x.Length;

    /// <inheritdoc cref="Dot(ReadOnlySpan{double}, ReadOnlySpan{double})"/>
    [Differentiable]
    public static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        if (x.Length != y.Length)
        {
            throw new ArgumentException("Fn.Dot: the two spans must have the same length.");
        }

        float s = 0f;
        for (int i = 0; i < x.Length; i++)
        {
            s += x[i] * y[i];
        }

        return s;
    }

    /// <inheritdoc cref="SquaredNorm(ReadOnlySpan{double})"/>
    [Differentiable]
    public static float SquaredNorm(ReadOnlySpan<float> x)
    {
        float s = 0f;
        for (int i = 0; i < x.Length; i++)
        {
            s += x[i] * x[i];
        }

        return s;
    }

    /// <inheritdoc cref="Norm(ReadOnlySpan{double})"/>
    [Differentiable]
    public static float Norm(ReadOnlySpan<float> x)
    {
        float s = SquaredNorm(x);
        if (s == 0f)
        {
            return 0f;
        }

        return MathF.Sqrt(s);
    }

    /// <inheritdoc cref="Variance(ReadOnlySpan{double})"/>
    [Differentiable]
    public static float Variance(ReadOnlySpan<float> x)
    {
        float m = Mean(x);
        float s = 0f;
        for (int i = 0; i < x.Length; i++)
        {
            float d = x[i] - m;
            s += d * d;
        }

        return s / x.Length;
    }

    /// <inheritdoc cref="StdDev(ReadOnlySpan{double})"/>
    [Differentiable]
    public static float StdDev(ReadOnlySpan<float> x)
    {
        float v = Variance(x);
        if (v == 0f)
        {
            return 0f;
        }

        return MathF.Sqrt(v);
    }

    /// <inheritdoc cref="Prod(ReadOnlySpan{double})"/>
    [Differentiable]
    public static float Prod(ReadOnlySpan<float> x)
    {
        float p = 1f;
        for (int i = 0; i < x.Length; i++)
        {
            p *= x[i];
        }

        return p;
    }

    /// <inheritdoc cref="Max(ReadOnlySpan{double})"/>
    [Differentiable]
    public static float Max(ReadOnlySpan<float> x)
    {
        if (x.Length == 0)
        {
            throw new ArgumentException("Fn.Max: the span is empty.");
        }

        float m = x[0];
        for (int i = 1; i < x.Length; i++)
        {
            m = MathF.Max(m, x[i]);
        }

        return m;
    }

    /// <inheritdoc cref="Min(ReadOnlySpan{double})"/>
    [Differentiable]
    public static float Min(ReadOnlySpan<float> x)
    {
        if (x.Length == 0)
        {
            throw new ArgumentException("Fn.Min: the span is empty.");
        }

        float m = x[0];
        for (int i = 1; i < x.Length; i++)
        {
            m = MathF.Min(m, x[i]);
        }

        return m;
    }
}
