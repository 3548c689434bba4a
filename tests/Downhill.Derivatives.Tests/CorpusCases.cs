using Downhill.Derivatives.Tests.Corpus;
using static Downhill.Derivatives.Tests.Domain;

namespace Downhill.Derivatives.Tests;

/// <summary>A corpus loss with the domain it is checked on.</summary>
public sealed class LossCase
{
    internal LossCase(string name, Func<int, GradientCheckReport> check)
    {
        Name = name;
        Check = check;
    }

    /// <summary>The loss, Type.Method.</summary>
    public string Name { get; }

    /// <summary>Draws a sample of the domain with the seed and checks the loss there (and at one perturbation of it).</summary>
    public Func<int, GradientCheckReport> Check { get; }

    /// <summary>The loss's descriptor: an <see cref="ILossModel{T}"/> of double or float.</summary>
    internal object Model { get; init; } = null!;

    /// <summary>A sample of the loss's domain (in double; a float loss converts it) for the seed.</summary>
    internal Func<int, Sample> Draw { get; init; } = null!;

    /// <inheritdoc/>
    public override string ToString() => Name;
}

/// <summary>Every loss of the corpus with its domain (autograd's domains for the elementary functions).</summary>
internal static class CorpusCases
{
    private static readonly Dictionary<string, LossCase> ByName = [];

