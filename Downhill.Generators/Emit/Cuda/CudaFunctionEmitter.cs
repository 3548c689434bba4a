using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Downhill.Generators.Ir;

namespace Downhill.Generators.Emit.Cuda;

/// <summary>A construct the CUDA emitter cannot write; the loss then runs on the CPU (DH0017 says why).</summary>
internal sealed class CudaUnsupportedException(string reason) : Exception(reason);

/// <summary>
/// Writes an IR function as a <c>static __device__</c> CUDA C function on the target-independent
/// <see cref="FunctionPrinter"/>: arrays as strided spans (<c>dh_span</c>: a lane-major data row has the
/// batch's rows as its stride), ref parameters as pointers, the tape and scratch arrays in the thread's
/// workspace (<c>dh_ws</c>, passed to every function as its last argument), value-and-tangent pairs as
/// <c>dh_pair</c>. The spellings of operations are the op table's CUDA column.
/// </summary>
internal sealed class CudaFunctionEmitter : FunctionPrinter
{
    private readonly HashSet<string> refs;
    private readonly CudaErrors errors;
    private bool usesScratch;

    private CudaFunctionEmitter(IrFunction function, IndentedWriter writer, CudaErrors errors)
        : base(function, writer)
    {
        refs = new HashSet<string>(function.Params.Where(p => p.Mode == ParamMode.Ref).Select(p => p.Name));
        this.errors = errors;
    }

    /// <summary>Writes <paramref name="function"/>'s definition; its throw statements are numbered by <paramref name="errors"/>.</summary>
    public static void Emit(IrFunction function, IndentedWriter writer, CudaErrors errors) => new CudaFunctionEmitter(function, writer, errors).Print();

    /// <summary>The function's declaration (every function is declared before any is defined: calls and recursion in any order).</summary>
    public static string Declaration(IrFunction function) => new CudaFunctionEmitter(function, new IndentedWriter(), CudaErrors.None).Signature() + ";";

    /// <summary>The C name of an IR function.</summary>
    public static string FunctionName(string name) => CudaNames.Identifier(name);

    /// <summary>The C type of a parameter.</summary>
    public static string TypeName(IrType type, ParamMode mode) => (type, mode) switch
    {
        (IrType.Real, ParamMode.Ref) => "dh_real*",
        (IrType.Real, _) => "dh_real",
        (IrType.Int, ParamMode.Ref) => throw new CudaUnsupportedException("an int passed by reference"),
        (IrType.Int, _) => "int",
        (IrType.Bool, _) => "bool",
        (IrType.RealArray, _) => "dh_span",
        (IrType.IntArray, _) => "dh_ispan",
        _ => throw new CudaUnsupportedException($"a value of type {type}"),
    };

    /// <summary>A real constant as CUDA C: invariant culture, round-trip digits, <c>f</c> for float; NaN and infinities by the prelude's functions.</summary>
    public static string RealLiteral(double value, bool isFloat)
    {
        if (double.IsNaN(value))
        {
            return "dh_nan()";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "dh_inf()" : "(-dh_inf())";
        }

        string text = isFloat ? ((float)value).ToString("R", CultureInfo.InvariantCulture) : value.ToString("R", CultureInfo.InvariantCulture);
        if (!text.Contains(".") && !text.Contains("E"))
        {
            text += ".0";
        }

        text += isFloat ? "f" : string.Empty;
        return value < 0 || text.StartsWith("-", StringComparison.Ordinal) ? "(" + text + ")" : text;
    }

    /// <inheritdoc/>
    protected override string Signature()
    {
        var parameters = Function.Params.Select(p => TypeName(p.Type, p.Mode) + " " + CudaNames.Identifier(p.Name)).Concat(["dh_ws* dh_w"]);
        string result = IrWalk.ReturnsPair(Function) ? "dh_pair" : "dh_real";
        return $"static __device__ {result} {FunctionName(Function.Name)}({string.Join(", ", parameters)})";
    }

    /// <inheritdoc/>
    protected override void DeclareLocals(IrType type, IReadOnlyList<string> names)
    {
        var (typeName, init) = type switch
        {
            IrType.Real => ("dh_real", " = 0"),
            IrType.Int => ("int", " = 0"),
            IrType.Bool => ("bool", " = false"),
            IrType.RealArray => ("dh_span", " = { 0, 0, 0 }"),
            IrType.IntArray => ("dh_ispan", " = { 0, 0, 0 }"),
            _ => throw new CudaUnsupportedException($"a local of type {type}"),
        };
        var items = names.Select(n => CudaNames.Identifier(n) + init).ToList();
        for (int k = 0; k < items.Count; k += 6)
        {
            W.Line($"{typeName} {string.Join(", ", items.Skip(k).Take(6))};");
        }
    }

