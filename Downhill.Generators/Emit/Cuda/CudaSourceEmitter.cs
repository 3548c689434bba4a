using System;
using System.Collections.Generic;
using System.Linq;
using Downhill.Generators.Ir;
using Downhill.Generators.Model;
using Downhill.Generators.Transform;

namespace Downhill.Generators.Emit.Cuda;

/// <summary>The CUDA translation unit of a loss, or why there is none.</summary>
internal sealed record CudaResult(string? Source, string? Reason);

/// <summary>
/// Writes a loss's CUDA translation unit (docs/cuda.md is its ABI): the prelude, every device function of the
/// derivative plan (the same transformed IR the C# methods are printed from), per-example functions that read
/// one row of the lane-major batch, the kernels (one thread per example, per-block partial sums in thread
/// order, a reduction over blocks in block order) and host wrappers for the g++ check.
/// </summary>
internal sealed class CudaSourceEmitter
{
    private static readonly string[] KindNames = ["loss", "gradient", "hvp"];

    private readonly LossGenerationSpec loss;
    private readonly DerivativePlan plan;
    private readonly IndentedWriter w = new();
    private readonly string p;
    private readonly List<(ArgInfo Arg, int Index)> parameters;
    private readonly List<(ArgInfo Arg, int Index)> data;
    private readonly Dictionary<string, IrFunction> byName;

    private CudaSourceEmitter(LossGenerationSpec loss, DerivativePlan plan)
    {
        this.loss = loss;
        this.plan = plan;
        p = CudaNames.KernelPrefix(loss.TypeFullName + "." + loss.MethodName);
        parameters = loss.ArgsOf(ArgKind.Param);
        data = loss.ArgsOf(ArgKind.Data);
        // What the three kernels reach: the loss with its helpers, the gradient and the HVP with theirs.
        var all = plan.Functions.Concat([loss.Main!]).Concat(loss.Helpers).GroupBy(f => f.Name).ToDictionary(g => g.Key, g => g.First());
        functions = [];
        byName = [];
        var queue = new Queue<string>([loss.Main!.Name, plan.Gradient, plan.Hessian]);
        while (queue.Count > 0)
        {
            var f = all[queue.Dequeue()];
            if (byName.ContainsKey(f.Name))
            {
                continue;
            }

            byName[f.Name] = f;
            functions.Add(f);
            foreach (string callee in DerivativeProgram.Calls(f.Body))
            {
                queue.Enqueue(callee);
            }
        }
    }

    private readonly List<IrFunction> functions;
    private CudaErrors errors = CudaErrors.None;

    /// <summary>The translation unit of <paramref name="loss"/> from its derivative plan, or the reason it cannot be written.</summary>
    public static CudaResult Emit(LossGenerationSpec loss, DerivativePlan plan)
    {
        try
        {
            return new CudaResult(new CudaSourceEmitter(loss, plan).Emit(), null);
        }
        catch (CudaUnsupportedException ex)
        {
            return new CudaResult(null, ex.Message);
        }
    }

    private string Emit()
    {
        var bounds = new CudaBounds(functions);
        string[] entries = [loss.Main!.Name, plan.Gradient, plan.Hessian];
        var needs = entries.Select(e => bounds.OfEntry(e) ?? throw new CudaUnsupportedException(bounds.Failure ?? "its tape has no bound the generator can compute")).ToArray();
        errors = CudaErrors.Of(functions);

        w.Line("/* CUDA C of " + Comment(loss.TypeFullName + "." + loss.MethodName) + ", written by Downhill.Generators (ABI: docs/cuda.md). Do not edit. */");
        w.Line(CudaPrelude.Text(loss.IsFloat));
        w.Line();
        foreach (var f in functions)
        {
            w.Line(CudaFunctionEmitter.Declaration(f));
        }

        w.Line();
        foreach (var f in functions)
        {
            CudaFunctionEmitter.Emit(f, w, errors);
            w.Line();
        }

        Slots(entries, needs);
        for (int kind = 0; kind < 3; kind++)
        {
            Example(kind, byName[entries[kind]]);
        }

        w.Line("#ifdef __CUDACC__");
        Kernels();
        w.Line("#else");
        HostWrappers();
        w.Line("#endif");
        return w.ToString();
    }

    private static string Comment(string text) => text.Replace("*/", "* /");

    /// <summary>Σ of the [Param] lengths: the gradient's and HVP's width.</summary>
    private string Width() => parameters.Count == 0 ? "0LL" : string.Join(" + ", parameters.Select((_, k) => $"(long long)dh_shape[{k}]"));

