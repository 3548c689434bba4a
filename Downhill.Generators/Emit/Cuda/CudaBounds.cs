using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Downhill.Generators.Ir;
using Downhill.Generators.Model;

namespace Downhill.Generators.Emit.Cuda;

/// <summary>An integer expression over the lengths of a function's array parameters: a bound on what a thread needs.</summary>
internal abstract record Bound
{
    public static readonly Bound Zero = new BConst(0);

    public static Bound Plus(Bound a, Bound b) => a is BConst { Value: 0 } ? b : b is BConst { Value: 0 } ? a : a is BConst x && b is BConst y ? new BConst(x.Value + y.Value) : new BSum(a, b);

    public static Bound Times(Bound a, Bound b) => a is BConst { Value: 0 } || b is BConst { Value: 0 } ? Zero : a is BConst { Value: 1 } ? b : b is BConst { Value: 1 } ? a : a is BConst x && b is BConst y ? new BConst(x.Value * y.Value) : new BProd(a, b);

    /// <summary>The bound as C (<c>long long</c>), each length spelled by <paramref name="length"/>.</summary>
    public abstract string C(Func<string, string> length);

    /// <summary>
    /// The bound with each parameter's length and each int parameter's value replaced (a callee's bound in its
    /// caller's terms); null when one has none.
    /// </summary>
    public abstract Bound? Substitute(Func<string, Bound?> length, Func<string, Bound?> value);
}

internal sealed record BConst(long Value) : Bound
{
    public override string C(Func<string, string> length) => Value.ToString(CultureInfo.InvariantCulture) + "LL";

    public override Bound? Substitute(Func<string, Bound?> length, Func<string, Bound?> value) => this;
}

internal sealed record BLen(string Param) : Bound
{
    public override string C(Func<string, string> length) => "(long long)" + length(Param);

    public override Bound? Substitute(Func<string, Bound?> length, Func<string, Bound?> value) => length(Param);
}

internal sealed record BSum(Bound A, Bound B) : Bound
{
    public override string C(Func<string, string> length) => "(" + A.C(length) + " + " + B.C(length) + ")";

    public override Bound? Substitute(Func<string, Bound?> length, Func<string, Bound?> value) => A.Substitute(length, value) is { } a && B.Substitute(length, value) is { } b ? Plus(a, b) : null;
}

internal sealed record BDiff(Bound A, Bound B) : Bound
{
    public override string C(Func<string, string> length) => "(" + A.C(length) + " - " + B.C(length) + ")";

    public override Bound? Substitute(Func<string, Bound?> length, Func<string, Bound?> value) => A.Substitute(length, value) is { } a && B.Substitute(length, value) is { } b ? new BDiff(a, b) : null;
}

internal sealed record BProd(Bound A, Bound B) : Bound
{
    public override string C(Func<string, string> length) => "(" + A.C(length) + " * " + B.C(length) + ")";

    public override Bound? Substitute(Func<string, Bound?> length, Func<string, Bound?> value) => A.Substitute(length, value) is { } a && B.Substitute(length, value) is { } b ? Times(a, b) : null;
}

/// <summary>The value of an int parameter that the function never writes (a dimension passed to a helper: <c>Fn.MatVec(w, x, rows, cols, y)</c>).</summary>
internal sealed record BValue(string Param) : Bound
{
    /// <summary>Only a callee's bound holds values, and a call replaces them: an entry function's int arguments are data (<see cref="CudaBounds.OfEntry"/>).</summary>
    public override string C(Func<string, string> length) => throw new CudaUnsupportedException($"a bound depends on the int argument '{Param}'");

    public override Bound? Substitute(Func<string, Bound?> length, Func<string, Bound?> value) => value(Param);
}

/// <summary>max(0, A).</summary>
internal sealed record BMax0(Bound A) : Bound
{
    public override string C(Func<string, string> length) => "dh_max0(" + A.C(length) + ")";

    public override Bound? Substitute(Func<string, Bound?> length, Func<string, Bound?> value) => A.Substitute(length, value) is { } a ? new BMax0(a) : null;
}

/// <summary>What one call of a function needs per thread: tape slots (real; int and bool) and scratch elements (real; int).</summary>
internal sealed record Need(Bound TapeReal, Bound TapeInt, Bound ScratchReal, Bound ScratchInt)
{
    public static readonly Need None = new(Bound.Zero, Bound.Zero, Bound.Zero, Bound.Zero);

    public Need Plus(Need o) => new(Bound.Plus(TapeReal, o.TapeReal), Bound.Plus(TapeInt, o.TapeInt), Bound.Plus(ScratchReal, o.ScratchReal), Bound.Plus(ScratchInt, o.ScratchInt));

