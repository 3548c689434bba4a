using System;
using System.Collections.Generic;
using System.Linq;
using Downhill.Generators.Ir;
using Downhill.Generators.Model;

namespace Downhill.Generators.Transform;

/// <summary>The three dense contractions a loop nest over a row-major matrix can be.</summary>
internal enum ContractionKind : byte
{
    /// <summary><c>s += W[j·n + i] · x[i]</c>: a row of a uniform matrix times a varying vector (the forward layer).</summary>
    MatrixVector,

    /// <summary><c>dW[j·n + i] += a · x[i]</c>, <c>a</c> invariant in the inner loop: an outer product accumulated into a uniform gradient.</summary>
    OuterProduct,

    /// <summary><c>dx[i] += a · W[j·n + i]</c>: a row of a uniform matrix, scaled, accumulated into a varying vector (the input adjoint).</summary>
    TransposedMatrixVector,
}

/// <summary>
/// A dense contraction found in a loss's IR: an inner loop over <see cref="ColumnCounter"/> nested in a loop over
/// <see cref="RowCounter"/>, reading (or, for <see cref="ContractionKind.OuterProduct"/>, accumulating into) the
/// uniform row-major <see cref="Matrix"/> at <c>[RowCounter · Columns + ColumnCounter]</c>. Over a batch of examples
/// each is one matrix product (Goto &amp; van de Geijn's GEMM, the runtime's <c>Downhill.Kernels.MatrixProducts</c>).
/// </summary>
/// <param name="Kind">Which contraction.</param>
/// <param name="Matrix">The uniform matrix read or accumulated into.</param>
/// <param name="Columns">Its row length as written in the index (a constant's digits, a variable's name, or
/// <c>a.Length</c> for an array's length); empty for one row.</param>
/// <param name="RowCounter">The outer loop's counter (the matrix row); empty for a loop with none around it, whose
/// matrix is one row indexed by the column counter alone (a dot product, or its adjoint).</param>
/// <param name="ColumnCounter">The inner loop's counter (the matrix column, the vector's index).</param>
/// <param name="Vector">The array indexed by the column counter alone: read for <see cref="ContractionKind.MatrixVector"/>
/// and <see cref="ContractionKind.OuterProduct"/>, accumulated into for <see cref="ContractionKind.TransposedMatrixVector"/>.</param>
/// <param name="Accumulator">The scalar sum of a <see cref="ContractionKind.MatrixVector"/>; empty otherwise.</param>
/// <param name="Factor">The inner-loop-invariant scalar of the other two kinds (an adjoint, say); empty for a <see cref="ContractionKind.MatrixVector"/>.</param>
internal sealed record DenseContraction(
    ContractionKind Kind,
    string Matrix,
    string Columns,
    string RowCounter,
    string ColumnCounter,
    string Vector,
    string Accumulator,
    string Factor);

/// <summary>
/// Finds dense contractions in an IR function (a loss, or its adjoint after <see cref="Simplify"/>, as the
/// emitters see it) by pattern: a pure analysis, nothing is rewritten. The parser gives every operation a fresh
/// temporary, so the patterns are matched on expressions rebuilt by value numbering over one iteration of the inner
/// loop (and through the function's single-assignment temporaries); a loop's counter is the integer its header
/// compares and its body steps. Which arrays are uniform (the same for every example: parameters and their
/// gradients) is the caller's to say.
/// </summary>
internal static partial class Contractions
{
    /// <summary>Every contraction of <paramref name="function"/>, in program order.</summary>
    /// <param name="function">The IR to search.</param>
    /// <param name="isUniform">Whether an array is uniform over a batch (a <c>[Param]</c> span or its adjoint).</param>
    public static EquatableArray<DenseContraction> Find(IrFunction function, Func<string, bool> isUniform) =>
        Sites(function, isUniform).Select(site => site.Contraction).ToEquatableArray();

