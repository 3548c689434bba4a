using System;
using System.Collections.Generic;
using System.Linq;
using Downhill.Generators.Ir;
using Downhill.Generators.Model;

namespace Downhill.Generators.Transform;

/// <summary>
/// Forward mode as a source transformation of the IR: every active variable gets a tangent that each
/// statement updates right after its own primal. It applies to any IR function, including the output of
/// <see cref="AdjointTransform"/>: the tape's pushes and pops carry tangents along, and accumulations into
/// adjoint outputs become accumulations into their tangents. Tangent(Adjoint(f)) is then forward over
/// reverse: the Hessian-vector product, with no second-order rule written by hand.
/// </summary>
/// <remarks>
/// Signature of the result: the original parameters (without the discarded outputs), then one tangent per
/// active parameter in order (same passing mode), then <c>ref __result__tan</c>, the result's tangent.
/// </remarks>
internal sealed class TangentTransform
{
    private readonly IrFunction function;
    private readonly HashSet<string> active;
    private readonly HashSet<string> discarded;
    private readonly IrBuilder b;
    private readonly Func<string, bool[], string> tangentOf;
    private readonly Func<Op, bool[], bool, string> dualOf;
    private readonly string dummy;
    private int loopDepth;

    private TangentTransform(IrFunction function, HashSet<string> active, HashSet<string> discarded, IrBuilder builder, Func<string, bool[], string> tangentOf, Func<Op, bool[], bool, string> dualOf)
    {
        this.function = function;
        this.active = active;
        this.discarded = discarded;
        b = builder;
        this.tangentOf = tangentOf;
        this.dualOf = dualOf;
        dummy = "__unused__tan";
    }

    public static string TangentName(string name) => name + "__tan";

    public const string ResultTangent = "__out__tan";

    /// <param name="discardOutputs">Drop the primal values of the ref/span outputs (a gradient whose Hessian-vector product is all that is wanted).</param>
    /// <param name="dualOf">Names the helper that computes a call-like operation and its tangent together.</param>
    public static IrFunction Run(IrFunction function, bool[] mask, string name, bool discardOutputs, Func<string, bool[], string> tangentOf, Func<Op, bool[], bool, string> dualOf)
    {
        var active = Activity.Analyze(function, mask);
        for (int k = 0; k < function.Params.Count; k++)
        {
            var p = function.Params[k];
            if (!mask[k] && active.Contains(p.Name) && p.Mode is ParamMode.Ref or ParamMode.SpanOut or ParamMode.SpanInOut)
            {
                throw new InvalidOperationException($"Output '{p.Name}' of '{function.Name}' receives derivatives but has no tangent.");
            }
        }

        // Outputs whose primal is dropped: only accumulated into, so the accumulations go; an output that
        // is handed to a callee (which accumulates into it) becomes a local buffer instead.
        var passed = new HashSet<string>(IrWalk.All(function.Body).OfType<Call>().SelectMany(c => c.Args)
            .Where(arg => arg.Mode is ParamMode.Ref or ParamMode.SpanOut && arg.Atom.Var is not null).Select(arg => arg.Atom.Var!));
        var discarded = new HashSet<string>();
        var buffers = new List<IrParam>();
        var parameters = new List<IrParam>();
        foreach (var p in function.Params)
        {
            if (discardOutputs && p.Mode is ParamMode.Ref or ParamMode.SpanOut)
            {
                if (passed.Contains(p.Name))
                {
                    buffers.Add(p);
                }
                else
                {
                    discarded.Add(p.Name);
                }

                continue;
            }

            parameters.Add(p);
        }

        foreach (var p in function.Params)
        {
            if (active.Contains(p.Name))
            {
                parameters.Add(new IrParam(TangentName(p.Name), p.Type, p.Mode));
            }
        }

        parameters.Add(new IrParam(ResultTangent, IrType.Real, ParamMode.Ref));
        var builder = new IrBuilder(parameters, function.Locals.Where(l => !discarded.Contains(l.Name)), "__f");
        foreach (var d in discarded)
        {
            builder.DeclareParam(d, function.Params.First(p => p.Name == d).Type);
        }

        var prologue = new List<Stmt>();
        foreach (var buffer in buffers)
        {
            builder.Declare(buffer.Name, buffer.Type);
            if (buffer.Type == IrType.RealArray)
            {
                // The adjoint output of an array parameter has that parameter's length.
                string source = buffer.Name.EndsWith(AdjointTransform.AdjointName(string.Empty), StringComparison.Ordinal)
                    ? buffer.Name.Substring(0, buffer.Name.Length - AdjointTransform.AdjointName(string.Empty).Length)
                    : throw new InvalidOperationException($"Cannot size the buffer for '{buffer.Name}'.");
                var length = builder.Temp(IrType.Int);
                prologue.Add(new Assign(length, Op.Length, new EquatableArray<Atom>([Atom.Of(source)])));
                prologue.Add(new Alloc(buffer.Name, Atom.Of(length)));
            }
        }

        var transform = new TangentTransform(function, active, discarded, builder, tangentOf, dualOf);
        foreach (var l in function.Locals)
        {
            if (active.Contains(l.Name))
            {
                builder.Declare(TangentName(l.Name), l.Type);
            }
        }

        var body = prologue.Concat(transform.Block(function.Body)).ToEquatableArray();
        return new IrFunction(name, function.IsFloat, parameters.ToEquatableArray(), builder.Locals.ToEquatableArray(), body);
    }

