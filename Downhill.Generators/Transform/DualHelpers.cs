using System.Collections.Generic;
using System.Linq;
using Downhill.Generators.Ir;
using Downhill.Generators.Model;

namespace Downhill.Generators.Transform;

/// <summary>
/// The helpers that <see cref="DualAssign"/> calls: one per operation and pattern of active arguments, which
/// returns the operation's value and its tangent. Their bodies come from <see cref="Rules.Partials"/>, the
/// same rules as every other derivative.
/// </summary>
internal static class DualHelpers
{
    /// <summary>The helper's name: unique per loss (<paramref name="prefix"/>), operation, active arguments and element type.</summary>
    public static string Name(string prefix, Op op, bool[] mask, bool isFloat) =>
        $"{prefix}__dual_{op}_{new string(mask.Select(m => m ? '1' : '0').ToArray())}{(isFloat ? "_f" : string.Empty)}";

    /// <summary>The helper: <c>(x0, …, t0, …) → (op(x), Σ ∂op/∂xk · tk)</c>, with a tangent parameter for each active argument.</summary>
    public static IrFunction Build(string name, Op op, bool[] mask, bool isFloat)
    {
        var parameters = new List<IrParam>();
        for (int k = 0; k < mask.Length; k++)
        {
            parameters.Add(new IrParam("x" + k, IrType.Real, ParamMode.In));
        }

        for (int k = 0; k < mask.Length; k++)
        {
            if (mask[k])
            {
                parameters.Add(new IrParam("t" + k, IrType.Real, ParamMode.In));
            }
        }

        var b = new IrBuilder(parameters, [], "__d");
        b.Declare("y", IrType.Real);
        var args = new EquatableArray<Atom>([.. Enumerable.Range(0, mask.Length).Select(k => Atom.Of("x" + k))]);
        b.Add(new Assign("y", op, args));
        var partials = Rules.Partials(b, op, args, Atom.Of("y"), k => mask[k]);
        Atom total = Atom.Real(0);
        for (int k = 0; k < partials.Length; k++)
        {
            if (partials[k] is { } p)
            {
                var term = b.Mul(p, Atom.Of("t" + k));
                total = total.IsConst && total.Value == 0 ? term : b.Add(total, term);
            }
        }

        b.Add(new Return(Atom.Of("y"), total));
        return new IrFunction(name, isFloat, parameters.ToEquatableArray(), b.Locals.ToEquatableArray(), b.Out.ToEquatableArray());
    }
}