    public Need Times(Bound m) => new(Bound.Times(TapeReal, m), Bound.Times(TapeInt, m), Bound.Times(ScratchReal, m), Bound.Times(ScratchInt, m));

    public Need? Substitute(Func<string, Bound?> length, Func<string, Bound?> value) =>
        TapeReal.Substitute(length, value) is { } a && TapeInt.Substitute(length, value) is { } b && ScratchReal.Substitute(length, value) is { } c && ScratchInt.Substitute(length, value) is { } d ? new Need(a, b, c, d) : null;
}

/// <summary>
/// Bounds, from the IR alone, what a thread's tape and scratch arrays hold at most: each push and allocation
/// counted once per trip of the loops around it, a loop's trips bounded when it is counted (a counter that
/// only grows by a constant towards a limit that is a constant or an array's length, or only shrinks). A call
/// adds its callee's need in the caller's lengths; recursion, or a limit read from data, has no bound.
/// </summary>
internal sealed class CudaBounds
{
    private readonly Dictionary<string, IrFunction> functions;
    private readonly Dictionary<string, Need?> needs = [];
    private readonly HashSet<string> active = [];

    public CudaBounds(IEnumerable<IrFunction> functions)
    {
        this.functions = functions.ToDictionary(f => f.Name);
    }

    /// <summary>
    /// The need of one call of an entry function (loss, gradient, HVP) in terms of its array arguments' lengths, or
    /// null: its int arguments are data, different in every example, so a bound may not depend on them.
    /// </summary>
    public Need? OfEntry(string function)
    {
        var need = Of(function)?.Substitute(p => new BLen(p), _ => null);
        if (need is null && Failure is null)
        {
            Failure = "a loop's trip count or a scratch array's length depends on an int data argument, which differs from example to example";
        }

        return need;
    }

    /// <summary>Why the last failed bound failed (for the diagnostic).</summary>
    public string? Failure { get; private set; }

    /// <summary>The need of one call of <paramref name="function"/> in terms of its own array parameters' lengths, or null.</summary>
    public Need? Of(string function)
    {
        if (needs.TryGetValue(function, out var known))
        {
            return known;
        }

        if (!active.Add(function))
        {
            Failure ??= "it is recursive, so the tape of its reverse sweep has no bound the generator can compute";
            return null;
        }

        var f = functions[function];
        var need = new Walker(this, f).Block(f.Body);
        active.Remove(function);
        needs[function] = need;
        return need;
    }

    private sealed class Walker(CudaBounds owner, IrFunction f)
    {
        private readonly List<Stmt> all = IrWalk.All(f.Body).ToList();
        private readonly HashSet<string> evaluating = [];

        /// <summary>The counters of the counted loops around the statement being walked, with bounds on their values inside the body.</summary>
        private readonly List<(string Counter, Bound Low, Bound High)> ranges = [];

        /// <summary>What one run of <paramref name="block"/> needs.</summary>
        public Need? Block(IEnumerable<Stmt> block)
        {
            var need = Need.None;
            var list = block.ToList();
            for (int k = 0; k < list.Count; k++)
            {
                var s = list[k];
                Need? add = s switch
                {
                    Push p => p.Type == IrType.Real ? new Need(One, Bound.Zero, Bound.Zero, Bound.Zero) : new Need(Bound.Zero, One, Bound.Zero, Bound.Zero),
                    Alloc a => Alloc(a),
                    If i => Block(i.Then) is { } t && Block(i.Else) is { } e ? t.Plus(e) : null,
                    Loop l => Loop(l, list, k),
                    Call c => Call(c.Function, c.Args.Select(a => a.Atom).ToList()),
                    DualAssign d => Call(d.Function, []),
                    _ => Need.None,
                };
                if (add is null)
                {
                    return null;
                }

                need = need.Plus(add);
            }

            return need;
        }

        private static readonly Bound One = new BConst(1);

        private Need? Alloc(Alloc a)
        {
            if (Value(a.Length) is not { } length)
            {
                owner.Failure ??= "the length of a scratch array is not a constant or an array's length";
                return null;
            }

            var elements = new BMax0(length);
            return f.Locals.Any(l => l.Type == IrType.IntArray && l.Name == a.Array)
                ? new Need(Bound.Zero, Bound.Zero, Bound.Zero, elements)
                : new Need(Bound.Zero, Bound.Zero, elements, Bound.Zero);
        }

