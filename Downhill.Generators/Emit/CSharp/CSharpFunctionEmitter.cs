using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Downhill.Generators.Ir;
using Downhill.Generators.Model;

namespace Downhill.Generators.Emit.CSharp;

/// <summary>
/// Writes an IR function as a private static C# method, straight code a reader can follow: the C# spellings
/// (types, literals, <c>ref</c> arguments, the tape of <c>Downhill.Internal.Tape</c>, value-and-tangent pairs)
/// on the target-independent <see cref="FunctionPrinter"/>.
/// </summary>
internal sealed class CSharpFunctionEmitter : FunctionPrinter
{
    private readonly string real;
    private readonly bool reservedPushes;
    private bool usesScratch;

    private CSharpFunctionEmitter(IrFunction function, IndentedWriter writer, bool reservedPushes)
        : base(function, writer)
    {
        this.reservedPushes = reservedPushes;
        real = Function.IsFloat ? "float" : "double";
    }

    /// <param name="reservedPushes">
    /// Push with <c>Tape.PushReserved</c>, which throws when the tape is full instead of growing it: only for
    /// functions that generated entry points call directly (they grow the tape and run again).
    /// </param>
    public static void Emit(IrFunction function, IndentedWriter writer, bool reservedPushes = false) =>
        new CSharpFunctionEmitter(function, writer, reservedPushes).Print();

    /// <summary>A real constant as C# source, invariant culture, typed for the element type.</summary>
    public static string RealLiteral(double value, bool isFloat)
    {
        string type = isFloat ? "float" : "double";
        if (double.IsNaN(value))
        {
            return type + ".NaN";
        }

        if (double.IsPositiveInfinity(value))
        {
            return type + ".PositiveInfinity";
        }

        if (double.IsNegativeInfinity(value))
        {
            return type + ".NegativeInfinity";
        }

        string text = isFloat ? ((float)value).ToString("R", CultureInfo.InvariantCulture) : value.ToString("R", CultureInfo.InvariantCulture);
        if (!text.Contains(".") && !text.Contains("E"))
        {
            text += ".0";
        }

        text += isFloat ? "f" : string.Empty;
        return value < 0 ? "(" + text + ")" : text;
    }

    public static string TypeName(IrType type, ParamMode mode, bool isFloat)
    {
        string real = isFloat ? "float" : "double";
        return (type, mode) switch
        {
            (IrType.Real, ParamMode.Ref) => "ref " + real,
            (IrType.Real, _) => real,
            (IrType.Int, _) => "int",
            (IrType.Bool, _) => "bool",
            (IrType.RealArray, ParamMode.SpanOut or ParamMode.SpanInOut) => "global::System.Span<" + real + ">",
            (IrType.IntArray, ParamMode.SpanInOut) => "global::System.Span<int>",
            (IrType.RealArray, _) => "global::System.ReadOnlySpan<" + real + ">",
            (IrType.IntArray, _) => "global::System.ReadOnlySpan<int>",
            _ => throw new InvalidOperationException($"No C# type for {type}."),
        };
    }

    /// <inheritdoc/>
    protected override string Signature()
    {
        var parameters = string.Join(", ", Function.Params.Select(p => TypeName(p.Type, p.Mode, Function.IsFloat) + " " + p.Name));
        bool pair = IrWalk.ReturnsPair(Function);
        return $"private static {(pair ? $"({real} Value, {real} Tangent)" : real)} {Function.Name}({parameters})";
    }

    /// <inheritdoc/>
    protected override void DeclareLocals(IrType type, IReadOnlyList<string> names)
    {
        string init = type switch
        {
            IrType.Real => " = 0",
            IrType.Int => " = 0",
            IrType.Bool => " = false",
            _ => " = default",
        };
        string typeName = type switch
        {
            IrType.RealArray => $"global::System.Span<{real}>",
            IrType.IntArray => "global::System.Span<int>",
            _ => TypeName(type, ParamMode.In, Function.IsFloat),
        };
        foreach (var chunk in Chunk(names.Select(n => n + init).ToList(), 6))
        {
            W.Line($"{typeName} {string.Join(", ", chunk)};");
        }
    }

    /// <inheritdoc/>
    protected override void Prologue(IReadOnlyList<Stmt> statements)
    {
        usesScratch = statements.Any(s => s is Alloc);
        if (usesScratch || statements.Any(s => s is Push or Pop))
        {
            W.Line("var __tape = global::Downhill.Internal.Tape.Current;");
        }

        if (usesScratch)
        {
            W.Line("var __scratch = __tape.ScratchMark;");
        }
    }

    /// <inheritdoc/>
    protected override OpSpelling Spelling(OpInfo info) => info.CSharp;

    private static IEnumerable<List<string>> Chunk(List<string> items, int size)
    {
        for (int k = 0; k < items.Count; k += size)
        {
            yield return items.Skip(k).Take(size).ToList();
        }
    }

    /// <inheritdoc/>
    protected override string A(Atom a) => a.Var ?? Constant(a, Function.IsFloat, RealLiteral);

    /// <inheritdoc/>
    protected override void TargetStatement(Stmt s)
    {
        switch (s)
        {
            case Call c:
                string args = string.Join(", ", c.Args.Select(arg => (arg.Mode == ParamMode.Ref ? "ref " : string.Empty) + A(arg.Atom)));
                W.Line(c.Target is null ? $"{c.Function}({args});" : $"{c.Target} = {c.Function}({args});");
                break;
            case Alloc alloc:
                string rent = TypeOf(alloc.Array) == IrType.IntArray ? "RentInts" : Function.IsFloat ? "RentSingles" : "RentDoubles";
                W.Line($"{alloc.Array} = __tape.{rent}({A(alloc.Length)});");
                break;
            case Push p:
                W.Line($"__tape.{(reservedPushes ? "PushReserved" : "Push")}({A(p.Value)});");
                break;
            case Pop p:
                string pop = TypeOf(p.Target) switch
                {
                    IrType.Int => "PopInt32",
                    IrType.Bool => "PopBoolean",
                    _ => Function.IsFloat ? "PopSingle" : "PopDouble",
                };
                W.Line($"{p.Target} = __tape.{pop}();");
                break;
            case Return r:
                if (usesScratch)
                {
                    W.Line("__tape.ReleaseScratch(__scratch);");
                }

                W.Line(r.Tangent is { } tangent ? $"return ({A(r.Value)}, {A(tangent)});" : $"return {A(r.Value)};");
                break;
            case DualAssign d:
                W.Line($"({d.Target}, {d.TangentTarget}) = {d.Function}({string.Join(", ", d.Args.Concat(d.Tangents).Select(A))});");
                break;
            case Throw t:
                W.Line($"throw new global::{t.ExceptionType}({Microsoft.CodeAnalysis.CSharp.SymbolDisplay.FormatLiteral(t.Message, quote: true)});");
                break;
            default:
                throw new InvalidOperationException($"Cannot emit {s.GetType().Name}.");
        }
    }
}
