using Downhill;

namespace Downhill.Derivatives.Tests.Corpus;

/// <summary>
/// The span functions of <see cref="Fn"/> (the standard library, docs/stdlib.md) as losses call them: on [Param]
/// spans, data rows and local scratch arrays, inside nonlinear losses so that second derivatives are not trivial.
/// </summary>
public static partial class SpanLibrary
{
    [Loss]
    public static double SumOf([Param] ReadOnlySpan<double> w, ReadOnlySpan<double> x, double c)
    {
        double s = Fn.Sum(w);
        return Math.Sin(s) * c + Fn.Sum(x) * s * s;
    }

    [Loss]
    public static double Mean([Param] ReadOnlySpan<double> w, ReadOnlySpan<double> x)
    {
        double[] h = new double[4];
        for (int i = 0; i < 4; i++)
        {
            h[i] = w[i] * x[i];
        }

        double m = Fn.Mean(h);
        return m * m + Math.Exp(Fn.Mean(w));
    }

    [Loss]
    public static double Dot([Param] ReadOnlySpan<double> w, ReadOnlySpan<double> x)
    {
        return Fn.Softplus(Fn.Dot(w, x)) + 0.5 * Fn.Dot(w, w) * Fn.Dot(x, x);
    }

    [Loss]
    public static double SquaredNorm([Param] ReadOnlySpan<double> w, double c)
    {
        return Math.Log(1 + Fn.SquaredNorm(w)) * c;
    }

    [Loss]
    public static double Norm([Param] ReadOnlySpan<double> w, ReadOnlySpan<double> x)
    {
        double[] d = new double[3];
        for (int i = 0; i < 3; i++)
        {
            d[i] = w[i] - x[i];
        }

        double r = Fn.Norm(d);
        return r * r * r + Math.Tanh(Fn.Norm(w));
    }

    [Loss]
    public static double VarianceAndStdDev([Param] ReadOnlySpan<double> w, ReadOnlySpan<double> x)
    {
        double[] h = new double[5];
        for (int i = 0; i < 5; i++)
        {
            h[i] = w[i] * x[i];
        }

        return Fn.Variance(w) * Fn.Variance(x) + Math.Sin(Fn.StdDev(h));
    }

    [Loss]
    public static double Prod([Param] ReadOnlySpan<double> w, double c)
    {
        return Fn.Prod(w) * c + Math.Log(Fn.Prod(w));
    }

    [Loss]
    public static double MaxMin([Param] ReadOnlySpan<double> w, ReadOnlySpan<double> x)
    {
        double[] h = new double[5];
        for (int i = 0; i < 5; i++)
        {
            h[i] = w[i] * x[i];
        }

        double top = Fn.Max(h);
        double bottom = Fn.Min(w);
        return top * top + Math.Exp(bottom) * top;
    }

    // Single precision: every reduction through the float overloads.
    [Loss]
    public static float SmoothReductionsF([Param] ReadOnlySpan<float> w, ReadOnlySpan<float> x)
    {
        float[] h = new float[4];
        for (int i = 0; i < 4; i++)
        {
            h[i] = w[i] * x[i];
        }

        float a = Fn.Sum(w) * Fn.Mean(h) + Fn.Dot(w, x);
        float b = Fn.SquaredNorm(w) + Fn.Norm(h) + Fn.Variance(w) + Fn.StdDev(x) * Fn.StdDev(h);
        return MathF.Sin(a) + 0.5f * b * b;
    }

    [Loss]
    public static float ProdMaxMinF([Param] ReadOnlySpan<float> w, ReadOnlySpan<float> x)
    {
        float[] h = new float[4];
        for (int i = 0; i < 4; i++)
        {
            h[i] = w[i] * x[i];
        }

        return Fn.Prod(w) + Fn.Max(h) * Fn.Max(h) - Fn.Min(w) * Fn.Sum(x);
    }

    // Functions that write into a scratch array.
    [Loss]
    public static double MatVecLogSoftmax([Param] ReadOnlySpan<double> w, ReadOnlySpan<double> x, int label)
    {
        double[] z = new double[4];
        Fn.MatVec(w, x, 4, 3, z);
        double[] logp = new double[4];
        Fn.LogSoftmax(z, logp);
        return -logp[label];
    }

