using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;
using Xunit.Abstractions;

namespace Downhill.Derivatives.Tests.Cuda;

/// <summary>
/// The CUDA emitter's exactness without a GPU: every corpus loss's device functions (loss, gradient,
/// Hessian-vector product), compiled as host C++ by g++ and called one example at a time through the host
/// wrappers of docs/cuda.md, against the descriptor's C# per-example path (FGradient, FHessianVector) on
/// samples of the loss's domain, to rounding.
/// </summary>
public sealed unsafe class CudaHostCheckTests(ITestOutputHelper output)
{
    private static readonly int[] Seeds = [1, 2];

    [Fact]
    public void EveryCorpusLossHasACudaSourceOrAReason()
    {
        var cases = CorpusCases.Names.Select(HostLibrary.Describe).ToList();
        foreach (var c in cases)
        {
            Assert.True((c.Source is null) != (c.Reason is null), $"{c.Case.Name}: exactly one of CudaSource and CudaUnavailableReason is set");
            if (c.Source is not null)
            {
                Assert.Contains($"extern \"C\" __global__ void {c.Prefix}_gradient(", c.Source, StringComparison.Ordinal);
                Assert.Contains($"extern \"C\" __global__ void {c.Prefix}_hvp(", c.Source, StringComparison.Ordinal);
            }
        }

        foreach (var c in cases.Where(c => c.Source is null))
        {
            output.WriteLine($"CPU only: {c.Case.Name}: {c.Reason}");
        }

        output.WriteLine($"{cases.Count(c => c.Source is not null)} of {cases.Count} corpus losses have a CUDA source");
        Assert.True(cases.Count(c => c.Source is not null) >= 75, "most of the corpus has kernels");
    }

    [Fact]
    public void HostCompiledDeviceFunctionsMatchTheCSharpDerivatives()
    {
        var library = HostLibrary.Instance;
        var failures = new StringBuilder();
        int checkedLosses = 0, examples = 0;
        foreach (var c in library.Cases.Where(c => c.Source is not null))
        {
            foreach (int seed in Seeds)
            {
                var sample = c.Case.Draw(seed);
                string problems = c.Case.Model switch
                {
                    ILossModel<double> m => Check(library, c.Prefix, m, sample.At, sample.Hypers, sample.Columns, 1e-12, seed, ref examples),
                    ILossModel<float> m => CheckSingle(library, c.Prefix, m, sample, seed, ref examples),
                    _ => throw new InvalidOperationException(c.Case.Name),
                };
                if (problems.Length > 0)
                {
                    failures.AppendLine($"{c.Case.Name} (seed {seed}):").Append(problems);
                }
            }

            checkedLosses++;
        }

        string counts = $"CUDA: {checkedLosses} corpus losses checked through their host-compiled device functions ({examples} examples: loss, gradient, Hessian-vector product), {library.Cases.Count(c => c.Source is null)} CPU only";
        output.WriteLine(counts);

        // CI prints these counts beside its pass/fail line (.ci/run sets the file).
        if (Environment.GetEnvironmentVariable("DOWNHILL_CHECK_COUNTS") is { Length: > 0 } countsFile)
        {
            File.AppendAllText(countsFile, counts + "\n");
        }

        Assert.True(failures.Length == 0, failures.ToString());
        Assert.Equal(library.Cases.Count(c => c.Source is not null), checkedLosses);
        Assert.True(checkedLosses >= 75, $"{checkedLosses} losses checked");
    }

    private static string CheckSingle(HostLibrary library, string prefix, ILossModel<float> model, Sample sample, int seed, ref int examples)
    {
        var (at, hypers, columns) = sample.ToSingle();
        return Check(library, prefix, model, at, hypers, columns, 2e-5, seed, ref examples);
    }

