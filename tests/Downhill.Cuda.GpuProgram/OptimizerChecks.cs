using System.Numerics;
using Downhill.Cuda.Training;
using Downhill.Optimizers;

namespace Downhill.Cuda.GpuProgram;

/// <summary>Every algorithm's update kernel against <see cref="Optimizer.Step{T}"/>: the same bits after six steps (norm clipping: within rounding).</summary>
internal static class OptimizerChecks
{
    public static void Run(CudaDevice device, Report report)
    {
        foreach (Algo algo in Enum.GetValues<Algo>())
        {
            foreach ((double momentum, bool nesterov, double elem, double norm) in new[] { (0.0, false, 0.0, 0.0), (0.9, false, 0.05, 0.0), (0.5, true, 0.0, 0.0), (0.0, false, 0.0, 0.5) })
            {
                string setting = $"momentum {momentum}{(nesterov ? " nesterov" : "")}{(elem > 0 ? $" clip {elem}" : "")}{(norm > 0 ? $" norm {norm}" : "")}";
                report.Check($"optimizer {algo} double, {setting}", () => Compare<double>(device, algo, momentum, nesterov, elem, norm));
                report.Check($"optimizer {algo} float, {setting}", () => Compare<float>(device, algo, momentum, nesterov, elem, norm));
            }
        }
    }

    private static string? Compare<T>(CudaDevice device, Algo algo, double momentum, bool nesterov, double elem, double norm)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var options = new TrainingOptions { Algo = algo, Momentum = momentum, MaxGradientElem = elem, MaxGradientNorm = norm, Seed = 3 };
        if (algo != Algo.AdaDelta)
        {
            options.LearningRate = 0.01;
        }

        if (nesterov && algo != Algo.Nag)
        {
            options.Nesterov = true;
        }

        int[] sizes = [37, 1, 300];
        Optimizer cpu = Optimizer.Create(algo, options);
        using var gpu = new CudaOptimizer<T>(device, Optimizer.Create(algo, options), sizes);
        var random = new Random(7);
        T[][] p = [.. sizes.Select(n => Enumerable.Range(0, n).Select(_ => T.CreateTruncating((random.NextDouble() * 2) - 1)).ToArray())];
        T[] flat = [.. p.SelectMany(a => a)];
        using DeviceBuffer<T> dp = device.Upload<T>(flat);
        using DeviceBuffer<T> dg = device.Allocate<T>(flat.Length);
        using DeviceBuffer<T> dhv = device.Allocate<T>(flat.Length);
        for (int t = 1; t <= 6; t++)
        {
            T[][] g = [.. sizes.Select((n, i) => Enumerable.Range(0, n).Select(j => T.CreateTruncating(Math.Sin((j + 1 + i) * t * 0.7) * (j % 5 == 0 ? 3 : 0.2))).ToArray())];
            dg.CopyFrom([.. g.SelectMany(a => a)]);
            T[] hv = new T[flat.Length];
            cpu.Step(p, g, (r, product) =>
            {
                int k = 0;
                for (int i = 0; i < r.Length; i++)
                {
                    for (int j = 0; j < r[i].Length; j++, k++)
                    {
                        product[i][j] = (r[i][j] * T.CreateTruncating(0.5)) + p[i][j];
                        hv[k] = product[i][j];
                    }
                }
            });
            dhv.CopyFrom(hv);
            gpu.Step(dp, dg, dhv);
        }

        T[] expected = [.. p.SelectMany(a => a)];
        T[] actual = dp.ToArray();
        for (int j = 0; j < expected.Length; j++)
        {
            bool same = norm > 0 && elem == 0
                ? T.Abs(expected[j] - actual[j]) <= T.CreateTruncating(typeof(T) == typeof(float) ? 1e-5 : 1e-12) * (T.One + T.Abs(expected[j]))
                : expected[j].Equals(actual[j]);
            if (!same)
            {
                return $"element {j}: CPU {expected[j]}, GPU {actual[j]}";
            }
        }

        return null;
    }
}
