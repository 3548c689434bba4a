using System.Reflection;
using Downhill;

namespace Downhill.Derivatives.Tests;

/// <summary>Losses whose rows fail a check of the span library under conditions that vary from row to row.</summary>
public static partial class RowCheckLosses
{
    /// <summary>Each row's x is a 2 × 2 matrix that must be positive definite (checked first), and its y one that must be nonsingular.</summary>
    [Loss]
    public static double LogDetThenSolve([Param] ReadOnlySpan<double> a, ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        double d = Fn.LogDet(x, 2);
        double[] z = new double[2];
        Fn.Solve(y, a, 2, z);
        return (d * a[0]) + Fn.Dot(z, a);
    }

    /// <summary>The same checks in the other order: Solve first, then the Cholesky factor.</summary>
    [Loss]
    public static float SolveThenCholeskyF([Param] ReadOnlySpan<float> a, ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        float[] z = new float[2];
        Fn.Solve(y, a, 2, z);
        float[] l = new float[4];
        Fn.Cholesky(x, 2, l);
        return Fn.Dot(z, a) + (Fn.Sum(l) * a[1]);
    }
}

/// <summary>
/// Which programs of the corpus run over SIMD lanes (docs/batched.md): every loss of the derivative corpus takes lane
/// code for the loss, gradient, tangent and Hessian-vector product except the few listed with the construct that keeps
/// them per example, the span library's calls, scratch arguments and checks included; and a row that fails a check
/// (a throw statement) gives the per-example exception through the batch sums, whichever lane of a block it is in.
/// </summary>
public class LaneCoverageTests
{
    private static readonly string[] Programs = ["LaneSumLoss", "LaneSumGradient", "LaneSumTangent", "LaneSumHessianVector"];

    /// <summary>The corpus losses that keep programs per example, and which (the rest of the corpus takes lane code for all four).</summary>
    private static readonly Dictionary<string, string[]> PerExample = new()
    {
        // A recursive helper cannot be expanded into lane code.
        ["Models.RecursivePolynomial"] = Programs,
        ["Models.RecursivePower"] = Programs,
    };

    [Fact]
    public void EveryCorpusLossButTheListedOnesHasLanePrograms()
    {
        var wrong = new List<string>();
        foreach (var (name, (model, _)) in CorpusCases.LossModels)
        {
            var expected = PerExample.TryGetValue(name, out var kept) ? kept : [];
            foreach (string program in Programs)
            {
                bool lanes = model.GetType().GetMethod(program, BindingFlags.NonPublic | BindingFlags.Static) is not null;
                if (lanes == expected.Contains(program))
                {
                    wrong.Add($"{name} {program}: {(lanes ? "lane code, expected per example" : "per example, expected lane code")}");
                }
            }
        }

        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
        Assert.All(PerExample.Keys, name => Assert.True(CorpusCases.LossModels.ContainsKey(name), name));
    }

    /// <summary>Losses built on the span library take lane code in every mode: MatVec and LogSoftmax, the linear algebra, the reductions, a user's in-place helpers.</summary>
    [Theory]
    [InlineData(typeof(Corpus.SpanLibrary.MatVecLogSoftmaxLoss))]
    [InlineData(typeof(Corpus.SpanLibrary.CholeskyOfLoss))]
    [InlineData(typeof(Corpus.SpanLibrary.LogDetAndTraceLoss))]
    [InlineData(typeof(Corpus.SpanLibrary.CholeskySolveOfLoss))]
    [InlineData(typeof(Corpus.SpanLibrary.LinearAlgebraFLoss))]
    [InlineData(typeof(Corpus.SpanLibrary.SumOfLoss))]
    [InlineData(typeof(Corpus.SpanLibrary.DotLoss))]
    [InlineData(typeof(Corpus.SpanLibrary.InPlaceHelpersLoss))]
    [InlineData(typeof(Corpus.SpanLibrary.ScratchSmoothFLoss))]
    [InlineData(typeof(Corpus.SpanLibrary.SortOfLoss))]
    [InlineData(typeof(Corpus.SpanLibrary.WhereOfLoss))]
    [InlineData(typeof(Corpus.Models.NestedHelpersLoss))]
    [InlineData(typeof(Corpus.SinglePrecision.MlpFLoss))]
    [InlineData(typeof(RowCheckLosses.LogDetThenSolveLoss))]
    [InlineData(typeof(RowCheckLosses.SolveThenCholeskyFLoss))]
    public void SpanLibraryLossesHaveLanePrograms(Type descriptor)
    {
        foreach (string method in Programs)
        {
            Assert.NotNull(descriptor.GetMethod(method, BindingFlags.NonPublic | BindingFlags.Static));
        }
    }

    private static readonly double[] Good = [2, 0.5, 0.5, 1];
    private static readonly double[] NotPositiveDefinite = [1, 2, 2, 1];
    private static readonly double[] Singular = [1, 2, 2, 4];

