using System.Collections.Generic;
using System.Linq;
using Downhill.Generators.Model;

namespace Downhill.Generators.Ir;

/// <summary>Statements compared by identity: the IR's records compare by value, and two loops may be equal.</summary>
internal sealed class StatementIdentity : IEqualityComparer<Stmt>
{
    /// <summary>The comparer.</summary>
    public static readonly StatementIdentity Instance = new();

    /// <inheritdoc/>
    public bool Equals(Stmt? x, Stmt? y) => ReferenceEquals(x, y);

    /// <inheritdoc/>
    public int GetHashCode(Stmt obj) => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(obj);
}

/// <summary>One step of the way from a function's body to a statement: the block, the statement's place in it,
/// and the loop whose header or body the block is (null for a branch's block or the body).</summary>
internal readonly record struct BlockFrame(EquatableArray<Stmt> Block, int Index, Loop? Owner);

/// <summary>
/// Whether a variable's value where a statement ends can still be read: a backward walk would be the textbook
/// way, but the rewrites that ask (a loop replaced by what computes its one result) ask about one statement at a
/// time, so this walks forward from it along every way the program can go on (the rest of its block, the next
/// iteration of each loop around it, what follows each), conservatively: a branch kills a value only when both
/// sides do, and a loop's body may not run.
/// </summary>
internal static class Liveness
{
    /// <summary>The frames from <paramref name="body"/> down to <paramref name="target"/> (found by identity), outermost first, or null.</summary>
    public static List<BlockFrame>? PathTo(EquatableArray<Stmt> body, Stmt target)
    {
        var path = new List<BlockFrame>();
        return Find(body, null) ? path : null;

        bool Find(EquatableArray<Stmt> block, Loop? owner)
        {
            for (int k = 0; k < block.Count; k++)
            {
                path.Add(new BlockFrame(block, k, owner));
                var s = block[k];
                if (ReferenceEquals(s, target)
                    || (s is If i && (Find(i.Then, null) || Find(i.Else, null)))
                    || (s is Loop l && (Find(l.Header, l) || Find(l.Body, l))))
                {
                    return true;
                }

                path.RemoveAt(path.Count - 1);
            }

            return false;
        }
    }

    /// <summary>Whether <paramref name="variable"/> may be read, before it is written, after the statement at the end of <paramref name="path"/>.</summary>
    public static bool LiveAfter(IReadOnlyList<BlockFrame> path, string variable)
    {
        for (int level = path.Count - 1; level >= 0; level--)
        {
            var frame = path[level];
            switch (Scan(frame.Block.Skip(frame.Index + 1), variable))
            {
                case Outcome.Read:
                    return true;
                case Outcome.Killed:
                    return false;
            }

            // At the end of a loop's header or body the loop may go round again (its header, then its body).
            if (frame.Owner is { } loop)
            {
                var again = Scan(loop.Header, variable);
                if (again == Outcome.Read || (again == Outcome.None && Scan(loop.Body, variable) == Outcome.Read))
                {
                    return true;
                }

                if (again == Outcome.Killed)
                {
                    return false;
                }
            }
        }

        return false;
    }

    private enum Outcome
    {
        None,
        Read,
        Killed,
    }

    private static Outcome Scan(IEnumerable<Stmt> block, string variable)
    {
        foreach (var s in block)
        {
            switch (s)
            {
                case If i:
                    if (i.Cond.Var == variable)
                    {
                        return Outcome.Read;
                    }

                    var then = Scan(i.Then, variable);
                    var otherwise = Scan(i.Else, variable);
                    if (then == Outcome.Read || otherwise == Outcome.Read)
                    {
                        return Outcome.Read;
                    }

                    if (then == Outcome.Killed && otherwise == Outcome.Killed)
                    {
                        return Outcome.Killed;
                    }

                    break;
                case Loop l:
                    // The header runs at least once; the body may not run at all.
                    var header = Scan(l.Header, variable);
                    if (header != Outcome.None)
                    {
                        return header;
                    }

                    if (l.Cond.Var == variable || Scan(l.Body, variable) == Outcome.Read)
                    {
                        return Outcome.Read;
                    }

                    break;
                default:
                    if (StmtVars.Reads(s).Contains(variable))
                    {
                        return Outcome.Read;
                    }

                    if (s is Assign or Pop && StmtVars.Writes(s).Contains(variable))
                    {
                        return Outcome.Killed;
                    }

                    break;
            }
        }

        return Outcome.None;
    }
}