        private Need? Call(string callee, List<Atom> args)
        {
            if (owner.Of(callee) is not { } need)
            {
                return null;
            }

            var parameters = owner.functions[callee].Params;
            int Index(string p) => Enumerable.Range(0, parameters.Count).First(j => parameters[j].Name == p);
            var substituted = need.Substitute(
                p => args[Index(p)].Var is { } v ? Length(v) : null,
                p => Value(args[Index(p)]));
            if (substituted is null)
            {
                owner.Failure ??= $"an array or a dimension passed to '{callee}' has no length or value the generator can bound";
            }

            return substituted;
        }

        private Need? Loop(Loop l, List<Stmt> block, int at)
        {
            // The counter's range bounds the loops inside (a triangular loop: for j < i).
            var counted = Trips(l, block, at);
            if (counted is { } c)
            {
                ranges.Add(c.Range);
            }

            Need? body, header;
            try
            {
                body = Block(l.Body);
                header = Block(l.Header);
            }
            finally
            {
                if (counted is not null)
                {
                    ranges.RemoveAt(ranges.Count - 1);
                }
            }

            if (body is null || header is null)
            {
                return null;
            }

            if (body == Need.None && header == Need.None)
            {
                return Need.None;
            }

            if (counted?.Trips is not { } trips)
            {
                owner.Failure ??= "a loop that pushes on the tape (or allocates) has a trip count the generator cannot bound (its limit comes from data, or its counter is not a plain counter)";
                return null;
            }

            return body.Times(trips).Plus(header.Times(Bound.Plus(trips, One)));
        }

        /// <summary>A bound on the trips of a counted loop and on its counter's values in the body, or null.</summary>
        private (Bound Trips, (string Counter, Bound Low, Bound High) Range)? Trips(Loop l, List<Stmt> block, int at)
        {
            if (l.Cond.Var is not { } cond)
            {
                return null;
            }

            // The header's assignments to the condition: a comparison, or false (a break flag's short circuit).
            var tests = IrWalk.All(l.Header).OfType<Assign>().Where(a => a.Target == cond).ToList();
            var compares = tests.Where(a => !(a.Op == Op.Copy && a.Args[0].IsConst && a.Args[0].Value == 0)).ToList();
            compares = AndedComparison(l, cond, compares) ?? compares;
            if (compares.Count != 1 || compares[0].Args.Count != 2)
            {
                return null;
            }

            var test = compares[0];
            var writes = new HashSet<string>(IrWalk.All(l.Body).SelectMany(s => StmtVars.Writes(s)));
            var (x, y) = (test.Args[0], test.Args[1]);
            string? counter = x.Var is { } xv && writes.Contains(xv) ? xv : y.Var is { } yv && writes.Contains(yv) ? yv : null;
            if (counter is null)
            {
                return null;
            }

            var limit = counter == x.Var ? y : x;
            bool counterLeft = counter == x.Var;

            // "counter < limit" or "counter <= limit" with a growing counter, "counter > limit" or ">=" with a shrinking one.
            var op = counterLeft ? test.Op : test.Op switch { Op.Lt => Op.Gt, Op.Le => Op.Ge, Op.Gt => Op.Lt, Op.Ge => Op.Le, var o => o };
            int sign = op is Op.Lt or Op.Le ? 1 : op is Op.Gt or Op.Ge ? -1 : 0;
            // A growing counter runs from at least its entry to below (at most) the limit's largest value; a shrinking one the other way.
            bool growing = sign > 0;
            if (sign == 0 || Steps(l, test, counter, sign) is not { } steps || Extreme(limit, growing) is not { } bound || Entry(block, at, counter, !growing) is not { } entry)
            {
                return null;
            }

            var span = growing ? new BDiff(bound, entry) : new BDiff(entry, bound);
            bool inclusive = op is Op.Le or Op.Ge;
            var trips = new BMax0(Bound.Plus(inclusive ? Bound.Plus(span, new BConst(1)) : span, new BConst(steps.Extra)));

            // In the body the counter passed the test and may have taken its step (step - 1 past the limit, or step with <=).
            var past = new BConst(steps.Step - (inclusive ? 0 : 1));
            var range = growing ? (counter, entry, Bound.Plus(bound, past)) : (counter, new BDiff(bound, past), entry);
            return (trips, range);
        }

