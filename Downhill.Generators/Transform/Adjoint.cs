using System;
using System.Collections.Generic;
using System.Linq;
using Downhill.Generators.Ir;
using Downhill.Generators.Model;

namespace Downhill.Generators.Transform;

/// <summary>
/// Reverse mode as a source transformation of the IR. The result runs a forward sweep (the original
/// statements, pushing a value just before it is overwritten if the reverse sweep will read it, and the
/// iteration count of nested loops), then the reverse sweep: the statements' adjoints in reverse order,
/// each followed by the pop that restores what its statement overwrote. At every point of the reverse
/// sweep the variables therefore hold the values they had just after the statement being reversed; the
/// partials can read results (e^x, tanh x) instead of recomputing them. Calls of helpers are reversed by
/// calling the helper's own adjoint, which replays the helper (joint mode), so recursion needs nothing more.
/// </summary>
/// <remarks>
/// Signature of the result: the original parameters, then <c>__seed</c> (the adjoint of the result), then
/// one output per active parameter (<c>ref</c> for scalars, a span for arrays) to which it ADDS.
/// Integer updates <c>i = i ± c</c> are inverted instead of stored.
/// </remarks>
internal sealed partial class AdjointTransform
{
    private readonly IrFunction function;
    private readonly HashSet<string> active;
    private readonly HashSet<string> needed = [];
    private readonly Dictionary<string, int> assignments = [];
    private readonly IrBuilder b;
    private readonly Func<string, bool[], string> adjointOf;
    private int counters;
    private int conditions;

    private AdjointTransform(IrFunction function, bool[] mask, Func<string, bool[], string> adjointOf, IrBuilder builder)
    {
        this.function = function;
        this.adjointOf = adjointOf;
        active = Activity.Analyze(function, mask);
        b = builder;
    }

    public static string AdjointName(string name) => name + "__adj";

    public static IrFunction Run(IrFunction function, bool[] mask, string name, Func<string, bool[], string> adjointOf)
    {
        var parameters = function.Params.ToList();
        parameters.Add(new IrParam("__seed", IrType.Real, ParamMode.In));
        var activeNames = Activity.Analyze(function, mask);
        foreach (var p in function.Params)
        {
            if (activeNames.Contains(p.Name))
            {
                // An in-out array's adjoint is in-out too: the adjoint of its values after the call comes in, that of its values before the call goes out.
                var mode = p.Type == IrType.Real ? ParamMode.Ref : p.Mode == ParamMode.SpanInOut ? ParamMode.SpanInOut : ParamMode.SpanOut;
                parameters.Add(new IrParam(AdjointName(p.Name), p.Type, mode));
            }
        }

        var builder = new IrBuilder(parameters, function.Locals, "__r");
        var transform = new AdjointTransform(function, mask, adjointOf, builder);
        var body = transform.Build();
        return new IrFunction(name, function.IsFloat, parameters.ToEquatableArray(), builder.Locals.ToEquatableArray(), body.ToEquatableArray());
    }

    private bool IsActive(Atom a) => a.Var is { } v && active.Contains(v);

    private bool IsActive(string v) => active.Contains(v);

    private string Adj(string v)
    {
        string name = AdjointName(v);
        if (!b.Has(name))
        {
            b.Declare(name, b.TypeOf(v));
        }

        return name;
    }

    private List<Stmt> Build()
    {
        Locate(function.Body, [], null);
        CollectUses(function.Body);
        FindCountedLoops(function.Body);
        PlanRecomputation();
        ComputeNeeded();

        var forward = new List<Stmt>();
        var reverse = new List<Stmt>();
        var body = function.Body;
        var ret = (Return)body[body.Count - 1];
        Sweep(new EquatableArray<Stmt>(body.Take(body.Count - 1)), forward, reverse, loopDepth: 0);

        b.Declare("__value", IrType.Real);
        var all = new List<Stmt>(forward) { new Assign("__value", Op.Copy, new EquatableArray<Atom>([ret.Value])) };
        if (IsActive(ret.Value))
        {
            all.Add(new AddTo(Adj(ret.Value.Var!), null, Atom.Of("__seed")));
        }

        all.AddRange(reverse);
        all.Add(new Return(Atom.Of("__value")));
        return all;
    }
}
