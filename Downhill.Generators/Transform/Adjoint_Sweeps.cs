using System;
using System.Collections.Generic;
using System.Linq;
using Downhill.Generators.Ir;
using Downhill.Generators.Model;

namespace Downhill.Generators.Transform;

// The sweeps: the forward sweep (the statements, with the pushes the tape plan asks for) and the reverse
// sweep (adjoints and pops), one method per construct.
internal sealed partial class AdjointTransform
{
    // ------------------------------------------------------------ sweeps

    /// <summary>Writes the forward sweep of a block into <paramref name="forward"/> and its reverse into <paramref name="reverse"/>.</summary>
    private void Sweep(EquatableArray<Stmt> block, List<Stmt> forward, List<Stmt> reverse, int loopDepth)
    {
        var pieces = new List<List<Stmt>>();
        foreach (var s in block)
        {
            var rev = new List<Stmt>();
            switch (s)
            {
                case Assign a:
                    SweepAssign(a, forward, rev);
                    break;
                case Store st:
                    SweepStore(st, forward, rev);
                    break;
                case Call call:
                    SweepCall(call, forward, rev);
                    break;
                case Alloc alloc:
                    forward.Add(alloc);
                    if (IsActive(alloc.Array))
                    {
                        forward.Add(new Alloc(Adj(alloc.Array), alloc.Length));
                    }

                    break;
                case Throw:
                    // Refused input: the forward sweep stops where the function would.
                    forward.Add(s);
                    break;
                case If branch:
                    SweepIf(branch, forward, rev, loopDepth);
                    break;
                case Loop loop:
                    SweepLoop(loop, forward, rev, loopDepth);
                    break;
                default:
                    throw new InvalidOperationException($"Unexpected statement {s.GetType().Name} in a primal function.");
            }

            if (rev.Count > 0 && recompute.TryGetValue(s, out var defs))
            {
                rev.InsertRange(0, defs.OrderBy(d => places[d].Index));
            }

            pieces.Add(rev);
        }

        for (int k = pieces.Count - 1; k >= 0; k--)
        {
            reverse.AddRange(pieces[k]);
        }
    }

    private void SweepAssign(Assign a, List<Stmt> forward, List<Stmt> rev)
    {
        var type = b.TypeOf(a.Target);
        bool invertible = IsInvertible(a, type);
        bool store = !invertible && MustStore(a, a.Target);
        if (store)
        {
            forward.Add(new Push(Atom.Of(a.Target), type));
        }

        forward.Add(a);

        if (IsActive(a.Target))
        {
            b.Out = rev;
            var adjTarget = Atom.Of(Adj(a.Target));
            if (a.Op == Op.Load)
            {
                if (IsActive(a.Args[0]))
                {
                    rev.Add(new AddTo(Adj(a.Args[0].Var!), a.Args[1], adjTarget));
                }
            }
            else
            {
                var partials = Rules.Partials(b, a.Op, a.Args, Atom.Of(a.Target), k => IsActive(a.Args[k]));
                for (int k = 0; k < partials.Length; k++)
                {
                    if (partials[k] is { } p)
                    {
                        rev.Add(new AddTo(Adj(a.Args[k].Var!), null, b.Mul(adjTarget, p)));
                    }
                }
            }

            rev.Add(new Assign(adjTarget.Var!, Op.Copy, new EquatableArray<Atom>([Zero(IrType.Real)])));
        }

        if (store)
        {
            rev.Add(new Pop(a.Target));
        }
        else if (invertible && needed.Contains(a.Target))
        {
            rev.Add(new Assign(a.Target, a.Op == Op.Add ? Op.Sub : Op.Add, a.Args));
        }
    }

    private void SweepStore(Store st, List<Stmt> forward, List<Stmt> rev)
    {
        var elementType = b.TypeOf(st.Array) == IrType.RealArray ? IrType.Real : IrType.Int;
        bool store = MustStore(st, st.Array);

        // One temporary for the push and the pop: forward over reverse gives it one tangent, so the tangent
        // pushed with the old element is the one popped back.
        string? old = null;
        if (store)
        {
            old = b.Temp(elementType);
            forward.Add(new Assign(old, Op.Load, new EquatableArray<Atom>([Atom.Of(st.Array), st.Index])));
            forward.Add(new Push(Atom.Of(old), elementType));
        }

        forward.Add(st);
        b.Out = rev;
        if (IsActive(st.Array))
        {
            var adjArray = Adj(st.Array);
            if (IsActive(st.Value))
            {
                var element = b.Op(Op.Load, IrType.Real, Atom.Of(adjArray), st.Index);
                rev.Add(new AddTo(Adj(st.Value.Var!), null, element));
            }

            rev.Add(new Store(adjArray, st.Index, Zero(IrType.Real)));
        }

        if (old is not null)
        {
            rev.Add(new Pop(old));
            rev.Add(new Store(st.Array, st.Index, Atom.Of(old)));
        }
    }

