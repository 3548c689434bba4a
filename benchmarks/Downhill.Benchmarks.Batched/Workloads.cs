using System.Numerics;
using Downhill.Kernels;

namespace Downhill.Benchmarks.Batched;

/// <summary>
/// The models' data and parameters for one element type, with evaluators for 1 and 2 threads, and the work each
/// call does. FLOPs count the matrix products' multiply-adds as 2 each, forward and backward as autograd runs
/// them (no input gradient of the first layer), and nothing else (tanh, softmax, biases, softplus):
/// MLP 4·(784·64 + 64·10) + 2·64·10 = 204,544 per example, logistic regression 2·784 + 2·784 = 3,136.
/// </summary>
internal sealed class Workloads<T> : IDisposable
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>FLOPs of one example's MLP loss and gradient.</summary>
    public const double MlpFlops = (4.0 * ((Losses.Inputs * Losses.Hidden) + (Losses.Hidden * Losses.Classes))) + (2.0 * Losses.Hidden * Losses.Classes);

    /// <summary>FLOPs of one example's logistic loss and gradient.</summary>
    public const double LogisticFlops = 4.0 * Losses.Inputs;

    private readonly T[] x;
    private readonly int[] labels;
    private readonly int[] binary;
    private readonly T[][] mlp, mlpGradient, handGradient, logistic, logisticGradient;
    private readonly BatchEvaluator<T>[] mlpEvaluators, logisticEvaluators;
    private readonly HandMlp<T> hand;

    /// <summary>Random data of <paramref name="rows"/> examples and small random parameters.</summary>
    public Workloads(int rows, int seed)
    {
        var rng = new Random(seed);
        x = new T[(long)rows * Losses.Inputs];
        for (long i = 0; i < x.Length; i++)
        {
            x[i] = T.CreateTruncating(rng.NextDouble());
        }

        labels = [.. Enumerable.Range(0, rows).Select(_ => rng.Next(Losses.Classes))];
        binary = [.. labels.Select(l => l & 1)];
        int[] mlpSizes = [Losses.Hidden * Losses.Inputs, Losses.Hidden, Losses.Classes * Losses.Hidden, Losses.Classes];
        mlp = [.. mlpSizes.Select(n => Random(rng, n, 0.05))];
        mlpGradient = [.. mlpSizes.Select(n => new T[n])];
        handGradient = [.. mlpSizes.Select(n => new T[n])];
        logistic = [Random(rng, Losses.Inputs, 0.05), Random(rng, 1, 0.05)];
        logisticGradient = [new T[Losses.Inputs], new T[1]];
        ILossModel<T> mlpModel = typeof(T) == typeof(double) ? (ILossModel<T>)(object)Losses.MlpDoubleLoss.Instance : (ILossModel<T>)(object)Losses.MlpFloatLoss.Instance;
        ILossModel<T> logisticModel = typeof(T) == typeof(double) ? (ILossModel<T>)(object)Losses.LogisticDoubleLoss.Instance : (ILossModel<T>)(object)Losses.LogisticFloatLoss.Instance;
        mlpEvaluators = [new(mlpModel, mlpSizes, 1), new(mlpModel, mlpSizes, 2)];
        logisticEvaluators = [new(logisticModel, [Losses.Inputs, 1], 1), new(logisticModel, [Losses.Inputs, 1], 2)];
        hand = new HandMlp<T>(rows);
    }

    /// <summary>"double" or "float".</summary>
    public static string TypeName => typeof(T) == typeof(double) ? "double" : "float";

    /// <summary>The generated MLP loss and gradient of the first <paramref name="batch"/> rows, through the batch evaluator.</summary>
    public double Mlp(int batch, int threads)
        => mlpEvaluators[threads - 1].LossAndGradient(mlp, [], new DataBatch([x, labels], [Losses.Inputs, 1], 0, batch), mlpGradient);

    /// <summary>The hand-written GEMM MLP loss and gradient of the first <paramref name="batch"/> rows.</summary>
    public double Hand(int batch, int threads) => hand.LossAndGradient(mlp, x, labels, batch, handGradient, threads);

    /// <summary>The generated logistic loss and gradient of the first <paramref name="batch"/> rows.</summary>
    public double Logistic(int batch, int threads)
        => logisticEvaluators[threads - 1].LossAndGradient(logistic, [], new DataBatch([x, binary], [Losses.Inputs, 1], 0, batch), logisticGradient);

    /// <summary>
    /// The largest relative difference between the hand-written and the generated MLP (loss and every gradient
    /// element, relative to the largest gradient element) on the first <paramref name="batch"/> rows.
    /// </summary>
    public double HandAgreement(int batch)
    {
        double generated = Mlp(batch, 1);
        double written = Hand(batch, 1);
        double worst = Math.Abs(generated - written) / Math.Max(1, Math.Abs(generated));
        for (int p = 0; p < mlp.Length; p++)
        {
            double scale = mlpGradient[p].Max(v => Math.Abs(double.CreateTruncating(v)));
            for (int i = 0; i < mlp[p].Length; i++)
            {
                double d = Math.Abs(double.CreateTruncating(mlpGradient[p][i] - handGradient[p][i]));
                worst = Math.Max(worst, d / Math.Max(scale, 1e-30));
            }
        }

        return worst;
    }

    /// <summary>The kernels on the MLP's first layer at <paramref name="batch"/> examples, and a square product; FLOPs per call beside each.</summary>
    public IEnumerable<(string Name, Action Run, double Flops)> Kernels(int batch, int threads)
    {
        const int I = Losses.Inputs, J = Losses.Hidden;
        T[] s = new T[batch * J], ds = Random(new Random(3), batch * J, 1), dw = new T[J * I], dx = new T[(long)batch * I];
        T[] w = mlp[0];
        yield return ($"S = X·W1ᵀ ({batch}×784 · 784×64)", () => MatrixProducts.MatrixTimesBatch<T>(w, J, I, x.AsSpan(0, batch * I), batch, s, false, threads), 2.0 * batch * J * I);
        yield return ($"dW1 += dSᵀ·X (64×{batch} · {batch}×784)", () => MatrixProducts.AccumulateOuterProducts<T>(ds, x.AsSpan(0, batch * I), batch, J, I, dw, threads), 2.0 * batch * J * I);
        yield return ($"dX = dS·W1 ({batch}×64 · 64×784)", () => MatrixProducts.BatchTimesMatrix<T>(ds, w, batch, J, I, dx, false, threads), 2.0 * batch * J * I);
        const int n = 768;
        T[] a = Random(new Random(4), n * n, 1), b = Random(new Random(5), n * n, 1), c = new T[n * n];
        yield return ($"square {n}×{n}·{n}×{n}", () => MatrixProducts.Multiply<T>(false, false, n, n, n, a, n, b, n, c, n, false, threads), 2.0 * n * n * n);
    }

    /// <summary>Bytes of data one logistic call over <paramref name="batch"/> rows reads (the rows and labels).</summary>
    public static double LogisticBytes(int batch) => (double)batch * ((Losses.Inputs * System.Runtime.CompilerServices.Unsafe.SizeOf<T>()) + sizeof(int));

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (BatchEvaluator<T> e in mlpEvaluators.Concat(logisticEvaluators))
        {
            e.Dispose();
        }
    }

    private static T[] Random(Random rng, int n, double scale)
    {
        var values = new T[n];
        for (int i = 0; i < n; i++)
        {
            values[i] = T.CreateTruncating(scale * ((2 * rng.NextDouble()) - 1));
        }

        return values;
    }
}
