using System.Diagnostics;
using System.Globalization;
using Downhill;
using Downhill.Hypergradients;
using Hypergradients;

// Exact hypergradients by reversible learning (Maclaurin, Duvenaud & Adams, ICML 2015): the paper's toy, a learned
// per-layer learning-rate schedule for a small MLP on Fashion-MNIST, and ten learned training images.
// Usage: Hypergradients [Fashion-MNIST directory] [output directory]
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
string directory = args.Length > 0 ? args[0] : "/usr/share/datasets/fashion-mnist";
string outputs = args.Length > 1 ? args[1] : ".";

// 1. The toy of the paper's Figure 1: 50 steps from (1.4, 3.9) with α = e^-4.5 and β = 0.99.
const int ToySteps = 50;
double[] alphas = [.. Enumerable.Repeat(Math.Exp(-4.5), ToySteps)];
double[] betas = [.. Enumerable.Repeat(0.99, ToySteps)];
var toy = Models.ToyLoss.Hypergradient(init: new() { w = [1.4, 3.9] }, learningRates: alphas, momenta: betas);
Console.WriteLine($"Toy: loss at θ_T {toy.Loss:F4}, θ_T = ({toy.Params.w[0]:F4}, {toy.Params.w[1]:F4}), {toy.BufferBits:F0} bits kept");
Console.WriteLine($"  ∂loss/∂θ0 = ({toy.Init.w[0]:G5}, {toy.Init.w[1]:G5}), ∂loss/∂v0 = ({toy.InitVelocity.w[0]:G5}, {toy.InitVelocity.w[1]:G5})");
Console.WriteLine($"  ∂loss/∂α_t for t = 0, 10, 20, 30, 40, 49: {string.Join(", ", new[] { 0, 10, 20, 30, 40, 49 }.Select(t => toy.LearningRates[t].ToString("G5")))}");
Console.WriteLine($"  ∂loss/∂β_t for t = 0, 10, 20, 30, 40, 49: {string.Join(", ", new[] { 0, 10, 20, 30, 40, 49 }.Select(t => toy.Momenta[t].ToString("G5")))}");

// Three meta steps as the paper's code: SGD with step 0.01 and mass 0.9 on log α_t and logit β_t, v0 left alone.
// Its velocity is v ← 0.9·v − (1 − 0.9)·g, x ← x + 0.01·v: the runtime's SGD with momentum 0.9 and rate 0.01·(1 − 0.9).
var meta = MetaOptimization.Optimize(Models.ToyLoss.Instance, [], null, [[1.4, 3.9]], null,
    ReversibleLearning.Broadcast(alphas, 1, "alphas"), ReversibleLearning.Broadcast(betas, 1, "betas"), null, null,
    new MetaOptions { MetaSteps = 3, Algo = Algo.Sgd, LearningRate = 0.01 * (1 - 0.9), Momentum = 0.9 });
Console.WriteLine($"  three meta steps: training loss at θ_T before each {string.Join(" → ", meta.Losses.Take(3).Select(l => l.ToString("F1")))} (the paper's code: 395.3 → 356.6 → 356.3), after the third {meta.Losses[3]:F1}");

string[] files = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"];
if (files.Any(f => !File.Exists(Path.Combine(directory, f))))
{
    Console.Error.WriteLine($"Fashion-MNIST is not installed in {directory}: skipping the MLP schedule and the learned images.");
    Console.Error.WriteLine("Install it with: sudo apt-get update && sudo apt-get install -y dataset-fashion-mnist");
    return 0;
}

double[,] images = Idx.ReadImages<double>(Path.Combine(directory, files[0]));
int[] labels = Idx.ReadLabels(Path.Combine(directory, files[1]));
Directory.CreateDirectory(outputs);
LearnedSchedule.Run(images, labels, outputs);
LearnedImages.Run(images, labels, outputs);
return 0;