        /// <summary>
        /// <c>counter &lt; limit &amp;&amp; rest</c>: the comparison assigned to the condition at the header's top level, and every
        /// other assignment to it under <c>if (cond)</c> (the short circuit's right side), so the loop runs only while the
        /// comparison holds; null when the header is not of that form.
        /// </summary>
        private static List<Assign>? AndedComparison(Loop l, string cond, List<Assign> assignments)
        {
            var header = l.Header.ToList();
            var top = assignments.Where(a => header.Any(s => ReferenceEquals(s, a)) && a.Op is Op.Lt or Op.Le or Op.Gt or Op.Ge).ToList();
            if (assignments.Count < 2 || top.Count != 1)
            {
                return null;
            }

            bool Gated(Assign a) => header.Select((s, k) => (s, k)).Any(x => x.s is If { Else.Count: 0 } i
                && IrWalk.All(i.Then).Any(t => ReferenceEquals(t, a)) && i.Cond.Var is { } g && CopyOf(g, cond, header, x.k));
            return assignments.Where(a => !ReferenceEquals(a, top[0])).All(Gated) ? top : null;
        }

        /// <summary>Whether <paramref name="variable"/> holds <paramref name="source"/> at statement <paramref name="at"/> of <paramref name="block"/> (itself, or through copies).</summary>
        private static bool CopyOf(string variable, string source, List<Stmt> block, int at)
        {
            if (variable == source)
            {
                return true;
            }

            for (int k = at - 1; k >= 0; k--)
            {
                if (StmtVars.Writes(block[k]).Contains(variable))
                {
                    return block[k] is Assign { Op: Op.Copy } a && a.Args[0].Var is { } v && CopyOf(v, source, block, k);
                }
            }

            return false;
        }

        /// <summary>
        /// Whether the only write of <paramref name="counter"/> in the body is one step by a constant of at least 1 in
        /// the direction <paramref name="sign"/>, and every trip takes it: 0 extra trips when it is at the body's top
        /// level, 1 when it is guarded only by "not yet broken out" (a break or early return: the flag that skips the
        /// step also ends the loop at the next test); null otherwise.
        /// </summary>
        private static (int Extra, long Step)? Steps(Loop l, Assign test, string counter, int sign)
        {
            var writes = IrWalk.All(l.Body).Where(s => StmtVars.Writes(s).Contains(counter)).ToList();
            bool Step(Stmt s) => s is Assign { Op: Op.Add or Op.Sub } a && a.Args[0].Var == counter && a.Args[1].IsConst && a.Args[1].Value >= 1 && (a.Op == Op.Add ? 1 : -1) == sign;
            if (writes.Count != 1 || !Step(writes[0]) || Path(l.Body.ToList(), writes[0]) is not { } guards)
            {
                return null;
            }

            long step = (long)((Assign)writes[0]).Args[1].Value;
            if (guards.Count == 0)
            {
                return (0, step);
            }

            // The header tests the counter only while a flag is unset: if (!flag) cond = test; else cond = false.
            var header = l.Header.ToList();
            int gate = header.FindIndex(s => s is If i && i.Then.Any(t => ReferenceEquals(t, test)));
            if (gate < 0 || ((If)header[gate]).Cond.Var is not { } g || NegatedFlag(g, header, gate) is not { } flag)
            {
                return null;
            }

            bool onlySet = IrWalk.All(l.Body).Where(s => StmtVars.Writes(s).Contains(flag)).All(s => s is Assign { Op: Op.Copy } a && a.Args[0].IsConst && a.Args[0].Value != 0);
            return onlySet && guards.All(x => x.Block[x.Index] is If i && i.Cond.Var is { } c && NegatedFlag(c, x.Block, x.Index) == flag) ? (1, step) : null;
        }

        /// <summary>The branches (block and index) around <paramref name="target"/> inside <paramref name="block"/>, outermost first; null when it is not there.</summary>
        private static List<(List<Stmt> Block, int Index)>? Path(List<Stmt> block, Stmt target)
        {
            for (int k = 0; k < block.Count; k++)
            {
                if (ReferenceEquals(block[k], target))
                {
                    return [];
                }

                if (block[k] is If i)
                {
                    foreach (var branch in new[] { i.Then.ToList(), i.Else.ToList() })
                    {
                        if (Path(branch, target) is { } inner)
                        {
                            inner.Insert(0, (block, k));
                            return inner;
                        }
                    }
                }
            }

            return null;
        }

        /// <summary>The flag f when <paramref name="variable"/> holds !f at statement <paramref name="at"/> of <paramref name="block"/> (through copies), else null.</summary>
        private static string? NegatedFlag(string variable, List<Stmt> block, int at)
        {
            for (int k = at - 1; k >= 0; k--)
            {
                if (!StmtVars.Writes(block[k]).Contains(variable))
                {
                    continue;
                }

                return block[k] switch
                {
                    Assign { Op: Op.Copy } a when a.Args[0].Var is { } source => NegatedFlag(source, block, k),
                    Assign { Op: Op.Not } a => a.Args[0].Var,
                    _ => null,
                };
            }

            return null;
        }