    /// <inheritdoc/>
    protected override void Prologue(IReadOnlyList<Stmt> statements)
    {
        usesScratch = statements.Any(s => s is Alloc);
        if (usesScratch)
        {
            // Scratch arrays live until the function returns, as the C# code's rented arrays do.
            W.Line("long long dh_mark_r = dh_w->srtop, dh_mark_i = dh_w->sitop;");
        }
    }

    /// <inheritdoc/>
    protected override OpSpelling Spelling(OpInfo info) => info.Cuda;

    /// <inheritdoc/>
    protected override string Name(string variable) => refs.Contains(variable) ? "(*" + CudaNames.Identifier(variable) + ")" : CudaNames.Identifier(variable);

    /// <inheritdoc/>
    protected override string Element(string array, string index)
    {
        string a = CudaNames.Identifier(array);
        return $"{a}.p[(long long)({index}) * {a}.s]";
    }

    /// <inheritdoc/>
    protected override string A(Atom a) => a.Var is { } v ? Name(v) : Constant(a, Function.IsFloat, RealLiteral);

    /// <inheritdoc/>
    protected override void TargetStatement(Stmt s)
    {
        switch (s)
        {
            case Call c:
                var args = c.Args.Select(CallArgument).Concat(["dh_w"]);
                string call = $"{FunctionName(c.Function)}({string.Join(", ", args)})";
                W.Line(c.Target is null ? call + ";" : $"{Name(c.Target)} = {call};");
                StopIfThrown(c.Function);
                break;
            case Alloc alloc:
                string kind = TypeOf(alloc.Array) == IrType.IntArray ? "i" : "r";
                W.Line($"{Name(alloc.Array)} = dh_alloc_{kind}(dh_w, {A(alloc.Length)});");
                break;
            case Push p:
                W.Line(p.Type == IrType.Real ? $"dh_push_r(dh_w, {A(p.Value)});" : $"dh_push_i(dh_w, (int)({A(p.Value)}));");
                break;
            case Pop p:
                W.Line(TypeOf(p.Target) switch
                {
                    IrType.Real => $"{Name(p.Target)} = dh_pop_r(dh_w);",
                    IrType.Bool => $"{Name(p.Target)} = dh_pop_i(dh_w) != 0;",
                    _ => $"{Name(p.Target)} = dh_pop_i(dh_w);",
                });
                break;
            case Return r:
                if (usesScratch)
                {
                    W.Line("dh_w->srtop = dh_mark_r;");
                    W.Line("dh_w->sitop = dh_mark_i;");
                }

                W.Line(r.Tangent is { } tangent ? $"return dh_make_pair({A(r.Value)}, {A(tangent)});" : $"return {A(r.Value)};");
                break;
            case DualAssign d:
                W.Open();
                W.Line($"dh_pair dh_p = {FunctionName(d.Function)}({string.Join(", ", d.Args.Concat(d.Tangents).Select(A).Concat(["dh_w"]))});");
                W.Line($"{Name(d.Target)} = dh_p.v;");
                W.Line($"{Name(d.TangentTarget)} = dh_p.t;");
                W.Close();
                StopIfThrown(d.Function);
                break;
            case Throw t:
                // A kernel cannot raise: the example records which throw stopped it and returns through its callers.
                W.Open();
                W.Line($"dh_w->err = {errors.Number(t).ToString(CultureInfo.InvariantCulture)};");
                Abandon();
                W.Close();
                break;
            default:
                throw new CudaUnsupportedException($"a {s.GetType().Name} statement");
        }
    }

    /// <summary>After a call of a function that can throw: when it did, this function stops too (its caller checks in turn).</summary>
    private void StopIfThrown(string callee)
    {
        if (errors.CanThrow(callee))
        {
            W.Open("if (dh_w->err != 0)");
            Abandon();
            W.Close();
        }
    }

    /// <summary>Returns early with NaN (the example's results are discarded: the host raises the recorded error).</summary>
    private void Abandon()
    {
        if (usesScratch)
        {
            W.Line("dh_w->srtop = dh_mark_r;");
            W.Line("dh_w->sitop = dh_mark_i;");
        }

        W.Line(IrWalk.ReturnsPair(Function) ? "return dh_make_pair(dh_nan(), dh_nan());" : "return dh_nan();");
    }

    private string CallArgument(CallArg arg)
    {
        if (arg.Mode != ParamMode.Ref)
        {
            return A(arg.Atom);
        }

        if (arg.Atom.Var is not { } v)
        {
            throw new CudaUnsupportedException("a constant passed by reference");
        }

        string name = CudaNames.Identifier(v);
        return refs.Contains(v) ? name : "&" + name;
    }
}
