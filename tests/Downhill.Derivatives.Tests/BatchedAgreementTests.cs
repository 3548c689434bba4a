using System.Numerics;
using System.Reflection;
using System.Text;

namespace Downhill.Derivatives.Tests;

/// <summary>
/// The descriptor's batched sums (one example per SIMD lane where lane code runs the program) against its
/// <c>PerExample</c> model (the per-example generated methods, row by row), for every loss of the corpus, every
/// mode, double and float, on row ranges that do and do not fill a lane block (4 doubles, 8 floats) and that start
/// inside a batch. Loss and tangent sums add per-example values in row order, so they agree bit for bit; gradients
/// and Hessian-vector products sum per lane first, so they agree to rounding: |batched - per example| is at most
/// 1e-12 (double) or 1e-5 (float) times the sum over the rows of the per-row magnitudes, element by element.
/// A sum whose contractions run as matrix products over tiles of rows (a descriptor with a <c>…Untiled</c>
/// fallback beside it) adds each product in another order, so its loss agrees to rounding too: within the same
/// tolerance times the sum over the rows of |per-row loss| + 1 (the 1 for rows whose loss is near 0, a hinge's).
/// The batched result is the same bits with 1 and 2 threads and in a second run.
/// </summary>
public class BatchedAgreementTests
{
    /// <summary>Rows drawn for each loss: 15 samples of the domain's 3 rows.</summary>
    private const int Samples = 15;

    /// <summary>(batch offset, start, end): one row, partial blocks, full blocks, blocks plus a remainder, offsets != 0.</summary>
    private static readonly (int Offset, int Start, int End)[] Ranges =
        [(0, 0, 1), (0, 0, 3), (0, 0, 8), (2, 0, 13), (5, 0, 37), (1, 3, 44), (0, 0, 45)];

    public static TheoryData<string> Losses()
    {
        var data = new TheoryData<string>();
        foreach (string name in CorpusCases.LossModels.Keys.Order(StringComparer.Ordinal))
        {
            data.Add(name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Losses))]
    public void BatchedSumsAgreeWithPerExampleSums(string loss)
    {
        var (model, domain) = CorpusCases.LossModels[loss];
        string failures = model switch
        {
            ILossModel<double> d => Check(d, PerExampleOf(d), Draw(domain, s => (s.At, s.Hypers, s.Columns)), 1e-12),
            ILossModel<float> f => Check(f, PerExampleOf(f), Draw(domain, s => s.ToSingle()), 1e-5),
            _ => throw new InvalidOperationException(loss),
        };
        Assert.True(failures.Length == 0, failures);
    }

    [Theory]
    [MemberData(nameof(Losses))]
    public void BatchedEvaluationIsTheSameBitsWithOneAndTwoThreadsAndInASecondRun(string loss)
    {
        var (model, domain) = CorpusCases.LossModels[loss];
        if (model is ILossModel<double> d)
        {
            Deterministic(d, Draw(domain, s => (s.At, s.Hypers, s.Columns)));
        }
        else
        {
            Deterministic((ILossModel<float>)model, Draw(domain, s => s.ToSingle()));
        }
    }

    /// <summary>A row's loss has the same bits whether it fills a lane block with others or runs alone in a padded one.</summary>
    [Theory]
    [InlineData("Models.Logistic")]
    [InlineData("Models.Mlp")]
    [InlineData("Models.SoftmaxCrossEntropy")]
    [InlineData("SinglePrecision.MlpF")]
    [InlineData("Flow.WhileCountdown")]
    public void ARowsLossHasTheSameBitsInAFullBlockAndAlone(string loss)
    {
        var (model, domain) = CorpusCases.LossModels[loss];
        if (model is ILossModel<double> d)
        {
            RowBits(d, Draw(domain, s => (s.At, s.Hypers, s.Columns)));
        }
        else
        {
            RowBits((ILossModel<float>)model, Draw(domain, s => s.ToSingle()));
        }
    }