    static CorpusCases()
    {
        // Elementary functions, c · f(x), x on autograd's domain of f.
        Add(Elementary.SinLoss.Instance, Of([P(Normal)], columns: [C(U(0.5, 1.5))]));
        Add(Elementary.CosLoss.Instance, Of([P(Normal)], columns: [C(U(0.5, 1.5))]));
        Add(Elementary.TanLoss.Instance, Of([P(U(-1.1, 1.1))], columns: [C(U(0.5, 1.5))]));
        Add(Elementary.ExpLoss.Instance, Of([P(Normal)], columns: [C(U(0.5, 1.5))]));
        Add(Elementary.LogLoss.Instance, Of([P(U(0.2, 2))], columns: [C(U(0.5, 1.5))]));
        Add(Elementary.Log2Loss.Instance, Of([P(U(0.2, 2))], columns: [C(U(0.5, 1.5))]));
        Add(Elementary.Log10Loss.Instance, Of([P(U(0.2, 2))], columns: [C(U(0.5, 1.5))]));
        Add(Elementary.Log1PLoss.Instance, Of([P(AbsNormal)], columns: [C(U(0.5, 1.5))]));
        Add(Elementary.Expm1Loss.Instance, Of([P(AbsNormal)], columns: [C(U(0.5, 1.5))]));
        Add(Elementary.SqrtLoss.Instance, Of([P(U(1, 3))], columns: [C(U(0.5, 1.5))]));
        Add(Elementary.CbrtLoss.Instance, Of([P(U(1, 3))], columns: [C(U(0.5, 1.5))]));
        Add(Elementary.PowConstantLoss.Instance, Of([P(PowBase)], columns: [C(U(0.5, 1.5))]));
        Add(Elementary.SinhLoss.Instance, Of([P(Normal)], columns: [C(U(0.5, 1.5))]));
        Add(Elementary.CoshLoss.Instance, Of([P(Normal)], columns: [C(U(0.5, 1.5))]));
        Add(Elementary.TanhLoss.Instance, Of([P(Normal)], columns: [C(U(0.5, 1.5))]));
        Add(Elementary.AsinhLoss.Instance, Of([P(U(-0.9, 0.9))], columns: [C(U(0.5, 1.5))]));
        Add(Elementary.AtanhLoss.Instance, Of([P(U(-0.9, 0.9))], columns: [C(U(0.5, 1.5))]));
        Add(Elementary.AcoshLoss.Instance, Of([P(U(1.1, 4))], columns: [C(U(0.5, 1.5))]));
        Add(Elementary.AsinLoss.Instance, Of([P(SignedU(0.05, 0.5))], columns: [C(U(0.5, 1.5))]));
        Add(Elementary.AcosLoss.Instance, Of([P(SignedU(0.05, 0.5))], columns: [C(U(0.5, 1.5))]));
        Add(Elementary.AtanLoss.Instance, Of([P(Normal)], columns: [C(U(0.5, 1.5))]));
        Add(Elementary.AbsLoss.Instance, Of([P(SignedU(0.1, 4))], columns: [C(U(0.5, 1.5))]));
        Add(Elementary.SigmoidLoss.Instance, Of([P(Normal)], columns: [C(U(0.5, 1.5))]));
        Add(Elementary.LogSigmoidLoss.Instance, Of([P(Normal)], columns: [C(U(0.5, 1.5))]));
        Add(Elementary.SoftplusLoss.Instance, Of([P(Normal)], columns: [C(U(0.5, 1.5))]));
        Add(Elementary.ReluLoss.Instance, Of([P(SignedU(0.1, 3))], columns: [C(U(0.5, 1.5))]));
        Add(Elementary.SquareLoss.Instance, Of([P(Normal)], columns: [C(U(0.5, 1.5))]));
        Add(Elementary.PowVariableLoss.Instance, Of([P(PowBase), P(Normal)], columns: [C(U(0.5, 1.5))]));
        Add(Elementary.PowDataExponentLoss.Instance, Of([P(PowBase)], columns: [C(Normal)]));
        Add(Elementary.Atan2Loss.Instance, Of([P(SignedU(0.2, 2)), P(SignedU(0.2, 2))], columns: [C(U(0.5, 1.5))]));
        Add(Elementary.MaxLoss.Instance, Of([P(U(-2, 2)), P(U(-2, 2))], columns: [C(U(0.5, 1.5))]).Where(s => Math.Abs(s.At[0][0] - s.At[1][0]) > 0.3));
        Add(Elementary.MinLoss.Instance, Of([P(U(-2, 2)), P(U(-2, 2))], columns: [C(U(0.5, 1.5))]).Where(s => Math.Abs(s.At[0][0] - s.At[1][0]) > 0.3));
        Add(Elementary.LogSumExpPairLoss.Instance, Of([P(Normal), P(Normal)], columns: [C(U(0.5, 1.5))]));
        Add(Elementary.LogSumExpSpanLoss.Instance, Of([V(5, Normal)], columns: [C(U(0.5, 1.5))]));
        Add(Elementary.PowZeroLoss.Instance, Of([P(Normal)]));
        Add(Elementary.MaxOfItselfLoss.Instance, Of([P(Normal)]));
        Add(Elementary.SinOfSquareTimesXLoss.Instance, Of([P(Normal)]));
        Add(Elementary.ArithmeticLoss.Instance, Of([P(Normal), P(Normal)], columns: [C(U(0.5, 1.5))]));
        Add(Elementary.HypotLoss.Instance, Of([P(SignedU(0.3, 2)), P(SignedU(0.3, 2))]));

        // Regression and classification.
        Add(Models.SquaredLoss.Instance, Of([P(Normal), P(Normal)], columns: [C(Normal), C(Normal)]));
        Add(Models.HuberLoss.Instance, Of([P(Normal), P(Normal)], columns: [C(Normal), C(Normal)]).Where(s =>
            Rows3(r => Math.Abs(Math.Abs((s.At[0][0] * s.Col(0, r)) + s.At[1][0] - s.Col(1, r)) - 0.5) > 0.15)));
        Add(Models.HuberByHelperLoss.Instance, Of([V(3, Normal), P(Normal)], columns: [R(3, Normal), C(Normal)]).Where(s =>
            Rows3(r => Math.Abs(Math.Abs(Linear(s, 0, r, 3) + s.At[1][0] - s.Col(1, r)) - 0.3) > 0.1)));
        Add(Models.LogCoshLoss.Instance, Of([P(Normal), P(Normal)], columns: [C(Normal), C(Normal)]));
        Add(Models.CauchyLoss.Instance, Of([P(Normal), P(Normal)], columns: [C(Normal), C(Normal)]));
        Add(Models.LogisticLoss.Instance, Of([V(4, Scaled(Normal, 0.5)), P(Normal)], columns: [R(4, Normal), I(0, 2)]));
        Add(Models.LogisticBySigmoidLoss.Instance, Of([V(4, Scaled(Normal, 0.5)), P(Normal)], columns: [R(4, Normal), I(0, 2)]));
        Add(Models.HingeLoss.Instance, Of([V(3, Normal), P(Normal)], columns: [R(3, Normal), I(0, 2)]).Where(s =>
            Rows3(r => Math.Abs(1 - (((2 * s.Int(1, r)) - 1) * (Linear(s, 0, r, 3) + s.At[1][0]))) > 0.2)));
        Add(Models.PoissonRegressionLoss.Instance, Of([V(3, Scaled(Normal, 0.3))], columns: [R(3, Normal), C(U(0, 3))]));
        Add(Models.GaussianNllLoss.Instance, Of([P(Normal), P(U(-0.5, 0.5))], columns: [C(Normal)]));

        // Dense contractions the batch sums run as matrix products (or, where the shapes do not fit, do not).
        Add(Products.PartialRowsLoss.Instance, Of([V(12, Scaled(Normal, 0.5))], columns: [R(4, Normal), C(Normal)]));
        Add(Products.RowsByLengthLoss.Instance, Of([V(12, Scaled(Normal, 0.5)), V(3, Normal)], columns: [R(4, Normal), C(Normal)]));
        Add(Products.NarrowDataLoss.Instance, Of([V(5, Normal)], columns: [R(3, Normal), C(Normal)]));
        Add(Products.ReluLayerLoss.Instance, Of([V(12, Scaled(Normal, 0.5)), V(3, Normal), V(3, Normal)], columns: [R(4, Normal), C(Normal)]).Where(s =>
            Enumerable.Range(0, 3).All(j => Rows3(r => Math.Abs(s.At[1][j] + Enumerable.Range(0, 4).Sum(i => s.At[0][(j * 4) + i] * s.Col(0, r, i))) > 0.1))));
        AddSingle(Products.LayerFLoss.Instance, Of([V(12, Scaled(Normal, 0.5))], columns: [R(4, Normal), I(0, 3)]));

        // Networks.
        Add(Models.MlpLoss.Instance, Of([V(15, Scaled(Normal, 0.5)), V(5, Scaled(Normal, 0.5)), V(20, Scaled(Normal, 0.5)), V(4, Scaled(Normal, 0.5)), V(4, Scaled(Normal, 0.5)), P(Normal)], columns: [R(3, Normal), C(Normal)]));
        Add(Models.MlpStackallocLoss.Instance, Of([V(12, Scaled(Normal, 0.5)), V(9, Scaled(Normal, 0.5)), V(6, Normal)], columns: [R(4, Normal), I(0, 2)]));
        Add(Models.SoftmaxCrossEntropyLoss.Instance, Of([V(12, Scaled(Normal, 0.5)), V(4, Scaled(Normal, 0.5))], columns: [R(3, Normal), I(0, 4)]));
        Add(Models.SoftmaxByHandLoss.Instance, Of([V(5, Normal)], columns: [I(0, 5)]));
        Add(Models.RecurrenceLoss.Instance, Of([V(50, Scaled(Normal, 0.3)), P(Normal)], columns: [R(50, U(-0.9, 0.9))]));
        Add(Models.TanhRnnLoss.Instance, Of([P(U(-1, 1)), P(Normal), P(Normal)], columns: [R(8, Normal), C(Normal)]));
        Add(Models.RunningMaxLoss.Instance, Of([V(6, Normal)], columns: [R(6, Normal)]).Where(s => Rows3(r => TopTwoGap(s, r, 6) > 0.2)));
        Add(Models.QuadraticFormLoss.Instance, Of([V(9, Normal)], columns: [R(3, Normal)]));

        // Hyperparameters.
        Add(Models.RidgeLoss.Instance, Of([V(4, Normal), P(Normal)], [U(0.1, 1)], [R(4, Normal), C(Normal)]));
        Add(Models.TwoHypersLoss.Instance, Of([V(4, Normal)], [U(-2, 0), U(0.5, 2)], [R(2, Normal), I(0, 2)]));
        Add(Models.HyperOnlyLoss.Instance, Of([P(Normal)], [U(0.5, 2)]));

        // Objectives without data.
        Add(Models.RosenbrockLoss.Instance, Of([V(5, U(-1.5, 1.5))]));
        Add(Models.Rosenbrock2Loss.Instance, Of([P(U(-1.5, 1.5)), P(U(-1.5, 1.5))]));

        // [Differentiable] helpers, recursive and nested.
        Add(Models.RecursivePolynomialLoss.Instance, Of([V(5, Normal)], columns: [C(U(-1, 1))]));
        Add(Models.RecursivePowerLoss.Instance, Of([P(U(-1.5, 1.5))], columns: [C(U(0.5, 1.5))]));
        Add(Models.NestedHelpersLoss.Instance, Of([P(Normal), P(Normal)], columns: [C(U(0.5, 1.5))]));

        // Control flow.
        Add(Flow.EarlyReturnLoss.Instance, Of([V(6, Scaled(Normal, 0.5))], columns: [R(6, U(0, 1.5))]).Where(s => Rows3(r => PartialSumsAvoid(s, r, 4.0, 0.3))));
        Add(Flow.BreakContinueLoss.Instance, Of([V(8, Scaled(Normal, 0.5))], columns: [R(8, Avoiding(U(-1, 1.2), 0.08, 0, 0.9))]));
        Add(Flow.WhileLoopLoss.Instance, Of([V(5, Normal)], columns: [C(U(-1, 1))]));
        Add(Flow.WhileCountdownLoss.Instance, Of([P(U(0.5, 1.2))], columns: [I(0, 8)]));
        Add(Flow.VaryingBranchInLoopLoss.Instance, Of([V(3, Normal)], columns: [R(3, Normal), I(0, 3)]));
        Add(Flow.NestedTernaryLoss.Instance, Of([P(SignedU(0.2, 1)), P(SignedU(0.2, 1))], columns: [C(Avoiding(U(-1, 1), 0.1, -0.5, 0.5))]).Where(s => Math.Abs(s.At[0][0] - s.At[1][0]) > 0.3));
        Add(Flow.CompoundAssignmentsLoss.Instance, Of([P(Normal), P(Normal)], columns: [C(Normal)]));
        Add(Flow.BranchOnDataAndParamsLoss.Instance, Of([P(Normal), P(Normal)], columns: [C(Avoiding(U(-1.5, 1.5), 0.05, -0.3, 0.3))]).Where(s =>
            Rows3(r => Math.Abs(BranchValue(s.At[0][0], s.At[1][0], s.Col(0, r))) > 0.1)));
        Add(Flow.PrefixSumsLoss.Instance, Of([V(5, Normal)], columns: [R(5, Normal)]));
        Add(Flow.InPlaceUpdatesLoss.Instance, Of([V(4, Normal)], columns: [C(U(-1.5, 1.5))]));
        Add(Flow.AdvectionLoss.Instance, Of([V(8, Normal), P(U(0.3, 1.7))], columns: [R(8, Normal)]));
        Add(Flow.NestedLoopsLoss.Instance, Of([V(8, Scaled(Normal, 0.5))], columns: [R(8, Normal), I(1, 9)]));
        Add(Flow.CountersReadAfterTheirLoopsLoss.Instance, Of([V(4, Normal)], columns: [R(8, Normal)]));
        Add(Flow.UnaryAndLocalsLoss.Instance, Of([P(Normal), P(Normal)], columns: [C(Normal)]));
        Add(Flow.NonFiniteTestsLoss.Instance, NonFiniteDomain);

        // The span functions of Fn (docs/stdlib.md): reductions.
        Add(SpanLibrary.SumOfLoss.Instance, Of([V(4, Scaled(Normal, 0.5))], columns: [R(4, Normal), C(U(0.5, 1.5))]));
        Add(SpanLibrary.MeanLoss.Instance, Of([V(4, Scaled(Normal, 0.5))], columns: [R(4, Normal)]));
        Add(SpanLibrary.DotLoss.Instance, Of([V(4, Scaled(Normal, 0.5))], columns: [R(4, Scaled(Normal, 0.5))]));
        Add(SpanLibrary.SquaredNormLoss.Instance, Of([V(4, Normal)], columns: [C(U(0.5, 1.5))]));
        Add(SpanLibrary.NormLoss.Instance, Of([V(3, Normal)], columns: [R(3, Normal)]));
        Add(SpanLibrary.VarianceAndStdDevLoss.Instance, Of([V(5, Normal)], columns: [R(5, Normal)]));
        Add(SpanLibrary.ProdLoss.Instance, Of([V(4, U(0.5, 1.5))], columns: [C(U(0.5, 1.5))]));
        Add(SpanLibrary.MaxMinLoss.Instance, Of([V(5, Normal)], columns: [R(5, Normal)]).Where(s => Rows3(r => TopTwoGap(s, r, 5) > 0.2) && BottomTwoGap(s.At[0]) > 0.2));
        AddSingle(SpanLibrary.SmoothReductionsFLoss.Instance, Of([V(4, Scaled(Normal, 0.5))], columns: [R(4, Normal)]));
        AddSingle(SpanLibrary.ProdMaxMinFLoss.Instance, Of([V(4, U(0.5, 1.5))], columns: [R(4, Normal)]).Where(s => Rows3(r => TopTwoGap(s, r, 4) > 0.2) && BottomTwoGap(s.At[0]) > 0.1));

        // The span functions of Fn: into a scratch array.
        Add(SpanLibrary.MatVecLogSoftmaxLoss.Instance, Of([V(12, Scaled(Normal, 0.5))], columns: [R(3, Normal), I(0, 4)]));
        Add(SpanLibrary.SoftmaxOfLoss.Instance, Of([V(5, Normal)], columns: [R(5, Normal)]));
        Add(SpanLibrary.CumSumOfLoss.Instance, Of([V(4, Normal)], columns: [R(4, Normal)]));
        Add(SpanLibrary.OuterOfLoss.Instance, Of([V(3, Normal), V(2, Normal)], columns: [R(6, Normal)]));
        Add(SpanLibrary.MatMulOfLoss.Instance, Of([V(6, Scaled(Normal, 0.5)), V(6, Scaled(Normal, 0.5))], columns: [R(4, Normal)]));
        Add(SpanLibrary.ClipOfLoss.Instance, Of([V(5, Avoiding(Scaled(Normal, 0.8), 0.15, -0.5, 0.5)), P(U(-0.53, -0.47)), P(U(0.47, 0.53))], columns: [R(5, Normal)]));
        Add(SpanLibrary.WhereOfLoss.Instance, Of([V(4, Normal), V(4, Normal)], columns: [I(0, 5)]));
        Add(SpanLibrary.SortOfLoss.Instance, Of([V(5, Normal)], columns: [R(5, Normal)]).Where(s => Rows3(r => SortedGap(s, r, 5) > 0.15)));
        Add(SpanLibrary.InPlaceHelpersLoss.Instance, Of([V(4, Scaled(Normal, 0.5)), P(U(0.3, 0.8))], columns: [R(4, Normal)]));
        AddSingle(SpanLibrary.ScratchSmoothFLoss.Instance, Of([V(6, Scaled(Normal, 0.5))], columns: [R(2, Normal), I(0, 3)]));
        AddSingle(SpanLibrary.ScratchSelectFLoss.Instance, Of([V(4, Avoiding(Scaled(Normal, 0.8), 0.25, -0.5, 0.5)), V(4, Normal)], columns: [R(4, Avoiding(Normal, 0.2, 0))]).Where(s =>
            Rows3(r => MinGap(Enumerable.Range(0, 4).Select(i => s.Col(0, r, i) > 0 ? Math.Clamp(s.At[0][i], -0.5, 0.5) : s.At[1][i])) > 0.3)));

        // The span functions of Fn: linear algebra, n × n with n drawn from 1 to 6 (LinearAlgebraTests checks every n).
        foreach (var (model, domain) in SizedDomains)
        {
            Add(model, r => domain(r, r.Next(1, 7)));
        }

        AddSingle(SpanLibrary.LinearAlgebraFLoss.Instance, r => new Sample([Spd(r, 3), [.. V(3, Normal)(r)]], [], []));

        // Single precision.
        AddSingle(SinglePrecision.SquaredFLoss.Instance, Of([P(Normal), P(Normal)], columns: [C(Normal), C(Normal)]));
        AddSingle(SinglePrecision.LogisticFLoss.Instance, Of([V(3, Scaled(Normal, 0.5)), P(Normal)], columns: [R(3, Normal), I(0, 2)]));
        AddSingle(SinglePrecision.ElementaryFLoss.Instance, Of([P(Scaled(Normal, 0.8)), P(Scaled(Normal, 0.8))], columns: [C(U(0.5, 1.5))]));
        AddSingle(SinglePrecision.MlpFLoss.Instance, Of([V(6, Scaled(Normal, 0.5)), V(3, Normal)], columns: [R(2, Normal), C(Normal)]));
        AddSingle(SinglePrecision.RosenbrockFLoss.Instance, Of([P(U(-1.5, 1.5)), P(U(-1.5, 1.5))]));
        AddSingle(SinglePrecision.RidgeFLoss.Instance, Of([V(2, Normal)], [U(0.1, 1)], [R(2, Normal), C(Normal)]));
        AddSingle(SinglePrecision.SoftmaxFLoss.Instance, Of([V(4, Normal)], columns: [I(0, 4)]));
        AddSingle(SinglePrecision.SmoothFunctionsFLoss.Instance, Of([P(Normal)], columns: [C(U(0.5, 1.5))]));
        AddSingle(SinglePrecision.NonFiniteTestsFLoss.Instance, NonFiniteDomain);
    }