    /// <summary>The length of a loss argument's array (schema order: [Param]s, then data columns).</summary>
    private string ArgLength(int argIndex)
    {
        int k = parameters.FindIndex(x => x.Index == argIndex);
        return k >= 0 ? $"dh_shape[{k}]" : $"dh_shape[{parameters.Count + data.FindIndex(x => x.Index == argIndex)}]";
    }

    /// <summary>
    /// Which loss argument each parameter of an entry function mirrors (its length is that argument's): the loss's
    /// arguments, then the seed, then per [Param] its tangent (HVP) and its output; the HVP's last is a discarded output.
    /// </summary>
    private int?[] Mirrors(int kind, IrFunction f)
    {
        int n = loss.Args.Count;
        int np = parameters.Count;
        int expected = kind switch { 0 => n, 1 => n + 1 + np, _ => n + 2 + 2 * np };
        if (f.Params.Count != expected)
        {
            throw new CudaUnsupportedException($"its {KindNames[kind]} function has {f.Params.Count} parameters, not {expected}");
        }

        var mirrors = new int?[expected];
        for (int i = 0; i < expected; i++)
        {
            int j = i - n - 1;
            mirrors[i] = i < n ? i : j >= 0 && j < np * (kind == 2 ? 2 : 1) ? parameters[j % np].Index : null;
        }

        return mirrors;
    }

    /// <summary>P_slots: per kind, the thread's real accumulators, real tape, real scratch, int tape and int scratch.</summary>
    private void Slots(string[] entries, Need[] needs)
    {
        w.Open($"static __device__ void {p}_slots(const int* dh_shape, int kind, long long* o)");
        for (int kind = 0; kind < 3; kind++)
        {
            var f = byName[entries[kind]];
            var mirrors = Mirrors(kind, f);
            string Length(string param)
            {
                int i = Enumerable.Range(0, f.Params.Count).First(k => f.Params[k].Name == param);
                return mirrors[i] is { } arg ? ArgLength(arg) : throw new CudaUnsupportedException($"the length of '{param}' is not known");
            }

            var n = needs[kind];
            w.Open($"if (kind == {kind})");
            w.Line($"o[0] = {(kind == 0 ? "0LL" : Width())};");
            w.Line($"o[1] = dh_max0({n.TapeReal.C(Length)});");
            w.Line($"o[2] = dh_max0({n.ScratchReal.C(Length)});");
            w.Line($"o[3] = dh_max0({n.TapeInt.C(Length)});");
            w.Line($"o[4] = dh_max0({n.ScratchInt.C(Length)});");
            w.Close();
        }

        w.Close();
        w.Line();
    }

    private const string BatchParameters = "const dh_real* dh_params, const dh_real* dh_hypers, const dh_real* dh_data_real, const int* dh_data_int, const int* dh_shape";
    private const string BatchArguments = "dh_params, dh_hypers, dh_data_real, dh_data_int, dh_shape";