    /// <summary>The dense models run lane code for the loss, gradient, tangent and Hessian-vector product (not the per-example fallback).</summary>
    [Theory]
    [InlineData(typeof(Corpus.Models.LogisticLoss))]
    [InlineData(typeof(Corpus.Models.MlpLoss))]
    [InlineData(typeof(Corpus.Models.SoftmaxCrossEntropyLoss))]
    [InlineData(typeof(Corpus.Models.SquaredLoss))]
    [InlineData(typeof(Corpus.SinglePrecision.SquaredFLoss))]
    [InlineData(typeof(Corpus.SinglePrecision.LogisticFLoss))]
    public void DenseModelsHaveLanePrograms(Type descriptor)
    {
        foreach (string method in new[] { "LaneSumLoss", "LaneSumGradient", "LaneSumTangent", "LaneSumHessianVector" })
        {
            Assert.NotNull(descriptor.GetMethod(method, BindingFlags.NonPublic | BindingFlags.Static));
        }
    }

    /// <summary>The dense models' loss and gradient sums run their contractions as matrix products over tiles of rows,
    /// a ReLU layer's too, and so do the span library's <c>Fn.MatVec</c> and <c>Fn.Dot</c> (inlined into lane code).</summary>
    [Theory]
    [InlineData(typeof(Corpus.Models.LogisticLoss))]
    [InlineData(typeof(Corpus.Models.MlpLoss))]
    [InlineData(typeof(Corpus.Models.SoftmaxCrossEntropyLoss))]
    [InlineData(typeof(Corpus.SinglePrecision.LogisticFLoss))]
    [InlineData(typeof(Corpus.Products.ReluLayerLoss))]
    [InlineData(typeof(Corpus.SpanLibrary.MatVecLogSoftmaxLoss))]
    [InlineData(typeof(Corpus.SpanLibrary.DotLoss))]
    public void DenseModelsRunTheirContractionsAsMatrixProducts(Type descriptor)
    {
        foreach (string method in new[] { "LaneSumLossUntiled", "LaneSumGradientUntiled" })
        {
            Assert.NotNull(descriptor.GetMethod(method, BindingFlags.NonPublic | BindingFlags.Static));
        }
    }

    private static ILossModel<T> PerExampleOf<T>(ILossModel<T> model)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        (ILossModel<T>)model.GetType().GetProperty("PerExample", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;

    /// <summary>The parameters of the first sample and the rows of <see cref="Samples"/> samples, as flat column arrays.</summary>
    private static (T[][] At, T[] Hypers, Array[] Columns, int[] Widths, int Rows) Draw<T>(Func<Random, Sample> domain, Func<Sample, (T[][] At, T[] Hypers, Array[] Columns)> convert)
    {
        var random = new Random(17);
        var samples = Enumerable.Range(0, Samples).Select(_ => convert(domain(random))).ToList();
        int columns = samples[0].Columns.Length;
        var flat = new Array[columns];
        var widths = new int[columns];
        for (int c = 0; c < columns; c++)
        {
            var parts = samples.Select(s => Flatten(s.Columns[c])).ToList();
            widths[c] = parts[0].Width;
            flat[c] = parts[0].Values switch
            {
                T[] => parts.SelectMany(p => (T[])p.Values).ToArray(),
                _ => parts.SelectMany(p => (int[])p.Values).ToArray(),
            };
        }

        return (samples[0].At, samples[0].Hypers, flat, widths, columns == 0 ? 1 : Domain.Rows * Samples);
    }

    private static (Array Values, int Width) Flatten(Array column)
    {
        if (column.Rank == 1)
        {
            return (column, 1);
        }

        int rows = column.GetLength(0), width = column.GetLength(1);
        var flat = Array.CreateInstance(column.GetType().GetElementType()!, rows * width);
        Buffer.BlockCopy(column, 0, flat, 0, Buffer.ByteLength(column));
        return (flat, width);
    }

    private static T[][] Zeros<T>(T[][] like) => [.. like.Select(p => new T[p.Length])];

    private static T[][] Tangent<T>(T[][] like)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(5);
        return [.. like.Select(p => p.Select(_ => T.CreateTruncating((random.NextDouble() * 2) - 1)).ToArray())];
    }