    /// <summary>Each row of the sample through the host library and through the descriptor; the disagreements, one a line.</summary>
    internal static string Check<T>(HostLibrary library, string prefix, ILossModel<T> model, T[][] at, T[] hypers, Array[] columns, double tolerance, int seed, ref int examples)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var problems = new StringBuilder();
        var schema = model.Schema;
        int rows = columns.Length == 0 ? 1 : columns[0].GetLength(0);
        int[] widths = [.. columns.Select(col => col.Rank == 2 ? col.GetLength(1) : 1)];
        int[] shape = [.. at.Select(p => p.Length), .. widths];
        T[] flatParams = [.. at.SelectMany(p => p)];
        var batch = columns.Length == 0 ? DataBatch.Empty : new DataBatch([.. columns.Select(Flatten<T>)], widths, 0, rows);

        long[] slots = new long[6];
        fixed (int* s = shape)
        fixed (long* o = slots)
        {
            ((delegate* unmanaged<int*, long*, void>)library.Export(prefix, "workspace"))(s, o);
        }

        var random = new Random(seed);
        for (int r = 0; r < rows; r++)
        {
            var (dataReal, dataInt) = Row<T>(columns, r);
            T[][] tangent = [.. at.Select(p => p.Select(_ => T.CreateChecked((random.NextDouble() * 2) - 1)).ToArray())];
            T[] flatTangent = [.. tangent.SelectMany(p => p)];

            double loss = model.SumLoss(at, hypers, batch, r, r + 1);
            var gradient = at.Select(p => new T[p.Length]).ToArray();
            double gradientLoss = model.SumGradient(at, hypers, batch, r, r + 1, gradient);
            var product = at.Select(p => new T[p.Length]).ToArray();
            double hvpLoss = model.SumHessianVector(at, hypers, batch, r, r + 1, tangent, product);

            var hostGradient = new T[flatParams.Length];
            var hostProduct = new T[flatParams.Length];
            double hostLoss = Call(library, prefix, "loss", slots[0], slots[1], flatParams, hypers, dataReal, dataInt, shape, null, null, problems);
            double hostGradientLoss = Call(library, prefix, "gradient", slots[2], slots[3], flatParams, hypers, dataReal, dataInt, shape, null, hostGradient, problems);
            double hostHvpLoss = Call(library, prefix, "hvp", slots[4], slots[5], flatParams, hypers, dataReal, dataInt, shape, flatTangent, hostProduct, problems);

            Compare(problems, $"row {r} loss", hostLoss, loss, tolerance);
            Compare(problems, $"row {r} loss of the gradient", hostGradientLoss, gradientLoss, tolerance);
            Compare(problems, $"row {r} loss of the HVP", hostHvpLoss, hvpLoss, tolerance);
            T[] flatGradient = [.. gradient.SelectMany(p => p)];
            T[] flatProduct = [.. product.SelectMany(p => p)];
            for (int j = 0; j < flatParams.Length; j++)
            {
                Compare(problems, $"row {r} gradient[{j}]", double.CreateChecked(hostGradient[j]), double.CreateChecked(flatGradient[j]), tolerance);
                Compare(problems, $"row {r} HVP[{j}]", double.CreateChecked(hostProduct[j]), double.CreateChecked(flatProduct[j]), tolerance);
            }

            examples++;
        }

