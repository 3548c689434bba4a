using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Downhill.Generators.Ir;
using Downhill.Generators.Model;
using Downhill.Generators.Transform;

namespace Downhill.Generators.Emit.CSharp;

/// <summary>
/// Writes a <see cref="LaneProgram"/> as C# over SIMD lanes, one example per lane: a varying real is a
/// <c>Vector256&lt;T&gt;</c> (4 doubles, 8 floats), a varying int a vector of as many ints, a varying bool a mask of
/// the real width, and uniform values stay scalar (broadcast where they meet varying ones). Data arguments and
/// varying scratch arrays are lane-major blocks (element j of lane l at <c>block[j * L + l]</c>); the accumulated
/// outputs are per-lane accumulators that the caller reduces after the chunk. A branch whose condition varies runs
/// each side that some lane takes, under a mask; a loop whose condition varies runs until no lane of its mask
/// continues (one that pushes records which lanes ran each iteration, so that its reverse pops each lane's own
/// iterations). A throw under a varying condition hands the block back to the per-example rows (LaneRowThrewException).
/// Arithmetic is lane-wise IEEE (no contraction), and functions (Exp, Tanh, ...) are the same scalar
/// calls per lane, so every lane's values have the per-example code's bits. Spellings come from the op table.
/// </summary>
internal sealed class CSharpLaneEmitter
{
    private const string V256 = "global::System.Runtime.Intrinsics.Vector256";
    private const string LanesType = "global::Downhill.Internal.Lanes";

    private readonly LaneProgram program;
    private readonly IrFunction f;
    private readonly Uniformity u;
    private readonly IndentedWriter w;
    private readonly bool isFloat;
    private readonly string real;
    private readonly int lanes;
    private readonly string vr;
    private readonly string vi;
    private readonly string vint;
    private readonly Dictionary<string, IrType> types = [];
    private readonly HashSet<string> outputs;
    private readonly HashSet<string> tapeStatements = [];
    private bool usesScratch;
    private int masks;
    private int duals;

    private CSharpLaneEmitter(LaneProgram program, IndentedWriter writer)
    {
        this.program = program;
        f = program.Function;
        u = program.Uniformity;
        w = writer;
        isFloat = f.IsFloat;
        real = isFloat ? "float" : "double";
        lanes = isFloat ? 8 : 4;
        vr = $"{V256}<{real}>";
        vint = isFloat ? V256 : "global::System.Runtime.Intrinsics.Vector128";
        vi = $"{vint}<int>";
        foreach (var p in f.Params)
        {
            types[p.Name] = p.Type;
        }

        foreach (var l in f.Locals)
        {
            types[l.Name] = l.Type;
        }

        outputs = new HashSet<string>(f.Params.Where(p => p.Mode is ParamMode.Ref or ParamMode.SpanOut).Select(p => p.Name));
    }

    /// <summary>
    /// Whether the lane program has a throw statement under a varying condition, where it throws
    /// <c>LaneRowThrewException</c> for the caller to run the rows per example (a uniform one throws as it is).
    /// </summary>
    public static bool HandsFailingRowsBack(LaneProgram program)
    {
        return Masked(program.Function.Body, false);

        bool Masked(EquatableArray<Stmt> block, bool masked) => block.Any(s => s switch
        {
            Throw => masked,
            If i => Masked(i.Then, masked || program.Uniformity.ControlVaries(i)) || Masked(i.Else, masked || program.Uniformity.ControlVaries(i)),
            Loop l => Masked(l.Header, masked || program.Uniformity.ControlVaries(l)) || Masked(l.Body, masked || program.Uniformity.ControlVaries(l)),
            _ => false,
        });
    }

    /// <summary>Writes the lane program of <paramref name="program"/>, which lane code supports.</summary>
    public static void Emit(LaneProgram program, IndentedWriter writer) => new CSharpLaneEmitter(program, writer).Print();