    /// <summary>Every contraction of <paramref name="function"/> with the statements it was found in, in program order.</summary>
    private static List<Site> Sites(IrFunction function, Func<string, bool> isUniform)
    {
        var types = function.Params.Select(p => (p.Name, p.Type)).Concat(function.Locals.Select(l => (l.Name, l.Type)))
            .GroupBy(p => p.Name).ToDictionary(g => g.Key, g => g.First().Type);
        var found = new List<Site>();
        var defs = SingleDefinitions(function.Body);
        Visit(function.Body, null);
        return found;

        void Visit(EquatableArray<Stmt> block, Loop? outer)
        {
            foreach (var s in block)
            {
                switch (s)
                {
                    case Loop loop:
                        Match(outer, loop);
                        Visit(loop.Body, loop);
                        break;
                    case If branch:
                        Visit(branch.Then, outer);
                        Visit(branch.Else, outer);
                        break;
                }
            }
        }

        // Without an enclosing loop the matrix has one row (a dot product): the row counter is empty and the index is i alone.
        void Match(Loop? outer, Loop inner)
        {
            string? row = outer is null ? string.Empty : Counter(outer, types);
            if (row is null || Counter(inner, types) is not { } col)
            {
                return;
            }

            // Value numbering over one iteration of the inner body: each variable's value as an expression of the
            // values at the iteration's start. The counters stay themselves (a reversed loop steps first).
            var current = new Dictionary<string, Expr>();
            var varying = new HashSet<string>();
            Expr Value(Atom atom)
            {
                if (atom.Var is { } v && v != row && v != col && current.TryGetValue(v, out var e))
                {
                    return e;
                }

                return atom.Var is { } name && (name == row || name == col) ? new Expr(null, name, []) : Expr.Of(atom, defs);
            }

            void Write(string target, Expr value)
            {
                if (target == row || target == col)
                {
                    return;
                }

                current[target] = value;
                if (!value.IsVar(target))
                {
                    varying.Add(target);
                }
            }

            var candidates = new List<(Stmt Statement, Expr Value, Expr? Index)>();
            foreach (var s in inner.Body)
            {
                switch (s)
                {
                    case Assign a:
                        var value = a.Op == Op.Copy ? Value(a.Args[0]) : new Expr(a.Op, null, [.. a.Args.Select(Value)]);
                        Write(a.Target, value);
                        if (types.TryGetValue(a.Target, out var t) && t == IrType.Real)
                        {
                            candidates.Add((a, value, null));
                        }

                        break;
                    case AddTo { Index: null } add:
                        Write(add.Target, new Expr(Op.Add, null, [Value(Atom.Of(add.Target)), Value(add.Value)]));
                        break;
                    case AddTo add:
                        candidates.Add((add, Value(add.Value), Value(add.Index!.Value)));
                        break;
                    default:
                        foreach (var w in StmtVars.Writes(s))
                        {
                            current[w] = new Expr(null, w + "'", []);
                            varying.Add(w);
                        }

                        break;
                }
            }

            foreach (var (statement, value, index) in candidates)
            {
                if (statement is Assign a)
                {
                    // s = s + W[j·n + i] · x[i]
                    if (Binary(value, Op.Add) is var (l, r))
                    {
                        var product = l.IsVar(a.Target) ? r : r.IsVar(a.Target) ? l : null;
                        if (product is not null && Product(product) is var (x, y)
                            && (MatrixLoad(x, row, col) is { } m ? (m, VectorLoad(y, col)) : MatrixLoad(y, row, col) is { } m2 ? (m2, VectorLoad(x, col)) : default) is ({ } matrix, { } v)
                            && isUniform(matrix.Array) && !isUniform(v))
                        {
                            found.Add(new Site(new DenseContraction(ContractionKind.MatrixVector, matrix.Array, matrix.Columns, row, col, v, a.Target, string.Empty), inner, statement, null, current));
                        }
                    }

                    continue;
                }

                var add = (AddTo)statement;
                if (Product(value) is not var (f, g))
                {
                    continue;
                }

                if (isUniform(add.Target) && MatrixIndex(index!, row, col) is { } columns)
                {
                    // dW[j·n + i] += a · x[i]: one factor loads the vector at i, the other is inner-loop invariant.
                    foreach (var (vectorSide, factorSide) in new[] { (f, g), (g, f) })
                    {
                        if (VectorLoad(vectorSide, col) is { } v && Invariant(factorSide, varying, col) is { } factor)
                        {
                            found.Add(new Site(new DenseContraction(ContractionKind.OuterProduct, add.Target, columns, row, col, v, string.Empty, factor), inner, statement, factorSide, current));
                            break;
                        }
                    }
                }
                else if (!isUniform(add.Target) && index!.IsVar(col))
                {
                    // dx[i] += a · W[j·n + i].
                    foreach (var (matrixSide, factorSide) in new[] { (f, g), (g, f) })
                    {
                        if (MatrixLoad(matrixSide, row, col) is { } m && isUniform(m.Array) && Invariant(factorSide, varying, col) is { } factor)
                        {
                            found.Add(new Site(new DenseContraction(ContractionKind.TransposedMatrixVector, m.Array, m.Columns, row, col, add.Target, string.Empty, factor), inner, statement, factorSide, current));
                            break;
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// A contraction with where it was found: its inner loop, the statement that
    /// accumulates, the inner-loop-invariant factor of an accumulation into an array, the value of every variable
    /// the inner body writes at the end of one iteration (as expressions of the values at its start).
    /// </summary>
    private sealed record Site(DenseContraction Contraction, Loop Inner, Stmt Statement, Expr? Factor,
        IReadOnlyDictionary<string, Expr> EndValues);

    /// <summary>The integer the loop's header compares and its body steps (<c>i = i ± c</c>).</summary>
    private static string? Counter(Loop loop, Dictionary<string, IrType> types)
    {
        var compared = loop.Header.OfType<Assign>().Where(a => a.Op is Op.Lt or Op.Le or Op.Gt or Op.Ge or Op.Ne)
            .SelectMany(a => a.Args).Where(x => x.Var is { } v && types.TryGetValue(v, out var t) && t == IrType.Int).Select(x => x.Var!);
        return compared.FirstOrDefault(v => loop.Body.OfType<Assign>().Any(a =>
            a.Target == v && a.Op is Op.Add or Op.Sub && a.Args[0].Var == v && a.Args[1].IsConst));
    }

    /// <summary>Temporaries assigned exactly once anywhere in <paramref name="block"/> (and its inner blocks), by their assignment.</summary>
    private static Dictionary<string, Assign> SingleDefinitions(EquatableArray<Stmt> block)
    {
        var counts = new Dictionary<string, int>();
        var defs = new Dictionary<string, Assign>();
        foreach (var s in IrWalk.All(block))
        {
            foreach (var w in StmtVars.Writes(s))
            {
                counts[w] = counts.TryGetValue(w, out int n) ? n + 1 : 1;
            }

            if (s is Assign a)
            {
                defs[a.Target] = a;
            }
        }

        return defs.Where(d => counts[d.Key] == 1).ToDictionary(d => d.Key, d => d.Value);
    }

    /// <summary>x · y (either order), or null.</summary>
    private static (Expr, Expr)? Product(Expr e) => Binary(e, Op.Mul);

    /// <summary>The two arguments of <paramref name="e"/> when it is the operation <paramref name="op"/> of two.</summary>
    private static (Expr, Expr)? Binary(Expr e, Op op) => e.Op == op && e.Args.Length == 2 ? (e.Args[0], e.Args[1]) : null;

    /// <summary>The array of <c>a[j·n + i]</c> (any order of the sum and the product) and n's text.</summary>
    private static (string Array, string Columns)? MatrixLoad(Expr e, string row, string col) =>
        Binary(e, Op.Load) is var (a, index) && a.Var is { } array && a.Op is null && MatrixIndex(index, row, col) is { } n ? (array, n) : null;

    /// <summary>n's text when <paramref name="index"/> is j·n + i or i + j·n (n·j too); with no row counter, empty when it is i.</summary>
    private static string? MatrixIndex(Expr index, string row, string col)
    {
        if (row.Length == 0)
        {
            return index.IsVar(col) ? string.Empty : null;
        }

        if (Binary(index, Op.Add) is not var (l, r))
        {
            return null;
        }

        var scaled = l.IsVar(col) ? r : r.IsVar(col) ? l : null;
        if (scaled is null || Product(scaled) is not var (a, b))
        {
            return null;
        }

        var n = a.IsVar(row) ? b : b.IsVar(row) ? a : null;
        if (n is { Op: Ir.Op.Length } length && length.Args.Length == 1 && length.Args[0] is { Op: null, Var: { } array })
        {
            return array + ".Length";
        }

        return n is { Constant: { } c } ? c.ToString(System.Globalization.CultureInfo.InvariantCulture) : n?.Var is { } v && v != col ? v : null;
    }

    /// <summary>The array of <c>x[i]</c>.</summary>
    private static string? VectorLoad(Expr e, string col) =>
        Binary(e, Op.Load) is var (a, index) && a.Op is null && index.IsVar(col) ? a.Var : null;

    /// <summary>The text of a factor that does not change in the inner loop: a variable whose value it keeps, or a
    /// load at such an index from an array it does not write.</summary>
    private static string? Invariant(Expr e, HashSet<string> innerWrites, string col)
    {
        if (e.Var is { } v && e.Op is null)
        {
            return innerWrites.Contains(v) ? null : v;
        }

        if (Binary(e, Op.Load) is var (a, i) && a is { Op: null, Var: { } array } && i is { Op: null, Var: { } index }
            && !innerWrites.Contains(array) && index != col && !innerWrites.Contains(index))
        {
            return array + "[" + index + "]";
        }

        return null;
    }

    /// <summary>An expression rebuilt through single-assignment temporaries: a variable, a constant or an operation.</summary>
    private sealed record Expr(Op? Op, string? Var, Expr[] Args, double? Constant = null)
    {
        public bool IsVar(string name) => Op is null && Var == name;

        /// <summary>The atom, expanded through the definitions of temporaries (a depth limit guards against cycles).</summary>
        public static Expr Of(Atom atom, Dictionary<string, Assign> defs, int depth = 0)
        {
            if (atom.IsConst)
            {
                return new Expr(null, null, [], atom.Value);
            }

            if (depth < 16 && defs.TryGetValue(atom.Var!, out var a) && a.Op is not Ir.Op.Select)
            {
                return a.Op == Ir.Op.Copy
                    ? Of(a.Args[0], defs, depth + 1)
                    : new Expr(a.Op, null, [.. a.Args.Select(x => Of(x, defs, depth + 1))]);
            }

            return new Expr(null, atom.Var, []);
        }
    }
}