    private bool IsActive(Atom a) => a.Var is { } v && active.Contains(v);

    private Atom Tan(Atom a) => IsActive(a) ? Atom.Of(TangentName(a.Var!)) : Atom.Real(0);

    private EquatableArray<Stmt> Block(EquatableArray<Stmt> block)
    {
        var saved = b.Out;
        var output = new List<Stmt>();
        foreach (var s in block)
        {
            b.Out = output;
            Statement(s, output);
        }

        b.Out = saved;
        return output.ToEquatableArray();
    }

    private void CheckNotDiscarded(Atom a)
    {
        if (a.Var is { } v && discarded.Contains(v))
        {
            throw new InvalidOperationException($"Discarded output '{v}' is read in '{function.Name}'.");
        }
    }

    private void Statement(Stmt s, List<Stmt> output)
    {
        switch (s)
        {
            case Assign a:
                foreach (var arg in a.Args)
                {
                    CheckNotDiscarded(arg);
                }

                if (IsActive(Atom.Of(a.Target)) && a.Args.Any(arg => arg.Var == a.Target))
                {
                    throw new InvalidOperationException($"'{a.Target}' is both read and written by one operation in '{function.Name}'.");
                }

                // Only in loops: outside them the spill costs once, less than the helper's call.
                if (loopDepth > 0 && IsActive(Atom.Of(a.Target)) && Rules.IsCall(a.Op) && a.Args.Any(IsActive))
                {
                    var mask = a.Args.Select(IsActive).ToArray();
                    output.Add(new DualAssign(a.Target, TangentName(a.Target), dualOf(a.Op, mask, function.IsFloat), a.Op, a.Args, new EquatableArray<Atom>([.. a.Args.Where(IsActive).Select(Tan)])));
                    break;
                }

                output.Add(a);
                if (IsActive(Atom.Of(a.Target)))
                {
                    output.Add(new Assign(TangentName(a.Target), Op.Copy, new EquatableArray<Atom>([TangentOf(a)])));
                }

                break;
            case Store st:
                output.Add(st);
                if (IsActive(Atom.Of(st.Array)))
                {
                    output.Add(new Store(TangentName(st.Array), st.Index, Tan(st.Value)));
                }

                break;
            case AddTo add:
                CheckNotDiscarded(add.Value);
                if (!discarded.Contains(add.Target))
                {
                    output.Add(add);
                }

                if (IsActive(add.Value))
                {
                    output.Add(new AddTo(TangentName(add.Target), add.Index, Tan(add.Value)));
                }

                break;
            case If branch:
                output.Add(new If(branch.Cond, Block(branch.Then), Block(branch.Else)));
                break;
            case Loop loop:
                loopDepth++;
                output.Add(new Loop(Block(loop.Header), loop.Cond, Block(loop.Body)));
                loopDepth--;
                break;
            case Call call:
                CallStatement(call, output);
                break;
            case Alloc alloc:
                output.Add(alloc);
                if (IsActive(Atom.Of(alloc.Array)))
                {
                    output.Add(new Alloc(TangentName(alloc.Array), alloc.Length));
                }

                break;
            case Push push:
                output.Add(push);
                if (IsActive(push.Value))
                {
                    output.Add(new Push(Tan(push.Value), push.Type));
                }

                break;
            case Pop pop:
                if (IsActive(Atom.Of(pop.Target)))
                {
                    output.Add(new Pop(TangentName(pop.Target)));
                }

                output.Add(pop);
                break;
            case Throw:
                output.Add(s);
                break;
            case Return ret:
                output.Add(new Assign(ResultTangent, Op.Copy, new EquatableArray<Atom>([Tan(ret.Value)])));
                output.Add(ret);
                break;
            default:
                throw new InvalidOperationException($"Unexpected statement {s.GetType().Name}.");
        }
    }