    private void Print()
    {
        var parameters = f.Params.Select(p => ParamType(p) + " " + p.Name).Concat([$"{vr} __live"]);
        w.Open($"private static {vr} {program.LaneName}({string.Join(", ", parameters)})");
        var used = StmtVars.Mentioned(f.Body);
        foreach (var l in f.Locals.Where(l => used.Contains(l.Name)))
        {
            w.Line($"{LocalType(l)} {l.Name} = {Zero(l.Type, u.Varies(l.Name))};");
        }

        var all = IrWalk.All(f.Body).ToList();
        usesScratch = all.Any(s => s is Alloc);
        if (usesScratch || all.Any(s => s is Push or Pop))
        {
            w.Line("var __tape = global::Downhill.Internal.Tape.Current;");
        }

        if (usesScratch)
        {
            w.Line("var __scratch = __tape.ScratchMark;");
        }

        Block(f.Body, "__live", false);
        w.Close();
    }

    private bool Lane(string name) => u.Varies(name);

    private bool Lane(Atom a) => u.Varies(a);

    private string ParamType(IrParam p) => (p.Type, p.Mode) switch
    {
        (IrType.Real, ParamMode.Ref) => "ref " + vr,
        (IrType.Real, _) => Lane(p.Name) ? vr : real,
        (IrType.Int, _) => Lane(p.Name) ? vi : "int",
        (IrType.RealArray, ParamMode.SpanOut) => $"global::System.Span<{real}>",
        (IrType.RealArray, _) => $"global::System.ReadOnlySpan<{real}>",
        (IrType.IntArray, _) => "global::System.ReadOnlySpan<int>",
        _ => throw new InvalidOperationException($"No lane parameter for {p.Type} {p.Mode}."),
    };

    private string LocalType(IrLocal l) => l.Type switch
    {
        IrType.Real => Lane(l.Name) ? vr : real,
        IrType.Int => Lane(l.Name) ? vi : "int",
        IrType.Bool => Lane(l.Name) ? vr : "bool",
        IrType.RealArray => $"global::System.Span<{real}>",
        _ => "global::System.Span<int>",
    };

    private string Zero(IrType type, bool varying) => type switch
    {
        IrType.Real or IrType.Bool when varying => vr + ".Zero",
        IrType.Int when varying => vi + ".Zero",
        IrType.Real or IrType.Int => "0",
        IrType.Bool => "false",
        _ => "default",
    };

    private IrType TypeOf(Atom a) => a.Var is null ? a.ConstType : types[a.Var];

    /// <summary>A uniform atom as scalar C#.</summary>
    private string S(Atom a) => a.Var ?? FunctionPrinter.Constant(a, isFloat, CSharpFunctionEmitter.RealLiteral);

    /// <summary>An atom as lanes of its type (broadcast when uniform).</summary>
    private string V(Atom a) => Lane(a) ? a.Var! : TypeOf(a) switch
    {
        IrType.Int => $"{vint}.Create({S(a)})",
        IrType.Bool => $"({S(a)} ? {vr}.AllBitsSet : {vr}.Zero)",
        _ => $"{V256}.Create({S(a)})",
    };

    /// <summary>An atom's value in lane <paramref name="l"/> as a scalar.</summary>
    private string At(Atom a, int l) => Lane(a)
        ? TypeOf(a) == IrType.Bool ? $"(({LanesType}.Bits({a.Var}) >> {l} & 1u) != 0u)" : $"{(TypeOf(a) == IrType.Int ? vint : V256)}.GetElement({a.Var}, {l})"
        : S(a);

    private static bool IsArray(IrType t) => t is IrType.RealArray or IrType.IntArray;

    /// <summary>Whether an array is lane-major: a data block, a varying scratch array, or an output accumulator.</summary>
    private bool LaneArray(string name) => Lane(name) || outputs.Contains(name);

    private void Block(IEnumerable<Stmt> block, string mask, bool masked)
    {
        foreach (var s in block)
        {
            Statement(s, mask, masked);
        }
    }

