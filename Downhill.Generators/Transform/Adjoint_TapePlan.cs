using System;
using System.Collections.Generic;
using System.Linq;
using Downhill.Generators.Ir;
using Downhill.Generators.Model;

namespace Downhill.Generators.Transform;

// The tape plan, kept apart from the sweeps (as clad keeps its TBR analysis apart from ReverseModeVisitor):
// where each statement is, what the reverse sweep reads, which loops are counted, what is recomputed instead
// of stored, and what must be pushed.
internal sealed partial class AdjointTransform
{
    // ------------------------------------------------------------ analyses

    /// <summary>Where a statement is: its preorder index, the loops around it, its block and place in it, its parent.</summary>
    private sealed record Place(int Index, int[] Loops, int Block, int InBlock, Stmt? Parent, HashSet<string> AssignsWithin);

    private readonly Dictionary<Stmt, Place> places = new(StatementIdentity.Instance);
    private readonly Dictionary<Stmt, int> loopIds = new(StatementIdentity.Instance);
    private readonly Dictionary<string, List<Stmt>> uses = [];
    private readonly Dictionary<string, Assign> definitions = [];
    private readonly Dictionary<Stmt, List<Assign>> recompute = new(StatementIdentity.Instance);
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
            if (s is Call written)
            {
                // Arrays a callee writes in place.
                assigns.UnionWith(written.Args.Where(arg => arg.Mode == ParamMode.SpanInOut && arg.Atom.Var is not null).Select(arg => arg.Atom.Var!));
            }

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

    private readonly Dictionary<Stmt, Counted> counted = new(StatementIdentity.Instance);

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
    /// the statement, or one that shares a loop with it (a later iteration overwrites an earlier one's value),
    /// unless an earlier overwrite restores what that read needs (<see cref="RestoredByEarlierOverwrite"/>).
    /// </summary>
    private bool MustStore(Stmt statement, string target)
    {
        if (!needed.Contains(target) || !uses.TryGetValue(target, out var list))
        {
            return false;
        }

        var at = places[statement];
        return list.Any(u => !RestoredBy(u, target) && (places[u].Index < at.Index || places[u].Loops.Intersect(at.Loops).Any())
            && !(statement is Assign && RestoredByEarlierOverwrite(statement, u, target)));
    }

    /// <summary>
    /// Whether the reverse read <paramref name="use"/> never sees the value that the scalar assignment
    /// <paramref name="statement"/> overwrites, because an earlier assignment Y of the same variable restores it: Y
    /// stands unconditionally in the block (of the innermost loop body holding both, or of the function) that holds
    /// the statement, before the statement's place there, and the read is not between Y and the statement. The
    /// read then sees either the value before Y (restored when Y's reverse pops, which runs before the read's
    /// reverse) or a value after the statement (current when its reverse runs): the values in between, such as a
    /// sum's partial values in <c>s = b[j]; for (…) s += w[…] · x[i]; h[j] = Relu(s);</c>, need no tape.
    /// </summary>
    private bool RestoredByEarlierOverwrite(Stmt statement, Stmt use, string target)
    {
        var px = places[statement];
        var pu = places[use];
        int common = 0;
        while (common < px.Loops.Length && common < pu.Loops.Length && px.Loops[common] == pu.Loops[common])
        {
            common++;
        }

        // The statement's place in the block at the common loop depth: itself, or the If or Loop that holds it.
        Stmt holder = statement;
        while (places[holder].Loops.Length > common && places[holder].Parent is { } parent)
        {
            holder = parent;
        }

        var ph = places[holder];
        if (ph.Loops.Length != common)
        {
            return false;
        }

        return places.Any(kv => kv.Key is Assign y && y.Target == target && !ReferenceEquals(y, statement)
            && kv.Value.Block == ph.Block && kv.Value.InBlock < ph.InBlock
            && !(kv.Value.Index < pu.Index && pu.Index < px.Index));
    }

    /// <summary>
    /// Whether a reverse read other than <paramref name="call"/>'s own can see the values that <paramref name="call"/>
    /// overwrites in the in-out array <paramref name="array"/> (another call reads it before, or in a loop with it).
    /// </summary>
    private bool MustRestoreAfter(Call call, string array)
    {
        if (!needed.Contains(array) || !uses.TryGetValue(array, out var list))
        {
            return false;
        }

        var at = places[call];
        return list.Any(u => !ReferenceEquals(u, call) && !RestoredBy(u, array) && (places[u].Index < at.Index || places[u].Loops.Intersect(at.Loops).Any()));
    }

    /// <summary>Whether the reverse read <paramref name="use"/> of <paramref name="counter"/> is in (or is) a counted loop that restores the counter itself.</summary>
    private bool RestoredBy(Stmt use, string counter) => counted.Any(kv =>
        kv.Value.Pushes && kv.Value.Counter == counter && (ReferenceEquals(kv.Key, use) || places[use].Loops.Contains(loopIds[kv.Key])));
}
