using Xunit.Abstractions;

namespace Downhill.EndToEnd.Tests;

/// <summary>
/// Losses written with Fn's span functions, trained as users train them and checked against computations that do not
/// use the library: a Gaussian process's marginal likelihood against a hand-written one (Gauss–Jordan inverse and
/// determinant) and its closed-form gradient, a softmax classifier against the loop-written one of the Fashion-MNIST test.
/// </summary>
public class StandardLibraryTests(ITestOutputHelper output)
{
    private static (double[] X, double[] Y) GaussianProcessData()
    {
        var r = new Random(7);
        const int N = 20;
        var x = new double[N];
        var y = new double[N];
        for (int i = 0; i < N; i++)
        {
            x[i] = 5 * r.NextDouble();
            double noise = Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());
            y[i] = Math.Sin(2 * x[i]) + (0.1 * noise);
        }

        return (x, y);
    }

    /// <summary>The kernel matrix K and ∂K/∂logLength, ∂K/∂logNoise, written out.</summary>
    private static (double[,] K, double[,] DLength, double[,] DNoise) Kernel(double logLength, double logNoise, double[] x)
    {
        int n = x.Length;
        double l2 = Math.Exp(2 * logLength), noise = Math.Exp(2 * logNoise);
        var k = new double[n, n];
        var dl = new double[n, n];
        var dn = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double d2 = (x[i] - x[j]) * (x[i] - x[j]);
                double e = Math.Exp(-0.5 * d2 / l2);
                k[i, j] = e + (i == j ? noise : 0);
                dl[i, j] = e * d2 / l2;
                dn[i, j] = i == j ? 2 * noise : 0;
            }
        }

        return (k, dl, dn);
    }

    /// <summary>K⁻¹ and log det K by Gauss–Jordan elimination with partial pivoting, independent of Fn.</summary>
    private static (double[,] Inverse, double LogDet) InvertAndLogDet(double[,] k)
    {
        int n = k.GetLength(0);
        var a = (double[,])k.Clone();
        var inv = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            inv[i, i] = 1;
        }

        double logDet = 0;
        for (int c = 0; c < n; c++)
        {
            int p = c;
            for (int i = c + 1; i < n; i++)
            {
                if (Math.Abs(a[i, c]) > Math.Abs(a[p, c]))
                {
                    p = i;
                }
            }

            for (int j = 0; j < n; j++)
            {
                (a[c, j], a[p, j]) = (a[p, j], a[c, j]);
                (inv[c, j], inv[p, j]) = (inv[p, j], inv[c, j]);
            }

            double d = a[c, c];
            logDet += Math.Log(Math.Abs(d));
            for (int j = 0; j < n; j++)
            {
                a[c, j] /= d;
                inv[c, j] /= d;
            }

            for (int i = 0; i < n; i++)
            {
                if (i != c)
                {
                    double f = a[i, c];
                    for (int j = 0; j < n; j++)
                    {
                        a[i, j] -= f * a[c, j];
                        inv[i, j] -= f * inv[c, j];
                    }
                }
            }
        }

        return (inv, logDet);
    }

    /// <summary>
    /// The negative log marginal likelihood and its gradient in closed form (Rasmussen and Williams, eq. 5.9):
    /// ∂/∂θ = ½ tr((K⁻¹ - α αᵀ) ∂K/∂θ) with α = K⁻¹ y.
    /// </summary>
    private static (double Value, double DLength, double DNoise) Reference(double logLength, double logNoise, double[] x, double[] y)
    {
        int n = x.Length;
        var (k, dl, dn) = Kernel(logLength, logNoise, x);
        var (inv, logDet) = InvertAndLogDet(k);
        var alpha = new double[n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                alpha[i] += inv[i, j] * y[j];
            }
        }

        double quadratic = 0, gl = 0, gn = 0;
        for (int i = 0; i < n; i++)
        {
            quadratic += y[i] * alpha[i];
            for (int j = 0; j < n; j++)
            {
                double m = inv[j, i] - (alpha[j] * alpha[i]);
                gl += 0.5 * m * dl[i, j];
                gn += 0.5 * m * dn[i, j];
            }
        }

        return ((0.5 * quadratic) + (0.5 * logDet) + (0.5 * n * Math.Log(2 * Math.PI)), gl, gn);
    }

    [Fact]
    public void GaussianProcessLearnsLengthScaleAndNoiseAtTheMinimumOfAnIndependentComputation()
    {
        var (x, y) = GaussianProcessData();
        int n = x.Length;
        var xs = new double[1, n];
        var ys = new double[1, n];
        for (int i = 0; i < n; i++)
        {
            (xs[0, i], ys[0, i]) = (x[i], y[i]);
        }

        // The whole data set is one row: full-batch Adam on (log ℓ, log σ).
        var fit = Losses.GaussianProcessNllLoss.Minimize(
            train: (xs, ys), init: new() { logLength = 0, logNoise = -1 },
            algo: Algo.Adam, learningRate: 0.01, batchSize: 1, maxUpdates: 2000, patience: 100000, validateEvery: 100000, seed: 1);
        double logLength = fit.Params.logLength, logNoise = fit.Params.logNoise;
        var reference = Reference(logLength, logNoise, x, y);
        output.WriteLine($"length scale {Math.Exp(logLength):F4}, noise {Math.Exp(logNoise):F4}, NLL {reference.Value:F6}, gradient ({reference.DLength:E2}, {reference.DNoise:E2})");

        // The loss, the generated gradient and the general-solver variant agree with the hand-written computation.
        Assert.Equal(reference.Value, Losses.GaussianProcessNll(logLength, logNoise, x, y), 9);
        double dLength = 0, dNoise = 0;
        double value = Losses.GaussianProcessNllGradient(logLength, logNoise, x, y, ref dLength, ref dNoise);
        Assert.Equal(reference.Value, value, 9);
        Assert.Equal(reference.DLength, dLength, 9);
        Assert.Equal(reference.DNoise, dNoise, 9);
        double bySolveLength = 0, bySolveNoise = 0;
        Assert.Equal(reference.Value, Losses.GaussianProcessNllBySolveGradient(logLength, logNoise, x, y, ref bySolveLength, ref bySolveNoise), 9);
        Assert.Equal(reference.DLength, bySolveLength, 9);
        Assert.Equal(reference.DNoise, bySolveNoise, 9);

        // The fit is the minimum: the closed-form gradient vanishes there, and no point of a fine grid around it is lower.
        Assert.True(Math.Abs(reference.DLength) < 1e-2 && Math.Abs(reference.DNoise) < 1e-2, $"gradient ({reference.DLength}, {reference.DNoise})");
        double best = double.PositiveInfinity;
        for (int a = -20; a <= 20; a++)
        {
            for (int b = -20; b <= 20; b++)
            {
                best = Math.Min(best, Reference(logLength + (0.01 * a), logNoise + (0.01 * b), x, y).Value);
            }
        }

        Assert.True(reference.Value <= best + 1e-6, $"fit {reference.Value} > grid minimum {best}");
        Assert.InRange(Math.Exp(logNoise), 0.03, 0.3);
    }

    [Fact]
    public void SoftmaxClassifierByMatVecAndLogSoftmaxTrainsAsTheLoopWrittenOne()
    {
        const string Directory = "/usr/share/datasets/fashion-mnist";
        Assert.True(System.IO.Directory.Exists(Directory), $"Fashion-MNIST is not installed: {Directory} is missing. Install it with: sudo apt-get install -y dataset-fashion-mnist");
        float[,] images = Idx.ReadImages<float>(Path.Combine(Directory, "t10k-images-idx3-ubyte.gz"));
        int[] labels = Idx.ReadLabels(Path.Combine(Directory, "t10k-labels-idx1-ubyte.gz"));
        const int Fit = 6000, Valid = 2000;
        var (fitX, fitY) = Rows(images, labels, 0, Fit);
        var (validX, validY) = Rows(images, labels, Fit, Valid);

        // The gradients of one example agree, at the start and at a random point.
        var r = new Random(3);
        var w = new float[7840];
        var b = new float[10];
        var x = new float[784];
        for (int i = 0; i < 784; i++)
        {
            x[i] = fitX[5, i];
        }

        for (int trial = 0; trial < 2; trial++)
        {
            var (dw1, db1, dw2, db2) = (new float[7840], new float[10], new float[7840], new float[10]);
            float loop = Losses.SoftmaxGradient(w, b, x, fitY[5], dw1, db1);
            float library = Losses.SoftmaxByLibraryGradient(w, b, x, fitY[5], dw2, db2);
            Assert.Equal(loop, library, 1e-5);
            Assert.Equal(dw1, dw2, (p, q) => Math.Abs(p - q) < 1e-5);
            Assert.Equal(db1, db2, (p, q) => Math.Abs(p - q) < 1e-5);
            for (int i = 0; i < w.Length; i++)
            {
                w[i] = (float)(0.01 * (r.NextDouble() - 0.5));
            }
        }

        var byLoops = Losses.SoftmaxLoss.Minimize(
            train: (fitX, fitY), valid: (validX, validY), init: new() { w = new float[7840], b = new float[10] },
            algo: Algo.Adam, learningRate: 0.003, batchSize: 200, maxUpdates: 3, validateEvery: 3, patience: 5, seed: 1);
        var byLibrary = Losses.SoftmaxByLibraryLoss.Minimize(
            train: (fitX, fitY), valid: (validX, validY), init: new() { w = new float[7840], b = new float[10] },
            algo: Algo.Adam, learningRate: 0.003, batchSize: 200, maxUpdates: 3, validateEvery: 3, patience: 5, seed: 1);
        output.WriteLine($"valid loss: loops {byLoops.Valid.Loss:F5}, library {byLibrary.Valid.Loss:F5}");
        Assert.Equal(byLoops.Valid.Loss, byLibrary.Valid.Loss, 1e-3);
        Assert.Equal(byLoops.Params.w, byLibrary.Params.w, (p, q) => Math.Abs(p - q) < 1e-3);
        Assert.True(byLibrary.Valid.Loss < 0.75, $"valid loss {byLibrary.Valid.Loss}");
    }

    private static (float[,] X, int[] Y) Rows(float[,] x, int[] y, int start, int count)
    {
        int width = x.GetLength(1);
        var rx = new float[count, width];
        Buffer.BlockCopy(x, start * width * sizeof(float), rx, 0, count * width * sizeof(float));
        return (rx, y[start..(start + count)]);
    }
}