    /// <summary><c>target = value</c>, under the mask when the block is masked.</summary>
    private void Write(string target, IrType type, string value, string mask, bool masked)
    {
        if (!masked)
        {
            w.Line($"{target} = {value};");
            return;
        }

        string select = type == IrType.Int
            ? $"{vint}.ConditionalSelect({LanesType}.IntMask({mask}), {value}, {target})"
            : $"{V256}.ConditionalSelect({mask}, {value}, {target})";
        w.Line($"{target} = {select};");
    }

    private void Statement(Stmt s, string mask, bool masked)
    {
        switch (s)
        {
            case Assign a when !Lane(a.Target):
                w.Line($"{a.Target} = {Scalar(a.Op, a.Args)};");
                break;
            case Assign a:
                Write(a.Target, types[a.Target], Vector(a, mask), mask, masked);
                break;
            case Store st when !LaneArray(st.Array):
                w.Line($"{st.Array}[{S(st.Index)}] = {S(st.Value)};");
                break;
            case Store st when types[st.Array] == IrType.IntArray:
                w.Line(Lane(st.Index)
                    ? $"{LanesType}.ScatterInts({st.Array}, {st.Index.Var}, {V(st.Value)}, {mask}, false);"
                    : $"{LanesType}.StoreInts({st.Array}, {S(st.Index)}, {V(st.Value)}, {mask}, false);");
                break;
            case Store st:
                w.Line(Lane(st.Index)
                    ? $"{LanesType}.Scatter({st.Array}, {st.Index.Var}, {V(st.Value)}, {mask}, false);"
                    : $"{LanesType}.Store({st.Array}, {S(st.Index)}, {V(st.Value)}, {mask});");
                break;
            case AddTo add:
                Accumulate(add, mask, masked);
                break;
            case If i:
                Branch(i, mask, masked);
                break;
            case Loop l:
                While(l, mask, masked);
                break;
            case Alloc alloc:
                string rent = types[alloc.Array] == IrType.IntArray ? "RentInts" : isFloat ? "RentSingles" : "RentDoubles";
                string length = LaneArray(alloc.Array) ? $"({S(alloc.Length)}) * {lanes}" : S(alloc.Length);
                w.Line($"{alloc.Array} = __tape.{rent}({length});");
                break;
            case Push p:
                string push = TypeOf(p.Value) switch
                {
                    IrType.Int => "PushInts",
                    IrType.Bool => "PushMask",
                    _ => "PushReals",
                };
                w.Line($"{LanesType}.{push}(__tape, {V(p.Value)});");
                break;
            case Pop p:
                PopInto(p, mask, masked);
                break;
            case DualAssign d:
                Dual(d, mask, masked);
                break;
            case Throw t:
                // Uniform: every row throws here, the block's first row too, as it does per example. Under a mask, the
                // lanes that get here fail, but an earlier row may fail later with another message: the sum runs the
                // rows per example (LaneRowThrewException), which throws the first failing row's own exception.
                w.Line(masked
                    ? $"if ({LanesType}.Any({mask})) throw new global::Downhill.Internal.LaneRowThrewException();"
                    : $"throw new global::{t.ExceptionType}({Microsoft.CodeAnalysis.CSharp.SymbolDisplay.FormatLiteral(t.Message, quote: true)});");
                break;
            case Return r:
                if (usesScratch)
                {
                    w.Line("__tape.ReleaseScratch(__scratch);");
                }

                w.Line($"return {(Lane(r.Value) ? r.Value.Var : $"{V256}.Create({S(r.Value)})")};");
                break;
            default:
                throw new InvalidOperationException($"Lane code cannot run {s.GetType().Name}.");
        }
    }