    /// <summary>P_example_kind: the example of row r (of rows) on thread t (of T), its outputs in the thread's first work slots.</summary>
    private void Example(int kind, IrFunction f)
    {
        string extra = kind == 2 ? ", const dh_real* dh_tangent" : string.Empty;
        w.Open($"static __device__ dh_real {p}_example_{KindNames[kind]}(long long dh_t, long long dh_T, long long dh_r, long long dh_rows, {BatchParameters}{extra}, dh_real* dh_work, int* dh_iwork, unsigned long long* dh_status)");
        // The offsets into params, data_real and data_int, declared only where an argument reads them.
        var counters = new[]
        {
            ("dh_po", loss.Args.Any(a => a.Kind == ArgKind.Param)),
            ("dh_ro", loss.Args.Any(a => a.Kind == ArgKind.Data && a.Type is IrType.Real or IrType.RealArray)),
            ("dh_io", loss.Args.Any(a => a.Kind == ArgKind.Data && a.Type is IrType.Int or IrType.IntArray)),
        }.Where(c => c.Item2).Select(c => c.Item1 + " = 0").ToList();
        if (counters.Count > 0)
        {
            w.Line($"long long {string.Join(", ", counters)};");
        }

        int hyper = 0;
        var args = new List<string>();
        foreach (var (a, k) in loss.Args.Select((a, k) => (a, k)))
        {
            string name = CudaNames.Identifier(a.Name);
            args.Add(name);
            string len = a.Type is IrType.RealArray or IrType.IntArray ? ArgLength(k) : "1";
            w.Line((a.Kind, a.Type) switch
            {
                (ArgKind.Param, IrType.Real) => $"dh_real {name} = dh_params[dh_po]; dh_po += 1;",
                (ArgKind.Param, _) => $"dh_span {name} = {{ (dh_real*)dh_params + dh_po, {len}, 1 }}; dh_po += {len};",
                (ArgKind.Hyper, _) => $"dh_real {name} = dh_hypers[{hyper++}];",
                (_, IrType.Real) => $"dh_real {name} = dh_data_real[dh_ro * dh_rows + dh_r]; dh_ro += 1;",
                (_, IrType.RealArray) => $"dh_span {name} = {{ (dh_real*)dh_data_real + dh_ro * dh_rows + dh_r, {len}, dh_rows }}; dh_ro += {len};",
                (_, IrType.Int) => $"int {name} = dh_data_int[dh_io * dh_rows + dh_r]; dh_io += 1;",
                (_, IrType.IntArray) => $"dh_ispan {name} = {{ (int*)dh_data_int + dh_io * dh_rows + dh_r, {len}, dh_rows }}; dh_io += {len};",
                _ => throw new CudaUnsupportedException($"an argument of type {a.Type}"),
            });
        }

        w.Line("long long dh_o[5];");
        w.Line($"{p}_slots(dh_shape, {kind}, dh_o);");
        w.Line("dh_ws dh_w = { dh_work + dh_t + dh_o[0] * dh_T, dh_iwork + dh_t, dh_work + dh_t + (dh_o[0] + dh_o[1]) * dh_T, dh_iwork + dh_t + dh_o[3] * dh_T, dh_T, 0, 0, 0, 0, 0 };");
        if (kind > 0)
        {
            w.Line("for (long long dh_j = 0; dh_j < dh_o[0]; dh_j++) { dh_work[dh_t + dh_j * dh_T] = 0; }");
            args.Add("(dh_real)1");
            if (kind == 2)
            {
                w.Line("long long dh_to = 0;");
                foreach (var (a, k) in parameters.Select((x, k) => (x.Arg, k)))
                {
                    w.Line(a.Type == IrType.Real
                        ? $"dh_real dh_t{k} = dh_tangent[dh_to]; dh_to += 1;"
                        : $"dh_span dh_t{k} = {{ (dh_real*)dh_tangent + dh_to, dh_shape[{k}], 1 }}; dh_to += dh_shape[{k}];");
                    args.Add($"dh_t{k}");
                }
            }

            w.Line("long long dh_ao = 0;");
            foreach (var (a, k) in parameters.Select((x, k) => (x.Arg, k)))
            {
                w.Line(a.Type == IrType.Real
                    ? $"dh_real* dh_d{k} = dh_work + dh_t + dh_ao * dh_T; dh_ao += 1;"
                    : $"dh_span dh_d{k} = {{ dh_work + dh_t + dh_ao * dh_T, dh_shape[{k}], dh_T }}; dh_ao += dh_shape[{k}];");
                args.Add($"dh_d{k}");
            }

            if (kind == 2)
            {
                w.Line("dh_real dh_unused = 0;");
                args.Add("&dh_unused");
            }
        }

        args.Add("&dh_w");
        string call = $"{CudaFunctionEmitter.FunctionName(f.Name)}({string.Join(", ", args)})";
        if (errors.CanThrow(f.Name))
        {
            w.Line($"dh_real dh_v = {call};");
            w.Line("if (dh_w.err != 0) { dh_report(dh_status, dh_r, dh_w.err); }");
            w.Line("return dh_v;");
        }
        else
        {
            w.Line($"return {call};");
        }
        w.Close();
        w.Line();
    }

