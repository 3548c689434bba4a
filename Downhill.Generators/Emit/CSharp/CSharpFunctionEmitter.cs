using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Downhill.Generators.Ir;
using Downhill.Generators.Model;

namespace Downhill.Generators.Emit.CSharp;

/// <summary>Writes an IR function as a private static C# method: straight code a reader can follow.</summary>
internal sealed class CSharpFunctionEmitter
{
    private readonly IrFunction function;
    private readonly IndentedWriter w;
    private readonly Dictionary<string, IrType> types = [];
    private readonly string real;
    private readonly string math;
    private bool usesScratch;

    private readonly bool reservedPushes;

    private CSharpFunctionEmitter(IrFunction function, IndentedWriter writer, bool reservedPushes)
    {
        this.function = function;
        this.reservedPushes = reservedPushes;
        w = writer;
        real = function.IsFloat ? "float" : "double";
        math = function.IsFloat ? "global::System.MathF" : "global::System.Math";
        foreach (var p in function.Params)
        {
            types[p.Name] = p.Type;
        }

        foreach (var l in function.Locals)
        {
            types[l.Name] = l.Type;
        }
    }

    /// <param name="reservedPushes">
    /// Push with <c>Tape.PushReserved</c>, which throws when the tape is full instead of growing it: only for
    /// functions that generated entry points call directly (they grow the tape and run again).
    /// </param>
    public static void Emit(IrFunction function, IndentedWriter writer, bool reservedPushes = false) =>
        new CSharpFunctionEmitter(function, writer, reservedPushes).Emit();

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
            (IrType.RealArray, ParamMode.SpanOut) => "global::System.Span<" + real + ">",
            (IrType.RealArray, _) => "global::System.ReadOnlySpan<" + real + ">",
            (IrType.IntArray, _) => "global::System.ReadOnlySpan<int>",
            _ => throw new InvalidOperationException($"No C# type for {type}."),
        };
    }

    private void Emit()
    {
        var parameters = string.Join(", ", function.Params.Select(p => TypeName(p.Type, p.Mode, function.IsFloat) + " " + p.Name));
        bool pair = IrWalk.ReturnsPair(function);
        w.Open($"private static {(pair ? $"({real} Value, {real} Tangent)" : real)} {function.Name}({parameters})");
        var used = new HashSet<string>();
        Collect(function.Body, used);
        var statements = IrWalk.All(function.Body).ToList();
        usesScratch = statements.Any(s => s is Alloc);
        bool usesTape = usesScratch || statements.Any(s => s is Push or Pop);
        foreach (var group in function.Locals.Where(l => used.Contains(l.Name)).GroupBy(l => l.Type))
        {
            string init = group.Key switch
            {
                IrType.Real => " = 0",
                IrType.Int => " = 0",
                IrType.Bool => " = false",
                _ => " = default",
            };
            string type = group.Key switch
            {
                IrType.RealArray => $"global::System.Span<{real}>",
                IrType.IntArray => "global::System.Span<int>",
                _ => TypeName(group.Key, ParamMode.In, function.IsFloat),
            };
            foreach (var chunk in Chunk(group.Select(l => l.Name + init).ToList(), 6))
            {
                w.Line($"{type} {string.Join(", ", chunk)};");
            }
        }

        if (usesTape)
        {
            w.Line("var __tape = global::Downhill.Internal.Tape.Current;");
        }

        if (usesScratch)
        {
            w.Line("var __scratch = __tape.ScratchMark;");
        }

        Block(function.Body);
        w.Close();
    }

    private static IEnumerable<List<string>> Chunk(List<string> items, int size)
    {
        for (int k = 0; k < items.Count; k += size)
        {
            yield return items.Skip(k).Take(size).ToList();
        }
    }

    private static void Collect(IEnumerable<Stmt> block, HashSet<string> used)
    {
        void Add(Atom a)
        {
            if (a.Var is { } v)
            {
                used.Add(v);
            }
        }

        foreach (var s in block)
        {
            switch (s)
            {
                case Assign a:
                    used.Add(a.Target);
                    foreach (var x in a.Args)
                    {
                        Add(x);
                    }

                    break;
                case Store st:
                    used.Add(st.Array);
                    Add(st.Index);
                    Add(st.Value);
                    break;
                case AddTo add:
                    used.Add(add.Target);
                    if (add.Index is { } index)
                    {
                        Add(index);
                    }

                    Add(add.Value);
                    break;
                case If i:
                    Add(i.Cond);
                    Collect(i.Then, used);
                    Collect(i.Else, used);
                    break;
                case Loop l:
                    Add(l.Cond);
                    Collect(l.Header, used);
                    Collect(l.Body, used);
                    break;
                case Call c:
                    if (c.Target is not null)
                    {
                        used.Add(c.Target);
                    }

                    foreach (var x in c.Args)
                    {
                        Add(x.Atom);
                    }

                    break;
                case Alloc alloc:
                    used.Add(alloc.Array);
                    Add(alloc.Length);
                    break;
                case Push p:
                    Add(p.Value);
                    break;
                case Pop p:
                    used.Add(p.Target);
                    break;
                case Return r:
                    Add(r.Value);
                    if (r.Tangent is { } t)
                    {
                        Add(t);
                    }

                    break;
                case DualAssign d:
                    used.Add(d.Target);
                    used.Add(d.TangentTarget);
                    foreach (var x in d.Args.Concat(d.Tangents))
                    {
                        Add(x);
                    }

                    break;
            }
        }
    }

    private string A(Atom a) => a.Var ?? a.ConstType switch
    {
        IrType.Int => ((int)a.Value).ToString(CultureInfo.InvariantCulture),
        IrType.Bool => a.Value != 0 ? "true" : "false",
        _ => RealLiteral(a.Value, function.IsFloat),
    };

    private IrType TypeOf(Atom a) => a.Var is null ? a.ConstType : types[a.Var];

    private void Block(IEnumerable<Stmt> block)
    {
        foreach (var s in block)
        {
            Statement(s);
        }
    }

    private void Statement(Stmt s)
    {
        switch (s)
        {
            case Assign a:
                w.Line($"{a.Target} = {Expression(a)};");
                break;
            case Store st:
                w.Line($"{st.Array}[{A(st.Index)}] = {A(st.Value)};");
                break;
            case AddTo add:
                w.Line(add.Index is { } index ? $"{add.Target}[{A(index)}] += {A(add.Value)};" : $"{add.Target} += {A(add.Value)};");
                break;
            case If i:
                if (i.Then.Count == 0 && i.Else.Count == 0)
                {
                    break;
                }

                if (i.Then.Count == 0)
                {
                    w.Open($"if (!{A(i.Cond)})");
                    Block(i.Else);
                    w.Close();
                    break;
                }

                w.Open($"if ({A(i.Cond)})");
                Block(i.Then);
                w.Close();
                if (i.Else.Count > 0)
                {
                    w.Open("else");
                    Block(i.Else);
                    w.Close();
                }

                break;
            case Loop l:
                if (l.Header.Count == 1 && l.Header[0] is Assign test && test.Target == l.Cond.Var && IsComparison(test.Op) && !Mentions(l.Body, test.Target))
                {
                    // The usual counted loop reads as a while over its condition.
                    w.Open($"while ({Expression(test)})");
                    Block(l.Body);
                    w.Close();
                    break;
                }

                w.Open("while (true)");
                Block(l.Header);
                w.Open($"if (!{A(l.Cond)})");
                w.Line("break;");
                w.Close();
                w.Line();
                Block(l.Body);
                w.Close();
                break;
            case Call c:
                string args = string.Join(", ", c.Args.Select(arg => (arg.Mode == ParamMode.Ref ? "ref " : string.Empty) + A(arg.Atom)));
                w.Line(c.Target is null ? $"{c.Function}({args});" : $"{c.Target} = {c.Function}({args});");
                break;
            case Alloc alloc:
                string rent = types[alloc.Array] == IrType.IntArray ? "RentInts" : function.IsFloat ? "RentSingles" : "RentDoubles";
                w.Line($"{alloc.Array} = __tape.{rent}({A(alloc.Length)});");
                break;
            case Push p:
                w.Line($"__tape.{(reservedPushes ? "PushReserved" : "Push")}({A(p.Value)});");
                break;
            case Pop p:
                string pop = types[p.Target] switch
                {
                    IrType.Int => "PopInt32",
                    IrType.Bool => "PopBoolean",
                    _ => function.IsFloat ? "PopSingle" : "PopDouble",
                };
                w.Line($"{p.Target} = __tape.{pop}();");
                break;
            case Return r:
                if (usesScratch)
                {
                    w.Line("__tape.ReleaseScratch(__scratch);");
                }

                w.Line(r.Tangent is { } tangent ? $"return ({A(r.Value)}, {A(tangent)});" : $"return {A(r.Value)};");
                break;
            case DualAssign d:
                w.Line($"({d.Target}, {d.TangentTarget}) = {d.Function}({string.Join(", ", d.Args.Concat(d.Tangents).Select(A))});");
                break;
            default:
                throw new InvalidOperationException($"Cannot emit {s.GetType().Name}.");
        }
    }

    private static bool IsComparison(Op op) => op is Op.Lt or Op.Le or Op.Gt or Op.Ge or Op.Eq or Op.Ne;

    private static bool Mentions(IEnumerable<Stmt> block, string name)
    {
        var used = new HashSet<string>();
        Collect(block, used);
        return used.Contains(name);
    }

    /// <summary>The C# spelling of an assignment's right side, from the op table (Ir/OpInfo.cs).</summary>
    private string Expression(Assign a)
    {
        var x = a.Args;
        var info = OpInfo.Of(a.Op);
        if (info.Arity != x.Count)
        {
            throw new InvalidOperationException($"{a.Op} takes {info.Arity} arguments, not {x.Count}.");
        }

        bool intOperands = x.Count > 0 && TypeOf(x[0]) == IrType.Int;
        var args = x.Select(A).ToArray<object>();
        return string.Format(System.Globalization.CultureInfo.InvariantCulture, info.CSharp.For(real == "float", intOperands), args);
    }
}