    private void Accumulate(AddTo add, string mask, bool masked)
    {
        if (add.Index is not { } index)
        {
            if (!Lane(add.Target))
            {
                w.Line($"{add.Target} += {S(add.Value)};");
                return;
            }

            var type = types[add.Target];
            Write(add.Target, type, $"{add.Target} + {V(add.Value)}", mask, masked || outputs.Contains(add.Target));
            return;
        }

        if (!LaneArray(add.Target))
        {
            w.Line($"{add.Target}[{S(index)}] += {S(add.Value)};");
            return;
        }

        if (program.DirectOutputs.Contains(add.Target))
        {
            // An output in the caller's layout: each live lane added in lane order.
            w.Line(Lane(index)
                ? $"{LanesType}.ScatterFlat({add.Target}, {index.Var}, {V(add.Value)}, {mask}, true);"
                : $"{LanesType}.AddLanes({add.Target}, {S(index)}, {V(add.Value)}, {mask});");
            return;
        }

        if (types[add.Target] == IrType.IntArray)
        {
            w.Line(Lane(index)
                ? $"{LanesType}.ScatterInts({add.Target}, {index.Var}, {V(add.Value)}, {mask}, true);"
                : $"{LanesType}.StoreInts({add.Target}, {S(index)}, {V(add.Value)}, {mask}, true);");
            return;
        }

        w.Line(Lane(index)
            ? $"{LanesType}.Scatter({add.Target}, {index.Var}, {V(add.Value)}, {mask}, true);"
            : $"{LanesType}.Add({add.Target}, {S(index)}, {V(add.Value)}, {mask});");
    }

    private void PopInto(Pop p, string mask, bool masked)
    {
        var type = types[p.Target];
        string pop = type switch
        {
            IrType.Int => isFloat ? "PopInts8" : "PopInts4",
            IrType.Bool => isFloat ? "PopMask8" : "PopMask4",
            _ => isFloat ? "PopSingles" : "PopDoubles",
        };
        string value = $"{LanesType}.{pop}(__tape)";
        if (Lane(p.Target))
        {
            Write(p.Target, type, value, mask, masked);
            return;
        }

        // A uniform value was pushed as equal lanes: lane 0 is it.
        w.Line(type == IrType.Bool ? $"{p.Target} = ({LanesType}.Bits({value}) & 1u) != 0u;" : $"{p.Target} = {(type == IrType.Int ? vint : V256)}.GetElement({value}, 0);");
    }

    private void Dual(DualAssign d, string mask, bool masked)
    {
        string call(int? l) => $"{d.Function}({string.Join(", ", d.Args.Concat(d.Tangents).Select(a => l is { } k ? At(a, k) : S(a)))})";
        if (!Lane(d.Target) && !Lane(d.TangentTarget))
        {
            w.Line($"({d.Target}, {d.TangentTarget}) = {call(null)};");
            return;
        }

        int id = duals++;
        w.Open();
        for (int l = 0; l < lanes; l++)
        {
            w.Line($"var __d{id}_{l} = {call(l)};");
        }

        string gather(string part) => $"{V256}.Create({string.Join(", ", Enumerable.Range(0, lanes).Select(l => $"__d{id}_{l}.{part}"))})";
        Write(d.Target, IrType.Real, gather("Value"), mask, masked);
        Write(d.TangentTarget, IrType.Real, gather("Tangent"), mask, masked);
        w.Close();
    }

    private void Branch(If i, string mask, bool masked)
    {
        if (!u.ControlVaries(i))
        {
            w.Open($"if ({S(i.Cond)})");
            Block(i.Then, mask, masked);
            w.Close();
            if (i.Else.Count > 0)
            {
                w.Open("else");
                Block(i.Else, mask, masked);
                w.Close();
            }

            return;
        }

        // Both masks before either side runs: a side may write the condition's variable.
        string then = "__m" + masks++;
        string otherwise = "__m" + masks++;
        w.Line($"var {then} = {mask} & {V(i.Cond)};");
        w.Line($"var {otherwise} = {V256}.AndNot({mask}, {V(i.Cond)});");

        // Both sides run, each pushing (or popping) every lane: the forward sweep's branch pushes the then side's
        // values before the else side's, so the reverse sweep's branch, which pops, must undo the else side first.
        if (IrWalk.All(i.Then.Concat(i.Else)).Any(s => s is Pop))
        {
            Side(i.Else, otherwise);
            Side(i.Then, then);
            return;
        }

        Side(i.Then, then);
        Side(i.Else, otherwise);
    }