    private void Kernels()
    {
        w.Open($"extern \"C\" __global__ void {p}_workspace(const int* dh_shape, long long* out)");
        w.Open("if (blockIdx.x == 0 && threadIdx.x == 0)");
        WorkspaceLoop();
        w.Close();
        w.Close();
        w.Line();
        for (int kind = 0; kind < 3; kind++)
        {
            string extra = kind == 2 ? ", const dh_real* dh_tangent" : string.Empty;
            string outputs = kind switch { 0 => string.Empty, 1 => ", dh_real* grad_partials", _ => ", dh_real* hvp_partials" };
            w.Open($"extern \"C\" __global__ void {p}_{KindNames[kind]}(int rows, {BatchParameters}{extra}, dh_real* work, int* iwork, double* loss_partials{outputs}, unsigned long long* status)");
            w.Line("__shared__ double dh_loss[1024];");
            w.Line("long long t = (long long)blockIdx.x * blockDim.x + threadIdx.x;");
            w.Line("long long T = (long long)gridDim.x * blockDim.x;");
            w.Line($"long long P = {(kind == 0 ? "0LL" : Width())};");
            w.Line("double v = 0;");
            w.Open("if (t < rows)");
            w.Line($"v = (double){p}_example_{KindNames[kind]}(t, T, t, rows, {BatchArguments}{(kind == 2 ? ", dh_tangent" : string.Empty)}, work, iwork, status);");
            w.Close();
            w.Open("else");
            w.Line("for (long long j = 0; j < P; j++) { work[t + j * T] = 0; }");
            w.Close();
            w.Line("dh_loss[threadIdx.x] = v;");
            w.Line("__syncthreads();");
            if (kind > 0)
            {
                w.Line("long long first = (long long)blockIdx.x * blockDim.x;");
                // Each output element is summed over the block's threads in thread order: no atomics, the same bits every run.
                string partials = kind == 1 ? "grad_partials" : "hvp_partials";
                w.Open("for (long long j = threadIdx.x; j < P; j += blockDim.x)");
                w.Line("dh_real s = 0;");
                w.Line("for (unsigned i = 0; i < blockDim.x; i++) { s += work[first + i + j * T]; }");
                w.Line($"{partials}[blockIdx.x * P + j] = s;");
                w.Close();
            }

            w.Open("if (threadIdx.x == 0)");
            w.Line("double s = 0;");
            w.Line("for (unsigned i = 0; i < blockDim.x; i++) { s += dh_loss[i]; }");
            w.Line("loss_partials[blockIdx.x] = s;");
            w.Close();
            w.Close();
            w.Line();
        }

        w.Open($"extern \"C\" __global__ void {p}_reduce(int blocks, int width, const dh_real* partials, dh_real* out)");
        w.Line("long long j = (long long)blockIdx.x * blockDim.x + threadIdx.x;");
        w.Open("if (j < width)");
        w.Line("dh_real s = 0;");
        w.Line("for (int b = 0; b < blocks; b++) { s += partials[(long long)b * width + j]; }");
        w.Line("out[j] = s;");
        w.Close();
        w.Close();
        w.Line();
        // The loss and the error record come back in one copy; the record is reset for the next launch.
        w.Open($"extern \"C\" __global__ void {p}_reduce_loss(int blocks, const double* partials, unsigned long long* status, dh_loss_record* out)");
        w.Open("if (blockIdx.x == 0 && threadIdx.x == 0)");
        w.Line("double s = 0;");
        w.Line("for (int b = 0; b < blocks; b++) { s += partials[b]; }");
        w.Line("out->loss = s;");
        w.Line("out->status = *status;");
        w.Line("*status = DH_NO_ERROR;");
        w.Close();
        w.Close();
    }

    private void WorkspaceLoop()
    {
        w.Open("for (int kind = 0; kind < 3; kind++)");
        w.Line("long long o[5];");
        w.Line($"{p}_slots(dh_shape, kind, o);");
        w.Line("out[2 * kind] = o[0] + o[1] + o[2];");
        w.Line("out[2 * kind + 1] = o[3] + o[4];");
        w.Close();
    }

    private void HostWrappers()
    {
        w.Open($"extern \"C\" void {p}_host_workspace(const int* dh_shape, long long* out)");
        WorkspaceLoop();
        w.Close();
        w.Line();
        w.Open($"extern \"C\" const char* {p}_host_error(int k, int part)");
        for (int k = 1; k <= errors.Messages.Count; k++)
        {
            w.Line(errors.TableLine(k));
        }

        w.Line("return 0;");
        w.Close();
        w.Line();
        w.Open($"extern \"C\" dh_real {p}_host_loss({BatchParameters}, dh_real* work, int* iwork, unsigned long long* status)");
        w.Line($"return {p}_example_loss(0, 1, 0, 1, {BatchArguments}, work, iwork, status);");
        w.Close();
        w.Line();
        foreach (var (kind, output) in new[] { (1, "grad"), (2, "hv") })
        {
            string extra = kind == 2 ? ", const dh_real* dh_tangent" : string.Empty;
            w.Open($"extern \"C\" dh_real {p}_host_{KindNames[kind]}({BatchParameters}{extra}, dh_real* work, int* iwork, dh_real* {output}, unsigned long long* status)");
            w.Line($"dh_real v = {p}_example_{KindNames[kind]}(0, 1, 0, 1, {BatchArguments}{(kind == 2 ? ", dh_tangent" : string.Empty)}, work, iwork, status);");
            w.Line($"long long P = {Width()};");
            w.Line($"for (long long j = 0; j < P; j++) {{ {output}[j] += work[j]; }}");
            w.Line("return v;");
            w.Close();
            w.Line();
        }
    }
}
