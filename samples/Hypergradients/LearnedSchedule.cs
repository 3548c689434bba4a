using System.Diagnostics;
using Downhill;
using Downhill.Hypergradients;
using ScottPlot;

namespace Hypergradients;

/// <summary>
/// A learning-rate and momentum schedule per step and per layer for a small MLP (the paper's section 3.1, scaled
/// down): 500 training images, batch 50, 30 steps, 6 meta steps of Adam on log α and logit β; the objective is
/// the training loss at θ_T, as in the paper.
/// </summary>
internal static class LearnedSchedule
{
    private const int Examples = 500;
    private const int Steps = 30;

    public static void Run(double[,] images, int[] labels, string outputs)
    {
        var (x, y) = Sets.Rows(images, labels, 0, Examples);
        var random = new Random(1);
        double[] Init(int n, double scale) => [.. Enumerable.Range(0, n).Select(_ => scale * (random.NextDouble() - 0.5) * 2)];
        double[][] init = [Init(Models.Hidden * Models.Pixels, 1 / Math.Sqrt(Models.Pixels)), new double[Models.Hidden], Init(Models.Classes * Models.Hidden, 1 / Math.Sqrt(Models.Hidden)), new double[Models.Classes]];
        double[,] alpha = new double[Steps, 4];
        double[,] beta = new double[Steps, 4];
        for (int t = 0; t < Steps; t++)
        {
            for (int p = 0; p < 4; p++)
            {
                alpha[t, p] = Math.Exp(-1);
                beta[t, p] = 0.5;
            }
        }

        var clock = Stopwatch.StartNew();
        var result = MetaOptimization.Optimize(Models.MlpLoss.Instance, [x, y], null, init, null, alpha, beta, null, null,
            new MetaOptions { MetaSteps = 6, Algo = Algo.Adam, LearningRate = 0.04, Run = new HypergradientOptions { BatchSize = 50, Seed = 1 } });
        Console.WriteLine($"MLP 784 → {Models.Hidden} → 10, {Examples} images, {Steps} steps: training loss at θ_T {string.Join(" → ", result.Losses.Select(l => l.ToString("F4")))} ({clock.Elapsed.TotalSeconds:F1} s)");

        string[] names = ["layer 1 weights", "layer 1 biases", "layer 2 weights", "layer 2 biases"];
        var plot = new Plot();
        double[] steps = [.. Enumerable.Range(0, Steps).Select(t => (double)t)];
        for (int p = 0; p < 4; p++)
        {
            var line = plot.Add.Scatter(steps, [.. Enumerable.Range(0, Steps).Select(t => result.LearningRates[t, p])]);
            line.LegendText = names[p];
        }

        plot.Title("Learned learning-rate schedule per layer (reversible learning)");
        plot.XLabel("step");
        plot.YLabel("α");
        plot.ShowLegend();
        string path = Path.Combine(outputs, "learning-rate-schedule.png");
        plot.SavePng(path, 900, 600);
        Console.WriteLine($"  schedule plotted in {path}");
    }
}

/// <summary>Rows of the IDX arrays as the losses read them.</summary>
internal static class Sets
{
    public static (double[,] X, int[] Y) Rows(double[,] images, int[] labels, int first, int count)
    {
        int width = images.GetLength(1);
        var x = new double[count, width];
        for (int r = 0; r < count; r++)
        {
            for (int k = 0; k < width; k++)
            {
                x[r, k] = images[first + r, k];
            }
        }

        return (x, labels[first..(first + count)]);
    }
}
