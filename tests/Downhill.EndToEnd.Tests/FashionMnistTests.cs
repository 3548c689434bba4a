using System.Diagnostics;
using Xunit.Abstractions;

namespace Downhill.EndToEnd.Tests;

public class FashionMnistTests(ITestOutputHelper output)
{
    /// <summary>Where Debian's dataset-fashion-mnist package installs the IDX files.</summary>
    private const string Directory = "/usr/share/datasets/fashion-mnist";

    private static string FileOf(string name)
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            Assert.Fail($"Fashion-MNIST is not installed: {Directory} is missing. Install it with: sudo apt-get install -y dataset-fashion-mnist");
        }

        string path = Path.Combine(Directory, name);
        Assert.True(File.Exists(path), $"{path} is missing; reinstall it with: sudo apt-get install --reinstall -y dataset-fashion-mnist");
        return path;
    }

    [Fact]
    public void Softmax_regression_reaches_83_percent_test_accuracy()
    {
        float[,] trainX = Idx.ReadImages<float>(FileOf("train-images-idx3-ubyte.gz"));
        int[] trainY = Idx.ReadLabels(FileOf("train-labels-idx1-ubyte.gz"));
        float[,] testX = Idx.ReadImages<float>(FileOf("t10k-images-idx3-ubyte.gz"));
        int[] testY = Idx.ReadLabels(FileOf("t10k-labels-idx1-ubyte.gz"));
        Assert.Equal(60000, trainY.Length);
        Assert.Equal(10000, testY.Length);
        Assert.Equal(784, trainX.GetLength(1));

        // The last 5,000 training images validate; the test set is only scored at the end. Four epochs of Adam with
        // batches of 200 take about 15 s in Release on 2 cores (validation only before the first epoch and at the end).
        const int Fit = 55000;
        var (fitX, fitY) = Rows(trainX, trainY, 0, Fit);
        var (validX, validY) = Rows(trainX, trainY, Fit, trainY.Length - Fit);

        var clock = Stopwatch.StartNew();
        var fit = Losses.SoftmaxLoss.Minimize(
            train: (fitX, fitY), valid: (validX, validY),
            init: new() { w = new float[10 * 784], b = new float[10] },
            algo: Algo.Adam, learningRate: 0.003, batchSize: 200, maxUpdates: 4, validateEvery: 10, patience: 2, seed: 1);
        clock.Stop();

        double accuracy = Accuracy(fit.Params.w, fit.Params.b, testX, testY);
        output.WriteLine($"{fit.Epochs} epochs ({fit.StopReason}) in {clock.Elapsed.TotalSeconds:F1} s: valid loss {fit.Valid.Loss:F4}, test accuracy {accuracy:P2}");
        Assert.True(accuracy >= 0.83, $"test accuracy {accuracy:P2} < 83%");
    }

    private static (float[,] X, int[] Y) Rows(float[,] x, int[] y, int start, int count)
    {
        int width = x.GetLength(1);
        var rx = new float[count, width];
        Buffer.BlockCopy(x, start * width * sizeof(float), rx, 0, count * width * sizeof(float));
        return (rx, y[start..(start + count)]);
    }

    private static double Accuracy(float[] w, float[] b, float[,] x, int[] y)
    {
        int width = x.GetLength(1), correct = 0;
        for (int r = 0; r < y.Length; r++)
        {
            int best = 0;
            float bestScore = float.NegativeInfinity;
            for (int k = 0; k < b.Length; k++)
            {
                float s = b[k];
                for (int i = 0; i < width; i++)
                {
                    s += w[k * width + i] * x[r, i];
                }

                if (s > bestScore)
                {
                    bestScore = s;
                    best = k;
                }
            }

            correct += best == y[r] ? 1 : 0;
        }

        return (double)correct / y.Length;
    }
}
