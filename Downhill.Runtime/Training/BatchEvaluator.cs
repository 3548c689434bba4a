using System.Numerics;
using Downhill.Internal;

namespace Downhill;

/// <summary>
/// Evaluates a loss over a batch on the CPU: the batch's rows are cut into a number of chunks that depends only on
/// the batch size and the parameter count (never on the thread count), each chunk sums into its own buffers
/// (allocated once), and chunks are reduced in chunk order, so results are bit-identical whatever the number of
/// threads or their timing. Nothing is allocated per call once warm. The loss, gradient and Hessian-vector
/// product are batch means, or sums with <see cref="Reduction.Sum"/>; monitors are always means.
/// </summary>
/// <typeparam name="T">The loss's element type.</typeparam>
public sealed partial class BatchEvaluator<T> : IDisposable
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private const int Gradient = 0;
    private const int LossOnly = 1;
    private const int HessianVector = 2;
    private const int Monitor = 3;

    private readonly ILossModel<T> model;
    private readonly int[] sizes;
    private readonly WorkerPool pool;
    private readonly T[][][] chunkBuffers;
    private readonly double[] chunkLoss;
    private readonly double[][] chunkMonitors;
    private readonly Action<int> chunkWork;
    private readonly Action<int> reduceWork;
    private readonly int monitorCount;

    private int mode;
    private T[][]? parameters;
    private T[]? hypers;
    private DataBatch batch;
    private T[][]? tangent;
    private T[][]? output;
    private int chunks;
    private int chunkBegin;
    private int chunkEnd;
    private int globalRows;
    private int rowBase;
    private int nextChunk;
    private int nextBlock;

    /// <summary>Creates an evaluator for parameters of the given lengths.</summary>
    /// <param name="model">The loss.</param>
    /// <param name="parameterSizes">Elements of each parameter.</param>
    /// <param name="threads">Threads to use (default: every core); results do not depend on it.</param>
    /// <param name="reduction">How rows combine: the mean (default) or the sum.</param>
    public BatchEvaluator(ILossModel<T> model, IReadOnlyList<int> parameterSizes, int? threads = null, Reduction reduction = Reduction.Mean)
    {
        if (!Enum.IsDefined(reduction))
        {
            throw new ArgumentOutOfRangeException(nameof(reduction), reduction, "Reduction must be Mean or Sum.");
        }

        Reduction = reduction;
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(parameterSizes);
        this.model = model;
        sizes = [.. parameterSizes];
        long total = Math.Max(1, sizes.Sum(n => (long)n));
        long bytes = total * System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        MaxChunks = (int)Math.Clamp((64L << 20) / bytes, 1, 16);
        monitorCount = model.Schema.Monitors.Count;
        pool = new WorkerPool(threads ?? Environment.ProcessorCount);
        chunkBuffers = new T[MaxChunks][][];
        chunkLoss = new double[MaxChunks];
        chunkMonitors = new double[MaxChunks][];
        for (int k = 0; k < MaxChunks; k++)
        {
            chunkBuffers[k] = [.. sizes.Select(n => new T[n])];
            chunkMonitors[k] = new double[monitorCount];
        }

        chunkWork = RunChunks;
        reduceWork = RunReduce;
    }

    /// <summary>The most chunks a batch is cut into (16, fewer for very large parameter sets to bound memory).</summary>
    public int MaxChunks { get; }

    /// <summary>How the rows of a batch combine into the loss, gradient and Hessian-vector product.</summary>
    public Reduction Reduction { get; }

    /// <summary>Threads in use.</summary>
    public int Threads => pool.Workers;

    /// <summary>The mean (or summed) loss over the batch's rows.</summary>
    public double Loss(T[][] parameters, T[] hypers, in DataBatch batch)
    {
        Start(LossOnly, parameters, hypers, batch, null, null);
        pool.Run(chunkWork);
        return ReducedLoss();
    }

    /// <summary>The mean (or summed) loss; writes the matching gradient to <paramref name="gradient"/>.</summary>
    public double LossAndGradient(T[][] parameters, T[] hypers, in DataBatch batch, T[][] gradient)
    {
        Start(Gradient, parameters, hypers, batch, null, gradient);
        pool.Run(chunkWork);
        pool.Run(reduceWork);
        return ReducedLoss();
    }

    /// <summary>The mean (or summed) loss; writes the matching Hessian-vector product H·<paramref name="tangent"/> to <paramref name="product"/>.</summary>
    public double HessianVectorProduct(T[][] parameters, T[] hypers, in DataBatch batch, T[][] tangent, T[][] product)
    {
        Start(HessianVector, parameters, hypers, batch, tangent, product);
        pool.Run(chunkWork);
        pool.Run(reduceWork);
        return ReducedLoss();
    }

    /// <summary>Writes each monitor's mean over the batch's rows to <paramref name="means"/> (schema order).</summary>
    public void Monitors(T[][] parameters, T[] hypers, in DataBatch batch, double[] means)
    {
        ArgumentNullException.ThrowIfNull(means);
        Start(Monitor, parameters, hypers, batch, null, null);
        pool.Run(chunkWork);
        for (int m = 0; m < monitorCount; m++)
        {
            double s = 0;
            for (int k = 0; k < chunks; k++)
            {
                s += chunkMonitors[k][m];
            }

            means[m] = s / batch.Rows;
        }
    }

    /// <inheritdoc/>
    public void Dispose() => pool.Dispose();

    private void Start(int mode, T[][] parameters, T[] hypers, in DataBatch batch, T[][]? tangent, T[][]? output)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(hypers);
        if (batch.Rows <= 0)
        {
            throw new ArgumentException("A batch needs at least one row.", nameof(batch));
        }

        CheckShapes(parameters, nameof(parameters));
        if (tangent is not null)
        {
            CheckShapes(tangent, nameof(tangent));
        }

        if (output is not null)
        {
            CheckShapes(output, nameof(output));
        }

        this.mode = mode;
        this.parameters = parameters;
        this.hypers = hypers;
        this.batch = batch;
        this.tangent = tangent;
        this.output = output;
        chunks = Math.Min(batch.Rows, MaxChunks);
        chunkBegin = 0;
        chunkEnd = chunks;
        globalRows = batch.Rows;
        rowBase = 0;
        nextChunk = -1;
        nextBlock = -1;
    }

    /// <summary>The batch's loss: the chunks' sum, divided by the rows for <see cref="Reduction.Mean"/>.</summary>
    private double ReducedLoss() => Reduction == Reduction.Sum ? SumLoss() : SumLoss() / batch.Rows;

    private double SumLoss()
    {
        double s = 0;
        for (int k = 0; k < chunks; k++)
        {
            s += chunkLoss[k];
        }

        return s;
    }

    private void RunChunks(int worker)
    {
        // The chunks of the whole batch (of globalRows rows); a data-parallel rank holds the rows from rowBase on.
        int rows = globalRows;
        int k;
        while ((k = chunkBegin + Interlocked.Increment(ref nextChunk)) < chunkEnd)
        {
            int start = (int)((long)k * rows / chunks) - rowBase;
            int end = (int)((long)(k + 1) * rows / chunks) - rowBase;
            T[][] buf = chunkBuffers[k];
            switch (mode)
            {
                case LossOnly:
                    chunkLoss[k] = model.SumLoss(parameters!, hypers!, batch, start, end);
                    break;
                case Gradient:
                    Clear(buf);
                    chunkLoss[k] = model.SumGradient(parameters!, hypers!, batch, start, end, buf);
                    break;
                case HessianVector:
                    Clear(buf);
                    chunkLoss[k] = model.SumHessianVector(parameters!, hypers!, batch, start, end, tangent!, buf);
                    break;
                default:
                    Array.Clear(chunkMonitors[k]);
                    model.SumMonitors(parameters!, hypers!, batch, start, end, chunkMonitors[k]);
                    break;
            }
        }
    }

    private const int BlockSize = 1 << 14;

    private void RunReduce(int worker)
    {
        T rows = T.CreateTruncating(batch.Rows);
        T[][] outp = output!;
        int total = 0;
        for (int i = 0; i < outp.Length; i++)
        {
            total += (outp[i].Length + BlockSize - 1) / BlockSize;
        }

        int b;
        while ((b = Interlocked.Increment(ref nextBlock)) < total)
        {
            int i = 0;
            int local = b;
            int count;
            while (local >= (count = (outp[i].Length + BlockSize - 1) / BlockSize))
            {
                local -= count;
                i++;
            }

            int from = local * BlockSize;
            int to = Math.Min(outp[i].Length, from + BlockSize);
            Span<T> dst = outp[i].AsSpan(from, to - from);
            chunkBuffers[0][i].AsSpan(from, to - from).CopyTo(dst);
            for (int k = 1; k < chunks; k++)
            {
                ReadOnlySpan<T> src = chunkBuffers[k][i].AsSpan(from, to - from);
                for (int j = 0; j < dst.Length; j++)
                {
                    dst[j] += src[j];
                }
            }

            if (Reduction == Reduction.Mean)
            {
                for (int j = 0; j < dst.Length; j++)
                {
                    dst[j] /= rows;
                }
            }
        }
    }

    private void CheckShapes(T[][] arrays, string name)
    {
        if (arrays.Length != sizes.Length)
        {
            throw new ArgumentException($"Expected {sizes.Length} arrays (one per parameter), got {arrays.Length}.", name);
        }

        for (int i = 0; i < sizes.Length; i++)
        {
            if (arrays[i].Length != sizes[i])
            {
                throw new ArgumentException($"Array {i} has {arrays[i].Length} elements; parameter {model.Schema.Params[i].Name} has {sizes[i]}.", name);
            }
        }
    }

    private static void Clear(T[][] buffers)
    {
        foreach (T[] b in buffers)
        {
            Array.Clear(b);
        }
    }
}
