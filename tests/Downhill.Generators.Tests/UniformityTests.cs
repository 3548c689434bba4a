using Downhill.Generators.Ir;
using Downhill.Generators.Model;
using Downhill.Generators.Transform;

namespace Downhill.Generators.Tests;

/// <summary>
/// The uniformity analysis (Transform/Uniformity.cs) on small IR functions: what is the same for every example of a
/// batch and what varies, and which constructs lane code leaves to the per-example path (Transform/LanePlan.cs).
/// </summary>
public class UniformityTests
{
    private static Atom V(string name) => Atom.Of(name);

    private static EquatableArray<Atom> Args(params Atom[] atoms) => atoms.ToEquatableArray();

    private static EquatableArray<Stmt> Block(params Stmt[] statements) => statements.ToEquatableArray();

    private static Assign Set(string target, Op op, params Atom[] args) => new(target, op, Args(args));

    private static IrFunction Function(IrParam[] parameters, (string Name, IrType Type)[] locals, params Stmt[] body) =>
        new("f", false, parameters.ToEquatableArray(), locals.Select(l => new IrLocal(l.Name, l.Type)).ToEquatableArray(), Block(body));

    /// <summary>logistic regression: z = b + Σ w[i] x[i] over i < w.Length, then a branch on the label.</summary>
    private static (IrFunction Function, If Branch, Loop Loop) Logistic()
    {
        var loop = new Loop(
            Block(Set("n", Op.Length, V("w")), Set("more", Op.Lt, V("i"), V("n"))),
            V("more"),
            Block(Set("wi", Op.Load, V("w"), V("i")), Set("xi", Op.Load, V("x"), V("i")), Set("p", Op.Mul, V("wi"), V("xi")), Set("z", Op.Add, V("z"), V("p")), Set("i", Op.Add, V("i"), Atom.Int(1))));
        var branch = new If(V("positive"), Block(Set("r", Op.Neg, V("z"))), Block(Set("r", Op.Copy, V("z"))));
        var f = Function(
            [new("w", IrType.RealArray, ParamMode.Span), new("b", IrType.Real, ParamMode.In), new("x", IrType.RealArray, ParamMode.Span), new("label", IrType.Int, ParamMode.In)],
            [("z", IrType.Real), ("i", IrType.Int), ("n", IrType.Int), ("more", IrType.Bool), ("wi", IrType.Real), ("xi", IrType.Real), ("p", IrType.Real), ("positive", IrType.Bool), ("r", IrType.Real), ("twice", IrType.Real)],
            Set("z", Op.Copy, V("b")),
            Set("twice", Op.Mul, V("b"), Atom.Real(2)),
            Set("i", Op.Copy, Atom.Int(0)),
            loop,
            Set("positive", Op.Eq, V("label"), Atom.Int(1)),
            branch,
            new Return(V("r")));
        return (f, branch, loop);
    }

    [Fact]
    public void ParametersConstantsAndCountersOfUniformLoopsAreUniformAndWhatDataReachesVaries()
    {
        var (f, branch, loop) = Logistic();
        var u = Uniformity.Analyze(f, ["x", "label"]);
        foreach (string uniform in new[] { "w", "b", "twice", "i", "n", "more", "wi" })
        {
            Assert.False(u.Varies(uniform), uniform);
        }

        foreach (string varying in new[] { "x", "label", "xi", "p", "z", "positive", "r" })
        {
            Assert.True(u.Varies(varying), varying);
        }

        Assert.False(u.ControlVaries(loop));
        Assert.True(u.ControlVaries(branch));
        Assert.True(u.ResultVaries);
        Assert.False(u.LengthVaries("x"));
    }

    [Fact]
    public void WithNoVaryingInputNothingVaries()
    {
        var (f, branch, _) = Logistic();
        var u = Uniformity.Analyze(f, []);
        Assert.Empty(u.Varying);
        Assert.False(u.ControlVaries(branch));
        Assert.False(u.ResultVaries);
    }

    [Fact]
    public void ALoopWhoseTripCountVariesMakesEverythingItWritesVary()
    {
        // k = 0; while (k < count) { c = 1.0; k = k + 1 } with count a data argument: the lanes leave at different iterations.
        var loop = new Loop(Block(Set("go", Op.Lt, V("k"), V("count"))), V("go"), Block(Set("c", Op.Copy, Atom.Real(1)), Set("k", Op.Add, V("k"), Atom.Int(1))));
        var f = Function(
            [new("a", IrType.Real, ParamMode.In), new("count", IrType.Int, ParamMode.In)],
            [("k", IrType.Int), ("go", IrType.Bool), ("c", IrType.Real), ("after", IrType.Real)],
            Set("k", Op.Copy, Atom.Int(0)),
            loop,
            Set("after", Op.Mul, V("a"), V("a")),
            new Return(V("c")));
        var u = Uniformity.Analyze(f, ["count"]);
        Assert.True(u.ControlVaries(loop));
        Assert.True(u.Varies("k"));
        Assert.True(u.Varies("go"));
        Assert.True(u.Varies("c"));
        Assert.False(u.Varies("after"));
        Assert.False(u.Varies("a"));
    }

