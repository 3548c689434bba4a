using System.Collections.Generic;
using System.Linq;
using Downhill.Generators.Ir;
using Downhill.Generators.Model;

namespace Downhill.Generators.Transform;

/// <summary>
/// Replaces every <see cref="Call"/> of an IR function by a copy of the called function's body, transitively, for
/// code that runs a program over lanes (one example per lane) and keeps no calls of its own: each call site gets
/// its own copy, so the uniformity analysis of the expanded program is specialised by call site (a helper called
/// with uniform arguments stays uniform, one called with varying ones varies), and a helper's in-out scratch
/// arrays, accumulated outputs and throw statements become the caller's own.
/// </summary>
/// <remarks>
/// The copy is exact: the callee's statements run in the same order on the same values (the tape's pushes and pops
/// pair up as the calls' did). Its variables are renamed <c>__inl{k}_name</c> (user names never hold two
/// underscores in a row, so the names are fresh); a scalar parameter the callee writes is a fresh local set from
/// the argument, one it only reads is the argument itself; array and <c>ref</c> parameters are the caller's
/// arrays and variables; the callee's final <c>return v</c> becomes <c>target = v</c>. A call that can run more
/// than once (inside a loop) first zeroes the copy's scalar locals, as every call of the per-example function starts
/// with zeroed locals (adjoints accumulate into them). The callee's scratch arrays live until the caller returns
/// (the per-example callee releases them when it returns). A recursive helper cannot be expanded.
/// </remarks>
internal static class Inlining
{
    /// <summary>
    /// <paramref name="function"/> with every call expanded, or null and the reason (a recursive helper, a callee
    /// that is not among <paramref name="functions"/>).
    /// </summary>
    public static (IrFunction? Expanded, string? Reason) Expand(IrFunction function, IReadOnlyDictionary<string, IrFunction> functions)
    {
        if (!IrWalk.All(function.Body).Any(s => s is Call))
        {
            return (function, null);
        }

        var expander = new Expander(functions, function.Locals);
        var body = expander.Block(function.Body, new CallStack(function.Name, null), false);
        if (expander.Failure is { } reason)
        {
            return (null, reason);
        }

        return (function with { Locals = expander.Locals.ToEquatableArray(), Body = body }, null);
    }

    private sealed class Expander(IReadOnlyDictionary<string, IrFunction> functions, IEnumerable<IrLocal> locals)
    {
        private int copies;

        public List<IrLocal> Locals { get; } = [.. locals];

        public string? Failure { get; private set; }

        public EquatableArray<Stmt> Block(EquatableArray<Stmt> block, CallStack stack, bool inLoop)
        {
            var result = new List<Stmt>();
            foreach (var s in block)
            {
                if (Failure is not null)
                {
                    break;
                }

                switch (s)
                {
                    case Call call:
                        result.AddRange(Copy(call, stack, inLoop));
                        break;
                    case If i:
                        result.Add(i with { Then = Block(i.Then, stack, inLoop), Else = Block(i.Else, stack, inLoop) });
                        break;
                    case Loop l:
                        result.Add(l with { Header = Block(l.Header, stack, true), Body = Block(l.Body, stack, true) });
                        break;
                    default:
                        result.Add(s);
                        break;
                }
            }

            return result.ToEquatableArray();
        }