    /// <summary>One side of a varying branch: skipped when no lane takes it, unless it uses the tape (whose pushes and pops must pair up).</summary>
    private void Side(EquatableArray<Stmt> block, string mask)
    {
        if (block.Count == 0)
        {
            return;
        }

        bool tape = IrWalk.All(block).Any(s => s is Push or Pop);
        w.Open(tape ? string.Empty : $"if ({LanesType}.Any({mask}))");
        Block(block, mask, true);
        w.Close();
    }

    private void While(Loop l, string mask, bool masked)
    {
        if (!u.ControlVaries(l))
        {
            w.Open("while (true)");
            Block(l.Header, mask, masked);
            w.Open($"if (!{S(l.Cond)})");
            w.Line("break;");
            w.Close();
            Block(l.Body, mask, masked);
            w.Close();
            return;
        }

        // The lanes still running: a lane that left the loop never re-enters it.
        string running = "__m" + masks++;
        var inside = IrWalk.All(l.Header.Concat(l.Body)).ToList();
        string iterations = "__it" + masks++;
        if (inside.Any(s => s is Pop))
        {
            // The reverse of a loop that pushed (LanePlan allows no loop that does both): as many iterations as it
            // ran, each under the lanes that ran the iteration it undoes, so every lane pops its own iterations.
            w.Line($"int {iterations} = __tape.PopInt32();");
            w.Open($"for (; {iterations} > 0; {iterations}--)");
            w.Line($"var {running} = {mask} & {LanesType}.{(isFloat ? "PopMask8" : "PopMask4")}(__tape);");
            Block(l.Header, running, true);
            Block(l.Body, running, true);
            w.Close();
            return;
        }

        // A loop that pushes runs as long as its longest lane, every lane pushing each iteration; it records which
        // lanes ran each iteration, and how many it ran, for its reverse.
        bool pushes = inside.Any(s => s is Push);
        w.Line($"var {running} = {mask};");
        if (pushes)
        {
            w.Line($"int {iterations} = 0;");
        }

        w.Open("while (true)");
        Block(l.Header, running, true);
        w.Line($"{running} = {running} & {V(l.Cond)};");
        w.Open($"if (!{LanesType}.Any({running}))");
        w.Line("break;");
        w.Close();
        Block(l.Body, running, true);
        if (pushes)
        {
            w.Line($"{LanesType}.PushMask(__tape, {running});");
            w.Line($"{iterations}++;");
        }

        w.Close();
        if (pushes)
        {
            w.Line($"__tape.Push({iterations});");
        }
    }

    /// <summary>A uniform operation, spelled as the per-example code spells it.</summary>
    private string Scalar(Op op, EquatableArray<Atom> args)
    {
        if (op == Op.Length && args[0].Var is { } array && LaneArray(array))
        {
            return $"({array}.Length / {lanes})";
        }

        bool intOperands = args.Count > 0 && TypeOf(args[0]) == IrType.Int;
        return string.Format(CultureInfo.InvariantCulture, OpInfo.Of(op).CSharp.For(isFloat, intOperands), args.Select(S).ToArray<object>());
    }