    [Fact]
    public void AScratchArrayIsUniformWhileEveryWriteIsAndVariesAfterOneVaryingWrite()
    {
        // h = new double[3]; h[0] = a; g = new double[3]; g[0] = x; if (x > 0) h2[1] = a (a uniform value under a varying condition).
        var branch = new If(V("pos"), Block(new Store("h2", Atom.Int(1), V("a"))), Block());
        var f = Function(
            [new("a", IrType.Real, ParamMode.In), new("x", IrType.Real, ParamMode.In)],
            [("h", IrType.RealArray), ("g", IrType.RealArray), ("h2", IrType.RealArray), ("pos", IrType.Bool), ("len", IrType.Int)],
            new Alloc("h", Atom.Int(3)),
            new Store("h", Atom.Int(0), V("a")),
            new Alloc("g", Atom.Int(3)),
            new Store("g", Atom.Int(0), V("x")),
            new Alloc("h2", Atom.Int(3)),
            Set("pos", Op.Gt, V("x"), Atom.Real(0)),
            branch,
            Set("len", Op.Length, V("g")),
            new Return(V("a")));
        var u = Uniformity.Analyze(f, ["x"]);
        Assert.False(u.Varies("h"));
        Assert.True(u.Varies("g"));
        Assert.True(u.Varies("h2"));
        Assert.False(u.Varies("len"));
        Assert.False(u.LengthVaries("g"));
        Assert.False(u.ResultVaries);
    }

    [Fact]
    public void APopMakesItsTargetVaryOnlyUnderAVaryingCondition()
    {
        var branch = new If(V("pos"), Block(new Pop("q")), Block());
        var f = Function(
            [new("a", IrType.Real, ParamMode.In), new("x", IrType.Real, ParamMode.In)],
            [("p", IrType.Real), ("q", IrType.Real), ("pos", IrType.Bool)],
            new Push(V("p"), IrType.Real),
            new Pop("p"),
            Set("pos", Op.Gt, V("x"), Atom.Real(0)),
            branch,
            new Return(V("a")));
        var u = Uniformity.Analyze(f, ["x"]);
        Assert.False(u.Varies("p"));
        Assert.True(u.Varies("q"));
    }

    [Fact]
    public void LaneCodeRunsTheLogisticLossAndLeavesRecursiveHelpersAndALoopOfVaryingTripCountThatPushesAndPopsToThePerExamplePath()
    {
        var (logistic, _, _) = Logistic();
        bool[] isData = [false, false, true, true];
        Assert.Null(LaneProgram.For(logistic, isData, new Dictionary<string, IrFunction>()).Unsupported);

        var call = Function([new("a", IrType.Real, ParamMode.In), new("x", IrType.Real, ParamMode.In)], [("r", IrType.Real)], new Call("r", "f", new CallArg[] { new(V("a"), ParamMode.In), new(V("x"), ParamMode.In) }.ToEquatableArray()), new Return(V("r")));
        Assert.Contains("recursive", LaneProgram.For(call, [false, true], new Dictionary<string, IrFunction> { ["f"] = call }).Unsupported);

        // A varying loop may push (its reverse pops lane by lane what it pushed), but not push and pop in one loop.
        var pushLoop = Function(
            [new("a", IrType.Real, ParamMode.In), new("count", IrType.Int, ParamMode.In)],
            [("k", IrType.Int), ("go", IrType.Bool)],
            new Loop(Block(Set("go", Op.Lt, V("k"), V("count"))), V("go"), Block(new Push(V("k"), IrType.Int), Set("k", Op.Add, V("k"), Atom.Int(1)))),
            new Return(V("a")));
        Assert.Null(LaneProgram.For(pushLoop, [false, true], new Dictionary<string, IrFunction>()).Unsupported);
        var tapeLoop = Function(
            [new("a", IrType.Real, ParamMode.In), new("count", IrType.Int, ParamMode.In)],
            [("k", IrType.Int), ("j", IrType.Int), ("go", IrType.Bool)],
            new Loop(Block(Set("go", Op.Lt, V("k"), V("count"))), V("go"), Block(new Push(V("k"), IrType.Int), new Pop("j"), Set("k", Op.Add, V("k"), Atom.Int(1)))),
            new Return(V("a")));
        Assert.Contains("trip count", LaneProgram.For(tapeLoop, [false, true], new Dictionary<string, IrFunction>()).Unsupported);

        var readsOutput = Function(
            [new("a", IrType.Real, ParamMode.In), new("x", IrType.Real, ParamMode.In), new("a__adj", IrType.Real, ParamMode.Ref)],
            [("r", IrType.Real)],
            Set("r", Op.Mul, V("a__adj"), V("x")),
            new Return(V("r")));
        Assert.Contains("output", LaneProgram.For(readsOutput, [false, true], new Dictionary<string, IrFunction>()).Unsupported);
    }
}