    [Loss]
    public static double SoftmaxOf([Param] ReadOnlySpan<double> w, ReadOnlySpan<double> x)
    {
        double[] p = new double[5];
        Fn.Softmax(w, p);
        return Fn.Dot(p, x) + p[0] * p[1];
    }

    [Loss]
    public static double CumSumOf([Param] ReadOnlySpan<double> w, ReadOnlySpan<double> x)
    {
        double[] c = new double[4];
        Fn.CumSum(w, c);
        double s = 0;
        for (int i = 0; i < 4; i++)
        {
            s += Math.Sin(c[i]) * x[i];
        }

        return s;
    }

    [Loss]
    public static double OuterOf([Param] ReadOnlySpan<double> u, [Param] ReadOnlySpan<double> v, ReadOnlySpan<double> x)
    {
        double[] o = new double[6];
        Fn.Outer(u, v, o);
        return Fn.Dot(o, x) + 0.5 * Fn.SquaredNorm(o);
    }

    [Loss]
    public static double MatMulOf([Param] ReadOnlySpan<double> a, [Param] ReadOnlySpan<double> b, ReadOnlySpan<double> x)
    {
        double[] c = new double[4];
        Fn.MatMul(a, b, 2, 3, 2, c);
        return Math.Tanh(Fn.Dot(c, x)) + 0.25 * Fn.SquaredNorm(c);
    }

    [Loss]
    public static double ClipOf([Param] ReadOnlySpan<double> w, [Param] double lo, [Param] double hi, ReadOnlySpan<double> x)
    {
        double[] y = new double[5];
        Fn.Clip(w, lo, hi, y);
        return Fn.Dot(y, x) + Fn.SquaredNorm(y) * (lo + hi);
    }

    [Loss]
    public static double WhereOf([Param] ReadOnlySpan<double> w, [Param] ReadOnlySpan<double> u, int k)
    {
        int[] first = new int[4];
        for (int i = 0; i < 4; i++)
        {
            first[i] = i < k ? 1 : 0;
        }

        double[] y = new double[4];
        Fn.Where(first, w, u, y);
        return Fn.SquaredNorm(y) * Fn.Sum(y);
    }

    [Loss]
    public static double SortOf([Param] ReadOnlySpan<double> w, ReadOnlySpan<double> x)
    {
        double[] h = new double[5];
        for (int i = 0; i < 5; i++)
        {
            h[i] = w[i] * x[i];
        }

        double[] s = new double[5];
        Fn.Sort(h, s);
        double r = 0;
        for (int i = 0; i < 5; i++)
        {
            r += (i + 1) * s[i];
        }

        return r + s[0] * s[4];
    }

    /// <summary>A user's helper writing into the loss's scratch array in place, three times in a loop, and one that passes it on.</summary>
    [Loss]
    public static double InPlaceHelpers([Param] ReadOnlySpan<double> w, [Param] double a, ReadOnlySpan<double> x)
    {
        double[] v = new double[4];
        for (int i = 0; i < 4; i++)
        {
            v[i] = w[i] * x[i];
        }

        double s = Fn.Sum(v);
        for (int k = 0; k < 3; k++)
        {
            Helpers.Relax(v, a);
            s += Fn.Dot(v, x);
        }

        double first = Helpers.MirrorAndRelax(v, a);
        return s + first * Fn.SquaredNorm(v);
    }

    [Loss]
    public static float ScratchSmoothF([Param] ReadOnlySpan<float> w, ReadOnlySpan<float> x, int label)
    {
        float[] z = new float[3];
        Fn.MatVec(w, x, 3, 2, z);
        float[] p = new float[3];
        Fn.Softmax(z, p);
        float[] logp = new float[3];
        Fn.LogSoftmax(z, logp);
        float[] c = new float[3];
        Fn.CumSum(p, c);
        float[] o = new float[6];
        Fn.Outer(z, x, o);
        float[] m = new float[4];
        Fn.MatMul(w, w, 2, 3, 2, m);
        return -logp[label] + Fn.Dot(c, z) + 0.1f * Fn.SquaredNorm(o) + 0.1f * Fn.Sum(m);
    }

