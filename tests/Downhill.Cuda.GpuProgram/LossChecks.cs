using System.CodeDom.Compiler;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Reflection;
using Downhill.Cuda.Training;

namespace Downhill.Cuda.GpuProgram;

/// <summary>
/// Every loss of this program (the derivative corpus and <see cref="Losses"/>) with CUDA source: the GPU's batch loss,
/// gradient and Hessian-vector product against the CPU's <see cref="BatchEvaluator{T}"/> on 300 rows (two blocks),
/// the same on a second run bit for bit, and the timing of a gradient batch.
/// </summary>
internal static class LossChecks
{
    private const int Rows = 300;
    private const int Width = 4;

    [UnconditionalSuppressMessage("Trimming", "IL2062", Justification = "This assembly is a trimmer root: every descriptor type and member is kept.")]
    [UnconditionalSuppressMessage("Trimming", "IL2065", Justification = "This assembly is a trimmer root: every descriptor type and member is kept.")]
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "This assembly is a trimmer root: every descriptor type and member is kept.")]
    [UnconditionalSuppressMessage("Trimming", "IL2072", Justification = "This assembly is a trimmer root: every descriptor type and member is kept.")]
    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "This assembly is a trimmer root: every descriptor type and member is kept.")]
    public static void Run(CudaDevice device, Report report)
    {
        // A loop, not a query: the trimming suppressions above do not reach a lambda's generated method.
        var found = new List<Type>();
        foreach (Type t in typeof(LossChecks).Assembly.GetTypes())
        {
            if (t.GetCustomAttribute<GeneratedCodeAttribute>() is not null && t.GetProperty("Instance", BindingFlags.Public | BindingFlags.Static) is not null)
            {
                found.Add(t);
            }
        }

        Type[] descriptors = [.. found.OrderBy(t => t.FullName, StringComparer.Ordinal)];
        int withSource = 0;
        foreach (Type t in descriptors)
        {
            if (CudaBackend.SourceOf(t, out string? why) is not string source)
            {
                report.Figure($"{t.FullName}: no CUDA source ({why})");
                continue;
            }

            withSource++;
            object? instance = t.GetProperty("Instance", BindingFlags.Public | BindingFlags.Static)!.GetValue(null);
            string name = $"loss {t.FullName}";
            if (instance is ILossModel<double> d)
            {
                report.Check(name, () => Compare(device, d, source, 1e-9, report));
            }
            else if (instance is ILossModel<float> f)
            {
                report.Check(name, () => Compare(device, f, source, 1e-4, report));
            }
        }

        report.Check("losses with CUDA source found", () => withSource >= 50 ? null : $"only {withSource} of {descriptors.Length}");
        report.Figure($"{withSource} of {descriptors.Length} losses have CUDA source");
    }

    private static string? Compare<T>(CudaDevice device, ILossModel<T> model, string source, double tolerance, Report report)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        LossSchema schema = model.Schema;
        var random = new Random(11);
        T[][] parameters = [.. schema.Params.Select(p => Enumerable.Range(0, p.IsVector ? Width * Width : 1).Select(_ => T.CreateTruncating(0.5 + random.NextDouble())).ToArray())];
        T[][] tangent = [.. parameters.Select(p => p.Select(_ => T.CreateTruncating(random.NextDouble() - 0.5)).ToArray())];
        T[] hypers = [.. schema.Hypers.Select(_ => T.CreateTruncating(0.1))];
        int[] widths = [.. schema.Data.Select(c => c.IsRow ? Width : 1)];
        Array[] columns = [.. schema.Data.Select((c, i) => c.IsInteger
            ? (Array)Enumerable.Range(0, Rows * widths[i]).Select(_ => random.Next(Width)).ToArray()
            : Enumerable.Range(0, Rows * widths[i]).Select(_ => T.CreateTruncating(0.5 + random.NextDouble())).ToArray())];
        var batch = schema.Data.Count == 0 ? DataBatch.Empty : new DataBatch(columns, widths, 0, Rows);
        int[] sizes = [.. parameters.Select(p => p.Length)];
        T[][] cpuGrad = [.. sizes.Select(n => new T[n])], gpuGrad = [.. sizes.Select(n => new T[n])], again = [.. sizes.Select(n => new T[n])];
        T[][] cpuHv = [.. sizes.Select(n => new T[n])], gpuHv = [.. sizes.Select(n => new T[n])];
        double cpuLoss, cpuHvLoss;
        using (var cpu = new BatchEvaluator<T>(model, sizes, 1, Reduction.Mean))
        {
            try
            {
                cpuLoss = cpu.LossAndGradient(parameters, hypers, batch, cpuGrad);
                cpuHvLoss = cpu.HessianVectorProduct(parameters, hypers, batch, tangent, cpuHv);
            }
            catch (IndexOutOfRangeException)
            {
                report.Figure($"{schema.Name}: skipped, its shapes are not {Width}-wide rows and {Width * Width}-long vectors");
                return null;
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                // A span function's check refused the sample (a matrix that is not positive definite, say): the GPU must refuse it alike.
                return SameRefusal(device, model, source, parameters, hypers, batch, e, report);
            }
        }

        if (!double.IsFinite(cpuLoss))
        {
            report.Figure($"{schema.Name}: skipped, the CPU loss is {cpuLoss} at the sample");
            return null;
        }

        using var gpu = new CudaEvaluator<T>(device, model, source, sizes, Reduction.Mean);
        double gpuLoss = gpu.LossAndGradient(parameters, hypers, batch, gpuGrad);
        double repeatLoss = gpu.LossAndGradient(parameters, hypers, batch, again);
        double gpuHvLoss = gpu.HessianVectorProduct(parameters, hypers, batch, tangent, gpuHv);
        double plainLoss = gpu.Loss(parameters, hypers, batch);
        if (BitConverter.DoubleToInt64Bits(gpuLoss) != BitConverter.DoubleToInt64Bits(repeatLoss) || !Same(gpuGrad, again))
        {
            return "two GPU runs of the same batch differ";
        }

        string? problem = Close("loss", cpuLoss, gpuLoss, tolerance) ?? Close("loss (loss kernel)", cpuLoss, plainLoss, tolerance)
            ?? Close("loss (HVP kernel)", cpuHvLoss, gpuHvLoss, tolerance) ?? Close("gradient", cpuGrad, gpuGrad, tolerance) ?? Close("HVP", cpuHv, gpuHv, tolerance);
        if (problem is null)
        {
            var watch = Stopwatch.StartNew();
            using CudaEvent start = device.CreateEvent(), end = device.CreateEvent();
            start.Record();
            for (int i = 0; i < 10; i++)
            {
                gpu.LossAndGradient(parameters, hypers, batch, gpuGrad);
            }

            end.Record();
            report.Figure($"{schema.Name}: gradient of {Rows} rows {CudaEvent.ElapsedMilliseconds(start, end) / 10:F3} ms on the device, {watch.Elapsed.TotalMilliseconds / 10:F3} ms with copies");
        }

        return problem;
    }

    /// <summary>The GPU's gradient batch throws what the CPU's threw: the same type and message (docs/cuda.md, Errors).</summary>
    private static string? SameRefusal<T>(CudaDevice device, ILossModel<T> model, string source, T[][] parameters, T[] hypers, DataBatch batch, Exception expected, Report report)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var gpu = new CudaEvaluator<T>(device, model, source, [.. parameters.Select(p => p.Length)], Reduction.Mean);
        try
        {
            gpu.LossAndGradient(parameters, hypers, batch, [.. parameters.Select(p => new T[p.Length])]);
            return $"the CPU threw {expected.GetType().Name} ({expected.Message}), the GPU did not";
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            report.Figure($"{model.Schema.Name}: the sample is refused on the CPU and on the GPU (row {e.Data["Row"]}): {e.Message}");
            return e.GetType() == expected.GetType() && e.Message == expected.Message ? null : $"CPU {expected.GetType().Name}: {expected.Message}; GPU {e.GetType().Name}: {e.Message}";
        }
    }

    private static bool Same<T>(T[][] a, T[][] b)
        where T : unmanaged, IFloatingPointIeee754<T> => a.Zip(b).All(p => p.First.SequenceEqual(p.Second));

    private static string? Close(string what, double expected, double actual, double tolerance) =>
        Math.Abs(expected - actual) <= tolerance * (1 + Math.Abs(expected)) ? null : $"{what}: CPU {expected:R}, GPU {actual:R}";

    private static string? Close<T>(string what, T[][] expected, T[][] actual, double tolerance)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double scale = 1 + expected.SelectMany(a => a).Select(x => Math.Abs(double.CreateTruncating(x))).DefaultIfEmpty(0).Max();
        for (int i = 0; i < expected.Length; i++)
        {
            for (int j = 0; j < expected[i].Length; j++)
            {
                double e = double.CreateTruncating(expected[i][j]), a = double.CreateTruncating(actual[i][j]);
                if (!(Math.Abs(e - a) <= tolerance * scale))
                {
                    return $"{what}[{i}][{j}]: CPU {e:R}, GPU {a:R}";
                }
            }
        }

        return null;
    }
}