    /// <summary>The linear-algebra losses with their domains at a size n: random symmetric positive definite matrices (autograd's test domain) or well-conditioned general ones.</summary>
    public static (ILossModel<double> Model, Func<Random, int, Sample> Domain)[] SizedDomains { get; } =
    [
        (SpanLibrary.CholeskyOfLoss.Instance, (r, n) => new Sample([Spd(r, n)], [], [C(U(0.5, 1.5))(r)])),
        (SpanLibrary.LogDetAndTraceLoss.Instance, (r, n) => new Sample([Spd(r, n)], [], [C(U(0.5, 1.5))(r)])),
        (SpanLibrary.SolveOfLoss.Instance, (r, n) => new Sample([WellConditioned(r, n), [.. V(n, Normal)(r)]], [], [])),
        (SpanLibrary.CholeskySolveOfLoss.Instance, (r, n) => new Sample([Spd(r, n), [.. V(n, Normal)(r)]], [], [])),
        (SpanLibrary.InverseOfLoss.Instance, (r, n) => new Sample([WellConditioned(r, n)], [], [C(U(0.5, 1.5))(r)])),
        (SpanLibrary.DetOfLoss.Instance, (r, n) => new Sample([WellConditioned(r, n)], [], [C(U(0.5, 1.5))(r)])),
    ];