    [Loss]
    public static float ScratchSelectF([Param] ReadOnlySpan<float> w, [Param] ReadOnlySpan<float> u, ReadOnlySpan<float> x)
    {
        float[] y = new float[4];
        Fn.Clip(w, -0.5f, 0.5f, y);
        int[] positive = new int[4];
        for (int i = 0; i < 4; i++)
        {
            positive[i] = x[i] > 0 ? 1 : 0;
        }

        float[] q = new float[4];
        Fn.Where(positive, y, u, q);
        float[] s = new float[4];
        Fn.Sort(q, s);
        return s[3] * s[3] + s[0] * s[1] + Fn.Dot(s, x);
    }

    // Linear algebra on small dense matrices (n × n, stored by rows; n from the parameter's length, 1 to 6).
    [Loss]
    public static double CholeskyOf([Param] ReadOnlySpan<double> a, double c)
    {
        int n = 0;
        while (n * n < a.Length)
        {
            n++;
        }

        double[] l = new double[n * n];
        Fn.Cholesky(a, n, l);
        double s = 0;
        for (int i = 0; i < n * n; i++)
        {
            s += Math.Sin(l[i]) * (i % 3 + 1);
        }

        for (int i = 0; i < n; i++)
        {
            s += Math.Log(l[i * n + i]) * c;
        }

        return s;
    }

    [Loss]
    public static double LogDetAndTrace([Param] ReadOnlySpan<double> a, double c)
    {
        int n = 0;
        while (n * n < a.Length)
        {
            n++;
        }

        double t = Fn.Trace(a, n);
        return Fn.LogDet(a, n) * c + 0.1 * t * t;
    }

    [Loss]
    public static double SolveOf([Param] ReadOnlySpan<double> a, [Param] ReadOnlySpan<double> b)
    {
        int n = b.Length;
        double[] x = new double[n];
        Fn.Solve(a, b, n, x);
        double s = Fn.SquaredNorm(x);
        for (int i = 0; i < n; i++)
        {
            s += Math.Sin(x[i]);
        }

        return s;
    }

    [Loss]
    public static double CholeskySolveOf([Param] ReadOnlySpan<double> a, [Param] ReadOnlySpan<double> b)
    {
        int n = b.Length;
        double[] l = new double[n * n];
        Fn.Cholesky(a, n, l);
        double[] x = new double[n];
        Fn.CholeskySolve(l, b, n, x);
        return Fn.Dot(b, x) + Fn.SquaredNorm(x);
    }

    [Loss]
    public static double InverseOf([Param] ReadOnlySpan<double> a, double c)
    {
        int n = 0;
        while (n * n < a.Length)
        {
            n++;
        }

        double[] inverse = new double[n * n];
        Fn.Inverse(a, n, inverse);
        return Fn.SquaredNorm(inverse) + c * Fn.Trace(inverse, n);
    }

    [Loss]
    public static double DetOf([Param] ReadOnlySpan<double> a, double c)
    {
        int n = 0;
        while (n * n < a.Length)
        {
            n++;
        }

        double d = Fn.Det(a, n);
        return d * d * c + Math.Sin(d);
    }

    [Loss]
    public static float LinearAlgebraF([Param] ReadOnlySpan<float> a, [Param] ReadOnlySpan<float> b)
    {
        float[] l = new float[9];
        Fn.Cholesky(a, 3, l);
        float[] x = new float[3];
        Fn.CholeskySolve(l, b, 3, x);
        float[] y = new float[3];
        Fn.Solve(a, b, 3, y);
        float[] inverse = new float[9];
        Fn.Inverse(a, 3, inverse);
        return Fn.LogDet(a, 3) + Fn.Dot(b, x) + Fn.SquaredNorm(y) + 0.1f * Fn.Det(a, 3) + Fn.Trace(inverse, 3) + Fn.Sum(l);
    }
}
