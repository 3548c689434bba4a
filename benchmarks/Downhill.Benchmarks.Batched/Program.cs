using System.Diagnostics;
using System.Globalization;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Downhill;
using Downhill.Benchmarks.Batched;
using Downhill.Kernels;
using Downhill.Optimizers;

// Batched execution, issue 11, in one run: the machine's FMA peak and copy bandwidth, the matrix-product kernels,
// the MLP and logistic regression through the batch evaluator (and the MLP written by hand on the kernels), and
// a Fashion-MNIST softmax-regression training epoch. Usage: Downhill.Benchmarks.Batched [--quick] [data directory]
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
bool quick = args.Contains("--quick");
string directory = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) ?? "/usr/share/datasets/fashion-mnist";
var clock = Stopwatch.StartNew();
Console.WriteLine($"Downhill.Benchmarks.Batched: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}, " +
    $"kernels on {(MatrixProducts.VectorBits == 0 ? "scalar FMA" : $"{MatrixProducts.VectorBits}-bit vectors")} " +
    $"(AVX2 {Avx2.IsSupported}, FMA {Fma.IsSupported}, AVX-512 {Vector512.IsHardwareAccelerated}); medians of interleaved rounds");

// 1. The ceilings.
var fmaCases = new List<Case>();
foreach (int t in new[] { 1, 2 })
{
    fmaCases.Add(new Case($"FMA peak double, {t} thread(s)", () => Machine.FmaPeak<double>(t), Machine.FmaPeak<double>(t)));
    fmaCases.Add(new Case($"FMA peak float, {t} thread(s)", () => Machine.FmaPeak<float>(t), Machine.FmaPeak<float>(t)));
}

var source = new double[quick ? 1 << 22 : 1 << 24];
var target = new double[source.Length];
Array.Fill(source, 1.0);
var copyCases = new[] { 1, 2 }.Select(t => new Case($"copy {source.Length * 8 >> 20} MiB, {t} thread(s)", () => Machine.Copy(source, target, t), 2.0 * source.Length * sizeof(double))).ToList();
Timing.Interleave([.. fmaCases, .. copyCases], quick ? 2 : 7);
double Peak(string type, int threads) => fmaCases.Single(c => c.Name == $"FMA peak {type}, {threads} thread(s)").Rate;
double Copy(int threads) => copyCases[threads - 1].Rate;
Console.WriteLine();
Console.WriteLine("| ceiling | 1 thread | 2 threads |");
Console.WriteLine("|---|---:|---:|");
Console.WriteLine($"| FMA peak, double ({Machine.Lanes * 8}-bit), GFLOP/s | {Peak("double", 1) / 1e9:F1} | {Peak("double", 2) / 1e9:F1} |");
Console.WriteLine($"| FMA peak, float ({Machine.Lanes * 8}-bit), GFLOP/s | {Peak("float", 1) / 1e9:F1} | {Peak("float", 2) / 1e9:F1} |");
Console.WriteLine($"| copy bandwidth (bytes read + written), GB/s | {Copy(1) / 1e9:F1} | {Copy(2) / 1e9:F1} |");
source = target = [];

// 2. The kernels at the MLP's first layer, batch 1024.
using var doubles = new Workloads<double>(quick ? 2048 : 65536, seed: 1);
using var floats = new Workloads<float>(quick ? 2048 : 65536, seed: 1);
var kernelCases = new List<(string Type, int Threads, string Shape, Case Case)>();
foreach (int t in new[] { 1, 2 })
{
    kernelCases.AddRange(doubles.Kernels(1024, t).Select(k => ("double", t, k.Name, new Case($"{k.Name} double {t}", k.Run, k.Flops))));
    kernelCases.AddRange(floats.Kernels(1024, t).Select(k => ("float", t, k.Name, new Case($"{k.Name} float {t}", k.Run, k.Flops))));
}

Timing.Interleave([.. kernelCases.Select(k => k.Case)], quick ? 2 : 5);
Console.WriteLine();
Console.WriteLine("| kernel | type | 1 thread GFLOP/s (% of peak) | 2 threads GFLOP/s (% of peak) |");
Console.WriteLine("|---|---|---:|---:|");
foreach (var group in kernelCases.GroupBy(k => (k.Shape, k.Type)))
{
    string Cell(int t)
    {
        Case c = group.Single(k => k.Threads == t).Case;
        return $"{c.Rate / 1e9:F1} ({100 * c.Rate / Peak(group.Key.Type, t):F0}%)";
    }

    Console.WriteLine($"| {group.Key.Shape} | {group.Key.Type} | {Cell(1)} | {Cell(2)} |");
}

// 3. The models, generated (per example today) and hand-written on the kernels.
double agreeD = doubles.HandAgreement(64), agreeF = floats.HandAgreement(64);
Console.WriteLine();
Console.WriteLine($"hand-written MLP vs generated, 64 rows: largest relative difference {agreeD:E1} (double), {agreeF:E1} (float)");
if (!(agreeD < 1e-9 && agreeF < 1e-3))
{
    Console.Error.WriteLine("The hand-written MLP disagrees with the generated gradient; the figures below would compare different computations.");
    return 1;
}

