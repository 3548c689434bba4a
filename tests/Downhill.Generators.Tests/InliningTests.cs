using Downhill.Generators.Ir;
using Downhill.Generators.Model;
using Downhill.Generators.Transform;

namespace Downhill.Generators.Tests;

/// <summary>
/// The expansion of helper calls for lane code (Transform/Inlining.cs): each call site gets its own copy, so a helper
/// called with uniform arguments stays uniform and one called with varying ones varies; arrays and ref outputs are
/// the caller's; a copy that can run more than once starts from zeroed locals, as a call does.
/// </summary>
public class InliningTests
{
    private static Atom V(string name) => Atom.Of(name);

    private static EquatableArray<Stmt> Block(params Stmt[] statements) => statements.ToEquatableArray();

    private static Assign Set(string target, Op op, params Atom[] args) => new(target, op, args.ToEquatableArray());

    private static Call Call(string? target, string function, params CallArg[] args) => new(target, function, args.ToEquatableArray());

    private static IrFunction Function(string name, IrParam[] parameters, (string Name, IrType Type)[] locals, params Stmt[] body) =>
        new(name, false, parameters.ToEquatableArray(), locals.Select(l => new IrLocal(l.Name, l.Type)).ToEquatableArray(), Block(body));

    /// <summary>square(v) = v * v, accumulating into a local first (a zeroed local is read).</summary>
    private static IrFunction Square() => Function(
        "square",
        [new("v", IrType.Real, ParamMode.In)],
        [("acc", IrType.Real), ("p", IrType.Real)],
        Set("p", Op.Mul, V("v"), V("v")),
        new AddTo("acc", null, V("p")),
        new Return(V("acc")));

    [Fact]
    public void EachCallSiteIsItsOwnCopySoAUniformCallStaysUniformAndAVaryingOneVaries()
    {
        var f = Function(
            "f",
            [new("a", IrType.Real, ParamMode.In), new("x", IrType.Real, ParamMode.In)],
            [("r1", IrType.Real), ("r2", IrType.Real), ("r", IrType.Real)],
            Call("r1", "square", new CallArg(V("a"), ParamMode.In)),
            Call("r2", "square", new CallArg(V("x"), ParamMode.In)),
            Set("r", Op.Add, V("r1"), V("r2")),
            new Return(V("r")));
        var program = LaneProgram.For(f, [false, true], new Dictionary<string, IrFunction> { ["square"] = Square() });
        Assert.Null(program.Unsupported);
        Assert.DoesNotContain(IrWalk.All(program.Function.Body), s => s is Call);
        var u = program.Uniformity;
        Assert.False(u.Varies("r1"));
        Assert.False(u.Varies("__inl0_acc"));
        Assert.True(u.Varies("r2"));
        Assert.True(u.Varies("__inl1_acc"));

        // The read-only parameter is the argument itself; the return is a copy into the call's target.
        Assert.Contains(IrWalk.All(program.Function.Body), s => s is Assign { Target: "__inl1_p", Op: Op.Mul } a && a.Args[0].Var == "x");
        Assert.Contains(IrWalk.All(program.Function.Body), s => s is Assign { Target: "r2", Op: Op.Copy } a && a.Args[0].Var == "__inl1_acc");
    }

    [Fact]
    public void ACallInALoopStartsFromZeroedLocalsAndAWrittenParameterIsACopy()
    {
        var bump = Function(
            "bump",
            [new("v", IrType.Real, ParamMode.In), new("out", IrType.RealArray, ParamMode.SpanInOut)],
            [("t", IrType.Real)],
            Set("v", Op.Add, V("v"), Atom.Real(1)),
            new AddTo("t", null, V("v")),
            new Store("out", Atom.Int(0), V("t")),
            new Return(Atom.Real(0)));
        var loop = new Loop(
            Block(Set("go", Op.Lt, V("k"), Atom.Int(3))),
            V("go"),
            Block(Call(null, "bump", new CallArg(V("x"), ParamMode.In), new CallArg(V("s"), ParamMode.SpanInOut)), Set("k", Op.Add, V("k"), Atom.Int(1))));
        var f = Function(
            "f",
            [new("x", IrType.Real, ParamMode.In)],
            [("s", IrType.RealArray), ("k", IrType.Int), ("go", IrType.Bool), ("r", IrType.Real)],
            new Alloc("s", Atom.Int(1)),
            loop,
            Set("r", Op.Load, V("s"), Atom.Int(0)),
            new Return(V("r")));
        var (expanded, reason) = Inlining.Expand(f, new Dictionary<string, IrFunction> { ["bump"] = bump });
        Assert.Null(reason);
        var body = ((Loop)expanded!.Body[1]).Body;
        Assert.Equal(Set("__inl0_v", Op.Copy, V("x")), body[0]);
        Assert.Equal(Set("__inl0_t", Op.Copy, Atom.Real(0)), body[1]);
        Assert.Contains(body, s => s is Store { Array: "s" });
        Assert.Contains(expanded.Locals, l => l.Name == "__inl0_v" && l.Type == IrType.Real);
        Assert.True(LaneProgram.For(f, [true], new Dictionary<string, IrFunction> { ["bump"] = bump }).Uniformity.Varies("s"));
    }

    [Fact]
    public void ARecursiveHelperIsNotExpanded()
    {
        var self = Function("g", [new("v", IrType.Real, ParamMode.In)], [("r", IrType.Real)], Call("r", "g", new CallArg(V("v"), ParamMode.In)), new Return(V("r")));
        var f = Function("f", [new("x", IrType.Real, ParamMode.In)], [("r", IrType.Real)], Call("r", "g", new CallArg(V("x"), ParamMode.In)), new Return(V("r")));
        var (expanded, reason) = Inlining.Expand(f, new Dictionary<string, IrFunction> { ["g"] = self });
        Assert.Null(expanded);
        Assert.Contains("recursive", reason);
    }
}