    /// <summary>
    /// Rows as (x, y) kinds: 'g' both good, 'x' x not positive definite, 'y' y singular. The Cholesky factor comes
    /// first in one loss and second in the other, so that a later row failing the earlier check and an earlier row
    /// failing the later one tell the first failing row's exception from the first check reached.
    /// </summary>
    [Theory]
    [InlineData("gxgg")]
    [InlineData("gygg")]
    [InlineData("gyxg")]
    [InlineData("gxyg")]
    [InlineData("ggggggyx")]
    [InlineData("gggggxgy")]
    [InlineData("ggggggggggx")]
    [InlineData("ggg")]
    public void AFailingRowGivesThePerExampleExceptionThroughTheBatchSums(string rows)
    {
        var x = rows.SelectMany(r => r == 'x' ? NotPositiveDefinite : Good).ToArray();
        var y = rows.SelectMany(r => r == 'y' ? Singular : Good).ToArray();
        Same(RowCheckLosses.LogDetThenSolveLoss.Instance, [[0.7, -0.4]], [x, y], [4, 4], rows.Length);
        Same(RowCheckLosses.SolveThenCholeskyFLoss.Instance, [[0.7f, -0.4f]], [x.Select(v => (float)v).ToArray(), y.Select(v => (float)v).ToArray()], [4, 4], rows.Length);
    }

    /// <summary>A check whose condition is the same for every row (a [Param] matrix that is not positive definite) throws from lane code as it is.</summary>
    [Fact]
    public void AUniformCheckThrowsThePerExampleExceptionFromLaneCode()
    {
        double[][] at = [NotPositiveDefinite];
        var batch = new DataBatch([new double[] { 1, 2, 3, 4, 5 }], [1], 0, 5);
        Same(Corpus.SpanLibrary.CholeskyOfLoss.Instance, at, [new double[] { 1, 2, 3, 4, 5 }], [1], 5);
        var e = Assert.Throws<TargetInvocationException>(() => LaneSum(typeof(Corpus.SpanLibrary.CholeskyOfLoss), at, batch, 5));
        Assert.IsType<ArgumentException>(e.InnerException);
        Assert.StartsWith("Fn.Cholesky: the matrix is not positive definite", e.InnerException!.Message, StringComparison.Ordinal);
    }

    /// <summary>Lane code leaves a block with a failing row to the per-example rows (which row fails first is theirs to say) and runs a good one itself.</summary>
    [Fact]
    public void LaneCodeHandsABlockWithAFailingRowToThePerExampleRows()
    {
        var x = "gyxg".SelectMany(r => r == 'x' ? NotPositiveDefinite : Good).ToArray();
        var y = "gyxg".SelectMany(r => r == 'y' ? Singular : Good).ToArray();
        var e = Assert.Throws<TargetInvocationException>(() => LaneSum(typeof(RowCheckLosses.LogDetThenSolveLoss), [[0.7, -0.4]], new DataBatch([x, y], [4, 4], 0, 4), 4));
        Assert.IsType<Downhill.Internal.LaneRowThrewException>(e.InnerException);
        var good = new DataBatch([Good.Concat(Good).ToArray(), Good.Concat(Good).ToArray()], [4, 4], 0, 2);
        Assert.Equal(RowCheckLosses.LogDetThenSolveLoss.PerExample.SumLoss([[0.7, -0.4]], [], good, 0, 2), LaneSum(typeof(RowCheckLosses.LogDetThenSolveLoss), [[0.7, -0.4]], good, 2));
    }

    private static double LaneSum(Type descriptor, double[][] at, DataBatch batch, int count) =>
        (double)descriptor.GetMethod("LaneSumLoss", BindingFlags.NonPublic | BindingFlags.Static)!.Invoke(null, [at, Array.Empty<double>(), batch, 0, count])!;

    private static void Same<T>(ILossModel<T> model, T[][] at, Array[] columns, int[] widths, int count)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var perExample = (ILossModel<T>)model.GetType().GetProperty("PerExample", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;
        var batch = new DataBatch(columns, widths, 0, count);
        T[][] tangent = [.. at.Select(p => p.Select(_ => T.One).ToArray())];
        var runs = new (string Mode, Func<ILossModel<T>, double> Run)[]
        {
            ("loss", m => m.SumLoss(at, [], batch, 0, count)),
            ("gradient", m => m.SumGradient(at, [], batch, 0, count, [.. at.Select(p => new T[p.Length])])),
            ("tangent", m => m.SumTangent(at, [], batch, 0, count, tangent).Loss),
            ("Hessian-vector product", m => m.SumHessianVector(at, [], batch, 0, count, tangent, [.. at.Select(p => new T[p.Length])])),
        };
        foreach (var (mode, run) in runs)
        {
            var expected = Outcome(() => run(perExample));
            var actual = Outcome(() => run(model));
            Assert.True(expected == actual, $"{model.Schema.Name} {mode}: per example {expected}, batched {actual}");
        }
    }

    /// <summary>The sum's bits, or the exception's type and message.</summary>
    private static string Outcome(Func<double> run)
    {
        try
        {
            return BitConverter.DoubleToInt64Bits(run()).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e)
        {
            return $"{e.GetType().FullName}: {e.Message}";
        }
    }
}
