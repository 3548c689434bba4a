using System.Numerics;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Downhill;

/// <summary>
/// Data-parallel batch evaluation: a global batch is cut into the chunks one process would cut it into
/// (<see cref="BatchEvaluator{T}.ChunksFor"/>, a function of the batch's rows and the parameter count only), rank r
/// of P evaluates the contiguous chunks [r·C/P, (r+1)·C/P), so it holds (and a streaming data set reads) only those
/// rows, and the chunk sums are combined in chunk order, the order of <see cref="BatchEvaluator{T}"/>.
/// Ordered combination (the default) is a pipelined chain: rank 0 folds its chunks, passes the running sum to rank 1, which
/// folds its chunks into it, and so on; the last rank divides (for the mean) and broadcasts. Every rank so sees the
/// very sums one process computes, bit for bit, whatever the rank count. Bucketed combination
/// (<see cref="TrainingOptions.BucketedAllreduce"/>) sums each rank's chunks locally and allreduces the sums in buckets
/// (as PyTorch's DDP, Li et al. 2020, "PyTorch Distributed", VLDB): fewer bytes on the slowest link, and bits that
/// depend on the rank count. Every combination also carries each rank's status, so a rank whose evaluation threw
/// makes every rank throw (the failed rank its own exception, the others a <see cref="RankFailedException"/> naming it), and a
/// cancellation on any rank cancels all.
/// </summary>
internal sealed class DistributedEvaluator<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    // Chain message: int failed rank + 1 (0: none), int cancel, int has-value, int unused, double loss, then the sums.
    private const int HeaderBytes = 24;

    private readonly ICommunicator comm;
    private readonly BatchEvaluator<T> local;
    private readonly int[] sizes;
    private readonly Reduction reduction;
    private readonly bool bucketed;
    private readonly int bucketElements;
    private readonly CancellationToken token;
    private readonly Func<int, (int From, int Count)> share;
    private readonly byte[] message;
    private readonly double[] status;
    private readonly double[] statusAll;
    private double[] table = [];
    private double[] tableAll = [];

    private int batchRows;
    private int firstChunk;
    private int endChunk;
    private int firstRow;

    public DistributedEvaluator(ICommunicator comm, BatchEvaluator<T> local, IReadOnlyList<int> parameterSizes, TrainingOptions options)
    {
        if (options.AllreduceBucketBytes < 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(options.AllreduceBucketBytes), options.AllreduceBucketBytes, "AllreduceBucketBytes must be at least 1024.");
        }

        if (comm.Size < 1 || (uint)comm.Rank >= (uint)comm.Size)
        {
            throw new ArgumentException($"The communicator reports rank {comm.Rank} of {comm.Size} ranks.", nameof(options.Communicator));
        }

        this.comm = comm;
        this.local = local;
        sizes = [.. parameterSizes];
        reduction = options.Reduction;
        bucketed = options.BucketedAllreduce;
        bucketElements = Math.Max(1, options.AllreduceBucketBytes / Marshal.SizeOf<T>());
        token = options.CancellationToken;
        long total = sizes.Sum(n => (long)n);
        message = new byte[checked(HeaderBytes + (int)(total * Marshal.SizeOf<T>()))];
        status = new double[3];
        statusAll = new double[3 * comm.Size];
        share = Share;
    }

    /// <summary>Whether a combination threw (a rank failed, or the communicator did): the ranks can do no more together.</summary>
    public bool Broken { get; private set; }

    /// <summary>Whether some rank's cancellation token was set by the last combination.</summary>
    public bool Cancelled { get; private set; }

    /// <summary>This rank's share of the next batch of <paramref name="data"/>.</summary>
    public DataBatch Next(Dataset data) => data.NextShare(share, out _);

    public double Loss(T[][] parameters, T[] hypers, in DataBatch part)
    {
        try
        {
            return LossOf(parameters, hypers, part);
        }
        catch (Exception) when (MarkBroken())
        {
            throw;
        }
    }

    public void Monitors(T[][] parameters, T[] hypers, in DataBatch part, double[] means)
    {
        try
        {
            MonitorsOf(parameters, hypers, part, means);
        }
        catch (Exception) when (MarkBroken())
        {
            throw;
        }
    }

    public double LossAndGradient(T[][] parameters, T[] hypers, in DataBatch part, T[][] gradient)
    {
        try
        {
            return Combine(Run(BatchEvaluator<T>.ChunkMode.Gradient, parameters, hypers, part, null), gradient);
        }
        catch (Exception) when (MarkBroken())
        {
            throw;
        }
    }

    public double HessianVectorProduct(T[][] parameters, T[] hypers, in DataBatch part, T[][] tangent, T[][] product)
    {
        try
        {
            return Combine(Run(BatchEvaluator<T>.ChunkMode.HessianVector, parameters, hypers, part, tangent), product);
        }
        catch (Exception) when (MarkBroken())
        {
            throw;
        }
    }

    private bool MarkBroken()
    {
        Broken = true;
        return false;
    }

    private double LossOf(T[][] parameters, T[] hypers, in DataBatch part)
    {
        Exception? error = Run(BatchEvaluator<T>.ChunkMode.LossOnly, parameters, hypers, part, null);
        Table(1, error, monitors: false);
        double s = SumColumn(1, 0);
        return reduction == Reduction.Sum ? s : s / batchRows;
    }

    private void MonitorsOf(T[][] parameters, T[] hypers, in DataBatch part, double[] means)
    {
        int m = means.Length;
        Exception? error = Run(BatchEvaluator<T>.ChunkMode.Monitor, parameters, hypers, part, null);
        Table(m, error, monitors: true);
        for (int j = 0; j < m; j++)
        {
            means[j] = SumColumn(m, j) / batchRows;
        }
    }

    private (int From, int Count) Share(int rows)
    {
        batchRows = rows;
        (firstChunk, endChunk) = Chunks(comm.Rank, local.ChunksFor(rows));
        firstRow = (int)((long)firstChunk * rows / local.ChunksFor(rows));
        int end = (int)((long)endChunk * rows / local.ChunksFor(rows));
        return (firstRow, end - firstRow);
    }

    private (int First, int End) Chunks(int rank, int chunks) =>
        ((int)((long)rank * chunks / comm.Size), (int)((long)(rank + 1) * chunks / comm.Size));

    private Exception? Run(BatchEvaluator<T>.ChunkMode mode, T[][] parameters, T[] hypers, in DataBatch part, T[][]? tangent)
    {
        try
        {
            local.EvaluateChunks(mode, parameters, hypers, part, tangent, batchRows, firstChunk, endChunk, firstRow);
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }

    /// <summary>Column <paramref name="column"/> of the gathered tables summed in chunk order from 0, as one process sums its chunks.</summary>
    private double SumColumn(int width, int column)
    {
        int chunks = local.ChunksFor(batchRows);
        int stride = table.Length;
        double s = 0;
        for (int q = 0; q < comm.Size; q++)
        {
            (int first, int end) = Chunks(q, chunks);
            for (int k = first; k < end; k++)
            {
                s += tableAll[(q * stride) + (k * width) + column];
            }
        }

        return s;
    }

    /// <summary>Allgathers a table of <paramref name="width"/> values per chunk (its loss or its monitors, plus this rank's status) from every rank.</summary>
    private void Table(int width, Exception? error, bool monitors)
    {
        int stride = (local.MaxChunks * width) + 2;
        if (table.Length != stride)
        {
            table = new double[stride];
            tableAll = new double[stride * comm.Size];
        }

        Array.Clear(table);
        if (error is null)
        {
            for (int k = firstChunk; k < endChunk; k++)
            {
                if (monitors)
                {
                    local.ChunkMonitors(k).AsSpan().CopyTo(table.AsSpan(k * width, width));
                }
                else
                {
                    table[k] = local.ChunkLoss(k);
                }
            }
        }

        table[stride - 2] = error is null ? 0 : 1;
        table[stride - 1] = token.IsCancellationRequested ? 1 : 0;
        comm.AllGather<double>(table, tableAll);
        int failed = -1;
        for (int q = comm.Size - 1; q >= 0; q--)
        {
            failed = tableAll[(q * stride) + stride - 2] != 0 ? q : failed;
            Cancelled |= tableAll[(q * stride) + stride - 1] != 0;
        }

        ThrowIfFailed(failed, error);
    }

    private double Combine(Exception? error, T[][] output)
    {
        double loss = bucketed ? CombineBucketed(error) : CombineOrdered(error);
        Span<T> sums = Sums();
        int offset = 0;
        for (int i = 0; i < output.Length; i++)
        {
            sums.Slice(offset, output[i].Length).CopyTo(output[i]);
            offset += output[i].Length;
        }

        return loss;
    }

    private Span<int> Header => MemoryMarshal.Cast<byte, int>(message.AsSpan(0, 16));

    private ref double HeaderLoss => ref MemoryMarshal.Cast<byte, double>(message.AsSpan(16, 8))[0];

    private Span<T> Sums() => MemoryMarshal.Cast<byte, T>(message.AsSpan(HeaderBytes));

    /// <summary>
    /// The chain, pipelined: the header (status, loss, whether a running sum exists) goes first, then the running
    /// sum in segments of <see cref="TrainingOptions.AllreduceBucketBytes"/>, each folded and passed on as it
    /// arrives, so P ranks take about one transfer of the sums plus P − 1 segments, not P − 1 whole transfers.
    /// </summary>
    private double CombineOrdered(Exception? error)
    {
        int rank = comm.Rank;
        int last = comm.Size - 1;
        Span<byte> head = message.AsSpan(0, HeaderBytes);
        if (rank == 0)
        {
            head.Clear();
        }
        else
        {
            comm.Receive(head, rank - 1);
        }

        Span<int> header = Header;
        bool upstream = header[2] != 0;
        bool receive = rank > 0 && header[0] == 0 && upstream;
        if (error is not null && header[0] == 0)
        {
            header[0] = rank + 1;
        }

        header[1] |= token.IsCancellationRequested ? 1 : 0;
        bool fold = header[0] == 0;
        if (fold)
        {
            double loss = HeaderLoss;
            for (int k = firstChunk; k < endChunk; k++)
            {
                loss += local.ChunkLoss(k);
            }

            HeaderLoss = loss;
            header[2] = upstream || endChunk > firstChunk ? 1 : 0;
        }

        bool send = rank < last && fold && header[2] != 0;
        if (rank < last)
        {
            comm.Send<byte>(head, rank + 1);
        }

        // A rank that failed still drains what its upstream sends, so that no send waits for ever.
        Span<T> sums = Sums();
        for (int from = 0; (receive || fold || send) && from < sums.Length; from += bucketElements)
        {
            int to = Math.Min(sums.Length, from + bucketElements);
            if (receive)
            {
                comm.Receive(sums[from..to], rank - 1);
            }

            if (fold)
            {
                FoldRange(from, to, upstream);
            }

            if (send)
            {
                comm.Send<T>(sums[from..to], rank + 1);
            }
        }

        if (rank == last && fold)
        {
            HeaderLoss = Finish(HeaderLoss);
        }

        comm.Broadcast<byte>(message, last);
        header = Header;
        Cancelled |= header[1] != 0;
        ThrowIfFailed(header[0] - 1, error);
        return HeaderLoss;
    }

    /// <summary>
    /// Folds this rank's chunks, in chunk order, into elements [<paramref name="from"/>, <paramref name="to"/>) of
    /// the running sums (the flattened parameters); without an <paramref name="upstream"/> sum the first chunk is copied.
    /// </summary>
    private void FoldRange(int from, int to, bool upstream)
    {
        Span<T> sums = Sums();
        for (int k = firstChunk; k < endChunk; k++)
        {
            bool copy = !upstream && k == firstChunk;
            int offset = 0;
            for (int i = 0; i < sizes.Length; i++)
            {
                int lo = Math.Max(from, offset);
                int hi = Math.Min(to, offset + sizes[i]);
                if (lo < hi)
                {
                    Span<T> dst = sums[lo..hi];
                    ReadOnlySpan<T> src = local.ChunkGradient(k, i).AsSpan(lo - offset, hi - lo);
                    if (copy)
                    {
                        src.CopyTo(dst);
                    }
                    else
                    {
                        VectorMath.AddInto(dst, src);
                    }
                }

                offset += sizes[i];
            }
        }
    }

    private double CombineBucketed(Exception? error)
    {
        double loss = 0;
        bool hasValue = false;
        if (error is null)
        {
            Fold(ref loss, ref hasValue);
        }

        if (!hasValue)
        {
            Sums().Clear();
        }

        status[0] = error is null ? 0 : 1;
        status[1] = token.IsCancellationRequested ? 1 : 0;
        status[2] = loss;
        comm.AllGather<double>(status, statusAll);
        int failed = -1;
        loss = 0;
        for (int q = 0; q < comm.Size; q++)
        {
            failed = failed < 0 && statusAll[3 * q] != 0 ? q : failed;
            Cancelled |= statusAll[(3 * q) + 1] != 0;
            loss += statusAll[(3 * q) + 2];
        }

        ThrowIfFailed(failed, error);
        Span<T> sums = Sums();
        for (int from = 0; from < sums.Length; from += bucketElements)
        {
            comm.AllReduceSum(sums.Slice(from, Math.Min(bucketElements, sums.Length - from)));
        }

        return Finish(loss);
    }

    /// <summary>Folds this rank's chunks, in order, into the running sums: the first chunk of all is copied, the others added.</summary>
    private void Fold(ref double loss, ref bool hasValue)
    {
        Span<T> sums = Sums();
        for (int k = firstChunk; k < endChunk; k++)
        {
            loss += local.ChunkLoss(k);
            int offset = 0;
            for (int i = 0; i < sizes.Length; i++)
            {
                Span<T> dst = sums.Slice(offset, sizes[i]);
                T[] src = local.ChunkGradient(k, i);
                if (hasValue)
                {
                    VectorMath.AddInto(dst, src);
                }
                else
                {
                    src.CopyTo(dst);
                }

                offset += sizes[i];
            }

            hasValue = true;
        }
    }

    /// <summary>The mean's division, as <see cref="BatchEvaluator{T}"/> makes it (per element, then the loss).</summary>
    private double Finish(double loss)
    {
        if (reduction == Reduction.Sum)
        {
            return loss;
        }

        VectorMath.DivideBy(Sums(), T.CreateTruncating(batchRows));
        return loss / batchRows;
    }

    /// <summary>When rank <paramref name="failed"/> (−1: none) failed, it sends its error's text to all and every rank throws.</summary>
    private void ThrowIfFailed(int failed, Exception? error)
    {
        if (failed < 0)
        {
            return;
        }

        byte[] text = comm.Rank == failed ? Encoding.UTF8.GetBytes($"{error!.GetType().Name}: {error.Message}") : [];
        int[] length = [text.Length];
        comm.Broadcast<int>(length, failed);
        if (comm.Rank != failed)
        {
            text = new byte[length[0]];
        }

        comm.Broadcast<byte>(text, failed);
        if (comm.Rank == failed)
        {
            ExceptionDispatchInfo.Throw(error!);
        }

        throw new RankFailedException(failed, $"Rank {failed} of {comm.Size} failed evaluating its share of a batch, so rank {comm.Rank} stopped: {Encoding.UTF8.GetString(text)}");
    }
}

/// <summary>Element-wise IEEE operations, vectorized (each element gets exactly the scalar operation's result).</summary>
internal static class VectorMath
{
    public static void AddInto<T>(Span<T> dst, ReadOnlySpan<T> src)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int j = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            Span<Vector<T>> d = MemoryMarshal.Cast<T, Vector<T>>(dst);
            ReadOnlySpan<Vector<T>> s = MemoryMarshal.Cast<T, Vector<T>>(src[..dst.Length]);
            for (int v = 0; v < d.Length; v++)
            {
                d[v] += s[v];
            }

            j = d.Length * Vector<T>.Count;
        }

        for (; j < dst.Length; j++)
        {
            dst[j] += src[j];
        }
    }

    public static void DivideBy<T>(Span<T> dst, T divisor)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int j = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            Span<Vector<T>> d = MemoryMarshal.Cast<T, Vector<T>>(dst);
            var by = new Vector<T>(divisor);
            for (int v = 0; v < d.Length; v++)
            {
                d[v] /= by;
            }

            j = d.Length * Vector<T>.Count;
        }

        for (; j < dst.Length; j++)
        {
            dst[j] /= divisor;
        }
    }
}
