using System.Diagnostics;
using Downhill.Hypergradients;
using ScottPlot;

namespace Hypergradients;

/// <summary>
/// Ten learned training images (the paper's section 3.3): softmax regression trained for 20 steps (α = 1, β = 0.9) on
/// ten fake examples, one per label, drawn from N(0, 0.01²); the pixels are the hyperparameters, stepped by Adam down
/// the gradient of the loss on 1,000 real images after training. Each learned image is saved as a PNG.
/// </summary>
internal static class LearnedImages
{
    private const int Steps = 20;

    public static void Run(double[,] images, int[] labels, string outputs)
    {
        var (validX, validY) = Sets.Rows(images, labels, 10_000, 1000);
        var random = new Random(2);
        var fake = new double[Models.Classes, Models.Pixels];
        for (int r = 0; r < Models.Classes; r++)
        {
            for (int k = 0; k < Models.Pixels; k++)
            {
                fake[r, k] = 0.01 * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            }
        }

        int[] fakeLabels = [.. Enumerable.Range(0, Models.Classes)];
        double[,] alpha = ReversibleLearning.Broadcast([.. Enumerable.Repeat(1.0, Steps)], 2, "alpha");
        double[,] beta = ReversibleLearning.Broadcast([.. Enumerable.Repeat(0.9, Steps)], 2, "beta");
        var clock = Stopwatch.StartNew();
        var result = MetaOptimization.Optimize(Models.SoftmaxLoss.Instance, [fake, fakeLabels], [validX, validY],
            [new double[Models.Classes * Models.Pixels], new double[Models.Classes]], null, alpha, beta, null, null,
            new MetaOptions { MetaSteps = 10, LearningRate = 0.02, LearnLearningRates = false, LearnMomenta = false, LearnTrainData = true, Run = new HypergradientOptions { BatchSize = 10 } });
        Console.WriteLine($"Softmax regression trained on 10 learned images: loss on 1,000 real images {string.Join(" → ", result.Losses.Select(l => l.ToString("F4")))} ({clock.Elapsed.TotalSeconds:F1} s)");

        var learned = (double[,])result.TrainData[0];
        for (int c = 0; c < Models.Classes; c++)
        {
            double[,] pixels = new double[28, 28];
            for (int k = 0; k < Models.Pixels; k++)
            {
                // Row 0 at the top of the image.
                pixels[k / 28, k % 28] = learned[c, k];
            }

            var plot = new Plot();
            var map = plot.Add.Heatmap(pixels);
            map.Colormap = new ScottPlot.Colormaps.Grayscale();
            plot.Axes.Frameless();
            plot.HideGrid();
            string path = Path.Combine(outputs, $"learned-image-{c}.png");
            plot.SavePng(path, 280, 280);
        }

        Console.WriteLine($"  learned images saved as {Path.Combine(outputs, "learned-image-*.png")}");
    }
}
