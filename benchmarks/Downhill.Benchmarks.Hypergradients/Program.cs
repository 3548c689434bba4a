using System.Globalization;
using Downhill.Benchmarks.Hypergradients;
using Downhill.Hypergradients;

// One run per decay, every figure a ratio measured in that run: the information buffer's bits per parameter per
// step against log2(1/β) (and the exact rational's log2(d/n)), the bytes it holds against storing θ and v in float64
// every step, and the reverse run's time over the forward run's (median of five runs).
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
const int Rows = 2000;
const int Steps = 200;
var random = new Random(1);
var x = new double[Rows, 64];
var labels = new int[Rows];
for (int r = 0; r < Rows; r++)
{
    for (int k = 0; k < 64; k++)
    {
        x[r, k] = random.NextDouble() - 0.5;
    }

    labels[r] = random.Next(10);
}

double[] Init(int n, double scale) => [.. Enumerable.Range(0, n).Select(_ => scale * (random.NextDouble() - 0.5))];
var init = new Losses.MlpLoss.Params { w1 = Init(32 * 64, 0.25), b1 = new double[32], w2 = Init(10 * 32, 0.35), b2 = new double[10] };
int elements = init.ToArrays().Sum(a => a.Length);
Console.WriteLine($"MLP 64-32-10, {elements} parameters, {Rows} rows, batch 100, {Steps} steps, {Environment.ProcessorCount} threads");
Console.WriteLine("| β | bits/param/step | log2(1/β) | log2(d/n) | ratio to log2(d/n) | buffer bytes | float64 trajectory bytes | trajectory / buffer | reverse / forward |");
Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
Losses.MlpLoss.Hypergradient((x, labels), init: init, learningRates: [0.1], momenta: [0.9], hypers: new() { lambda = 1e-4 }, batchSize: 100, seed: 1);
foreach (double beta in new[] { 0.5, 0.9, 0.99 })
{
    var h = Losses.MlpLoss.Hypergradient((x, labels), init: init,
        learningRates: [.. Enumerable.Repeat(0.1, Steps)], momenta: [.. Enumerable.Repeat(beta, Steps)],
        hypers: new() { lambda = 1e-4 }, batchSize: 100, seed: 1);
    // The host is shared and noisy: the median of five runs' reverse/forward ratios.
    double ratio = Enumerable.Range(0, 5).Select(_ =>
    {
        ReversedRun<double> timing = ReversibleLearning.Run(Losses.MlpLoss.Instance, [x, labels], null, init.ToArrays(), null,
            ReversibleLearning.Broadcast([.. Enumerable.Repeat(0.1, Steps)], 4, "a"), ReversibleLearning.Broadcast([.. Enumerable.Repeat(beta, Steps)], 4, "b"),
            [1e-4], null, new HypergradientOptions { BatchSize = 100, Seed = 1 });
        return timing.ReverseTime / timing.ForwardTime;
    }).Order().ElementAt(2);
    double perStep = h.BufferBits / elements / Steps;
    double ideal = Math.Log2(1 / beta);
    double exact = Math.Log2(ExactDecay.Denominator / (double)ExactDecay.FromBeta(beta).Numerator);
    long trajectory = 16L * elements * Steps;
    Console.WriteLine($"| {beta} | {perStep:F4} | {ideal:F4} | {exact:F4} | {perStep / exact:F3} | {h.BufferBytes:N0} | {trajectory:N0} | {(double)trajectory / h.BufferBytes:F1} | {ratio:F2} |");
}
