using Downhill.Cuda.Training;

namespace Downhill.Cuda.GpuProgram;

/// <summary>
/// The span library on the GPU (docs/stdlib.md, docs/cuda.md Errors): the MatVec + LogSoftmax classifier of
/// Fashion-MNIST's shape and the Gaussian-process likelihood against the CPU, and a batch in which some rows make
/// Fn.Cholesky throw, which must give the CPU's exception and message with the lowest such row.
/// </summary>
internal static class LibraryChecks
{
    public static void Run(CudaDevice device, Report report)
    {
        report.Check("span library: MatVec + LogSoftmax classifier (784 -> 10, float) on the GPU matches the CPU", () =>
        {
            const int rows = 1000;
            var random = new Random(3);
            float[] x = [.. Enumerable.Range(0, rows * 784).Select(_ => (float)random.NextDouble())];
            int[] labels = [.. Enumerable.Range(0, rows).Select(_ => random.Next(10))];
            float[][] p = [[.. Enumerable.Range(0, 7840).Select(_ => (float)(0.01 * (random.NextDouble() - 0.5)))], [.. Enumerable.Range(0, 10).Select(_ => (float)(0.1 * random.NextDouble()))]];
            float[][] t = [[.. p[0].Select(_ => (float)(random.NextDouble() - 0.5))], [.. p[1].Select(_ => (float)(random.NextDouble() - 0.5))]];
            var batch = new DataBatch([x, labels], [784, 1], 0, rows);
            return Compare(device, Downhill.EndToEnd.Tests.Losses.SoftmaxByLibraryLoss.Instance, SourceOf(typeof(Downhill.EndToEnd.Tests.Losses.SoftmaxByLibraryLoss)), p, t, batch, 1e-4, report);
        });

        report.Check("span library: Gaussian-process NLML (Cholesky, CholeskySolve, LogDet) on the GPU matches the CPU", () =>
        {
            const int rows = 200, n = 12;
            var random = new Random(4);
            double[] xs = [.. Enumerable.Range(0, rows * n).Select(_ => 4 * random.NextDouble())];
            double[] ys = [.. xs.Select(v => Math.Sin(v) + (0.1 * (random.NextDouble() - 0.5)))];
            double[][] p = [[0.1], [-1.0]];
            double[][] t = [[0.3], [-0.7]];
            var batch = new DataBatch([xs, ys], [n, n], 0, rows);
            return Compare(device, Downhill.EndToEnd.Tests.Losses.GaussianProcessNllLoss.Instance, SourceOf(typeof(Downhill.EndToEnd.Tests.Losses.GaussianProcessNllLoss)), p, t, batch, 1e-9, report);
        });

        report.Check("span library: rows whose matrix is not positive definite throw the CPU's exception, lowest row first", () =>
        {
            const int rows = 600;
            var random = new Random(6);
            double[] a = new double[rows * 9];
            for (int r = 0; r < rows; r++)
            {
                // Symmetric, diagonally dominant (positive definite) rows, except rows 413 and 271 (one off-diagonal pair too large).
                for (int i = 0; i < 3; i++)
                {
                    for (int j = 0; j <= i; j++)
                    {
                        double v = i == j ? 3 + random.NextDouble() : 0.5 * (random.NextDouble() - 0.5);
                        a[(r * 9) + (i * 3) + j] = a[(r * 9) + (j * 3) + i] = v;
                    }
                }
            }

            foreach (int bad in new[] { 413, 271 })
            {
                a[(bad * 9) + 1] = a[(bad * 9) + 3] = 40;
            }

            double[][] p = [[0.5, 0.25, 0.125]];
            var batch = new DataBatch([a], [9], 0, rows);
            var model = Losses.CholeskyOfRowLoss.Instance;
            using var cpu = new BatchEvaluator<double>(model, [3], 1, Reduction.Mean);
            Exception expected = Catch(() => cpu.LossAndGradient(p, [], batch, [new double[3]])) ?? throw new InvalidOperationException("the CPU did not throw");
            string source = SourceOf(typeof(Losses.CholeskyOfRowLoss));
            using var gpu = new CudaEvaluator<double>(device, model, source, [3], Reduction.Mean);
            foreach ((string kind, Func<double> run) in new (string, Func<double>)[]
            {
                ("loss", () => gpu.Loss(p, [], batch)),
                ("gradient", () => gpu.LossAndGradient(p, [], batch, [new double[3]])),
                ("HVP", () => gpu.HessianVectorProduct(p, [], batch, [[1, 0, 0]], [new double[3]])),
            })
            {
                Exception? actual = Catch(() => run());
                if (actual is null || actual.GetType() != expected.GetType() || actual.Message != expected.Message)
                {
                    return $"{kind}: CPU {expected.GetType().Name}: {expected.Message}; GPU {(actual is null ? "no exception" : actual.GetType().Name + ": " + actual.Message)}";
                }

                if (actual.Data["Row"] is not long row || row != 271)
                {
                    return $"{kind}: the GPU's exception names row {actual.Data["Row"]}, not 271";
                }
            }

            // The record is emptied after a batch that threw: good rows evaluate again, as on the CPU.
            var good = new DataBatch([a], [9], 0, 200);
            double cpuLoss = cpu.Loss(p, [], good), gpuLoss = gpu.Loss(p, [], good);
            report.Figure($"span library throw: {expected.GetType().Name} \"{expected.Message}\" from the CPU and from the GPU (row 271); then rows 0-199: CPU {cpuLoss:R}, GPU {gpuLoss:R}");
            return Math.Abs(cpuLoss - gpuLoss) <= 1e-9 * (1 + Math.Abs(cpuLoss)) ? null : $"after the throw: CPU loss {cpuLoss:R}, GPU {gpuLoss:R}";
        });
    }

