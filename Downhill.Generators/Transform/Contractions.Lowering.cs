using System.Collections.Generic;
using System.Linq;
using Downhill.Generators.Ir;
using Downhill.Generators.Model;

namespace Downhill.Generators.Transform;

/// <summary>Which matrix product over a tile of rows replaces a lowered loop.</summary>
internal enum ProductDirection : byte
{
    /// <summary>S = X·Wᵀ before the lanes run (a <see cref="ContractionKind.MatrixVector"/>): the loop becomes <c>s += S[j]</c>.</summary>
    Forward,

    /// <summary>dW += Aᵀ·X after the lanes ran (an <see cref="ContractionKind.OuterProduct"/>): the loop becomes <c>A[j] += a</c>.</summary>
    Backward,
}

/// <summary>
/// A contraction of a lane program lowered to a matrix product over a tile of rows: the uniform matrix is the
/// <c>[Param]</c> span at loss argument <see cref="Matrix"/> (for <see cref="ProductDirection.Backward"/>, the one
/// whose gradient it accumulates into), the vectors are the rows of the data argument <see cref="Vector"/>, and
/// the row length in the matrix's index is <see cref="Stride"/>. The lane program reads (forward) or accumulates
/// (backward) the product's per-example column through its parameter <see cref="Buffer"/>, and receives the
/// product's rows and depth, which the tile code works out from the arguments, as <see cref="RowsParam"/> and
/// <see cref="DepthParam"/>: it checks them at the site and runs the original loop where they do not hold.
/// </summary>
/// <param name="Direction">Which product.</param>
/// <param name="Matrix">The loss argument index of the matrix's <c>[Param]</c>.</param>
/// <param name="Vector">The loss argument index of the data row.</param>
/// <param name="Stride">The matrix's row length in its index: a constant, or the length of a loss argument.</param>
/// <param name="OneRow">The loop has no loop around it: the matrix is one row, indexed by the column counter alone.</param>
/// <param name="Buffer">The lane program's parameter that carries the product's column for each example.</param>
/// <param name="RowsParam">The lane program's parameter that carries the product's rows (the matrix's).</param>
/// <param name="DepthParam">The lane program's parameter that carries the product's depth (the row length used).</param>
internal sealed record LoweredProduct(ProductDirection Direction, int Matrix, int Vector, TileExtent Stride, bool OneRow,
    string Buffer, string RowsParam, string DepthParam);

/// <summary>A number the tile code knows before the lanes run: a constant, or the length of a loss argument
/// (a <c>[Param]</c> span's length, a data row's width).</summary>
/// <param name="Constant">The constant, when <see cref="LengthOf"/> is -1.</param>
/// <param name="LengthOf">The loss argument whose length it is, or -1.</param>
internal readonly record struct TileExtent(int Constant, int LengthOf)
{
    /// <summary>A constant.</summary>
    public static TileExtent Of(int constant) => new(constant, -1);

    /// <summary>The length of loss argument <paramref name="arg"/>.</summary>
    public static TileExtent Length(int arg) => new(0, arg);
}

/// <summary>A lane program with some of its contractions lowered to matrix products over tiles of rows.</summary>
/// <param name="Function">The rewritten program (the original's parameters, then each product's three).</param>
/// <param name="Products">The lowered contractions, in the order of their parameters.</param>
/// <param name="Gradients">The gradient outputs that backward products accumulate into (written by the program
/// itself only where a site falls back to its loop).</param>
internal sealed record LoweredProgram(IrFunction Function, EquatableArray<LoweredProduct> Products, EquatableArray<string> Gradients);

