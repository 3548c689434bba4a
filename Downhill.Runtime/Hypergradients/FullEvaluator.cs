using System.Numerics;
using Downhill.Internal;

namespace Downhill.Hypergradients;

/// <summary>
/// Batch means of the derivatives that reversing SGD needs beyond the gradient: the full gradient (parameters,
/// [Hyper] arguments, data) and the derivative along a tangent of the full gradient (H·u and the mixed second
/// derivatives). Like <see cref="BatchEvaluator{T}"/>, a batch is cut into a number of chunks that depends only on
/// its size, each chunk sums into its own buffers and chunks are reduced in chunk order, so results do not depend
/// on the thread count. Data outputs need no reduction: each row writes only its own elements.
/// </summary>
/// <typeparam name="T">The loss's element type.</typeparam>
internal sealed class FullEvaluator<T> : IDisposable
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private const int MaxChunks = 16;
    private readonly ILossModel<T> model;
    private readonly WorkerPool pool;
    private readonly T[][][] chunkParams;
    private readonly T[][] chunkHypers;
    private readonly double[] chunkLoss = new double[MaxChunks];
    private readonly Action<int> work;
    private bool hessian;
    private T[][]? parameters;
    private T[]? hypers;
    private DataBatch batch;
    private T[][]? tangent;
    private T[]?[]? dataOut;
    private int chunks;
    private int next;

    /// <summary>An evaluator for parameters of the given sizes.</summary>
    public FullEvaluator(ILossModel<T> model, IReadOnlyList<int> sizes, int hyperCount, int threads)
    {
        this.model = model;
        pool = new WorkerPool(threads);
        chunkParams = new T[MaxChunks][][];
        chunkHypers = new T[MaxChunks][];
        for (int k = 0; k < MaxChunks; k++)
        {
            chunkParams[k] = [.. sizes.Select(n => new T[n])];
            chunkHypers[k] = new T[hyperCount];
        }

        work = Run;
    }

    /// <summary>The mean loss; writes the mean gradients (parameters, hypers) and fills <paramref name="dataOut"/> (laid out like the batch's columns) with each row's data gradient, not divided by the rows.</summary>
    public double GradientFull(T[][] parameters, T[] hypers, in DataBatch batch, double[][] gradient, double[] hyperGradient, T[]?[] dataOut) =>
        Evaluate(false, parameters, hypers, batch, null, dataOut, gradient, hyperGradient);

    /// <summary>The mean loss; writes the mean of H·<paramref name="tangent"/> and of the mixed second derivatives for hypers; fills <paramref name="dataOut"/> with each row's mixed derivatives, not divided by the rows.</summary>
    public double HessianVectorFull(T[][] parameters, T[] hypers, in DataBatch batch, T[][] tangent, double[][] product, double[] hyperProduct, T[]?[] dataOut) =>
        Evaluate(true, parameters, hypers, batch, tangent, dataOut, product, hyperProduct);

    /// <inheritdoc/>
    public void Dispose() => pool.Dispose();

    private double Evaluate(bool hessian, T[][] parameters, T[] hypers, in DataBatch batch, T[][]? tangent, T[]?[] dataOut, double[][] output, double[] hyperOutput)
    {
        foreach (T[]? d in dataOut)
        {
            if (d is not null)
            {
                Array.Clear(d);
            }
        }

        this.hessian = hessian;
        this.parameters = parameters;
        this.hypers = hypers;
        this.batch = batch;
        this.tangent = tangent;
        this.dataOut = dataOut;
        chunks = Math.Min(batch.Rows, MaxChunks);
        next = -1;
        pool.Run(work);
        double rows = batch.Rows;
        double loss = 0;
        for (int k = 0; k < chunks; k++)
        {
            loss += chunkLoss[k];
        }

        for (int p = 0; p < output.Length; p++)
        {
            double[] o = output[p];
            for (int i = 0; i < o.Length; i++)
            {
                double s = 0;
                for (int k = 0; k < chunks; k++)
                {
                    s += double.CreateTruncating(chunkParams[k][p][i]);
                }

                o[i] = s / rows;
            }
        }

        for (int h = 0; h < hyperOutput.Length; h++)
        {
            double s = 0;
            for (int k = 0; k < chunks; k++)
            {
                s += double.CreateTruncating(chunkHypers[k][h]);
            }

            hyperOutput[h] = s / rows;
        }

        this.parameters = null;
        this.tangent = null;
        this.dataOut = null;
        return loss / rows;
    }

    private void Run(int worker)
    {
        int rows = batch.Rows;
        int k;
        while ((k = Interlocked.Increment(ref next)) < chunks)
        {
            int start = (int)((long)k * rows / chunks);
            int end = (int)((long)(k + 1) * rows / chunks);
            foreach (T[] b in chunkParams[k])
            {
                Array.Clear(b);
            }

            Array.Clear(chunkHypers[k]);
            chunkLoss[k] = hessian
                ? model.SumHessianVectorFull(parameters!, hypers!, batch, start, end, tangent!, chunkParams[k], chunkHypers[k], dataOut!)
                : model.SumGradientFull(parameters!, hypers!, batch, start, end, chunkParams[k], chunkHypers[k], dataOut!);
        }
    }
}
