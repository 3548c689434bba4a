using System;
using System.Collections.Generic;
using System.Linq;
using Downhill.Generators.Ir;
using Downhill.Generators.Model;

namespace Downhill.Generators.Transform;

/// <summary>
/// Cleans up a derivative function before it is written, so that the JIT's register allocator sees short
/// live ranges. Reverse mode accumulates every adjoint (<c>a += v</c>) and resets it to zero once used,
/// which makes each adjoint temporary live around every loop it sits in; two classic passes undo that:
/// <list type="number">
/// <item>known-zero propagation: <c>a += v</c> where <c>a</c> is certainly 0 becomes <c>a = v</c>;</item>
/// <item>dead-assignment elimination (backward liveness): an assignment to a local scalar that nothing
/// reads afterwards is dropped, such as the reset of an adjoint whose next use now assigns it.</item>
/// </list>
/// Neither reorders floating-point operations: the results are the same bits (0 + v is v, up to the sign of a
/// zero).
/// </summary>
internal static class Simplify
{
    public static IrFunction Run(IrFunction function)
    {
        var realLocals = new HashSet<string>(function.Locals.Where(l => l.Type == IrType.Real).Select(l => l.Name));
        var body = function.Body;

        // The emitter starts every local at zero.
        body = new KnownZero(realLocals).Rewrite(body);

        var scalars = function.Locals.Where(l => l.Type is IrType.Real or IrType.Int or IrType.Bool).ToDictionary(l => l.Name, l => l.Type);
        body = new Liveness(scalars).Rewrite(body);
        return function with { Body = body };
    }

    /// <summary>The scalar variables a leaf statement certainly overwrites.</summary>
    private static string? Kills(Stmt s) => s switch
    {
        Assign a => a.Target,
        Pop p => p.Target,
        Call c => c.Target,
        _ => null,
    };

    /// <summary>Forward analysis: which real locals certainly hold 0 before each statement.</summary>
    private sealed class KnownZero(HashSet<string> realLocals)
    {
        public EquatableArray<Stmt> Rewrite(EquatableArray<Stmt> body)
        {
            var state = new HashSet<string>(realLocals);
            return Block(body, state, rewrite: true);
        }

        private EquatableArray<Stmt> Block(EquatableArray<Stmt> block, HashSet<string> zero, bool rewrite)
        {
            var result = rewrite ? new List<Stmt>(block.Count) : null;
            foreach (var s in block)
            {
                var rewritten = Statement(s, zero, rewrite);
                result?.Add(rewritten);
            }

            return result is null ? block : result.ToEquatableArray();
        }

        private Stmt Statement(Stmt s, HashSet<string> zero, bool rewrite)
        {
            switch (s)
            {
                case Assign a:
                    bool isZero = a.Op == Op.Copy && IsZero(a.Args[0], zero);
                    Set(zero, a.Target, isZero);
                    return s;
                case AddTo { Index: null } add when zero.Contains(add.Target):
                    Set(zero, add.Target, IsZero(add.Value, zero));
                    return rewrite ? new Assign(add.Target, Op.Copy, new EquatableArray<Atom>([add.Value])) : s;
                case AddTo { Index: null } add:
                    zero.Remove(add.Target);
                    return s;
                case Pop p:
                    zero.Remove(p.Target);
                    return s;
                case DualAssign d:
                    zero.Remove(d.Target);
                    zero.Remove(d.TangentTarget);
                    return s;
                case Call c:
                    if (c.Target is not null)
                    {
                        zero.Remove(c.Target);
                    }

                    foreach (var arg in c.Args)
                    {
                        if (arg.Mode == ParamMode.Ref && arg.Atom.Var is { } v)
                        {
                            zero.Remove(v);
                        }
                    }

                    return s;
                case If branch:
                {
                    var elseZero = new HashSet<string>(zero);
                    var then = Block(branch.Then, zero, rewrite);
                    var @else = Block(branch.Else, elseZero, rewrite);
                    zero.IntersectWith(elseZero);
                    return rewrite ? branch with { Then = then, Else = @else } : s;
                }

                case Loop loop:
                {
                    // Fixpoint at the loop head: what holds on entry and after every iteration.
                    var head = new HashSet<string>(zero);
                    while (true)
                    {
                        var state = new HashSet<string>(head);
                        Block(loop.Header, state, rewrite: false);
                        Block(loop.Body, state, rewrite: false);
                        state.IntersectWith(head);
                        if (state.SetEquals(head))
                        {
                            break;
                        }

                        head = state;
                    }

                    var atHead = new HashSet<string>(head);
                    var header = Block(loop.Header, atHead, rewrite);
                    var exit = new HashSet<string>(atHead);
                    var body = Block(loop.Body, atHead, rewrite);
                    zero.Clear();
                    zero.UnionWith(exit);
                    return rewrite ? loop with { Header = header, Body = body } : s;
                }

                default:
                    return s;
            }
        }