    private static string Check<T>(ILossModel<T> batched, ILossModel<T> perExample, (T[][] At, T[] Hypers, Array[] Columns, int[] Widths, int Rows) set, double tolerance)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var failures = new StringBuilder();
        var tangent = Tangent(set.At);
        bool tiledLoss = IsTiled(batched, "LaneSumLoss"), tiledGradient = IsTiled(batched, "LaneSumGradient");
        foreach (var (offset, start, end0) in Ranges)
        {
            int end = Math.Min(end0, set.Rows - offset);
            if (start >= end)
            {
                continue;
            }

            var batch = new DataBatch(set.Columns, set.Widths, offset, end);
            string where = $"rows {offset + start}..{offset + end}";
            double lossScale = tiledLoss || tiledGradient ? LossScale(perExample, set, batch, start, end) : 0;
            Close(failures, where + " loss", batched.SumLoss(set.At, set.Hypers, batch, start, end), perExample.SumLoss(set.At, set.Hypers, batch, start, end), tiledLoss ? tolerance * lossScale : 0);

            var (loss, along) = batched.SumTangent(set.At, set.Hypers, batch, start, end, tangent);
            var (loss1, along1) = perExample.SumTangent(set.At, set.Hypers, batch, start, end, tangent);
            Same(failures, where + " tangent loss", loss, loss1);
            Same(failures, where + " tangent", along, along1);

            Outputs(failures, where + " gradient", tolerance, tiledGradient ? tolerance * lossScale : 0, (m, s, e, o) => m.SumGradient(set.At, set.Hypers, batch, s, e, o), batched, perExample, start, end, set.At);
            Outputs(failures, where + " Hessian-vector product", tolerance, 0, (m, s, e, o) => m.SumHessianVector(set.At, set.Hypers, batch, s, e, tangent, o), batched, perExample, start, end, set.At);

            int monitors = batched.Schema.Monitors.Count;
            var sums = new double[monitors];
            var sums1 = new double[monitors];
            batched.SumMonitors(set.At, set.Hypers, batch, start, end, sums);
            perExample.SumMonitors(set.At, set.Hypers, batch, start, end, sums1);
            for (int k = 0; k < monitors; k++)
            {
                Same(failures, where + " monitor " + k, sums[k], sums1[k]);
            }
        }

