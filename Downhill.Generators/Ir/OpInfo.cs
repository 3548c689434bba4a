using System;
using System.Collections.Generic;
using System.Linq;

namespace Downhill.Generators.Ir;

/// <summary>How an operation is spelled for one target: a composite-format template over its arguments.</summary>
/// <param name="Double">The spelling when the function's element type is double.</param>
/// <param name="Float">The spelling when it is float.</param>
/// <param name="Int">The spelling when the operands are integers, where that differs (Abs, Max, Min, Sign, Rem); else null.</param>
internal sealed record OpSpelling(string Double, string Float, string? Int = null)
{
    /// <summary>The template for the given operand types.</summary>
    public string For(bool isFloat, bool intOperands) => intOperands && Int is not null ? Int : isFloat ? Float : Double;
}

/// <summary>
/// Every fact about one <see cref="Ir.Op"/> in one record (as Enzyme's <c>InstructionDerivatives.td</c> keeps one
/// record per function, and ILGPU's <c>CLInstructions.Data.cs</c> one spelling per target): how the user writes
/// it, its arity, whether it has a kink, whether it is differentiated, whether the JIT compiles it to a call,
/// and its spelling per target. The parser, the derivative rules and every emitter read it; the derivative
/// formulas themselves are IR (<c>Transform.Rules.Partials</c>), so that forward over reverse reuses them.
/// </summary>
/// <param name="Op">The operation.</param>
/// <param name="Arity">The number of arguments.</param>
/// <param name="MathName">The name of the <c>System.Math</c>/<c>System.MathF</c> function the parser reads as this operation (same arity), or null.</param>
/// <param name="FnName">The name of the <c>Downhill.Fn</c> function the parser reads as this operation (same arity), or null.</param>
/// <param name="Kink">Whether the operation is not smooth somewhere (DH0012 notes it in a loss).</param>
/// <param name="Differentiable">Whether its result carries a derivative (false: integers, comparisons, rounding).</param>
/// <param name="IsCall">Whether the JIT compiles it to a call of the C runtime or of <c>Fn</c> rather than to an instruction.</param>
/// <param name="CSharp">Its C# spelling.</param>
/// <param name="Cuda">Its CUDA C spelling (device functions of <c>math.h</c>; Fn's functions as <c>__dh_</c> device helpers).</param>
internal sealed record OpInfo(Op Op, int Arity, string? MathName, string? FnName, bool Kink, bool Differentiable, bool IsCall, OpSpelling CSharp, OpSpelling Cuda)
{
    private const string M = "global::System.Math.";
    private const string MF = "global::System.MathF.";
    private const string Fn = "global::Downhill.Fn.";

    private static readonly OpInfo[] Table = Build();

    /// <summary>Every operation's record, in <see cref="Ir.Op"/> order.</summary>
    public static IReadOnlyList<OpInfo> All => Table;

    /// <summary>The record of <paramref name="op"/>.</summary>
    public static OpInfo Of(Op op) => Table[(int)op];

    /// <summary>The operation that <c>Math.name</c>/<c>MathF.name</c> with <paramref name="arity"/> arguments is read as, if any.</summary>
    public static Op? FromMath(string name, int arity) => Table.FirstOrDefault(i => i.MathName == name && i.Arity == arity)?.Op;

    /// <summary>The operation that <c>Fn.name</c> with <paramref name="arity"/> arguments is read as, if any.</summary>
    public static Op? FromFn(string name, int arity) => Table.FirstOrDefault(i => i.FnName == name && i.Arity == arity)?.Op;