    private void SweepCall(Call call, List<Stmt> forward, List<Stmt> rev)
    {
        bool store = call.Target is not null && MustStore(call, call.Target);
        if (store)
        {
            forward.Add(new Push(Atom.Of(call.Target!), IrType.Real));
        }

        var mask = call.Args.Select(arg => IsActive(arg.Atom)).ToArray();
        bool differentiated = mask.Any(m => m);

        // An array the callee writes in place is copied to the tape first: the callee's adjoint replays the
        // callee from the values before the call (one copy), and a reverse read of another statement may see
        // them after that (a second copy, restored once the adjoint has run). The replay copies go on last so
        // that they come off first.
        var inOut = call.Args.Where(arg => arg.Mode == ParamMode.SpanInOut && arg.Atom.Var is not null).Select(arg => arg.Atom.Var!).Distinct().ToList();
        var after = inOut.Where(x => MustRestoreAfter(call, x)).ToList();
        var replay = differentiated ? inOut : [];
        var afterCopies = after.Select(x => SaveArray(x, forward)).ToList();
        var replayCopies = replay.Select(x => SaveArray(x, forward)).ToList();
        forward.Add(call);
        for (int k = replay.Count - 1; k >= 0; k--)
        {
            RestoreArray(replay[k], replayCopies[k], rev);
        }

        if (differentiated)
        {
            var args = call.Args.ToList();
            bool targetActive = call.Target is not null && IsActive(call.Target);
            args.Add(new CallArg(targetActive ? Atom.Of(Adj(call.Target!)) : Zero(IrType.Real), ParamMode.In));
            for (int k = 0; k < call.Args.Count; k++)
            {
                if (mask[k])
                {
                    var arg = call.Args[k];
                    var mode = arg.Mode switch
                    {
                        ParamMode.Span => ParamMode.SpanOut,
                        ParamMode.SpanInOut => ParamMode.SpanInOut,
                        _ => ParamMode.Ref,
                    };
                    args.Add(new CallArg(Atom.Of(Adj(arg.Atom.Var!)), mode));
                }
            }

            rev.Add(new Call(null, adjointOf(call.Function, mask), args.ToEquatableArray()));
            if (targetActive)
            {
                rev.Add(new Assign(Adj(call.Target!), Op.Copy, new EquatableArray<Atom>([Zero(IrType.Real)])));
            }
        }

        for (int k = after.Count - 1; k >= 0; k--)
        {
            RestoreArray(after[k], afterCopies[k], rev);
        }

        if (store)
        {
            rev.Add(new Pop(call.Target!));
        }
    }

    private void SweepIf(If branch, List<Stmt> forward, List<Stmt> rev, int loopDepth)
    {
        var thenForward = new List<Stmt>();
        var thenReverse = new List<Stmt>();
        Sweep(branch.Then, thenForward, thenReverse, loopDepth);
        var elseForward = new List<Stmt>();
        var elseReverse = new List<Stmt>();
        Sweep(branch.Else, elseForward, elseReverse, loopDepth);
        if (thenReverse.Count == 0 && elseReverse.Count == 0)
        {
            forward.Add(new If(branch.Cond, thenForward.ToEquatableArray(), elseForward.ToEquatableArray()));
            return;
        }

        // Branch on a copy of the condition made just before: the branches may change the original.
        var cond = branch.Cond;
        bool store = false;
        if (cond.Var is not null)
        {
            string copy = "__cond" + conditions++;
            b.Declare(copy, IrType.Bool);
            store = loopDepth > 0;
            if (store)
            {
                forward.Add(new Push(Atom.Of(copy), IrType.Bool));
            }

            forward.Add(new Assign(copy, Op.Copy, new EquatableArray<Atom>([cond])));
            cond = Atom.Of(copy);
        }

        forward.Add(new If(cond, thenForward.ToEquatableArray(), elseForward.ToEquatableArray()));
        rev.Add(new If(cond, thenReverse.ToEquatableArray(), elseReverse.ToEquatableArray()));
        if (store)
        {
            rev.Add(new Pop(cond.Var!));
        }
    }

