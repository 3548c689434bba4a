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
internal sealed class AdjointTransform
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
                parameters.Add(new IrParam(AdjointName(p.Name), p.Type, p.Type == IrType.Real ? ParamMode.Ref : ParamMode.SpanOut));
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

    // ------------------------------------------------------------ analyses

    private sealed class ByReference : IEqualityComparer<Stmt>
    {
        public static readonly ByReference Instance = new();

        public bool Equals(Stmt? x, Stmt? y) => ReferenceEquals(x, y);

        public int GetHashCode(Stmt obj) => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(obj);
    }

    /// <summary>Where a statement is: its preorder index, the loops around it, its block and place in it, its parent.</summary>
    private sealed record Place(int Index, int[] Loops, int Block, int InBlock, Stmt? Parent, HashSet<string> AssignsWithin);

    private readonly Dictionary<Stmt, Place> places = new(ByReference.Instance);
    private readonly Dictionary<Stmt, int> loopIds = new(ByReference.Instance);
    private readonly Dictionary<string, List<Stmt>> uses = [];
    private readonly Dictionary<string, Assign> definitions = [];
    private readonly Dictionary<Stmt, List<Assign>> recompute = new(ByReference.Instance);
    private int blocks;
    private int loops;
    private int preorder;

    private void Locate(EquatableArray<Stmt> block, int[] around, Stmt? parent)
    {
        int id = blocks++;
        for (int k = 0; k < block.Count; k++)
        {
            var s = block[k];
            var assigns = new HashSet<string>();
            places[s] = new Place(preorder++, around, id, k, parent, assigns);
            string? target = s switch
            {
                Assign a => a.Target,
                Call c => c.Target,
                Store st => st.Array,
                _ => null,
            };
            if (target is not null)
            {
                assigns.Add(target);
                if (s is not Store)
                {
                    assignments[target] = assignments.TryGetValue(target, out int n) ? n + 1 : 1;

                    if (s is Assign a)
                    {
                        definitions[target] = a;
                    }
                }
            }

            switch (s)
            {
                case If branch:
                    Locate(branch.Then, around, s);
                    Locate(branch.Else, around, s);
                    break;
                case Loop loop:
                    loopIds[loop] = loops;
                    Locate(loop.Body, [.. around, loops++], s);
                    break;
            }
        }

        // Each statement knows every variable assigned within it (for the recomputation check).
        foreach (var s in block)
        {
            if (s is If or Loop)
            {
                Within(s, places[s].AssignsWithin);
            }
        }
    }

    private void Within(Stmt s, HashSet<string> into)
    {
        IEnumerable<Stmt> children = s switch
        {
            If i => i.Then.Concat(i.Else),
            Loop l => l.Body,
            _ => [],
        };
        foreach (var c in children)
        {
            into.UnionWith(places[c].AssignsWithin);
            Within(c, into);
        }
    }

    /// <summary>The variables the reverse sweep of one statement reads.</summary>
    private IEnumerable<Atom> ReadInReverse(Stmt s)
    {
        switch (s)
        {
            case Assign a when IsActive(a.Target):
                switch (a.Op)
                {
                    case Op.Load:
                        yield return a.Args[1];
                        break;
                    case Op.Copy or Op.Neg or Op.Add or Op.Sub:
                        break;
                    case Op.Mul:
                        if (IsActive(a.Args[0]))
                        {
                            yield return a.Args[1];
                        }

                        if (IsActive(a.Args[1]))
                        {
                            yield return a.Args[0];
                        }

                        break;
                    case Op.Select:
                        yield return a.Args[0];
                        break;
                    default:
                        foreach (var read in PartialReads(a))
                        {
                            yield return read;
                        }

                        break;
                }

                break;
            case Store st when IsActive(st.Array):
                yield return st.Index;
                break;
            case Call call when call.Args.Any(arg => IsActive(arg.Atom)):
                foreach (var arg in call.Args)
                {
                    yield return arg.Atom;
                }

                break;
        }
    }

    private IrBuilder? probe;
    private HashSet<string>? primalNames;

    private bool IsPrimalName(string v) =>
        (primalNames ??= [.. function.Params.Select(p => p.Name), .. function.Locals.Select(l => l.Name)]).Contains(v);

    /// <summary>
    /// What the partials of <paramref name="a"/> read, found by writing them into a scratch builder (so this
    /// can never disagree with <see cref="Rules.Partials"/>): e^x and tanh x read only their result, x/y
    /// only y and the result.
    /// </summary>
    private IEnumerable<Atom> PartialReads(Assign a)
    {
        probe ??= new IrBuilder(function.Params, function.Locals, "__probe");
        probe.Out = [];
        var partials = Rules.Partials(probe, a.Op, a.Args, Atom.Of(a.Target), k => IsActive(a.Args[k]));
        var reads = new HashSet<string>();
        foreach (var atom in partials.Concat(probe.Out.OfType<Assign>().SelectMany(s => s.Args.Select(x => (Atom?)x))))
        {
            if (atom is { Var: { } v } && IsPrimalName(v))
            {
                reads.Add(v);
            }
        }

        if (probe.Out.Any(s => s is not Assign))
        {
            throw new InvalidOperationException($"The partials of {a.Op} wrote a statement that is not an assignment.");
        }

        return reads.Select(Atom.Of);
    }

    /// <summary>
    /// A loop whose counter tells how many iterations to reverse (see <see cref="FindCountedLoops"/>). A nested
    /// one pushes its counter's exit value right after it and pops it where its reverse starts
    /// (<paramref name="Pushes"/>), so the reset before it need not store the counter's old value, which kept
    /// the counter live across the rest of the outer loop's body.
    /// </summary>
    private sealed record Counted(string Counter, Atom Start, bool Up, bool Pushes);

    private readonly Dictionary<Stmt, Counted> counted = new(ByReference.Instance);

    /// <summary>
    /// Loops <c>i = c0; while (…) { …; i = i ± c; }</c> (c a positive constant, the only write to i inside,
    /// unconditional) with something to differentiate: their reverse runs while i is past c0, undoing the
    /// step, so they need no iteration counter, and nested ones push nothing for it. The reverse reads i
    /// at the loop, which is recorded as a use so that i is restored to its exit value there.
    /// </summary>
    private void FindCountedLoops(EquatableArray<Stmt> block)
    {
        for (int k = 0; k < block.Count; k++)
        {
            switch (block[k])
            {
                case If branch:
                    FindCountedLoops(branch.Then);
                    FindCountedLoops(branch.Else);
                    break;
                case Loop loop:
                    FindCountedLoops(loop.Body);
                    if (k > 0 && block[k - 1] is Assign { Op: Op.Copy } init && init.Args[0].IsConst
                        && b.TypeOf(init.Target) == IrType.Int && Step(loop, init.Target) is { } up && Differentiates(loop.Body))
                    {
                        counted[loop] = new Counted(init.Target, init.Args[0], up, places[loop].Loops.Length > 0);
                        if (!uses.TryGetValue(init.Target, out var list))
                        {
                            uses[init.Target] = list = [];
                        }

                        list.Add(loop);
                    }

                    break;
            }
        }
    }

    /// <summary>True for a loop stepping <paramref name="counter"/> up, false down, null when it is not counted.</summary>
    private bool? Step(Loop loop, string counter)
    {
        if (loop.Header.Any(h => h is not Assign a || a.Target == counter))
        {
            return null;
        }

        Assign? step = null;
        foreach (var s in loop.Body)
        {
            if (!places[s].AssignsWithin.Contains(counter))
            {
                continue;
            }

            if (step is not null || s is not Assign a || !IsInvertible(a, IrType.Int) || a.Args[1].Value <= 0)
            {
                return null;
            }

            step = a;
        }

        return step?.Op == Op.Add;
    }

    /// <summary>Whether a block holds a statement with a derivative to propagate.</summary>
    private bool Differentiates(IEnumerable<Stmt> block) => block.Any(s => s switch
    {
        Assign a => IsActive(a.Target),
        Store st => IsActive(st.Array),
        Call c => c.Args.Any(arg => IsActive(arg.Atom)),
        If i => Differentiates(i.Then) || Differentiates(i.Else),
        Loop l => Differentiates(l.Body),
        _ => false,
    });

    private void CollectUses(EquatableArray<Stmt> block)
    {
        foreach (var s in block)
        {
            foreach (var atom in ReadInReverse(s))
            {
                if (atom.Var is { } v)
                {
                    if (!uses.TryGetValue(v, out var list))
                    {
                        uses[v] = list = [];
                    }

                    list.Add(s);
                }
            }

            switch (s)
            {
                case If branch:
                    CollectUses(branch.Then);
                    CollectUses(branch.Else);
                    break;
                case Loop loop:
                    CollectUses(loop.Body);
                    break;
            }
        }
    }

    /// <summary>
    /// Values that are cheaper to recompute where the reverse sweep reads them than to store: a load from a
    /// read-only argument span, and integer arithmetic (indices), defined once, whose inputs are not changed
    /// between the definition and the use. Their inputs are then read at the use instead (and recomputed in
    /// turn when they qualify), so counted loops over spans need no tape at all.
    /// </summary>
    private void PlanRecomputation()
    {
        var readOnly = new HashSet<string>(function.Params.Where(p => p.Mode == ParamMode.Span).Select(p => p.Name));

        // Local scratch arrays that only Store statements write: the reverse sweep restores an element a
        // recomputed load could see overwritten (MustStore), so the load reads the forward value again.
        var scratch = new HashSet<string>(function.Locals.Where(l => l.Type is IrType.RealArray or IrType.IntArray).Select(l => l.Name));
        scratch.ExceptWith(places.Keys.OfType<Call>().SelectMany(c => c.Args).Where(arg => arg.Mode != ParamMode.In && arg.Mode != ParamMode.Span).Select(arg => arg.Atom.Var ?? string.Empty));
        bool changed = true;
        while (changed)
        {
            changed = false;
            foreach (var v in uses.Keys.ToList())
            {
                var list = uses[v];
                if (list.Count == 0 || !definitions.TryGetValue(v, out var d) || assignments[v] != 1)
                {
                    continue;
                }

                bool eligible = d.Op == Op.Load
                    ? d.Args[0].Var is { } array && (readOnly.Contains(array) || scratch.Contains(array))
                    : b.TypeOf(v) == IrType.Int && d.Op is Op.Copy or Op.Add or Op.Sub or Op.Mul or Op.Neg;
                if (!eligible || !list.All(u => Unchanged(d, u)))
                {
                    continue;
                }

                foreach (var u in list)
                {
                    if (!recompute.TryGetValue(u, out var defs))
                    {
                        recompute[u] = defs = [];
                    }

                    if (!defs.Contains(d, ByReferenceAssign.Instance))
                    {
                        defs.Add(d);
                    }

                    foreach (var arg in d.Args)
                    {
                        if (arg.Var is { } g && !readOnly.Contains(g))
                        {
                            if (!uses.TryGetValue(g, out var argUses))
                            {
                                uses[g] = argUses = [];
                            }

                            argUses.Add(u);
                        }
                    }
                }

                list.Clear();
                changed = true;
            }
        }
    }

    private sealed class ByReferenceAssign : IEqualityComparer<Assign>
    {
        public static readonly ByReferenceAssign Instance = new();

        public bool Equals(Assign? x, Assign? y) => ReferenceEquals(x, y);

        public int GetHashCode(Assign obj) => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(obj);
    }

    /// <summary>Whether the inputs of <paramref name="definition"/> still hold at <paramref name="use"/>: the use follows it in its block and nothing between changes them.</summary>
    private bool Unchanged(Assign definition, Stmt use)
    {
        var d = places[definition];
        Stmt? at = use;
        while (at is not null && places[at].Block != d.Block)
        {
            at = places[at].Parent;
        }

        if (at is null || places[at].InBlock <= d.InBlock)
        {
            return false;
        }

        // The statements from just after the definition to the one that holds the use, in that block.
        var inputs = definition.Args.Where(a => a.Var is not null).Select(a => a.Var!).ToList();
        foreach (var s in places.Where(kv => kv.Value.Block == d.Block && kv.Value.InBlock > d.InBlock && kv.Value.InBlock <= places[at].InBlock))
        {
            if (inputs.Any(s.Value.AssignsWithin.Contains))
            {
                return false;
            }
        }

        return true;
    }

    private void ComputeNeeded()
    {
        foreach (var kv in uses)
        {
            if (kv.Value.Count > 0)
            {
                needed.Add(kv.Key);
            }
        }
    }

    private static bool IsInvertible(Assign a, IrType type) =>
        type == IrType.Int && a.Op is Op.Add or Op.Sub && a.Args[0].Var == a.Target && a.Args[1].IsConst;

    /// <summary>
    /// Whether the value that <paramref name="statement"/> overwrites in <paramref name="target"/> must be
    /// stored: only if a reverse read of the variable can see that old value, that is a read placed before
    /// the statement, or one that shares a loop with it (a later iteration overwrites an earlier one's value).
    /// </summary>
    private bool MustStore(Stmt statement, string target)
    {
        if (!needed.Contains(target) || !uses.TryGetValue(target, out var list))
        {
            return false;
        }

        var at = places[statement];
        return list.Any(u => !RestoredBy(u, target) && (places[u].Index < at.Index || places[u].Loops.Intersect(at.Loops).Any()));
    }

    /// <summary>Whether the reverse read <paramref name="use"/> of <paramref name="counter"/> is in (or is) a counted loop that restores the counter itself.</summary>
    private bool RestoredBy(Stmt use, string counter) => counted.Any(kv =>
        kv.Value.Pushes && kv.Value.Counter == counter && (ReferenceEquals(kv.Key, use) || places[use].Loops.Contains(loopIds[kv.Key])));

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

        forward.Add(call);
        var mask = call.Args.Select(arg => IsActive(arg.Atom)).ToArray();
        if (mask.Any(m => m))
        {
            var args = call.Args.ToList();
            bool targetActive = call.Target is not null && IsActive(call.Target);
            args.Add(new CallArg(targetActive ? Atom.Of(Adj(call.Target!)) : Zero(IrType.Real), ParamMode.In));
            for (int k = 0; k < call.Args.Count; k++)
            {
                if (mask[k])
                {
                    var arg = call.Args[k];
                    args.Add(new CallArg(Atom.Of(Adj(arg.Atom.Var!)), arg.Mode == ParamMode.Span ? ParamMode.SpanOut : ParamMode.Ref));
                }
            }

            rev.Add(new Call(null, adjointOf(call.Function, mask), args.ToEquatableArray()));
            if (targetActive)
            {
                rev.Add(new Assign(Adj(call.Target!), Op.Copy, new EquatableArray<Atom>([Zero(IrType.Real)])));
            }
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

    private static Atom Zero(IrType type) => type switch
    {
        IrType.Int => Atom.Int(0),
        IrType.Bool => Atom.Bool(false),
        _ => Atom.Real(0),
    };
}