internal static partial class Contractions
{
    /// <summary>
    /// Lowers the contractions of <paramref name="function"/> (a loss program whose first parameters are the
    /// loss's arguments, <paramref name="args"/>) that a tile of rows can compute as one matrix product: a
    /// <see cref="ContractionKind.MatrixVector"/> of a <c>[Param]</c> matrix and a data row (the product is
    /// computed before the lanes run, from the arguments alone), and a <see cref="ContractionKind.OuterProduct"/>
    /// of a data row into a <c>[Param]</c>'s gradient output (the factors are collected and the product added
    /// after). The inner loop must do nothing else that outlives it: its other writes are temporaries dead at its
    /// exit, or leave their variable as it was. At run time the site checks that the loop would cover exactly the
    /// product's row (counter, bound, row in range) and runs the original loop otherwise, so the lowered program
    /// computes the same sums, only in another order (to rounding). Null when nothing lowers.
    /// </summary>
    public static LoweredProgram? Lower(IrFunction function, IReadOnlyList<ArgInfo> args)
    {
        int n = args.Count;
        if (function.Params.Count < n)
        {
            return null;
        }

        var argIndex = new Dictionary<string, int>();
        for (int k = 0; k < n; k++)
        {
            argIndex[function.Params[k].Name] = k;
        }

        // The gradient outputs follow the loss's arguments and the seed, one per [Param], in order.
        var paramArgs = Enumerable.Range(0, n).Where(k => args[k].Kind == ArgKind.Param).ToList();
        var outputs = function.Params.Skip(n).Where(p => p.Mode is ParamMode.Ref or ParamMode.SpanOut).ToList();
        var gradientOf = new Dictionary<string, int>();
        if (outputs.Count == paramArgs.Count)
        {
            for (int o = 0; o < outputs.Count; o++)
            {
                gradientOf[outputs[o].Name] = paramArgs[o];
            }
        }

        bool IsParamSpan(string name) => argIndex.TryGetValue(name, out int k) && args[k] is { Kind: ArgKind.Param, Type: IrType.RealArray };
        bool IsDataRow(string name) => argIndex.TryGetValue(name, out int k) && args[k] is { Kind: ArgKind.Data, Type: IrType.RealArray };
        bool IsGradient(string name) => gradientOf.TryGetValue(name, out int k) && args[k].Type == IrType.RealArray;

        var products = new List<LoweredProduct>();
        var gradients = new List<string>();
        var newLocals = new List<IrLocal>();
        var replacements = new Dictionary<Loop, Stmt[]>(StatementIdentity.Instance);
        foreach (var site in Sites(function, name => IsParamSpan(name) || IsGradient(name)))
        {
            var c = site.Contraction;
            if (replacements.ContainsKey(site.Inner) || !IsDataRow(c.Vector)
                || (c.Kind == ContractionKind.MatrixVector ? !IsParamSpan(c.Matrix) : c.Kind != ContractionKind.OuterProduct || !IsGradient(c.Matrix))
                || Stride(c, argIndex) is not { } stride
                || !InnerLoopIsOnlyTheContraction(function, site))
            {
                continue;
            }

            int id = products.Count;
            bool forward = c.Kind == ContractionKind.MatrixVector;
            var product = new LoweredProduct(forward ? ProductDirection.Forward : ProductDirection.Backward,
                forward ? argIndex[c.Matrix] : gradientOf[c.Matrix], argIndex[c.Vector], stride, c.RowCounter.Length == 0,
                $"__mm{id}", $"__mm{id}_rows", $"__mm{id}_depth");
            if (Replacement(site, product, id, newLocals) is not { } replacement)
            {
                continue;
            }

            products.Add(product);
            replacements[site.Inner] = replacement;
            if (!forward && !gradients.Contains(c.Matrix))
            {
                gradients.Add(c.Matrix);
            }
        }

        if (products.Count == 0)
        {
            return null;
        }

        var parameters = function.Params.ToList();
        foreach (var p in products)
        {
            parameters.Add(new IrParam(p.Buffer, IrType.RealArray, p.Direction == ProductDirection.Forward ? ParamMode.Span : ParamMode.SpanOut));
            parameters.Add(new IrParam(p.RowsParam, IrType.Int, ParamMode.In));
            parameters.Add(new IrParam(p.DepthParam, IrType.Int, ParamMode.In));
        }

        var body = Rewrite(function.Body, replacements);
        return new LoweredProgram(
            new IrFunction(function.Name + "__mm", function.IsFloat, parameters.ToEquatableArray(), function.Locals.Concat(newLocals).ToEquatableArray(), body),
            products.ToEquatableArray(),
            gradients.ToEquatableArray());
    }

