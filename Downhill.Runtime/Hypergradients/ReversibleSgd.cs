using System.Numerics;

namespace Downhill.Hypergradients;

/// <summary>
/// One exact SGD-with-momentum run and its reverse (Maclaurin, Duvenaud &amp; Adams 2015, Algorithms 1 and 2).
/// Forward, step t: g = ∇L(θ_t) (the batch mean); v ← (n/d)·v exactly; v ← v − (1 − β_t)·g; θ ← θ + α_t·v.
/// Reverse, t = T−1 … 0, from dθ = ∇f(θ_T), dv = 0: dα_t = dθ·v; θ ← θ − α_t·v; recompute g at the restored θ;
/// v ← (v + (1 − β_t)·g)·d/n exactly; dv ← dv + α_t·dθ; dβ_t = dv·(v + g); with u = (1 − β_t)·dv:
/// dθ ← dθ − H·u, d[Hyper] ← d[Hyper] − ∂(g·u)/∂[Hyper], d(data) ← d(data) − ∂(g·u)/∂(data); dv ← (n/d)·dv, the
/// same n/d the forward multiplied by, so the result is the exact gradient of the run that was executed.
/// </summary>
/// <typeparam name="T">The loss's element type: a float loss is evaluated in float on the exact values rounded.</typeparam>
internal sealed class ReversibleSgd<T> : IDisposable
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly ILossModel<T> model;
    private readonly ExactData<T> train;
    private readonly ExactData<T>? valid;
    private readonly double[,] alpha;
    private readonly double[,] beta;
    private readonly ExactDecay[,] decay;
    private readonly T[] hypers;
    private readonly T[] validHypers;
    private readonly bool validHypersAreHypers;
    private readonly HypergradientOptions options;
    private readonly int[] sizes;
    private readonly string[] names;
    private readonly BatchEvaluator<T> evaluator;
    private readonly FullEvaluator<T> full;
    private readonly T[][] at;
    private readonly T[][] gradient;
    private readonly ulong[] gradientHashes;

    public ReversibleSgd(ILossModel<T> model, ExactData<T> train, ExactData<T>? valid, double[][] init, double[][] initVelocity,
        double[,] alpha, double[,] beta, T[] hypers, T[]? validHypers, HypergradientOptions options)
    {
        this.model = model;
        this.train = train;
        this.valid = valid;
        this.alpha = alpha;
        this.beta = beta;
        this.hypers = hypers;
        validHypersAreHypers = validHypers is null;
        this.validHypers = validHypers ?? hypers;
        this.options = options;
        Steps = alpha.GetLength(0);
        names = [.. model.Schema.Params.Select(p => p.Name)];
        sizes = [.. init.Select(a => a.Length)];
        decay = new ExactDecay[Steps, sizes.Length];
        for (int t = 0; t < Steps; t++)
        {
            for (int p = 0; p < sizes.Length; p++)
            {
                decay[t, p] = ExactDecay.FromBeta(beta[t, p]);
            }
        }

        State = new ExactState(names, init, initVelocity);
        InitialTheta = [.. State.Theta.Select(a => (long[])a.Clone())];
        InitialVelocity = [.. State.Velocity.Select(a => (long[])a.Clone())];
        int threads = options.Threads ?? Environment.ProcessorCount;
        evaluator = new BatchEvaluator<T>(model, sizes, threads);
        full = new FullEvaluator<T>(model, sizes, hypers.Length, threads);
        at = [.. sizes.Select(n => new T[n])];
        gradient = [.. sizes.Select(n => new T[n])];
        gradientHashes = new ulong[Steps];
    }

    /// <summary>Steps T.</summary>
    public int Steps { get; }

    /// <summary>θ and v, exact, with the information buffer.</summary>
    public ExactState State { get; }

    /// <summary>θ0 on the 2^-52 grid.</summary>
    public long[][] InitialTheta { get; }

    /// <summary>v0 on the 2^-52 grid.</summary>
    public long[][] InitialVelocity { get; }

    /// <summary>Runs the T steps forward.</summary>
    public void Forward()
    {
        for (int t = 0; t < Steps; t++)
        {
            options.CancellationToken.ThrowIfCancellationRequested();
            DataBatch batch = train.Batch(t, out _);
            Round(State.Theta);
            evaluator.LossAndGradient(at, hypers, batch, gradient);
            gradientHashes[t] = Hash(gradient);
            for (int p = 0; p < sizes.Length; p++)
            {
                State.Multiply(p, decay[t, p], t);
                long[] v = State.Velocity[p];
                long[] theta = State.Theta[p];
                double keep = 1 - beta[t, p];
                double a = alpha[t, p];
                T[] g = gradient[p];
                for (int i = 0; i < v.Length; i++)
                {
                    State.Add(v, p, i, -(keep * double.CreateTruncating(g[i])), t, "velocity");
                    State.Add(theta, p, i, a * FixedPoint.ToDouble(v[i]), t, "value");
                }
            }

            options.Progress?.Report(new HypergradientProgress(HypergradientPhase.Forward, t + 1, Steps));
        }
    }

    /// <summary>The objective at θ_T: the mean loss over the validation set (the training set when there is none) with the validation hypers.</summary>
    public double Objective(double[][] dTheta, double[] dHypers, double[]?[] dTrainData)
    {
        ExactData<T> set = valid ?? train;
        DataBatch all = set.All;
        Round(State.Theta);
        T[]?[] dataOut = set.NewDataOutputs(set.Rows);
        double[] hyperGradient = new double[hypers.Length];
        double loss = full.GradientFull(at, validHypers, all, dTheta, hyperGradient, dataOut);
        if (validHypersAreHypers)
        {
            for (int h = 0; h < hyperGradient.Length; h++)
            {
                dHypers[h] += hyperGradient[h];
            }
        }

        if (valid is null)
        {
            AddRows(dTrainData, dataOut, default, 1.0 / set.Rows);
        }

        return loss;
    }

    /// <summary>
    /// Runs the T steps backwards from the adjoint <paramref name="dTheta"/> of θ_T, restoring every θ_t and v_t;
    /// accumulates the gradients of every α_t, β_t, θ0 (left in <paramref name="dTheta"/>), v0, hyper and data element.
    /// </summary>
    public void Reverse(double[][] dTheta, double[][] dVelocity, double[,] dAlpha, double[,] dBeta, double[] dHypers, double[]?[] dTrainData)
    {
        T[][] tangent = [.. sizes.Select(n => new T[n])];
        double[][] product = [.. sizes.Select(n => new double[n])];
        double[] hyperProduct = new double[hypers.Length];
        T[]?[] dataOut = train.NewDataOutputs(train.IsFullBatch ? train.Rows : Math.Min(options.BatchSize, train.Rows));
        for (int t = Steps - 1; t >= 0; t--)
        {
            options.CancellationToken.ThrowIfCancellationRequested();
            for (int p = 0; p < sizes.Length; p++)
            {
                long[] v = State.Velocity[p];
                long[] theta = State.Theta[p];
                double a = alpha[t, p];
                double s = 0;
                for (int i = 0; i < v.Length; i++)
                {
                    double vi = FixedPoint.ToDouble(v[i]);
                    s += dTheta[p][i] * vi;
                    State.Add(theta, p, i, -(a * vi), t, "value");
                }

                dAlpha[t, p] = s;
            }

            DataBatch batch = train.Batch(t, out ReadOnlySpan<int> rows);
            Round(State.Theta);
            evaluator.LossAndGradient(at, hypers, batch, gradient);
            if (Hash(gradient) != gradientHashes[t])
            {
                throw new InvalidOperationException($"Step {t}: the gradient recomputed at the restored parameters differs from the forward run's.");
            }

            for (int p = sizes.Length - 1; p >= 0; p--)
            {
                long[] v = State.Velocity[p];
                double keep = 1 - beta[t, p];
                T[] g = gradient[p];
                for (int i = v.Length - 1; i >= 0; i--)
                {
                    State.Add(v, p, i, keep * double.CreateTruncating(g[i]), t, "velocity");
                }

                State.Divide(p, decay[t, p]);
            }

            for (int p = 0; p < sizes.Length; p++)
            {
                long[] v = State.Velocity[p];
                double a = alpha[t, p];
                double keep = 1 - beta[t, p];
                double s = 0;
                for (int i = 0; i < v.Length; i++)
                {
                    double dv = dVelocity[p][i] + (a * dTheta[p][i]);
                    dVelocity[p][i] = dv;
                    s += dv * (FixedPoint.ToDouble(v[i]) + double.CreateTruncating(gradient[p][i]));
                    tangent[p][i] = T.CreateTruncating(keep * dv);
                }

                dBeta[t, p] = s;
            }

            full.HessianVectorFull(at, hypers, batch, tangent, product, hyperProduct, dataOut);
            for (int p = 0; p < sizes.Length; p++)
            {
                double scale = decay[t, p].Value;
                for (int i = 0; i < sizes[p]; i++)
                {
                    dTheta[p][i] -= product[p][i];
                    dVelocity[p][i] *= scale;
                }
            }

            for (int h = 0; h < hyperProduct.Length; h++)
            {
                dHypers[h] -= hyperProduct[h];
            }

            AddRows(dTrainData, dataOut, rows, -1.0 / batch.Rows);
            options.Progress?.Report(new HypergradientProgress(HypergradientPhase.Reverse, Steps - t, Steps));
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        evaluator.Dispose();
        full.Dispose();
        State.Dispose();
    }

    /// <summary>Adds <paramref name="scale"/> times each batch row's derivatives to its source row (the same row when <paramref name="rows"/> is empty: the whole set).</summary>
    private void AddRows(double[]?[] into, T[]?[] batchValues, ReadOnlySpan<int> rows, double scale)
    {
        for (int c = 0; c < into.Length; c++)
        {
            if (into[c] is not double[] target || batchValues[c] is not T[] source)
            {
                continue;
            }

            int w = train.Widths[c];
            int count = rows.IsEmpty ? source.Length / w : rows.Length;
            for (int j = 0; j < count; j++)
            {
                int to = (rows.IsEmpty ? j : rows[j]) * w;
                for (int k = 0; k < w; k++)
                {
                    target[to + k] += scale * double.CreateTruncating(source[(j * w) + k]);
                }
            }
        }
    }

    /// <summary>The exact values rounded to the loss's type, where the model reads them.</summary>
    private void Round(long[][] theta)
    {
        for (int p = 0; p < theta.Length; p++)
        {
            for (int i = 0; i < theta[p].Length; i++)
            {
                at[p][i] = T.CreateTruncating(FixedPoint.ToDouble(theta[p][i]));
            }
        }
    }

    private static ulong Hash(T[][] arrays)
    {
        ulong h = 0xCBF29CE484222325UL;
        foreach (T[] a in arrays)
        {
            foreach (T x in a)
            {
                h = unchecked((h ^ BitConverter.DoubleToUInt64Bits(double.CreateTruncating(x))) * 0x100000001B3UL);
            }
        }

        return h;
    }
}