    /// <summary>A random symmetric positive definite n × n matrix (B Bᵀ + n I) / n + I, eigenvalues at least 2.</summary>
    public static double[] Spd(Random r, int n)
    {
        var b = V(n * n, Normal)(r);
        var a = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double s = i == j ? 2 * n : 0;
                for (int k = 0; k < n; k++)
                {
                    s += b[(i * n) + k] * b[(j * n) + k];
                }

                a[(i * n) + j] = s / n;
            }
        }

        return a;
    }

    /// <summary>A random well-conditioned general n × n matrix: ±1 on the diagonal plus entries of size 0.25/√n (diagonally dominant, |det| near 1).</summary>
    public static double[] WellConditioned(Random r, int n)
    {
        var a = V(n * n, Scaled(Normal, 0.25 / Math.Sqrt(n)))(r);
        for (int i = 0; i < n; i++)
        {
            a[(i * n) + i] += r.NextDouble() < 0.5 ? -1 : 1;
        }

        return a;
    }

    /// <summary>The seeds of the samples every loss is checked at.</summary>
    public static int[] Seeds { get; } = [1, 2, 3];

    public static IReadOnlyCollection<string> Names => ByName.Keys;

    public static LossCase Get(string name) => ByName[name];

    /// <summary>Every loss of the corpus as a model (ILossModel of double or float) with its domain, for the batched-versus-per-example tests.</summary>
    public static IReadOnlyDictionary<string, (object Model, Func<Random, Sample> Domain)> LossModels => ModelsByName;

    private static readonly Dictionary<string, (object Model, Func<Random, Sample> Domain)> ModelsByName = [];

    private static GradientCheckOptions Options(int seed) => new() { Points = 1, Perturbation = 0.01, Seed = seed };

    /// <summary>The schema's name without the corpus's namespace: Type.Method.</summary>
    private static string ShortName(LossSchema schema) =>
        schema.Name.StartsWith(CorpusNamespace, StringComparison.Ordinal) ? schema.Name[CorpusNamespace.Length..] : schema.Name;

    private const string CorpusNamespace = "Downhill.Derivatives.Tests.Corpus.";

    private static void Add(ILossModel<double> model, Func<Random, Sample> domain)
    {
        string name = ShortName(model.Schema);
        ModelsByName.Add(name, (model, domain));
        ByName.Add(name, new LossCase(name, seed =>
        {
            var s = domain(new Random(seed));
            return GradientCheck.Run(model, s.At, s.Hypers, s.Columns, Options(seed));
        }) { Model = model, Draw = seed => domain(new Random(seed)) });
    }

    private static void AddSingle(ILossModel<float> model, Func<Random, Sample> domain)
    {
        string name = ShortName(model.Schema);
        ModelsByName.Add(name, (model, domain));
        ByName.Add(name, new LossCase(name, seed =>
        {
            var (at, hypers, columns) = domain(new Random(seed)).ToSingle();
            return GradientCheck.Run(model, at, hypers, columns, Options(seed));
        }) { Model = model, Draw = seed => domain(new Random(seed)) });
    }

    /// <summary>Rows with a negative x (a NaN log) and a positive one, and k = -1, 0 and 1 (each infinity test's branch).</summary>
    private static Func<Random, Sample> NonFiniteDomain { get; } = Of([P(Normal), P(Normal)], columns: [C(Avoiding(U(-1.5, 1.5), 0.2, 0)), I(-1, 2)]).Where(s =>
        Enumerable.Range(0, Rows).Select(r => s.Int(1, r)).Distinct().Count() == 3
        && Enumerable.Range(0, Rows).Any(r => s.Col(0, r) < 0) && Enumerable.Range(0, Rows).Any(r => s.Col(0, r) > 0));

    private static bool Rows3(Func<int, bool> ok) => Enumerable.Range(0, Rows).All(ok);

    /// <summary>w · x for the first parameter and span column c at a row.</summary>
    private static double Linear(Sample s, int c, int row, int n)
    {
        double z = 0;
        for (int i = 0; i < n; i++)
        {
            z += s.At[0][i] * s.Col(c, row, i);
        }

        return z;
    }

    private static double TopTwoGap(Sample s, int row, int n)
    {
        var v = Enumerable.Range(0, n).Select(i => s.At[0][i] * s.Col(0, row, i)).OrderDescending().ToArray();
        return v[0] - v[1];
    }

    /// <summary>The smallest gap between the values w_i·x_i of a row (a Sort without near-ties).</summary>
    private static double SortedGap(Sample s, int row, int n) => MinGap(Enumerable.Range(0, n).Select(i => s.At[0][i] * s.Col(0, row, i)));

    private static double MinGap(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        return Enumerable.Range(1, v.Length - 1).Min(i => v[i] - v[i - 1]);
    }

    /// <summary>The gap between the two smallest values (a Min without a near-tie).</summary>
    private static double BottomTwoGap(double[] v)
    {
        var sorted = v.Order().ToArray();
        return sorted[1] - sorted[0];
    }

    private static bool PartialSumsAvoid(Sample s, int row, double threshold, double margin)
    {
        double sum = 0;
        for (int i = 0; i < 6; i++)
        {
            sum += Math.Exp(s.At[0][i]) * s.Col(0, row, i);
            if (Math.Abs(sum - threshold) < margin)
            {
                return false;
            }

            if (sum > threshold)
            {
                return true;
            }
        }

        return true;
    }

    /// <summary>r of <see cref="Flow.BranchOnDataAndParams"/> before its r > 0 test.</summary>
    private static double BranchValue(double a, double b, double x) =>
        x > 0.3 ? (a * x) + Math.Cos(b) : x > -0.3 ? a * b * x : Math.Exp(a * x) - b;
}