    /// <summary>The tangent of an operation's result, as an atom computed into the output.</summary>
    private Atom TangentOf(Assign a)
    {
        var args = a.Args;
        switch (a.Op)
        {
            case Op.Copy:
                return Tan(args[0]);
            case Op.Neg:
                return b.Neg(Tan(args[0]));
            case Op.Add:
                return Sum(Tan(args[0]), Tan(args[1]));
            case Op.Sub:
                return IsActive(args[0]) ? (IsActive(args[1]) ? b.Sub(Tan(args[0]), Tan(args[1])) : Tan(args[0])) : b.Neg(Tan(args[1]));
            case Op.Mul:
                return Sum(
                    IsActive(args[0]) ? b.Mul(Tan(args[0]), args[1]) : Atom.Real(0),
                    IsActive(args[1]) ? b.Mul(args[0], Tan(args[1])) : Atom.Real(0));
            case Op.Select:
                return b.Op(Op.Select, IrType.Real, args[0], Tan(args[1]), Tan(args[2]));
            case Op.Load:
                return IsActive(args[0]) ? b.Op(Op.Load, IrType.Real, Tan(args[0]), args[1]) : Atom.Real(0);
        }

        var partials = Rules.Partials(b, a.Op, args, Atom.Of(a.Target), k => IsActive(args[k]));
        Atom total = Atom.Real(0);
        for (int k = 0; k < partials.Length; k++)
        {
            if (partials[k] is { } p)
            {
                total = Sum(total, b.Mul(p, Tan(args[k])));
            }
        }

        return total;
    }

    private Atom Sum(Atom x, Atom y) => x.IsConst && x.Value == 0 ? y : y.IsConst && y.Value == 0 ? x : b.Add(x, y);

    private void CallStatement(Call call, List<Stmt> output)
    {
        var mask = call.Args.Select(arg => IsActive(arg.Atom)).ToArray();
        foreach (var arg in call.Args)
        {
            if (arg.Atom.Var is { } v && discarded.Contains(v))
            {
                throw new InvalidOperationException($"Discarded output '{v}' is passed to '{call.Function}'.");
            }
        }

        if (!mask.Any(m => m))
        {
            output.Add(call);
            return;
        }

        var args = call.Args.ToList();
        for (int k = 0; k < call.Args.Count; k++)
        {
            if (mask[k])
            {
                args.Add(new CallArg(Tan(call.Args[k].Atom), call.Args[k].Mode));
            }
        }

        string resultTangent;
        if (call.Target is not null && IsActive(Atom.Of(call.Target)))
        {
            resultTangent = TangentName(call.Target);
        }
        else
        {
            b.Declare(dummy, IrType.Real);
            resultTangent = dummy;
        }

        args.Add(new CallArg(Atom.Of(resultTangent), ParamMode.Ref));
        output.Add(new Call(call.Target, tangentOf(call.Function, mask), args.ToEquatableArray()));
    }
}