        return failures.ToString();
    }

    /// <summary>Whether the descriptor runs <paramref name="sum"/> as matrix products over tiles (it then keeps the plain lane sum beside it).</summary>
    private static bool IsTiled<T>(ILossModel<T> model, string sum)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        model.GetType().GetMethod(sum + "Untiled", BindingFlags.NonPublic | BindingFlags.Static) is not null;

    /// <summary>The sum over the rows of |the row's loss| + 1.</summary>
    private static double LossScale<T>(ILossModel<T> perExample, (T[][] At, T[] Hypers, Array[] Columns, int[] Widths, int Rows) set, in DataBatch batch, int start, int end)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double scale = 0;
        for (int r = start; r < end; r++)
        {
            scale += Math.Abs(perExample.SumLoss(set.At, set.Hypers, batch, r, r + 1)) + 1;
        }

        return scale;
    }

    /// <summary>Within <paramref name="tolerance"/> (absolute), or the same bits when it is 0.</summary>
    private static void Close(StringBuilder failures, string what, double batched, double perExample, double tolerance)
    {
        if (tolerance == 0 || !(Math.Abs(batched - perExample) <= tolerance))
        {
            Same(failures, what + (tolerance == 0 ? string.Empty : $" (tolerance {tolerance:R})"), batched, perExample);
        }
    }

    private static void Same(StringBuilder failures, string what, double batched, double perExample)
    {
        if (BitConverter.DoubleToInt64Bits(batched) != BitConverter.DoubleToInt64Bits(perExample))
        {
            failures.AppendLine($"{what}: batched {batched:R}, per example {perExample:R}");
        }
    }

    /// <summary>Compares the summed outputs of a mode within tolerance times the sum of the rows' magnitudes, element by element.</summary>
    private static void Outputs<T>(StringBuilder failures, string what, double tolerance, double lossTolerance, Func<ILossModel<T>, int, int, T[][], double> run, ILossModel<T> batched, ILossModel<T> perExample, int start, int end, T[][] like)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var b = Zeros(like);
        var p = Zeros(like);
        double lb = run(batched, start, end, b);
        double lp = run(perExample, start, end, p);
        Close(failures, what + " (its loss)", lb, lp, lossTolerance);
        var magnitude = like.Select(x => new double[x.Length]).ToArray();
        for (int r = start; r < end; r++)
        {
            var one = Zeros(like);
            run(perExample, r, r + 1, one);
            for (int i = 0; i < one.Length; i++)
            {
                for (int j = 0; j < one[i].Length; j++)
                {
                    magnitude[i][j] += Math.Abs(double.CreateTruncating(one[i][j]));
                }
            }
        }

        for (int i = 0; i < b.Length; i++)
        {
            for (int j = 0; j < b[i].Length; j++)
            {
                double x = double.CreateTruncating(b[i][j]), y = double.CreateTruncating(p[i][j]);
                if (!(Math.Abs(x - y) <= (tolerance * magnitude[i][j]) + double.Epsilon) && !(double.IsNaN(x) && double.IsNaN(y)) && x != y)
                {
                    failures.AppendLine($"{what} [{i}][{j}]: batched {x:R}, per example {y:R}, rows' magnitude {magnitude[i][j]:R}");
                }
            }
        }
    }

    private static void Deterministic<T>(ILossModel<T> model, (T[][] At, T[] Hypers, Array[] Columns, int[] Widths, int Rows) set)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var batch = new DataBatch(set.Columns, set.Widths, 0, set.Rows);
        var sizes = set.At.Select(p => p.Length).ToArray();
        var tangent = Tangent(set.At);
        var results = new List<(double Loss, T[][] Gradient, double HvpLoss, T[][] Product)>();
        foreach (int threads in new[] { 1, 2, 2 })
        {
            using var evaluator = new BatchEvaluator<T>(model, sizes, threads);
            var gradient = Zeros(set.At);
            var product = Zeros(set.At);
            double loss = evaluator.LossAndGradient(set.At, set.Hypers, batch, gradient);
            double hvp = evaluator.HessianVectorProduct(set.At, set.Hypers, batch, tangent, product);
            results.Add((loss, gradient, hvp, product));
        }

        for (int k = 1; k < results.Count; k++)
        {
            Assert.Equal(BitConverter.DoubleToInt64Bits(results[0].Loss), BitConverter.DoubleToInt64Bits(results[k].Loss));
            Assert.Equal(BitConverter.DoubleToInt64Bits(results[0].HvpLoss), BitConverter.DoubleToInt64Bits(results[k].HvpLoss));
            for (int i = 0; i < sizes.Length; i++)
            {
                Assert.Equal(results[0].Gradient[i], results[k].Gradient[i]);
                Assert.Equal(results[0].Product[i], results[k].Product[i]);
            }
        }
    }

    private static void RowBits<T>(ILossModel<T> model, (T[][] At, T[] Hypers, Array[] Columns, int[] Widths, int Rows) set)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var batch = new DataBatch(set.Columns, set.Widths, 0, set.Rows);
        double whole = model.SumLoss(set.At, set.Hypers, batch, 0, 16);
        double alone = 0;
        for (int r = 0; r < 16; r++)
        {
            alone += model.SumLoss(set.At, set.Hypers, batch, r, r + 1);
        }

        Assert.Equal(BitConverter.DoubleToInt64Bits(alone), BitConverter.DoubleToInt64Bits(whole));
    }
}
