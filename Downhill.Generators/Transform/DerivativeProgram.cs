using System;
using System.Collections.Generic;
using System.Linq;
using Downhill.Generators.Ir;

namespace Downhill.Generators.Transform;

/// <summary>
/// The functions a loss needs: its primal helpers and the derivatives of each, made on demand. A derivative
/// names the derivatives of its callees before they exist (so recursion closes), and a derivative of a
/// derivative is made from the first once that exists.
/// </summary>
internal sealed class DerivativeProgram
{
    private readonly Dictionary<string, IrFunction> functions = [];
    private readonly Dictionary<string, Recipe> recipes = [];
    private readonly Dictionary<string, (Op Op, bool[] Mask, bool IsFloat)> duals = [];
    private readonly string dualPrefix;

    /// <param name="primal">The loss (first) and its helpers.</param>
    /// <param name="dualPrefix">Starts the names of the <see cref="DualAssign"/> helpers (unique per loss).</param>
    public DerivativeProgram(IEnumerable<IrFunction> primal, string dualPrefix)
    {
        this.dualPrefix = dualPrefix;
        foreach (var f in primal)
        {
            functions[f.Name] = f;
        }
    }

    private sealed record Recipe(bool IsAdjoint, string Source, bool[] Mask, bool Discard);

    private static string Bits(bool[] mask) => new(mask.Select(m => m ? '1' : '0').ToArray());

    /// <summary>The name of the adjoint of <paramref name="source"/> with these parameters active.</summary>
    public string Adjoint(string source, bool[] mask)
    {
        string name = source + "__grad_" + Bits(mask);
        if (!recipes.ContainsKey(name) && !functions.ContainsKey(name))
        {
            recipes[name] = new Recipe(true, source, mask, false);
        }

        return name;
    }

    /// <summary>The name of the tangent of <paramref name="source"/> with these parameters active.</summary>
    public string Tangent(string source, bool[] mask, bool discardOutputs = false)
    {
        string name = source + "__tan_" + Bits(mask) + (discardOutputs ? "_h" : string.Empty);
        if (!recipes.ContainsKey(name) && !functions.ContainsKey(name))
        {
            recipes[name] = new Recipe(false, source, mask, discardOutputs);
        }

        return name;
    }

    /// <summary>The name of the helper that computes <paramref name="op"/> and its tangent (see <see cref="DualAssign"/>).</summary>
    public string Dual(Op op, bool[] mask, bool isFloat)
    {
        string name = DualHelpers.Name(dualPrefix, op, mask, isFloat);
        duals[name] = (op, mask, isFloat);
        return name;
    }

    /// <summary>The function of that name, made now if needed.</summary>
    public IrFunction Get(string name)
    {
        if (functions.TryGetValue(name, out var f))
        {
            return f;
        }

        if (duals.TryGetValue(name, out var dual))
        {
            return functions[name] = DualHelpers.Build(name, dual.Op, dual.Mask, dual.IsFloat);
        }

        if (!recipes.TryGetValue(name, out var recipe))
        {
            throw new InvalidOperationException($"Unknown function '{name}'.");
        }

        var source = Get(recipe.Source);
        f = recipe.IsAdjoint
            ? AdjointTransform.Run(source, recipe.Mask, name, Adjoint)
            : TangentTransform.Run(source, recipe.Mask, name, recipe.Discard, (g, m) => Tangent(g, m), Dual);
        functions[name] = f;
        return f;
    }

    /// <summary>The roots and every function they call, in a stable order.</summary>
    public List<IrFunction> Closure(IEnumerable<string> roots)
    {
        var order = new List<IrFunction>();
        var seen = new HashSet<string>();
        var queue = new Queue<string>(roots);
        while (queue.Count > 0)
        {
            string name = queue.Dequeue();
            if (!seen.Add(name))
            {
                continue;
            }

            var f = Get(name);
            order.Add(f);
            foreach (var callee in Calls(f.Body))
            {
                queue.Enqueue(callee);
            }
        }

        return order;
    }

    /// <summary>The functions that <paramref name="block"/> calls (helpers and <see cref="DualAssign"/> helpers).</summary>
    public static IEnumerable<string> Calls(IEnumerable<Stmt> block) => IrWalk.All(block).Select(s => s switch
    {
        Call c => c.Function,
        DualAssign d => d.Function,
        _ => null,
    }).OfType<string>();
}
