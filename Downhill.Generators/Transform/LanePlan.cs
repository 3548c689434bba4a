using System.Collections.Generic;
using System.Linq;
using Downhill.Generators.Ir;
using Downhill.Generators.Model;

namespace Downhill.Generators.Transform;

/// <summary>
/// One program of a loss as batched code runs it, one example per lane: the function, which of its variables vary
/// (<see cref="Uniformity"/>), and whether lane code can run it exactly (<see cref="Unsupported"/> null) or the
/// batch falls back to the per-example function for this program, with the reason.
/// </summary>
/// <param name="Function">The program (the loss itself or one of its derivatives), its helper calls expanded (<see cref="Inlining"/>) unless that was refused.</param>
/// <param name="Uniformity">Its uniform and varying variables, the loss's data arguments and the outputs varying.</param>
/// <param name="Unsupported">Why lane code cannot run it, or null.</param>
internal sealed record LaneProgram(IrFunction Function, Uniformity Uniformity, string? Unsupported)
{
    /// <summary>Outputs the caller passes in their own (row-major) layout, not as per-lane accumulators: lane code
    /// adds each live lane to them in lane order. For outputs that are rarely written, which then need no per-lane
    /// copy to clear and sum (a tiled program's gradient of a lowered product, written only where a site falls back).</summary>
    public IReadOnlyCollection<string> DirectOutputs { get; init; } = [];

    /// <summary>The lane program's name (beside the per-example one).</summary>
    public string LaneName => Function.Name + "__lanes";

    /// <summary>
    /// The lane view of <paramref name="function"/> whose first <paramref name="lossArgs"/> parameters are the loss's
    /// arguments: the data arguments (<paramref name="isData"/>) vary, and so do the accumulated outputs (ref and span
    /// outputs), which lane code keeps per lane and reduces after the block.
    /// </summary>
    public static LaneProgram For(IrFunction function, IReadOnlyList<bool> isData, IReadOnlyDictionary<string, IrFunction> functions)
    {
        var varying = new List<string>();
        for (int k = 0; k < function.Params.Count; k++)
        {
            var p = function.Params[k];
            if ((k < isData.Count && isData[k]) || p.Mode is ParamMode.Ref or ParamMode.SpanOut)
            {
                varying.Add(p.Name);
            }
        }

        // Lane code has no calls: each call site runs its own copy of the helper (see Inlining).
        var (expanded, refused) = Inlining.Expand(function, functions);
        if (expanded is null)
        {
            return new LaneProgram(function, Uniformity.Analyze(function, varying), refused);
        }

        var uniformity = Uniformity.Analyze(expanded, varying);
        return new LaneProgram(expanded, uniformity, Check(expanded, uniformity, functions));
    }

    /// <summary>The first construct lane code does not run exactly, in words, or null.</summary>
    private static string? Check(IrFunction function, Uniformity u, IReadOnlyDictionary<string, IrFunction> functions)
    {
        var outputs = new HashSet<string>(function.Params.Where(p => p.Mode is ParamMode.Ref or ParamMode.SpanOut).Select(p => p.Name));
        var parameters = new HashSet<string>(function.Params.Select(p => p.Name));
        var types = function.Params.ToDictionary(p => p.Name, p => p.Type);
        foreach (var l in function.Locals)
        {
            types[l.Name] = l.Type;
        }

        foreach (var p in function.Params)
        {
            if (p.Type == IrType.Bool || p.Mode == ParamMode.SpanInOut || (p.Type == IrType.IntArray && p.Mode == ParamMode.SpanOut))
            {
                return "a parameter of a kind lane code does not pass";
            }
        }

        foreach (var l in function.Locals)
        {
            if (u.LengthVaries(l.Name))
            {
                return "a scratch array whose length varies";
            }
        }

        return Walk(function.Body, false);

        string? Walk(EquatableArray<Stmt> block, bool masked)
        {
            foreach (var s in block)
            {
                IEnumerable<string?> reads = s is AddTo add && add.Index is null ? new[] { add.Value.Var } : StmtVars.Reads(s).Select(r => (string?)r);
                if (reads.Any(r => r is not null && outputs.Contains(r)))
                {
                    return "a read of an accumulated output";
                }

                switch (s)
                {
                    case Call:
                        return "a call of a [Differentiable] helper";
                    case DualAssign d when !functions.ContainsKey(d.Function):
                        return "a value-and-tangent helper that is not generated";
                    case Store st when parameters.Contains(st.Array):
                        return "a store into an argument";
                    case Alloc when masked:
                        return "a scratch array allocated under a varying condition";
                    case If i when u.ControlVaries(i) && IrWalk.All(i.Then.Concat(i.Else)) is var inside && inside.Any(x => x is Push) && inside.Any(x => x is Pop):
                        return "a branch on a varying condition that both pushes onto the tape and pops from it";
                    case Loop l when u.ControlVaries(l) && IrWalk.All(l.Header.Concat(l.Body)) is var inside && inside.Any(x => x is Push) && inside.Any(x => x is Pop):
                        return "a loop whose trip count varies that both pushes and pops the tape";
                    case If i:
                        bool m = masked || u.ControlVaries(i);
                        if ((Walk(i.Then, m) ?? Walk(i.Else, m)) is { } inBranch)
                        {
                            return inBranch;
                        }

                        break;
                    case Loop l:
                        bool varies = u.ControlVaries(l);
                        if ((Walk(l.Header, masked || varies) ?? Walk(l.Body, masked || varies)) is { } inLoop)
                        {
                            return inLoop;
                        }

                        break;
                }
            }

            return null;
        }
    }
}