    private void SweepLoop(Loop loop, List<Stmt> forward, List<Stmt> rev, int loopDepth)
    {
        var bodyForward = new List<Stmt>();
        var bodyReverse = new List<Stmt>();
        Sweep(loop.Body, bodyForward, bodyReverse, loopDepth + 1);
        if (bodyReverse.Count == 0)
        {
            // Nothing to reverse (and so nothing was pushed): run the loop as it is.
            forward.Add(new Loop(loop.Header, loop.Cond, bodyForward.ToEquatableArray()));
            return;
        }

        if (counted.TryGetValue(loop, out var by))
        {
            // The counter, at its exit value here, counts the iterations back to its start.
            forward.Add(new Loop(loop.Header, loop.Cond, bodyForward.ToEquatableArray()));
            if (by.Pushes)
            {
                forward.Add(new Push(Atom.Of(by.Counter), IrType.Int));
                rev.Add(new Pop(by.Counter));
            }

            string again = "__more" + counters++;
            b.Declare(again, IrType.Bool);
            var test = new Assign(again, by.Up ? Op.Gt : Op.Lt, new EquatableArray<Atom>([Atom.Of(by.Counter), by.Start]));
            rev.Add(new Loop(new EquatableArray<Stmt>([test]), Atom.Of(again), bodyReverse.ToEquatableArray()));
            return;
        }

        string count = "__count" + counters++;
        b.Declare(count, IrType.Int);
        var one = new EquatableArray<Atom>([Atom.Of(count), Atom.Int(1)]);
        forward.Add(new Assign(count, Op.Copy, new EquatableArray<Atom>([Atom.Int(0)])));
        bodyForward.Add(new Assign(count, Op.Add, one));
        forward.Add(new Loop(loop.Header, loop.Cond, bodyForward.ToEquatableArray()));
        bool store = loopDepth > 0;
        if (store)
        {
            forward.Add(new Push(Atom.Of(count), IrType.Int));
            rev.Add(new Pop(count));
        }

        string go = "__more" + counters;
        b.Declare(go, IrType.Bool);
        var header = new EquatableArray<Stmt>([new Assign(go, Op.Gt, new EquatableArray<Atom>([Atom.Of(count), Atom.Int(0)]))]);
        bodyReverse.Add(new Assign(count, Op.Sub, one));
        rev.Add(new Loop(header, Atom.Of(go), bodyReverse.ToEquatableArray()));
    }

    /// <summary>
    /// Pushes every element of <paramref name="array"/> (in order) in <paramref name="forward"/>; returns the element
    /// temporary, which <see cref="RestoreArray"/> pops into, so that forward over reverse gives push and pop one tangent.
    /// </summary>
    private string SaveArray(string array, List<Stmt> forward)
    {
        var elementType = b.TypeOf(array) == IrType.RealArray ? IrType.Real : IrType.Int;
        string element = b.Temp(elementType);
        string length = b.Temp(IrType.Int);
        string i = b.Temp(IrType.Int);
        string more = b.Temp(IrType.Bool);
        forward.Add(new Assign(length, Op.Length, new EquatableArray<Atom>([Atom.Of(array)])));
        forward.Add(new Assign(i, Op.Copy, new EquatableArray<Atom>([Atom.Int(0)])));
        var header = new EquatableArray<Stmt>([new Assign(more, Op.Lt, new EquatableArray<Atom>([Atom.Of(i), Atom.Of(length)]))]);
        var body = new EquatableArray<Stmt>([
            new Assign(element, Op.Load, new EquatableArray<Atom>([Atom.Of(array), Atom.Of(i)])),
            new Push(Atom.Of(element), elementType),
            new Assign(i, Op.Add, new EquatableArray<Atom>([Atom.Of(i), Atom.Int(1)])),
        ]);
        forward.Add(new Loop(header, Atom.Of(more), body));
        return element;
    }

    /// <summary>Pops the elements that <see cref="SaveArray"/> pushed back into <paramref name="array"/> (last first).</summary>
    private void RestoreArray(string array, string element, List<Stmt> reverse)
    {
        string i = b.Temp(IrType.Int);
        string more = b.Temp(IrType.Bool);
        reverse.Add(new Assign(i, Op.Length, new EquatableArray<Atom>([Atom.Of(array)])));
        var header = new EquatableArray<Stmt>([new Assign(more, Op.Gt, new EquatableArray<Atom>([Atom.Of(i), Atom.Int(0)]))]);
        var body = new EquatableArray<Stmt>([
            new Assign(i, Op.Sub, new EquatableArray<Atom>([Atom.Of(i), Atom.Int(1)])),
            new Pop(element),
            new Store(array, Atom.Of(i), Atom.Of(element)),
        ]);
        reverse.Add(new Loop(header, Atom.Of(more), body));
    }

    private static Atom Zero(IrType type) => type switch
    {
        IrType.Int => Atom.Int(0),
        IrType.Bool => Atom.Bool(false),
        _ => Atom.Real(0),
    };
}