    /// <summary>A varying target's new value: vector operations where they are exact lane-wise, else the scalar spelling per lane.</summary>
    private string Vector(Assign a, string mask)
    {
        var x = a.Args;
        var result = types[a.Target];
        if (!x.Any(Lane) && !(a.Op == Op.Load && LaneArray(x[0].Var!)))
        {
            string scalar = Scalar(a.Op, x);
            return result switch
            {
                IrType.Int => $"{vint}.Create({scalar})",
                IrType.Bool => $"(({scalar}) ? {vr}.AllBitsSet : {vr}.Zero)",
                _ => $"{V256}.Create({scalar})",
            };
        }

        var operand = x.Count > 0 ? TypeOf(x[0]) : IrType.Real;
        switch (a.Op)
        {
            case Op.Copy:
                return V(x[0]);
            case Op.Neg:
                return $"-{V(x[0])}";
            case Op.Add or Op.Sub or Op.Mul or Op.Div when result == IrType.Real || (result == IrType.Int && a.Op != Op.Div):
                string infix = a.Op switch { Op.Add => "+", Op.Sub => "-", Op.Mul => "*", _ => "/" };
                return $"{V(x[0])} {infix} {V(x[1])}";
            case Op.Square when result == IrType.Real:
                return $"{V(x[0])} * {V(x[0])}";
            case Op.Sqrt:
                return $"{V256}.Sqrt({V(x[0])})";
            case Op.Div or Op.Rem when result == IrType.Int:
                return $"{LanesType}.{(a.Op == Op.Div ? "Divide" : "Remainder")}({V(x[0])}, {V(x[1])}, {mask})";
            case Op.Lt or Op.Le or Op.Gt or Op.Ge or Op.Eq or Op.Ne when operand == IrType.Bool:
                return a.Op == Op.Eq ? $"~({V(x[0])} ^ {V(x[1])})" : $"({V(x[0])} ^ {V(x[1])})";
            case Op.Lt or Op.Le or Op.Gt or Op.Ge or Op.Eq or Op.Ne:
                string compare = a.Op switch
                {
                    Op.Lt => "LessThan",
                    Op.Le => "LessThanOrEqual",
                    Op.Gt => "GreaterThan",
                    Op.Ge => "GreaterThanOrEqual",
                    _ => "Equals",
                };
                string test = operand == IrType.Int
                    ? $"{LanesType}.Mask({vint}.{compare}({V(x[0])}, {V(x[1])}))"
                    : $"{V256}.{compare}({V(x[0])}, {V(x[1])})";
                return a.Op == Op.Ne ? $"~{test}" : test;
            case Op.And:
                return $"{V(x[0])} & {V(x[1])}";
            case Op.Or:
                return $"{V(x[0])} | {V(x[1])}";
            case Op.Not:
                return $"~{V(x[0])}";
            case Op.Select:
                return result == IrType.Int
                    ? $"{vint}.ConditionalSelect({LanesType}.IntMask({V(x[0])}), {V(x[1])}, {V(x[2])})"
                    : $"{V256}.ConditionalSelect({V(x[0])}, {V(x[1])}, {V(x[2])})";
            case Op.ToReal:
                return $"{LanesType}.ToReal({V(x[0])})";
            case Op.Load:
                return Load(x[0].Var!, x[1], result, mask);
        }

        // Per lane, the per-example spelling: the same function of the same value gives the same bits.
        bool intOperands = operand == IrType.Int;
        string template = OpInfo.Of(a.Op).CSharp.For(isFloat, intOperands);
        var perLane = Enumerable.Range(0, lanes).Select(l =>
            "(" + string.Format(CultureInfo.InvariantCulture, template, x.Select(arg => At(arg, l)).ToArray<object>()) + ")");
        string create = result == IrType.Int ? vint : V256;
        return $"{create}.Create({string.Join(", ", perLane)})";
    }

    private string Load(string array, Atom index, IrType result, string mask)
    {
        bool ints = types[array] == IrType.IntArray;
        if (LaneArray(array))
        {
            if (Lane(index))
            {
                return $"{LanesType}.GatherLanes({array}, {index.Var}, {mask})";
            }

            return ints ? $"{LanesType}.LoadInts{lanes}({array}, {S(index)})" : $"{LanesType}.Load<{real}>({array}, {S(index)})";
        }

        return $"{LanesType}.Gather({array}, {index.Var}, {mask})";
    }
}