    private static Exception? Catch(Action action)
    {
        try
        {
            action();
            return null;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return e;
        }
    }

    private static string SourceOf([System.Diagnostics.CodeAnalysis.DynamicallyAccessedMembers(System.Diagnostics.CodeAnalysis.DynamicallyAccessedMemberTypes.PublicProperties)] Type descriptor) =>
        CudaBackend.SourceOf(descriptor, out string? why) ?? throw new InvalidOperationException($"{descriptor.FullName} has no CUDA source: {why}");

    private static string? Compare<T>(CudaDevice device, ILossModel<T> model, string source, T[][] p, T[][] t, DataBatch batch, double tolerance, Report report)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        int[] sizes = [.. p.Select(v => v.Length)];
        T[][] cg = [.. sizes.Select(k => new T[k])], gg = [.. sizes.Select(k => new T[k])], ch = [.. sizes.Select(k => new T[k])], gh = [.. sizes.Select(k => new T[k])];
        using var cpu = new BatchEvaluator<T>(model, sizes, null, Reduction.Mean);
        using var gpu = new CudaEvaluator<T>(device, model, source, sizes, Reduction.Mean);
        double cl = cpu.LossAndGradient(p, [], batch, cg), gl = gpu.LossAndGradient(p, [], batch, gg);
        double chl = cpu.HessianVectorProduct(p, [], batch, t, ch), ghl = gpu.HessianVectorProduct(p, [], batch, t, gh);
        report.Figure($"{model.Schema.Name}: {batch.Rows} rows, loss CPU {cl:R} GPU {gl:R}");
        double scale = 1 + cg.Concat(ch).SelectMany(v => v).Select(v => Math.Abs(double.CreateTruncating(v))).Max();
        for (int i = 0; i < sizes.Length; i++)
        {
            for (int j = 0; j < sizes[i]; j++)
            {
                if (Math.Abs(double.CreateTruncating(cg[i][j] - gg[i][j])) > tolerance * scale || Math.Abs(double.CreateTruncating(ch[i][j] - gh[i][j])) > tolerance * scale)
                {
                    return $"parameter {i}[{j}]: gradient CPU {cg[i][j]} GPU {gg[i][j]}, HVP CPU {ch[i][j]} GPU {gh[i][j]}";
                }
            }
        }

        return Math.Abs(cl - gl) <= tolerance * (1 + Math.Abs(cl)) && Math.Abs(chl - ghl) <= tolerance * (1 + Math.Abs(chl)) ? null : $"loss: CPU {cl:R} / {chl:R}, GPU {gl:R} / {ghl:R}";
    }
}