        return problems.ToString();
    }

    private static void Compare(StringBuilder problems, string what, double host, double reference, double tolerance)
    {
        bool same = host.Equals(reference) || Math.Abs(host - reference) <= tolerance * (1 + Math.Abs(reference));
        if (!same)
        {
            problems.AppendLine($"  {what}: host C++ {host:R}, C# {reference:R}");
        }
    }

    /// <summary>Sentinel slots past the workspace the generator asked for: a write there means its bound was too small.</summary>
    private const int Guard = 4096;

    /// <summary>One host wrapper on one row (rows = T = 1); the workspace is exactly what <c>P_host_workspace</c> asked for, then guard slots.</summary>
    private static double Call<T>(HostLibrary library, string prefix, string kind, long realSlots, long intSlots, T[] parameters, T[] hypers, T[] dataReal, int[] dataInt, int[] shape, T[]? tangent, T[]? output, StringBuilder problems)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var work = new T[realSlots + Guard];
        var iwork = new int[intSlots + Guard];
        T sentinel = T.CreateChecked(-7.25e10);
        work.AsSpan((int)realSlots).Fill(sentinel);
        iwork.AsSpan((int)intSlots).Fill(-123456789);
        ulong status = NoError;
        double value = HostCall(library, prefix, kind, parameters, hypers, dataReal, dataInt, shape, tangent, output, work, iwork, ref status);
        if (work.AsSpan((int)realSlots).ContainsAnyExcept(sentinel) || iwork.AsSpan((int)intSlots).ContainsAnyExcept(-123456789))
        {
            problems.AppendLine($"  {kind}: wrote past the workspace bound ({realSlots} real, {intSlots} int slots)");
        }

        if (status != NoError)
        {
            problems.AppendLine($"  {kind}: the error record is {status:x} though the C# path did not throw");
        }

        return value;
    }

    /// <summary>The error record when no example threw (docs/cuda.md, Errors).</summary>
    internal const ulong NoError = ulong.MaxValue;

    /// <summary>Calls <paramref name="prefix"/>_host_<paramref name="kind"/> on one row; <paramref name="status"/> is the error record before and after.</summary>
    internal static double HostCall<T>(HostLibrary library, string prefix, string kind, T[] parameters, T[] hypers, T[] dataReal, int[] dataInt, int[] shape, T[]? tangent, T[]? output, T[] work, int[] iwork, ref ulong status)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ulong record = status;
        double value;
        fixed (T* p = parameters, h = hypers, dr = dataReal, w = work, t = tangent, o = output)
        fixed (int* di = dataInt, s = shape, iw = iwork)
        {
            nint f = library.Export(prefix, kind);
            bool single = typeof(T) == typeof(float);
            ulong* e = &record;
            value = (kind, single) switch
            {
                ("loss", false) => ((delegate* unmanaged<T*, T*, T*, int*, int*, T*, int*, ulong*, double>)f)(p, h, dr, di, s, w, iw, e),
                ("loss", true) => ((delegate* unmanaged<T*, T*, T*, int*, int*, T*, int*, ulong*, float>)f)(p, h, dr, di, s, w, iw, e),
                ("gradient", false) => ((delegate* unmanaged<T*, T*, T*, int*, int*, T*, int*, T*, ulong*, double>)f)(p, h, dr, di, s, w, iw, o, e),
                ("gradient", true) => ((delegate* unmanaged<T*, T*, T*, int*, int*, T*, int*, T*, ulong*, float>)f)(p, h, dr, di, s, w, iw, o, e),
                (_, false) => ((delegate* unmanaged<T*, T*, T*, int*, int*, T*, T*, int*, T*, ulong*, double>)f)(p, h, dr, di, s, t, w, iw, o, e),
                (_, true) => ((delegate* unmanaged<T*, T*, T*, int*, int*, T*, T*, int*, T*, ulong*, float>)f)(p, h, dr, di, s, t, w, iw, o, e),
            };
        }

        status = record;
        return value;
    }

    /// <summary>A column as the descriptor reads it: row-major, T or int.</summary>
    private static Array Flatten<T>(Array column)
        where T : unmanaged
    {
        return column switch
        {
            T[] v => v,
            int[] v => v,
            T[,] m => m.Cast<T>().ToArray(),
            int[,] m => m.Cast<int>().ToArray(),
            _ => throw new InvalidOperationException($"column of {column.GetType().Name}"),
        };
    }

    /// <summary>One row of the data, lane-major with rows = 1: the real columns' elements in column order, and the int columns'.</summary>
    private static (T[] Real, int[] Int) Row<T>(Array[] columns, int r)
        where T : unmanaged
    {
        var real = new List<T>();
        var ints = new List<int>();
        foreach (var column in columns)
        {
            switch (column)
            {
                case T[] v:
                    real.Add(v[r]);
                    break;
                case int[] v:
                    ints.Add(v[r]);
                    break;
                case T[,] m:
                    real.AddRange(Enumerable.Range(0, m.GetLength(1)).Select(j => m[r, j]));
                    break;
                case int[,] m:
                    ints.AddRange(Enumerable.Range(0, m.GetLength(1)).Select(j => m[r, j]));
                    break;
                default:
                    throw new InvalidOperationException($"column of {column.GetType().Name}");
            }
        }

        return ([.. real], [.. ints]);
    }
}
