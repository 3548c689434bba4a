using System.Numerics;
using Downhill.Kernels;

namespace Downhill.Benchmarks.Batched;

/// <summary>
/// The MLP 784 → 64 (tanh) → 10 with softmax cross-entropy, loss and gradient of a whole batch written by hand
/// on the runtime's matrix-product kernels: what a generated batched path should approach. Forward
/// H = tanh(X·W1ᵀ + b1), Z = H·W2ᵀ + b2; backward dZ = (softmax(Z) − onehot)/B, dW2 = dZᵀ·H,
/// dH = (dZ·W2) ⊙ (1 − H²), dW1 = dHᵀ·X; the batch mean, like <see cref="BatchEvaluator{T}"/>.
/// </summary>
internal sealed class HandMlp<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private const int I = Losses.Inputs, J = Losses.Hidden, K = Losses.Classes;
    private readonly T[] h, z, dz, dh;

    /// <summary>Buffers for batches of up to <paramref name="maxBatch"/> examples.</summary>
    public HandMlp(int maxBatch)
    {
        h = new T[maxBatch * J];
        z = new T[maxBatch * K];
        dz = new T[maxBatch * K];
        dh = new T[maxBatch * J];
    }

    /// <summary>The mean loss over the first <paramref name="batch"/> rows of <paramref name="x"/>; writes the mean gradient.</summary>
    public double LossAndGradient(T[][] p, T[] x, int[] labels, int batch, T[][] g, int threads)
    {
        T[] w1 = p[0], b1 = p[1], w2 = p[2], b2 = p[3];
        Span<T> hs = h.AsSpan(0, batch * J), zs = z.AsSpan(0, batch * K), dzs = dz.AsSpan(0, batch * K), dhs = dh.AsSpan(0, batch * J);
        for (int e = 0; e < batch; e++)
        {
            b1.CopyTo(hs.Slice(e * J, J));
            b2.CopyTo(zs.Slice(e * K, K));
        }

        ReadOnlySpan<T> xs = x.AsSpan(0, batch * I);
        MatrixProducts.MatrixTimesBatch<T>(w1, J, I, xs, batch, hs, accumulate: true, threads);
        for (int i = 0; i < hs.Length; i++)
        {
            hs[i] = T.Tanh(hs[i]);
        }

        MatrixProducts.MatrixTimesBatch<T>(w2, K, J, hs, batch, zs, accumulate: true, threads);
        double loss = 0;
        T scale = T.One / T.CreateTruncating(batch);
        for (int e = 0; e < batch; e++)
        {
            Span<T> ze = zs.Slice(e * K, K), de = dzs.Slice(e * K, K);
            T max = ze[0];
            for (int k = 1; k < K; k++)
            {
                max = T.Max(max, ze[k]);
            }

            T sum = T.Zero;
            for (int k = 0; k < K; k++)
            {
                de[k] = T.Exp(ze[k] - max);
                sum += de[k];
            }

            loss += double.CreateTruncating(max + T.Log(sum) - ze[labels[e]]);
            T inv = scale / sum;
            for (int k = 0; k < K; k++)
            {
                de[k] *= inv;
            }

            de[labels[e]] -= scale;
        }

        foreach (T[] gi in g)
        {
            Array.Clear(gi);
        }

        MatrixProducts.AccumulateOuterProducts<T>(dzs, hs, batch, K, J, g[2], threads);
        MatrixProducts.BatchTimesMatrix<T>(dzs, w2, batch, K, J, dhs, accumulate: false, threads);
        for (int i = 0; i < dhs.Length; i++)
        {
            dhs[i] *= T.One - (hs[i] * hs[i]);
        }

        MatrixProducts.AccumulateOuterProducts<T>(dhs, xs, batch, J, I, g[0], threads);
        ColumnSums(dhs, batch, J, g[1]);
        ColumnSums(dzs, batch, K, g[3]);
        return loss / batch;
    }

    private static void ColumnSums(ReadOnlySpan<T> m, int rows, int cols, Span<T> sums)
    {
        for (int e = 0; e < rows; e++)
        {
            ReadOnlySpan<T> row = m.Slice(e * cols, cols);
            for (int c = 0; c < cols; c++)
            {
                sums[c] += row[c];
            }
        }
    }
}
