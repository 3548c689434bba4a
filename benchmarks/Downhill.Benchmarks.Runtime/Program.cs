using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using Downhill;
using Downhill.Benchmarks.Runtime;
using Downhill.Optimizers;

if (args.Contains("--ratios"))
{
    Ratios.Run();
}
else
{
    BenchmarkSwitcher.FromAssembly(typeof(OptimizerBenchmarks).Assembly).Run(args);
}

namespace Downhill.Benchmarks.Runtime
{
    /// <summary>Micro benchmarks: an Adam step on 10^7 float parameters vs a memory copy of the same bytes.</summary>
    [MemoryDiagnoser]
    public class OptimizerBenchmarks
    {
        private const int N = 10_000_000;
        private readonly float[][] parameters = [new float[N]];
        private readonly float[][] gradients = [new float[N]];
        private readonly float[] copy = new float[N];
        private readonly Optimizer adam = Optimizer.Create(Algo.Adam, new TrainingOptions());

        /// <summary>An Adam step (the gradient array is refilled by the step itself, so the work stays the same).</summary>
        [Benchmark]
        public void AdamStep() => adam.Step(parameters, gradients);

        /// <summary>Copies the parameters' bytes once.</summary>
        [Benchmark(Baseline = true)]
        public void MemoryCopy() => parameters[0].AsSpan().CopyTo(copy);
    }

    /// <summary>Micro benchmarks: loss and gradient of a 4096-row batch with 1 and 2 threads.</summary>
    [MemoryDiagnoser]
    public class EvaluatorBenchmarks
    {
        private readonly ILossModel<float> model = DenseRegression.DenseLoss.Instance;
        private readonly float[][] w = [new float[DenseRegression.Features]];
        private readonly float[][] g = [new float[DenseRegression.Features]];
        private BatchEvaluator<float>? evaluator;
        private DataBatch batch;

        /// <summary>Threads used by the evaluator.</summary>
        [Params(1, 2)]
        public int Threads { get; set; }

        /// <summary>Builds the batch and the evaluator.</summary>
        [GlobalSetup]
        public void Setup()
        {
            var ds = new Dataset(DenseRegression.Data(4096), batchSize: 4096);
            ds.Bind<float>(model.Schema);
            batch = ds.NextBatch();
            evaluator = new BatchEvaluator<float>(model, [DenseRegression.Features], Threads);
        }

        /// <summary>Stops the evaluator's threads.</summary>
        [GlobalCleanup]
        public void Cleanup() => evaluator?.Dispose();

        /// <summary>Loss and gradient of the batch.</summary>
        [Benchmark]
        public double LossAndGradient() => evaluator!.LossAndGradient(w, [], batch, g);
    }

    /// <summary>The console harness: every figure as a ratio, in one run.</summary>
    internal static class Ratios
    {
        public static void Run()
        {
            Console.WriteLine(FormattableString.Invariant($"Downhill runtime ratios ({Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription})"));

            // 1. Adam on 10^7 float parameters vs copying the same 40 MB.
            const int n = 10_000_000;
            float[][] p = [new float[n]];
            float[][] g = [new float[n]];
            var copy = new float[n];
            Optimizer adam = Optimizer.Create(Algo.Adam, new TrainingOptions());
            double adamMs = Best(() => adam.Step(p, g), 20);
            double copyMs = Best(() => p[0].AsSpan().CopyTo(copy), 20);
            Console.WriteLine(FormattableString.Invariant($"adam step, 1e7 float params : {adamMs,8:F2} ms; memory copy of the same 40 MB: {copyMs:F2} ms; ratio {adamMs / copyMs:F2}x"));

            // 2. Batch loss + gradient, 2 threads vs 1.
            ILossModel<float> model = DenseRegression.DenseLoss.Instance;
            var ds = new Dataset(DenseRegression.Data(65536), batchSize: 65536);
            ds.Bind<float>(model.Schema);
            DataBatch batch = ds.NextBatch();
            float[][] w = [new float[DenseRegression.Features]];
            float[][] grad = [new float[DenseRegression.Features]];
            double one, two;
            using (var e1 = new BatchEvaluator<float>(model, [DenseRegression.Features], 1))
            {
                one = Best(() => e1.LossAndGradient(w, [], batch, grad), 30);
            }

            using (var e2 = new BatchEvaluator<float>(model, [DenseRegression.Features], 2))
            {
                two = Best(() => e2.LossAndGradient(w, [], batch, grad), 30);
            }

            Console.WriteLine(FormattableString.Invariant($"loss+gradient, 65536x64 batch: 1 thread {one:F3} ms ({65536 / one / 1000:F1} Mrows/s), 2 threads {two:F3} ms; speed-up {one / two:F2}x"));

            // 3. Allocations per training step (batch, loss+gradient on 2 threads, optimizer step) once warm.
            foreach (Algo algo in new[] { Algo.Adam, Algo.RmsProp, Algo.Sgd })
            {
                var train = new Dataset(DenseRegression.Data(4096), batchSize: 256);
                train.Bind<float>(model.Schema);
                var opt = Optimizer.Create(algo, new TrainingOptions { Momentum = 0.5 });
                using var ev = new BatchEvaluator<float>(model, [DenseRegression.Features], 2);
                void Step()
                {
                    DataBatch b = train.NextBatch();
                    ev.LossAndGradient(w, [], b, grad);
                    opt.Step(w, grad);
                }

                for (int i = 0; i < 2_000; i++)
                {
                    Step();
                }

                const int steps = 20_000;
                long thread0 = GC.GetAllocatedBytesForCurrentThread();
                long total0 = GC.GetTotalAllocatedBytes(precise: true);
                for (int i = 0; i < steps; i++)
                {
                    Step();
                }

                long thread = GC.GetAllocatedBytesForCurrentThread() - thread0;
                long total = GC.GetTotalAllocatedBytes(precise: true) - total0;
                Console.WriteLine(FormattableString.Invariant($"allocations per step ({algo}, 2 threads, after 2000 warm-up steps): calling thread {(double)thread / steps:F4} B, whole process {(double)total / steps:F4} B ({total} B in all over {steps} steps)"));
            }
        }

        private static double Best(Action action, int repeats)
        {
            action();
            double best = double.MaxValue;
            for (int i = 0; i < repeats; i++)
            {
                long t0 = Stopwatch.GetTimestamp();
                action();
                best = Math.Min(best, Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            }

            return best;
        }
    }
}