        /// <summary>A bound (the largest value when <paramref name="upper"/>, else the smallest) on the counter's value on entering the loop: its last assignment before it in the same block.</summary>
        private Bound? Entry(List<Stmt> block, int at, string counter, bool upper)
        {
            for (int k = at - 1; k >= 0; k--)
            {
                if (StmtVars.Writes(block[k]).Contains(counter))
                {
                    return block[k] is Assign a ? Extreme(a, upper) : null;
                }
            }

            return null;
        }

        /// <summary>
        /// The largest (<paramref name="upper"/>) or smallest value an int can have where it is read: its value when it
        /// has one; an enclosing counted loop's counter's range; or, for a local whose every assignment gives the same
        /// bound, that bound (sums and differences of such values).
        /// </summary>
        private Bound? Extreme(Atom a, bool upper)
        {
            if (Value(a) is { } exact)
            {
                return exact;
            }

            if (a.Var is not { } v || f.Params.Any(p => p.Name == v))
            {
                return null;
            }

            for (int k = ranges.Count - 1; k >= 0; k--)
            {
                if (ranges[k].Counter == v)
                {
                    return upper ? ranges[k].High : ranges[k].Low;
                }
            }

            if (!evaluating.Add(v))
            {
                return null;
            }

            try
            {
                var values = all.Where(s => StmtVars.Writes(s).Contains(v)).Select(d => d is Assign x ? Extreme(x, upper) : null).ToList();
                return values.Count > 0 && values.All(x => x is not null && x == values[0]) ? values[0] : null;
            }
            finally
            {
                evaluating.Remove(v);
            }
        }

        private Bound? Extreme(Assign def, bool upper) => def.Op switch
        {
            Op.Copy => Extreme(def.Args[0], upper),
            Op.Add => Extreme(def.Args[0], upper) is { } p && Extreme(def.Args[1], upper) is { } q ? Bound.Plus(p, q) : null,
            Op.Sub => Extreme(def.Args[0], upper) is { } p && Extreme(def.Args[1], !upper) is { } q ? new BDiff(p, q) : null,
            _ => Definition(def),
        };

        /// <summary>An int value that is the same wherever it is read: a constant, an array's length, or a local assigned once from such values.</summary>
        private Bound? Value(Atom a)
        {
            if (a.Var is not { } v)
            {
                return a.ConstType == IrType.Int ? new BConst((long)a.Value) : null;
            }

            if (f.Params.FirstOrDefault(p => p.Name == v) is { } parameter)
            {
                // An int argument the function never writes is the caller's value, which the call substitutes.
                return parameter is { Type: IrType.Int, Mode: ParamMode.In } && !all.Any(s => StmtVars.Writes(s).Contains(v)) ? new BValue(v) : null;
            }

            if (!evaluating.Add(v))
            {
                return null;
            }

            try
            {
                // Every assignment must give the same value (the reverse sweep may recompute a constant).
                var defs = all.Where(s => StmtVars.Writes(s).Contains(v)).ToList();
                var values = defs.Select(d => d is Assign a ? Definition(a) : null).ToList();
                return values.Count > 0 && values.All(x => x is not null && x == values[0]) ? values[0] : null;
            }
            finally
            {
                evaluating.Remove(v);
            }
        }

        private Bound? Definition(Assign def)
        {
            {
                return def.Op switch
                {
                    Op.Copy => Value(def.Args[0]),
                    Op.Length => def.Args[0].Var is { } array ? Length(array) : null,
                    Op.Add => Value(def.Args[0]) is { } p && Value(def.Args[1]) is { } q ? Bound.Plus(p, q) : null,
                    Op.Sub => Value(def.Args[0]) is { } p && Value(def.Args[1]) is { } q ? new BDiff(p, q) : null,
                    Op.Mul => Value(def.Args[0]) is { } p && Value(def.Args[1]) is { } q ? Bound.Times(p, q) : null,
                    _ => null,
                };
            }
        }

        /// <summary>The length of an array: a parameter's own, or a scratch array's allocated length.</summary>
        private Bound? Length(string array)
        {
            if (f.Params.Any(p => p.Name == array))
            {
                return new BLen(array);
            }

            var allocs = all.OfType<Alloc>().Where(x => x.Array == array).ToList();
            return allocs.Count == 1 && Value(allocs[0].Length) is { } n ? new BMax0(n) : null;
        }
    }
}
