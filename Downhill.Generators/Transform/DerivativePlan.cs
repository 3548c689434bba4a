using System.Collections.Generic;
using System.Linq;
using Downhill.Generators.Ir;
using Downhill.Generators.Model;

namespace Downhill.Generators.Transform;

/// <summary>
/// Which derivative programs a loss needs, built and simplified (the choice belongs to Transform; emitters only
/// spell the result): reverse mode for the [Param] arguments and for every differentiated argument (the full
/// gradient of hypergradients), forward mode for the [Param] arguments, and forward over each reverse (the
/// Hessian-vector products, Pearlmutter 1994).
/// </summary>
/// <param name="Gradient">The reverse-mode function for the [Param] arguments.</param>
/// <param name="FullGradient">The reverse-mode function for every argument of <paramref name="FullMask"/>.</param>
/// <param name="Tangent">The forward-mode function for the [Param] arguments.</param>
/// <param name="Hessian">Forward over <paramref name="Gradient"/> along the [Param] tangent.</param>
/// <param name="FullHessian">Forward over <paramref name="FullGradient"/> along the [Param] tangent.</param>
/// <param name="FullMask">Which loss arguments the full variants differentiate: [Param], [Hyper] and real data.</param>
/// <param name="Functions">Every function the entry points reach, the derivatives simplified, the user's own functions as parsed.</param>
internal sealed record DerivativePlan(string Gradient, string FullGradient, string Tangent, string Hessian, string FullHessian, bool[] FullMask, IReadOnlyList<IrFunction> Functions)
{
    /// <summary>Builds the derivative programs of <paramref name="loss"/>, which has parsed (its Main is set).</summary>
    public static DerivativePlan For(LossGenerationSpec loss)
    {
        var main = loss.Main!;
        var program = new DerivativeProgram(new[] { main }.Concat(loss.Helpers), main.Name);
        var paramMask = loss.Args.Select(a => a.Kind == ArgKind.Param).ToArray();
        var fullMask = loss.Args.Select(a => a.Kind != ArgKind.Data || a.Type is IrType.Real or IrType.RealArray).ToArray();
        string gradient = program.Adjoint(main.Name, paramMask);
        string fullGradient = program.Adjoint(main.Name, fullMask);
        string tangent = program.Tangent(main.Name, paramMask);
        string hessian = program.Tangent(gradient, SecondOrderMask(paramMask, program.Get(gradient)), discardOutputs: true);
        string fullHessian = program.Tangent(fullGradient, SecondOrderMask(paramMask, program.Get(fullGradient)), discardOutputs: true);
        var functions = program.Closure([gradient, fullGradient, tangent, hessian, fullHessian])
            .Select(f => f.Name == main.Name || loss.Helpers.Any(h => h.Name == f.Name) ? f : Simplify.Run(f))
            .ToList();
        return new DerivativePlan(gradient, fullGradient, tangent, hessian, fullHessian, fullMask, functions);
    }

    /// <summary>
    /// The tangent mask of forward over reverse: the [Param] inputs, and every adjoint output of the reverse
    /// function (its ref and span outputs), whose tangents are the Hessian-vector product.
    /// </summary>
    private static bool[] SecondOrderMask(bool[] paramMask, IrFunction adjoint)
    {
        var mask = new bool[adjoint.Params.Count];
        for (int k = 0; k < adjoint.Params.Count; k++)
        {
            mask[k] = k < paramMask.Length ? paramMask[k] : adjoint.Params[k].Mode is ParamMode.Ref or ParamMode.SpanOut;
        }

        return mask;
    }
}
