using Downhill;

namespace Downhill.Derivatives.Tests.Corpus;

/// <summary>[Differentiable] helpers that the corpus's losses call: another file, another (non-partial) type.</summary>
public static class Helpers
{
    /// <summary>x^n by recursion on n.</summary>
    [Differentiable]
    public static double PowerByRecursion(double x, int n)
    {
        if (n == 0)
        {
            return 1.0;
        }

        return x * PowerByRecursion(x, n - 1);
    }

    /// <summary>Horner's rule, recursively: c[k] + x·(c[k+1] + x·(...)).</summary>
    [Differentiable]
    public static double Horner(ReadOnlySpan<double> c, double x, int k)
    {
        if (k == c.Length - 1)
        {
            return c[k];
        }

        return c[k] + x * Horner(c, x, k + 1);
    }

    /// <summary>The dot product of two spans of equal length.</summary>
    [Differentiable]
    public static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b, int n)
    {
        double s = 0.0;
        for (int i = 0; i < n; i++)
        {
            s += a[i] * b[i];
        }

        return s;
    }

    /// <summary>A smooth approximation of |x|.</summary>
    [Differentiable]
    public static double SmoothAbs(double x, double eps)
    {
        return Math.Sqrt(x * x + eps);
    }

    /// <summary>A helper that calls helpers: the squared norm of a smooth-abs'd difference.</summary>
    [Differentiable]
    public static double Distance(double a, double b)
    {
        double d = SmoothAbs(a - b, 1e-3);
        return Square(d);
    }

    /// <summary>x².</summary>
    [Differentiable]
    public static double Square(double x) => x * x;

    /// <summary>Huber's function with threshold delta, written with if.</summary>
    [Differentiable]
    public static double HuberOf(double e, double delta)
    {
        double a = Math.Abs(e);
        if (a <= delta)
        {
            return 0.5 * e * e;
        }

        return delta * (a - 0.5 * delta);
    }

    /// <summary>A helper that writes into the caller's scratch array in place: v_i ← a·v_i + sin v_i (it reads what it overwrites).</summary>
    [Differentiable]
    public static void Relax(Span<double> v, double a)
    {
        for (int i = 0; i < v.Length; i++)
        {
            v[i] = a * v[i] + Math.Sin(v[i]);
        }
    }

    /// <summary>A helper that fills the second half of its scratch array from the first, then calls <see cref="Relax"/> on it (an in-out array passed on).</summary>
    [Differentiable]
    public static double MirrorAndRelax(Span<double> v, double a)
    {
        int half = v.Length / 2;
        for (int i = 0; i < half; i++)
        {
            v[half + i] = v[i] * v[i];
        }

        Relax(v, a);
        return v[0];
    }

    /// <summary>The float version of <see cref="Square(double)"/>.</summary>
    [Differentiable]
    public static float SquareF(float x) => x * x;
}