        private static bool IsZero(Atom a, HashSet<string> zero) =>
            a.IsConst ? a.ConstType == IrType.Real && BitConverter.DoubleToInt64Bits(a.Value) == 0 : zero.Contains(a.Var!);

        private void Set(HashSet<string> zero, string name, bool isZero)
        {
            if (isZero && realLocals.Contains(name))
            {
                zero.Add(name);
            }
            else
            {
                zero.Remove(name);
            }
        }
    }

    /// <summary>Backward analysis: drops assignments to local scalars that are not read afterwards.</summary>
    private sealed class Liveness(Dictionary<string, IrType> types)
    {
        public EquatableArray<Stmt> Rewrite(EquatableArray<Stmt> body) => Block(body, [], rewrite: true);

        /// <summary>Turns <paramref name="live"/> (live after the block) into what is live before it.</summary>
        private EquatableArray<Stmt> Block(EquatableArray<Stmt> block, HashSet<string> live, bool rewrite)
        {
            var kept = rewrite ? new List<Stmt>(block.Count) : null;
            for (int k = block.Count - 1; k >= 0; k--)
            {
                var s = Statement(block[k], live, rewrite);
                if (s is not null)
                {
                    kept?.Add(s);
                }
            }

            if (kept is null)
            {
                return block;
            }

            kept.Reverse();
            return kept.ToEquatableArray();
        }

        /// <returns>The statement to keep (rewritten), or null to drop it.</returns>
        private Stmt? Statement(Stmt s, HashSet<string> live, bool rewrite)
        {
            switch (s)
            {
                case If branch:
                {
                    var elseLive = new HashSet<string>(live);
                    var then = Block(branch.Then, live, rewrite);
                    var @else = Block(branch.Else, elseLive, rewrite);
                    live.UnionWith(elseLive);
                    AddVar(live, branch.Cond);
                    return rewrite ? branch with { Then = then, Else = @else } : s;
                }

                case Loop loop:
                {
                    // Live at the head: the exit's needs, the condition, and the body's needs (fixpoint).
                    var head = new HashSet<string>(live);
                    while (true)
                    {
                        var state = HeadFrom(loop, live, head);
                        if (state.IsSubsetOf(head))
                        {
                            break;
                        }

                        head.UnionWith(state);
                    }

                    var bodyLive = new HashSet<string>(head);
                    var body = Block(loop.Body, bodyLive, rewrite);
                    var headerLive = new HashSet<string>(live);
                    headerLive.UnionWith(bodyLive);
                    AddVar(headerLive, loop.Cond);
                    var header = Block(loop.Header, headerLive, rewrite);
                    live.Clear();
                    live.UnionWith(head);
                    live.UnionWith(headerLive);
                    return rewrite ? loop with { Header = header, Body = body } : s;
                }

                case Assign a when types.ContainsKey(a.Target) && !live.Contains(a.Target) && !MayThrow(a):
                    return null;
                case AddTo { Index: null } add when types.ContainsKey(add.Target) && !live.Contains(add.Target):
                    return null;
                case DualAssign d when types.ContainsKey(d.Target) && types.ContainsKey(d.TangentTarget) && !live.Contains(d.Target) && !live.Contains(d.TangentTarget):
                    return null;
                case DualAssign d:
                    live.Remove(d.Target);
                    live.Remove(d.TangentTarget);
                    foreach (var v in StmtVars.Reads(d))
                    {
                        live.Add(v);
                    }

                    return s;
                default:
                    if (Kills(s) is { } killed)
                    {
                        live.Remove(killed);
                    }

                    foreach (var v in StmtVars.Reads(s))
                    {
                        live.Add(v);
                    }

                    return s;
            }
        }

        /// <summary>What is live at the loop head given <paramref name="head"/> as the guess for the back edge.</summary>
        private HashSet<string> HeadFrom(Loop loop, HashSet<string> exitLive, HashSet<string> head)
        {
            var state = new HashSet<string>(head);
            Block(loop.Body, state, rewrite: false);
            state.UnionWith(exitLive);
            AddVar(state, loop.Cond);
            Block(loop.Header, state, rewrite: false);
            return state;
        }

        private static void AddVar(HashSet<string> live, Atom a)
        {
            if (a.Var is { } v)
            {
                live.Add(v);
            }
        }

        // Integer division by zero throws; keep it so that a derivative fails where its loss fails. (A dead
        // load is dropped: derivative code only repeats loads its forward sweep has already made.)
        private bool MayThrow(Assign a) => a.Op is Op.Div or Op.Rem && types[a.Target] == IrType.Int;
    }
}
