using System.Collections.Generic;
using System.Linq;

namespace Downhill.Generators.Ir;

/// <summary>
/// The variables a statement reads and writes, worked out once for every pass (simplification, the emitters'
/// declarations). Only the statement itself: the blocks of an <see cref="If"/> or a <see cref="Loop"/> are
/// statements of their own (walk them with <see cref="IrWalk.All"/>); a branch's or loop's condition is a read.
/// </summary>
internal static class StmtVars
{
    /// <summary>The variables <paramref name="s"/> reads; <c>x += v</c> reads x, <c>a[i] += v</c> reads i and v.</summary>
    public static IEnumerable<string> Reads(Stmt s) => Vars(s switch
    {
        Assign a => a.Args,
        Store st => [st.Index, st.Value],
        AddTo add => add.Index is { } i ? [i, add.Value] : [add.Value, Atom.Of(add.Target)],
        Call c => c.Args.Select(a => a.Atom),
        Alloc alloc => [alloc.Length],
        Push p => [p.Value],
        Return r => r.Tangent is { } t ? [r.Value, t] : [r.Value],
        DualAssign d => d.Args.Concat(d.Tangents),
        If i => [i.Cond],
        Loop l => [l.Cond],
        _ => [],
    });

    /// <summary>The variables (scalars, or arrays written element-wise) that <paramref name="s"/> writes.</summary>
    public static IEnumerable<string> Writes(Stmt s) => s switch
    {
        Assign a => [a.Target],
        Store st => [st.Array],
        AddTo add => [add.Target],
        Call c => (c.Target is null ? [] : new[] { c.Target }).Concat(c.Args.Where(a => a.Mode is ParamMode.Ref or ParamMode.SpanOut or ParamMode.SpanInOut && a.Atom.Var is not null).Select(a => a.Atom.Var!)),
        Alloc alloc => [alloc.Array],
        Pop p => [p.Target],
        DualAssign d => [d.Target, d.TangentTarget],
        _ => [],
    };

    /// <summary>Every variable that <paramref name="block"/> and the blocks inside it read or write.</summary>
    public static HashSet<string> Mentioned(IEnumerable<Stmt> block)
    {
        var used = new HashSet<string>();
        foreach (var s in IrWalk.All(block))
        {
            used.UnionWith(Reads(s));
            used.UnionWith(Writes(s));
        }

        return used;
    }

    private static IEnumerable<string> Vars(IEnumerable<Atom> atoms) => atoms.Where(a => a.Var is not null).Select(a => a.Var!);
}
