using System.Collections.Generic;
using System.Linq;
using Downhill.Generators.Ir;
using Downhill.Generators.Model;

namespace Downhill.Generators.Transform;

/// <summary>
/// Which variables depend on the active inputs (flow-insensitive, to a fixed point over loops). Only those
/// get tangents and adjoints, which keeps constants and data off the tape.
/// </summary>
internal static class Activity
{
    public static HashSet<string> Analyze(IrFunction function, IReadOnlyList<bool> mask)
    {
        var types = function.Params.ToDictionary(p => p.Name, p => p.Type);
        foreach (var l in function.Locals)
        {
            types[l.Name] = l.Type;
        }

        var active = new HashSet<string>();
        for (int k = 0; k < function.Params.Count; k++)
        {
            if (mask[k] && IsRealKind(function.Params[k].Type))
            {
                active.Add(function.Params[k].Name);
            }
        }

        bool changed = true;
        while (changed)
        {
            changed = false;
            Visit(function.Body);
        }

        return active;

        bool IsActive(Atom a) => a.Var is { } v && active.Contains(v);

        void Mark(string name)
        {
            if (IsRealKind(types[name]) && active.Add(name))
            {
                changed = true;
            }
        }

        void Visit(EquatableArray<Stmt> block)
        {
            foreach (var s in block)
            {
                switch (s)
                {
                    case Assign a when types[a.Target] == IrType.Real && Rules.IsDifferentiable(a.Op):
                        if (a.Op == Op.Select ? IsActive(a.Args[1]) || IsActive(a.Args[2]) : a.Args.Any(IsActive))
                        {
                            Mark(a.Target);
                        }

                        break;
                    case Store st when IsActive(st.Value):
                        Mark(st.Array);
                        break;
                    case AddTo add when IsActive(add.Value):
                        Mark(add.Target);
                        break;
                    case Call call:
                        // An in-out array is an input (what the callee reads of it) and an output (what it writes).
                        if (call.Args.Any(arg => arg.Mode is ParamMode.In or ParamMode.Span or ParamMode.SpanInOut && IsActive(arg.Atom)))
                        {
                            if (call.Target is not null)
                            {
                                Mark(call.Target);
                            }

                            foreach (var arg in call.Args)
                            {
                                if (arg.Mode is ParamMode.Ref or ParamMode.SpanOut or ParamMode.SpanInOut && arg.Atom.Var is { } v)
                                {
                                    Mark(v);
                                }
                            }
                        }

                        break;
                    case If branch:
                        Visit(branch.Then);
                        Visit(branch.Else);
                        break;
                    case Loop loop:
                        Visit(loop.Header);
                        Visit(loop.Body);
                        break;
                }
            }
        }
    }

    public static bool IsRealKind(IrType t) => t is IrType.Real or IrType.RealArray;
}