    /// <summary>The matrix's row length as the tile code knows it: a constant, or a loss argument's length.</summary>
    private static TileExtent? Stride(DenseContraction c, Dictionary<string, int> argIndex)
    {
        if (c.RowCounter.Length == 0)
        {
            return TileExtent.Of(0);
        }

        if (int.TryParse(c.Columns, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int constant))
        {
            return constant > 0 ? TileExtent.Of(constant) : null;
        }

        const string length = ".Length";
        return c.Columns.EndsWith(length, System.StringComparison.Ordinal) && argIndex.TryGetValue(c.Columns.Substring(0, c.Columns.Length - length.Length), out int k)
            ? TileExtent.Length(k)
            : null;
    }

    /// <summary>
    /// Whether the inner loop of <paramref name="site"/> is a counted loop (<c>i &lt; n</c> stepping up, or
    /// <c>i &gt; 0</c> stepping down first) whose body is assignments and the one accumulation, each variable it
    /// writes other than the counter and the contraction's sum either unchanged by an iteration or dead where the
    /// loop exits, and which does not write the row counter.
    /// </summary>
    private static bool InnerLoopIsOnlyTheContraction(IrFunction function, Site site)
    {
        var c = site.Contraction;
        var inner = site.Inner;
        if (CountedLoop(inner, c.ColumnCounter) is null)
        {
            return false;
        }

        foreach (var s in inner.Body)
        {
            bool allowed = s switch
            {
                Assign a => a.Target != c.RowCounter,
                AddTo { Index: null } add => add.Target != c.RowCounter && add.Target != c.ColumnCounter,
                AddTo add => ReferenceEquals(add, site.Statement),
                _ => false,
            };
            if (!allowed)
            {
                return false;
            }
        }

        var writes = inner.Body.SelectMany(StmtVars.Writes).Concat(inner.Header.SelectMany(StmtVars.Writes)).ToList();
        if (c.Kind == ContractionKind.MatrixVector && writes.Count(x => x == c.Accumulator) != 1)
        {
            return false;
        }

        var path = Liveness.PathTo(function.Body, inner);
        if (path is null)
        {
            return false;
        }

        foreach (string v in writes.Distinct())
        {
            if (v == c.ColumnCounter || v == c.Accumulator || v == c.Matrix)
            {
                continue;
            }

            bool unchanged = site.EndValues.TryGetValue(v, out var end) && end.IsVar(v);
            if (!unchanged && Liveness.LiveAfter(path, v))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The loop's bound when it counts <paramref name="counter"/> up (<c>i &lt; bound</c>, <c>i = i + 1</c>; the
    /// header may compute the bound before its test),
    /// the constant 0 when it counts down (<c>i &gt; 0</c>, <c>i = i - 1</c> first), or null.</summary>
    private static (bool Up, Atom Bound)? CountedLoop(Loop loop, string counter)
    {
        // The test ends the header; what comes before it computes the bound (a length, say).
        if (loop.Header.Count == 0 || loop.Header[loop.Header.Count - 1] is not Assign { Op: Op.Lt or Op.Gt } test || loop.Cond.Var != test.Target
            || test.Args[0].Var != counter || loop.Header.Take(loop.Header.Count - 1).Any(h => h is not Assign a || a.Target == counter))
        {
            return null;
        }

        var steps = loop.Body.Where(s => StmtVars.Writes(s).Contains(counter)).ToList();
        if (steps.Count != 1 || steps[0] is not Assign { Op: Op.Add or Op.Sub } step || step.Args[0].Var != counter
            || step.Args[1] is not { IsConst: true, Value: 1 })
        {
            return null;
        }

        if (test.Op == Op.Lt && step.Op == Op.Add)
        {
            return (true, test.Args[1]);
        }

        return test.Op == Op.Gt && step.Op == Op.Sub && test.Args[1] is { IsConst: true, Value: 0 } && ReferenceEquals(loop.Body[0], step)
            ? (false, test.Args[1])
            : null;
    }

    /// <summary>
    /// The statements that replace the inner loop: a check that the loop would cover exactly the product's row,
    /// then (forward) <c>s = s + S[j]; i = n</c> or (backward) <c>A[j] += a; i = 0</c>, else the loop as it was.
    /// </summary>
    private static Stmt[]? Replacement(Site site, LoweredProduct product, int id, List<IrLocal> locals)
    {
        var c = site.Contraction;
        var (up, bound) = CountedLoop(site.Inner, c.ColumnCounter)!.Value;
        if (up != (product.Direction == ProductDirection.Forward))
        {
            return null;
        }

        var counter = Atom.Of(c.ColumnCounter);
        var row = product.OneRow ? Atom.Int(0) : Atom.Of(c.RowCounter);
        // The header's statements before its test compute the bound: once before the check, as the loop would.
        var checks = new List<Stmt>(site.Inner.Header.Take(site.Inner.Header.Count - 1));
        string Local(string suffix, IrType type)
        {
            string name = $"__mm{id}_{suffix}";
            locals.Add(new IrLocal(name, type));
            return name;
        }

        var conditions = new List<string>();
        void Check(Op op, Atom a, Atom b)
        {
            string name = Local("c" + conditions.Count, IrType.Bool);
            checks.Add(new Assign(name, op, new EquatableArray<Atom>([a, b])));
            conditions.Add(name);
        }

        if (up)
        {
            Check(Op.Eq, counter, Atom.Int(0));
            Check(Op.Eq, bound, Atom.Of(product.DepthParam));
        }
        else
        {
            Check(Op.Eq, counter, Atom.Of(product.DepthParam));
        }

        if (!product.OneRow)
        {
            Check(Op.Ge, row, Atom.Int(0));
            Check(Op.Lt, row, Atom.Of(product.RowsParam));
        }

        string all = conditions[0];
        for (int k = 1; k < conditions.Count; k++)
        {
            string next = Local("c" + conditions.Count + "_" + k, IrType.Bool);
            checks.Add(new Assign(next, Op.And, new EquatableArray<Atom>([Atom.Of(all), Atom.Of(conditions[k])])));
            all = next;
        }

        var then = new List<Stmt>();
        if (up)
        {
            string t = Local("s", IrType.Real);
            then.Add(new Assign(t, Op.Load, new EquatableArray<Atom>([Atom.Of(product.Buffer), row])));
            then.Add(new Assign(c.Accumulator, Op.Add, new EquatableArray<Atom>([Atom.Of(c.Accumulator), Atom.Of(t)])));
            then.Add(new Assign(c.ColumnCounter, Op.Copy, new EquatableArray<Atom>([bound])));
        }
        else
        {
            Atom factor;
            if (site.Factor is { Op: null, Var: { } v })
            {
                factor = Atom.Of(v);
            }
            else if (site.Factor is { Op: Op.Load } load && load.Args[0].Var is { } array && load.Args[1] is { Op: null, Var: { } index })
            {
                string t = Local("a", IrType.Real);
                then.Add(new Assign(t, Op.Load, new EquatableArray<Atom>([Atom.Of(array), Atom.Of(index)])));
                factor = Atom.Of(t);
            }
            else
            {
                return null;
            }

            then.Add(new AddTo(product.Buffer, row, factor));
            then.Add(new Assign(c.ColumnCounter, Op.Copy, new EquatableArray<Atom>([Atom.Int(0)])));
        }

        checks.Add(new If(Atom.Of(all), then.ToEquatableArray(), new Stmt[] { site.Inner }.ToEquatableArray()));
        return [.. checks];
    }

    /// <summary>The block with each replaced loop (found by reference) spliced out for its replacement.</summary>
    private static EquatableArray<Stmt> Rewrite(EquatableArray<Stmt> block, Dictionary<Loop, Stmt[]> replacements)
    {
        var result = new List<Stmt>();
        foreach (var s in block)
        {
            switch (s)
            {
                case Loop l when replacements.TryGetValue(l, out var replacement):
                    result.AddRange(replacement);
                    break;
                case Loop l:
                    result.Add(l with { Header = Rewrite(l.Header, replacements), Body = Rewrite(l.Body, replacements) });
                    break;
                case If i:
                    result.Add(i with { Then = Rewrite(i.Then, replacements), Else = Rewrite(i.Else, replacements) });
                    break;
                default:
                    result.Add(s);
                    break;
            }
        }

        return result.ToEquatableArray();
    }
}
