namespace Downhill.EndToEnd.Tests;

/// <summary>Losses written with the span functions of <see cref="Fn"/>, as users write them (docs/stdlib.md).</summary>
public static partial class Losses
{
    /// <summary>
    /// The negative log marginal likelihood of a Gaussian process with a squared-exponential kernel of length scale
    /// e^logLength and noise variance e^(2 logNoise) (Rasmussen and Williams, Gaussian Processes for Machine Learning,
    /// eq. 2.30): ½ yᵀK⁻¹y + ½ log det K + (n/2) log 2π. The whole data set is one row.
    /// </summary>
    [Loss]
    public static double GaussianProcessNll([Param] double logLength, [Param] double logNoise, ReadOnlySpan<double> xs, ReadOnlySpan<double> ys)
    {
        int n = xs.Length;
        double[] k = new double[n * n];
        double inverseLength2 = Math.Exp(-2 * logLength);
        double noise = Math.Exp(2 * logNoise);
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double d = xs[i] - xs[j];
                k[i * n + j] = Math.Exp(-0.5 * d * d * inverseLength2) + (i == j ? noise : 0);
            }
        }

        double[] l = new double[n * n];
        Fn.Cholesky(k, n, l);
        double[] alpha = new double[n];
        Fn.CholeskySolve(l, ys, n, alpha);
        return 0.5 * Fn.Dot(ys, alpha) + 0.5 * Fn.LogDet(k, n) + 0.5 * n * Math.Log(2 * Math.PI);
    }

    /// <summary>The same likelihood with the general solver in place of the Cholesky one (A x = b by elimination).</summary>
    [Loss]
    public static double GaussianProcessNllBySolve([Param] double logLength, [Param] double logNoise, ReadOnlySpan<double> xs, ReadOnlySpan<double> ys)
    {
        int n = xs.Length;
        double[] k = new double[n * n];
        double inverseLength2 = Math.Exp(-2 * logLength);
        double noise = Math.Exp(2 * logNoise);
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double d = xs[i] - xs[j];
                k[i * n + j] = Math.Exp(-0.5 * d * d * inverseLength2) + (i == j ? noise : 0);
            }
        }

        double[] alpha = new double[n];
        Fn.Solve(k, ys, n, alpha);
        return 0.5 * Fn.Dot(ys, alpha) + 0.5 * Fn.LogDet(k, n) + 0.5 * n * Math.Log(2 * Math.PI);
    }

    /// <summary>Softmax regression 784 → 10 written with the library: z = W x + b by MatVec, then LogSoftmax.</summary>
    [Loss]
    public static float SoftmaxByLibrary([Param] ReadOnlySpan<float> w, [Param] ReadOnlySpan<float> b, ReadOnlySpan<float> x, int label)
    {
        float[] z = new float[10];
        Fn.MatVec(w, x, 10, 784, z);
        for (int k = 0; k < 10; k++)
        {
            z[k] += b[k];
        }

        float[] logp = new float[10];
        Fn.LogSoftmax(z, logp);
        return -logp[label];
    }
}