    private static OpInfo[] Build()
    {
        var list = new List<OpInfo>
        {
            Infix(Op.Copy, 1, "{0}"),
            Infix(Op.Neg, 1, "-{0}"),
            Infix(Op.Add, 2, "{0} + {1}"),
            Infix(Op.Sub, 2, "{0} - {1}"),
            Infix(Op.Mul, 2, "{0} * {1}"),
            Infix(Op.Div, 2, "{0} / {1}"),
            new(Op.Rem, 2, null, null, Kink: false, Differentiable: false, IsCall: false, new("{0} % {1}", "{0} % {1}"), new("fmod({0}, {1})", "fmodf({0}, {1})", "{0} % {1}")),

            MathCall(Op.Exp, "Exp", "exp"),
            MathCall(Op.Log, "Log", "log"),
            MathCall(Op.Log2, "Log2", "log2"),
            MathCall(Op.Log10, "Log10", "log10"),
            MathInline(Op.Sqrt, "Sqrt", "sqrt"),
            MathCall(Op.Cbrt, "Cbrt", "cbrt"),
            MathCall(Op.Sin, "Sin", "sin"),
            MathCall(Op.Cos, "Cos", "cos"),
            MathCall(Op.Tan, "Tan", "tan"),
            MathCall(Op.Asin, "Asin", "asin"),
            MathCall(Op.Acos, "Acos", "acos"),
            MathCall(Op.Atan, "Atan", "atan"),
            MathCall(Op.Sinh, "Sinh", "sinh"),
            MathCall(Op.Cosh, "Cosh", "cosh"),
            MathCall(Op.Tanh, "Tanh", "tanh"),
            MathCall(Op.Asinh, "Asinh", "asinh"),
            MathCall(Op.Acosh, "Acosh", "acosh"),
            MathCall(Op.Atanh, "Atanh", "atanh"),
            MathInline(Op.Abs, "Abs", "fabs", kink: true) with { CSharp = new(M + "Abs({0})", MF + "Abs({0})", M + "Abs({0})"), Cuda = new("fabs({0})", "fabsf({0})", "abs({0})") },
            Rounding(Op.Floor, "Floor", "floor"),
            Rounding(Op.Ceiling, "Ceiling", "ceil"),

            // Math.Round rounds half to even, as rint does under the default rounding mode.
            Rounding(Op.Round, "Round", "rint"),
            Rounding(Op.Truncate, "Truncate", "trunc"),
            FnCall(Op.Sigmoid, "Sigmoid"),
            FnCall(Op.LogSigmoid, "LogSigmoid"),
            FnCall(Op.Softplus, "Softplus"),
            FnCall(Op.Relu, "Relu") with { Kink = true, IsCall = false },
            new(Op.Square, 1, null, "Square", Kink: false, Differentiable: true, IsCall: false, new("{0} * {0}", "{0} * {0}"), new("{0} * {0}", "{0} * {0}")),
            FnCall(Op.Log1P, "Log1P") with { Cuda = new("log1p({0})", "log1pf({0})") },
            FnCall(Op.Expm1, "Expm1") with { Cuda = new("expm1({0})", "expm1f({0})") },

            MathCall(Op.Pow, "Pow", "pow", arity: 2),
            MathCall(Op.Atan2, "Atan2", "atan2", arity: 2),
            MathInline(Op.Max, "Max", "fmax", kink: true, arity: 2) with { CSharp = new(M + "Max({0}, {1})", MF + "Max({0}, {1})", M + "Max({0}, {1})"), Cuda = new("fmax({0}, {1})", "fmaxf({0}, {1})", "max({0}, {1})") },
            MathInline(Op.Min, "Min", "fmin", kink: true, arity: 2) with { CSharp = new(M + "Min({0}, {1})", MF + "Min({0}, {1})", M + "Min({0}, {1})"), Cuda = new("fmin({0}, {1})", "fminf({0}, {1})", "min({0}, {1})") },
            FnCall(Op.LogSumExp2, "LogSumExp", arity: 2) with { Cuda = new("__dh_logsumexp({0}, {1})", "__dh_logsumexpf({0}, {1})") },

            Logic(Op.Lt, 2, "{0} < {1}"),
            Logic(Op.Le, 2, "{0} <= {1}"),
            Logic(Op.Gt, 2, "{0} > {1}"),
            Logic(Op.Ge, 2, "{0} >= {1}"),
            Logic(Op.Eq, 2, "{0} == {1}"),
            Logic(Op.Ne, 2, "{0} != {1}"),
            Logic(Op.And, 2, "{0} & {1}"),
            Logic(Op.Or, 2, "{0} | {1}"),
            Logic(Op.Not, 1, "!{0}"),
            Infix(Op.Select, 3, "{0} ? {1} : {2}"),
            new(Op.ToReal, 1, null, null, Kink: false, Differentiable: false, IsCall: false, new("(double){0}", "(float){0}"), new("(double){0}", "(float){0}")),
            Logic(Op.ToInt, 1, "(int){0}"),

            // CUDA C arrays are strided spans (dh_span: pointer, length, stride), since a data row is lane-major.
            Infix(Op.Load, 2, "{0}[{1}]") with { Cuda = new("{0}.p[({1}) * {0}.s]", "{0}.p[({1}) * {0}.s]") },
            new(Op.Length, 1, null, null, Kink: false, Differentiable: false, IsCall: false, new("{0}.Length", "{0}.Length"), new("{0}.n", "{0}.n")),
            new(Op.Sign, 1, "Sign", null, Kink: false, Differentiable: false, IsCall: false, new(M + "Sign({0})", MF + "Sign({0})", M + "Sign({0})"), new("(({0} > 0.0) - ({0} < 0.0))", "(({0} > 0.0f) - ({0} < 0.0f))", "(({0} > 0) - ({0} < 0))")),
        };

        var table = new OpInfo[Enum.GetValues(typeof(Op)).Length];
        foreach (var info in list)
        {
            table[(int)info.Op] = info;
        }

        return table;
    }

    private static OpInfo Infix(Op op, int arity, string spelling) =>
        new(op, arity, null, null, Kink: false, Differentiable: true, IsCall: false, new(spelling, spelling), new(spelling, spelling));

    private static OpInfo Logic(Op op, int arity, string spelling) => Infix(op, arity, spelling) with { Differentiable = false };

    private static string Params(int arity) => string.Join(", ", Enumerable.Range(0, arity).Select(k => "{" + k + "}"));

    private static OpInfo MathCall(Op op, string name, string cuda, int arity = 1) =>
        new(op, arity, name, null, Kink: false, Differentiable: true, IsCall: true, new($"{M}{name}({Params(arity)})", $"{MF}{name}({Params(arity)})"), new($"{cuda}({Params(arity)})", $"{cuda}f({Params(arity)})"));

    private static OpInfo MathInline(Op op, string name, string cuda, bool kink = false, int arity = 1) => MathCall(op, name, cuda, arity) with { IsCall = false, Kink = kink };

    private static OpInfo Rounding(Op op, string name, string cuda) => MathInline(op, name, cuda, kink: true) with { Differentiable = false };

    private static OpInfo FnCall(Op op, string name, int arity = 1) =>
        new(op, arity, null, name, Kink: false, Differentiable: true, IsCall: true, new($"{Fn}{name}({Params(arity)})", $"{Fn}{name}({Params(arity)})"), new($"__dh_{name.ToLowerInvariant()}({Params(arity)})", $"__dh_{name.ToLowerInvariant()}f({Params(arity)})"));
}
