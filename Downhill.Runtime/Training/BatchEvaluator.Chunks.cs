using System.Numerics;

namespace Downhill;

/// <summary>The per-chunk partial sums, for data-parallel training that reduces them across ranks in chunk order.</summary>
public sealed partial class BatchEvaluator<T>
{
    /// <summary>The operations <see cref="EvaluateChunks"/> runs.</summary>
    internal enum ChunkMode
    {
        Gradient = BatchEvaluator<T>.Gradient,
        LossOnly = BatchEvaluator<T>.LossOnly,
        HessianVector = BatchEvaluator<T>.HessianVector,
        Monitor = BatchEvaluator<T>.Monitor,
    }

    /// <summary>The chunks a batch of <paramref name="rows"/> rows is cut into (the same whatever holds its rows).</summary>
    internal int ChunksFor(int rows) => Math.Min(rows, MaxChunks);

    /// <summary>
    /// Evaluates chunks [<paramref name="firstChunk"/>, <paramref name="endChunk"/>) of a batch of
    /// <paramref name="batchRows"/> rows whose rows from <paramref name="firstRow"/> on are <paramref name="part"/>,
    /// leaving each chunk's sums in its buffers (read them with <see cref="ChunkGradient"/>, <see cref="ChunkLoss"/>,
    /// <see cref="ChunkMonitors"/>): the same chunks, with the same rows, as one process evaluating the whole batch.
    /// </summary>
    internal void EvaluateChunks(ChunkMode mode, T[][] parameters, T[] hypers, in DataBatch part, T[][]? tangent, int batchRows, int firstChunk, int endChunk, int firstRow)
    {
        if (endChunk <= firstChunk)
        {
            return;
        }

        Start((int)mode, parameters, hypers, part, tangent, null);
        chunks = ChunksFor(batchRows);
        chunkBegin = firstChunk;
        chunkEnd = endChunk;
        globalRows = batchRows;
        rowBase = firstRow;
        pool.Run(chunkWork);
    }

    /// <summary>Chunk <paramref name="chunk"/>'s summed gradient (or Hessian-vector product) of parameter <paramref name="parameter"/>.</summary>
    internal T[] ChunkGradient(int chunk, int parameter) => chunkBuffers[chunk][parameter];

    /// <summary>Chunk <paramref name="chunk"/>'s summed loss.</summary>
    internal double ChunkLoss(int chunk) => chunkLoss[chunk];

    /// <summary>Chunk <paramref name="chunk"/>'s summed monitors.</summary>
    internal double[] ChunkMonitors(int chunk) => chunkMonitors[chunk];
}