/// <summary>
/// The programs the batch sums run over lanes: the loss (SumLoss), its gradient (SumGradient), tangent
/// (SumTangent) and Hessian-vector product (SumHessianVector). The full variants and monitors stay per example.
/// </summary>
internal sealed record LanePlan(LaneProgram Loss, LaneProgram Gradient, LaneProgram Tangent, LaneProgram Hessian)
{
    /// <summary>The lane view of the programs of <paramref name="plan"/>.</summary>
    public static LanePlan For(LossGenerationSpec loss, DerivativePlan plan)
    {
        var isData = loss.Args.Select(a => a.Kind == ArgKind.Data).ToList();
        var byName = plan.Functions.Concat(loss.Helpers).GroupBy(f => f.Name).ToDictionary(g => g.Key, g => g.First());
        LaneProgram Of(string name) => LaneProgram.For(byName[name], isData, byName);
        var lanes = new LanePlan(LaneProgram.For(loss.Main!, isData, byName), Of(plan.Gradient), Of(plan.Tangent), Of(plan.Hessian));
        return lanes with { TiledLoss = TiledLane.For(lanes.Loss, loss, byName), TiledGradient = TiledLane.For(lanes.Gradient, loss, byName) };
    }

    /// <summary>The loss program with its dense contractions lowered to matrix products over tiles of rows, or null.</summary>
    public TiledLane? TiledLoss { get; init; }

    /// <summary>The gradient program with its dense contractions lowered to matrix products over tiles of rows, or null.</summary>
    public TiledLane? TiledGradient { get; init; }

    /// <summary>The programs lane code runs (each once, in this order).</summary>
    public IEnumerable<LaneProgram> Supported => new[] { Loss, Gradient, Tangent, Hessian }.Where(p => p.Unsupported is null)
        .Concat(new[] { TiledLoss, TiledGradient }.Where(t => t is not null).Select(t => t!.Program));
}

/// <summary>
/// A lane program whose dense contractions the batch sum computes as matrix products over a tile of rows
/// (<see cref="Contractions.Lower"/>): the lowered program over lanes and its products, in the order of their
/// parameters after the original program's.
/// </summary>
/// <param name="Program">The lowered program; its products' buffers of forward products vary (lane-major blocks).</param>
/// <param name="Products">The products.</param>
internal sealed record TiledLane(LaneProgram Program, EquatableArray<LoweredProduct> Products)
{
    /// <summary>The tiled form of <paramref name="program"/> (a loss's lane program), or null when it has no
    /// contraction that lowers, or lane code does not run it.</summary>
    public static TiledLane? For(LaneProgram program, LossGenerationSpec loss, IReadOnlyDictionary<string, IrFunction> functions)
    {
        if (program.Unsupported is not null || Contractions.Lower(program.Function, loss.Args) is not { } lowered)
        {
            return null;
        }

        var forward = new HashSet<string>(lowered.Products.Where(p => p.Direction == ProductDirection.Forward).Select(p => p.Buffer));
        var isData = lowered.Function.Params.Select((p, k) => (k < loss.Args.Count && loss.Args[k].Kind == ArgKind.Data) || forward.Contains(p.Name)).ToList();
        var lane = LaneProgram.For(lowered.Function, isData, functions) with { DirectOutputs = lowered.Gradients };
        return lane.Unsupported is null ? new TiledLane(lane, lowered.Products) : null;
    }
}
