using System.Diagnostics;

namespace Downhill.Cuda.GpuProgram;

/// <summary>A whole training run with <c>device: Device.Cuda</c> against the CPU's, and the benchmark of a wide regression's gradient.</summary>
internal static class TrainingChecks
{
    public static void Run(CudaDevice device, Report report)
    {
        report.Check("training the guide's line on the GPU matches the CPU", () =>
        {
            var random = new Random(42);
            double[] x = [.. Enumerable.Range(0, 4000).Select(_ => 5 + (30 * random.NextDouble()))];
            double[] y = [.. x.Select(v => (0.3 * v) + 20 + (random.NextDouble() - 0.5))];
            var gpu = Losses.LineLoss.Minimize(train: (x[..3000], y[..3000]), valid: (x[3000..], y[3000..]), init: new() { m = 1, b = 0 },
                algo: Algo.RmsProp, learningRate: 0.03, batchSize: 32, validateEvery: 1, patience: 5, device: Device.Cuda);
            var cpu = Losses.LineLoss.Minimize(train: (x[..3000], y[..3000]), valid: (x[3000..], y[3000..]), init: new() { m = 1, b = 0 },
                algo: Algo.RmsProp, learningRate: 0.03, batchSize: 32, validateEvery: 1, patience: 5, device: Device.Cpu);
            report.Figure($"line: GPU m={gpu.Params.m:F6} b={gpu.Params.b:F6} valid {gpu.Valid.Loss:F6} in {gpu.Epochs} epochs; CPU m={cpu.Params.m:F6} b={cpu.Params.b:F6} valid {cpu.Valid.Loss:F6} in {cpu.Epochs} epochs");
            return Math.Abs(gpu.Params.m - 0.3) < 0.01 && Math.Abs(gpu.Valid.Loss - cpu.Valid.Loss) < 0.05 * cpu.Valid.Loss
                ? null
                : "the GPU run did not fit the line as the CPU run did";
        });

        report.Check("benchmark: wide regression gradient, GPU and CPU", () =>
        {
            const int rows = 1 << 18, width = 64;
            var random = new Random(5);
            double[,] x = new double[rows, width];
            double[] y = new double[rows];
            for (int r = 0; r < rows; r++)
            {
                for (int j = 0; j < width; j++)
                {
                    x[r, j] = random.NextDouble() - 0.5;
                }

                y[r] = random.NextDouble();
            }

            double[] flat = new double[rows * width];
            Buffer.BlockCopy(x, 0, flat, 0, flat.Length * sizeof(double));
            var batch = new DataBatch([flat, y], [width, 1], 0, rows);
            double[][] p = [new double[width], [0.1]];
            double[][] g = [new double[width], new double[1]], h = [new double[width], new double[1]];
            var model = Losses.RegressionLoss.Instance;
            using var gpu = new Training.CudaEvaluator<double>(device, model, CudaBackend.SourceOf(typeof(Losses.RegressionLoss), out string? why) ?? throw new InvalidOperationException(why), [width, 1], Reduction.Mean);
            using var cpu = new BatchEvaluator<double>(model, [width, 1], null, Reduction.Mean);
            double gl = gpu.LossAndGradient(p, [], batch, g);
            double cl = cpu.LossAndGradient(p, [], batch, h);
            var watch = Stopwatch.StartNew();
            for (int i = 0; i < 20; i++)
            {
                gpu.LossAndGradient(p, [], batch, g);
            }

            double gpuMs = watch.Elapsed.TotalMilliseconds / 20;
            watch.Restart();
            for (int i = 0; i < 5; i++)
            {
                cpu.LossAndGradient(p, [], batch, h);
            }

            double cpuMs = watch.Elapsed.TotalMilliseconds / 5;
            report.Figure($"benchmark: regression gradient, {rows} rows x {width}: GPU {gpuMs:F3} ms (data resident, parameters up, gradient down), CPU {cpuMs:F3} ms on {Environment.ProcessorCount} cores");
            return Math.Abs(gl - cl) <= 1e-9 * (1 + Math.Abs(cl)) ? null : $"loss: CPU {cl:R}, GPU {gl:R}";
        });
    }
}
