using System.Collections.Generic;
using System.Linq;
using Downhill.Generators.Ir;
using Downhill.Generators.Model;

namespace Downhill.Generators.Transform;

/// <summary>
/// Which variables of an IR function are the same for every example of a batch (uniform) and which differ from
/// one example to the next (varying), for code that runs many examples at once: SIMD lanes on the CPU, one thread
/// per example on a GPU. Flow-insensitive, to a fixed point over loops, like <see cref="Activity"/>.
/// </summary>
/// <remarks>
/// Varying: the data arguments; anything computed from a varying value; anything written under a varying
/// condition (a branch on a varying bool, or the header and body of a loop whose condition varies, since the
/// lanes leave it at different iterations); an array element-written with a varying index or value, or under a
/// varying condition. Uniform: everything else ([Param]s, [Hyper]s, their tangents, constants, loop counters
/// with uniform bounds, scratch arrays whose every write is uniform). The length of an array is uniform unless
/// it was allocated with a varying length or under a varying condition: every row of a batch's column has the
/// same width. A tape pop writes the variable whose value the matching push saved (the adjoint pushes
/// <c>x</c> and pops into <c>x</c>), so it makes its target varying only under a varying condition.
/// </remarks>
internal sealed class Uniformity
{
    private readonly HashSet<string> varying;
    private readonly HashSet<string> varyingLength;
    private readonly HashSet<Stmt> varyingControl;

    private Uniformity(HashSet<string> varying, HashSet<string> varyingLength, HashSet<Stmt> varyingControl, bool result)
    {
        this.varying = varying;
        this.varyingLength = varyingLength;
        this.varyingControl = varyingControl;
        ResultVaries = result;
    }

    /// <summary>Whether the function's return value varies.</summary>
    public bool ResultVaries { get; }

    /// <summary>The varying variables (scalars and arrays).</summary>
    public IReadOnlyCollection<string> Varying => varying;

    /// <summary>Whether a variable varies.</summary>
    public bool Varies(string name) => varying.Contains(name);

    /// <summary>Whether an atom varies (a constant never does).</summary>
    public bool Varies(Atom a) => a.Var is { } v && varying.Contains(v);

    /// <summary>Whether the length of an array varies.</summary>
    public bool LengthVaries(string array) => varyingLength.Contains(array);

    /// <summary>Whether a branch's condition or a loop's condition varies (its blocks run under a lane mask).</summary>
    public bool ControlVaries(Stmt branchOrLoop) => varyingControl.Contains(branchOrLoop);

    /// <summary>The analysis of <paramref name="function"/> when the parameters named in <paramref name="varyingInputs"/> vary.</summary>
    public static Uniformity Analyze(IrFunction function, IEnumerable<string> varyingInputs)
    {
        var types = function.Params.ToDictionary(p => p.Name, p => p.Type);
        foreach (var l in function.Locals)
        {
            types[l.Name] = l.Type;
        }

        var varying = new HashSet<string>(varyingInputs);
        var varyingLength = new HashSet<string>();
        // By identity: two equal records in different places may differ in uniformity.
        var control = new HashSet<Stmt>(StatementIdentity.Instance);
        bool result = false;
        bool changed = true;
        while (changed)
        {
            changed = false;
            Visit(function.Body, false);
        }

        return new Uniformity(varying, varyingLength, control, result);

        bool V(Atom a) => a.Var is { } v && varying.Contains(v);

        void Mark(string name)
        {
            if (varying.Add(name))
            {
                changed = true;
            }
        }

        void MarkIf(bool condition, string name)
        {
            if (condition)
            {
                Mark(name);
            }
        }

        void Visit(EquatableArray<Stmt> block, bool masked)
        {
            foreach (var s in block)
            {
                switch (s)
                {
                    case Assign a:
                        bool args = a.Op == Op.Length
                            ? masked || (a.Args[0].Var is { } arr && varyingLength.Contains(arr))
                            : masked || a.Args.Any(V);
                        MarkIf(args, a.Target);
                        break;
                    case Store st:
                        MarkIf(masked || V(st.Index) || V(st.Value), st.Array);
                        break;
                    case AddTo add:
                        MarkIf(masked || V(add.Value) || (add.Index is { } i && V(i)), add.Target);
                        break;
                    case Alloc alloc:
                        if ((masked || V(alloc.Length)) && varyingLength.Add(alloc.Array))
                        {
                            changed = true;
                        }

                        MarkIf(masked || V(alloc.Length), alloc.Array);
                        break;
                    case Pop p:
                        MarkIf(masked, p.Target);
                        break;
                    case Call call:
                        bool callVaries = masked || call.Args.Any(arg => arg.Mode is ParamMode.In or ParamMode.Span or ParamMode.SpanInOut && V(arg.Atom));
                        if (call.Target is not null)
                        {
                            MarkIf(callVaries, call.Target);
                        }

                        foreach (var arg in call.Args)
                        {
                            if (arg.Mode is ParamMode.Ref or ParamMode.SpanOut or ParamMode.SpanInOut && arg.Atom.Var is { } v)
                            {
                                MarkIf(callVaries, v);
                            }
                        }

                        break;
                    case DualAssign d:
                        bool dual = masked || d.Args.Any(V) || d.Tangents.Any(V);
                        MarkIf(dual, d.Target);
                        MarkIf(dual, d.TangentTarget);
                        break;
                    case If branch:
                        bool branchMasked = masked || V(branch.Cond);
                        if (branchMasked && control.Add(branch))
                        {
                            changed = true;
                        }

                        Visit(branch.Then, branchMasked);
                        Visit(branch.Else, branchMasked);
                        break;
                    case Loop loop:
                        bool loopMasked = masked || V(loop.Cond);
                        if (loopMasked && control.Add(loop))
                        {
                            changed = true;
                        }

                        Visit(loop.Header, loopMasked);
                        Visit(loop.Body, loopMasked);
                        break;
                    case Return r:
                        if (!result && (masked || V(r.Value) || (r.Tangent is { } t && V(t))))
                        {
                            result = true;
                            changed = true;
                        }

                        break;
                }
            }
        }
    }
}