        private IEnumerable<Stmt> Copy(Call call, CallStack stack, bool inLoop)
        {
            if (!functions.TryGetValue(call.Function, out var callee))
            {
                Failure = "a call of a function that is not generated";
                return [];
            }

            if (stack.Contains(callee.Name))
            {
                Failure = "a call of a recursive [Differentiable] helper";
                return [];
            }

            var all = IrWalk.All(callee.Body).ToList();
            int last = callee.Body.Count - 1;
            if (all.Count(s => s is Return) != 1 || last < 0 || callee.Body[last] is not Return { Tangent: null } ret || call.Args.Count != callee.Params.Count)
            {
                Failure = "a call of a helper that returns other than once at its end";
                return [];
            }

            string prefix = $"__inl{copies++}_";
            // A scalar the callee writes, or that the call also passes by reference, is copied: the callee's
            // parameter is a copy of the argument's value at the call.
            var written = new HashSet<string>(all.SelectMany(StmtVars.Writes));
            var byReference = new HashSet<string>(call.Args.Where(a => a.Mode != ParamMode.In && a.Atom.Var is not null).Select(a => a.Atom.Var!));
            var reads = new Dictionary<string, Atom>();
            var names = new Dictionary<string, string>();
            var entry = new List<Stmt>();
            for (int k = 0; k < callee.Params.Count; k++)
            {
                var p = callee.Params[k];
                var arg = call.Args[k].Atom;
                if (p.Mode == ParamMode.In && (written.Contains(p.Name) || (arg.Var is { } passed && byReference.Contains(passed))))
                {
                    string local = Fresh(prefix, p.Name, p.Type);
                    names[p.Name] = local;
                    entry.Add(new Assign(local, Op.Copy, new[] { arg }.ToEquatableArray()));
                }
                else if (p.Mode == ParamMode.In)
                {
                    reads[p.Name] = arg;
                }
                else if (arg.Var is { } v)
                {
                    names[p.Name] = v;
                }
                else
                {
                    Failure = "a call whose array argument is not an array";
                    return [];
                }
            }

            foreach (var l in callee.Locals)
            {
                names[l.Name] = Fresh(prefix, l.Name, l.Type);
                if (inLoop && l.Type is IrType.Real or IrType.Int or IrType.Bool)
                {
                    var zero = l.Type switch { IrType.Real => Atom.Real(0), IrType.Int => Atom.Int(0), _ => Atom.Bool(false) };
                    entry.Add(new Assign(names[l.Name], Op.Copy, new[] { zero }.ToEquatableArray()));
                }
            }

            var renaming = new Renaming(names, reads);
            var body = callee.Body.Take(last).Select(renaming.Of).ToList();
            if (call.Target is { } target)
            {
                body.Add(new Assign(target, Op.Copy, new[] { renaming.Of(ret.Value) }.ToEquatableArray()));
            }

            return entry.Concat(Block(body.ToEquatableArray(), new CallStack(callee.Name, stack), inLoop));
        }

        private string Fresh(string prefix, string name, IrType type)
        {
            string fresh = prefix + name.TrimStart('@');
            Locals.Add(new IrLocal(fresh, type));
            return fresh;
        }
    }

    /// <summary>The functions being expanded, innermost first: a call of one of them is recursion.</summary>
    private sealed record CallStack(string Name, CallStack? Rest)
    {
        public bool Contains(string function) => Name == function || (Rest?.Contains(function) ?? false);
    }

    /// <summary>A callee's statements with its variables renamed (written ones) or replaced by the call's arguments (read-only scalars).</summary>
    private sealed class Renaming(Dictionary<string, string> names, Dictionary<string, Atom> reads)
    {
        public Atom Of(Atom a) => a.Var is not { } v ? a
            : reads.TryGetValue(v, out var arg) ? arg
            : names.TryGetValue(v, out var n) ? Atom.Of(n)
            : a;

        public string Name(string v) => names.TryGetValue(v, out var n) ? n : v;

        private EquatableArray<Atom> Of(EquatableArray<Atom> atoms) => atoms.Select(Of).ToEquatableArray();

        private EquatableArray<Stmt> Of(EquatableArray<Stmt> block) => block.Select(Of).ToEquatableArray();

        public Stmt Of(Stmt s) => s switch
        {
            Assign a => a with { Target = Name(a.Target), Args = Of(a.Args) },
            Store st => new Store(Name(st.Array), Of(st.Index), Of(st.Value)),
            AddTo add => new AddTo(Name(add.Target), add.Index is { } i ? Of(i) : null, Of(add.Value)),
            If i => new If(Of(i.Cond), Of(i.Then), Of(i.Else)),
            Loop l => new Loop(Of(l.Header), Of(l.Cond), Of(l.Body)),
            Call c => c with { Target = c.Target is { } t ? Name(t) : null, Args = c.Args.Select(arg => arg with { Atom = Of(arg.Atom) }).ToEquatableArray() },
            Alloc alloc => new Alloc(Name(alloc.Array), Of(alloc.Length)),
            Push p => new Push(Of(p.Value), p.Type),
            Pop p => new Pop(Name(p.Target)),
            DualAssign d => d with { Target = Name(d.Target), TangentTarget = Name(d.TangentTarget), Args = Of(d.Args), Tangents = Of(d.Tangents) },
            Return r => new Return(Of(r.Value), r.Tangent is { } t ? Of(t) : null),
            _ => s,
        };
    }
}