Console.WriteLine();
Console.WriteLine("| batch | work | type | 1 thread | 2 threads |");
Console.WriteLine("|---:|---|---|---:|---:|");
foreach (int batch in quick ? [32, 1024] : new[] { 32, 1024, 65536 })
{
    var cases = new List<(string Work, string Type, int Threads, Case Case)>();
    foreach (int t in new[] { 1, 2 })
    {
        cases.Add(("MLP, generated", "double", t, new Case("", () => doubles.Mlp(batch, t), batch * Workloads<double>.MlpFlops)));
        cases.Add(("MLP, generated", "float", t, new Case("", () => floats.Mlp(batch, t), batch * Workloads<float>.MlpFlops)));
        cases.Add(("MLP, hand-written on the kernels", "double", t, new Case("", () => doubles.Hand(batch, t), batch * Workloads<double>.MlpFlops)));
        cases.Add(("MLP, hand-written on the kernels", "float", t, new Case("", () => floats.Hand(batch, t), batch * Workloads<float>.MlpFlops)));
        cases.Add(("logistic regression, generated", "double", t, new Case("", () => doubles.Logistic(batch, t), batch * Workloads<double>.LogisticFlops)));
        cases.Add(("logistic regression, generated", "float", t, new Case("", () => floats.Logistic(batch, t), batch * Workloads<float>.LogisticFlops)));
    }

    Timing.Interleave([.. cases.Select(c => c.Case)], quick ? 1 : batch >= 65536 ? 3 : batch >= 1024 ? 7 : 11, batch >= 65536 ? 0 : 0.05);
    foreach (var group in cases.GroupBy(c => (c.Work, c.Type)))
    {
        bool logistic = group.Key.Work.StartsWith("logistic", StringComparison.Ordinal);
        string Cell(int t)
        {
            Case c = group.Single(k => k.Threads == t).Case;
            string flops = $"{c.Rate / 1e9:F2} GFLOP/s ({100 * c.Rate / Peak(group.Key.Type, t):F1}% of peak)";
            if (!logistic)
            {
                return flops;
            }

            double bytes = (group.Key.Type == "double" ? Workloads<double>.LogisticBytes(batch) : Workloads<float>.LogisticBytes(batch)) / c.Median;
            return $"{flops}, {bytes / 1e9:F1} GB/s ({100 * bytes / Copy(t):F0}% of copy)";
        }

        Console.WriteLine($"| {batch} | {group.Key.Work} | {group.Key.Type} | {Cell(1)} | {Cell(2)} |");
    }
}

// 4. A training epoch of the Fashion-MNIST sample's softmax regression.
string images = Path.Combine(directory, "train-images-idx3-ubyte.gz"), labelFile = Path.Combine(directory, "train-labels-idx1-ubyte.gz");
if (File.Exists(images) && File.Exists(labelFile))
{
    float[,] x = Idx.ReadImages<float>(images);
    int[] y = Idx.ReadLabels(labelFile);
    // The descriptor's sums (lane code where it runs) and its per-example loops, interleaved in one run.
    (string Name, ILossModel<float> Model)[] epochModels = [("lane sums", FashionMnist.Models.SoftmaxLoss.Instance), ("per example", FashionMnist.Models.SoftmaxLoss.PerExample)];
    var epochCases = new List<Case>();
    var disposables = new List<IDisposable>();
    foreach (var (modelName, model) in epochModels)
    foreach (int t in new[] { 1, 2 })
    {
        var data = new Dataset([x, y], batchSize: 128, seed: 1);
        data.Bind<float>(model.Schema);
        var evaluator = new BatchEvaluator<float>(model, [FashionMnist.Models.Classes * FashionMnist.Models.Pixels, FashionMnist.Models.Classes], t);
        disposables.Add(evaluator);
        float[][] p = [new float[FashionMnist.Models.Classes * FashionMnist.Models.Pixels], new float[FashionMnist.Models.Classes]];
        float[][] g = [new float[p[0].Length], new float[p[1].Length]];
        Optimizer adam = Optimizer.Create(Algo.Adam, new TrainingOptions { LearningRate = 0.003 });
        epochCases.Add(new Case($"{modelName}, {t}", () =>
        {
            for (int b = 0; b < data.BatchCount; b++)
            {
                DataBatch batch = data.NextBatch();
                evaluator.LossAndGradient(p, [], batch, g);
                adam.Step(p, g);
            }
        }, y.Length));
    }

    epochCases.ForEach(c => c.Run());
    Timing.Interleave(epochCases, quick ? 1 : 3, 0);
    Console.WriteLine();
    Console.WriteLine($"Fashion-MNIST softmax regression, one training epoch ({y.Length} images, batch 128, Adam): " +
        $"lane sums: 1 thread {epochCases[0].Median:F2} s, 2 threads {epochCases[1].Median:F2} s; " +
        $"per example: 1 thread {epochCases[2].Median:F2} s, 2 threads {epochCases[3].Median:F2} s; " +
        $"per example / lane sums, 1 thread: {epochCases[2].Median / epochCases[0].Median:F2}");
    disposables.ForEach(d => d.Dispose());
}
else
{
    Console.WriteLine($"Fashion-MNIST is not installed in {directory} (apt-get install dataset-fashion-mnist): no epoch time.");
}

Console.WriteLine($"(whole run {clock.Elapsed.TotalSeconds:F0} s)");
return 0;
