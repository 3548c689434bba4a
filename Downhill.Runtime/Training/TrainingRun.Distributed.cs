namespace Downhill;

/// <summary>
/// Data-parallel training (<see cref="TrainingOptions.Communicator"/>): batches are evaluated through a
/// <see cref="DistributedEvaluator{T}"/>, cancellation is agreed by every rank, checkpoints are read by rank 0 and
/// broadcast (so other hosts need no copy), and a failure of this rank outside a collective aborts the others.
/// </summary>
internal sealed partial class TrainingRun<T>
{
    private readonly DistributedEvaluator<T>? distributed;
    private bool aborted;

    /// <summary>Whether a rank failed (this one aborted, or a collective threw), so no more collectives can run.</summary>
    private bool RanksBroken => aborted || distributed?.Broken == true;

    /// <summary>Whether this process shows progress and writes checkpoints: rank 0, or the only process.</summary>
    private bool IsLeader => options.Communicator is null || options.Communicator.Rank == 0;

    /// <summary>Cancellation as every rank sees it: a data-parallel run stops when any rank's token is set.</summary>
    private bool CancelRequested => distributed?.Cancelled ?? options.CancellationToken.IsCancellationRequested;

    /// <summary>Threads for this rank: the option, or this machine's cores shared among the ranks on it.</summary>
    private static int? ThreadsPerRank(TrainingOptions options) =>
        options.Threads ?? (options.Communicator is { LocalSize: > 1 } c ? Math.Max(1, Environment.ProcessorCount / c.LocalSize) : null);

    private DistributedEvaluator<T>? CreateDistributed()
    {
        if (options.Communicator is not ICommunicator comm)
        {
            return null;
        }

        try
        {
            return new DistributedEvaluator<T>(comm, evaluator, [.. parameters.Select(p => p.Length)], options);
        }
        catch
        {
            evaluator.Dispose();
            throw;
        }
    }

    private DataBatch Next(Dataset data) => distributed is null ? data.NextBatch() : distributed.Next(data);

    private double EvalLoss(in DataBatch batch) =>
        distributed is not null ? distributed.Loss(parameters, hypers, batch)
        : onDevice is not null ? onDevice.Loss(parameters, hypers, batch) : evaluator.Loss(parameters, hypers, batch);

    private double EvalGradient(in DataBatch batch) =>
        distributed is not null ? distributed.LossAndGradient(parameters, hypers, batch, gradients)
        : onDevice is not null ? onDevice.LossAndGradient(parameters, hypers, batch, gradients) : evaluator.LossAndGradient(parameters, hypers, batch, gradients);

    private double EvalHessianVector(in DataBatch batch, T[][] tangent, T[][] product) =>
        distributed is not null ? distributed.HessianVectorProduct(parameters, hypers, batch, tangent, product)
        : onDevice is not null ? onDevice.HessianVectorProduct(parameters, hypers, batch, tangent, product) : evaluator.HessianVectorProduct(parameters, hypers, batch, tangent, product);

    private void EvalMonitors(in DataBatch batch, double[] means)
    {
        if (distributed is null)
        {
            evaluator.Monitors(parameters, hypers, batch, means);
        }
        else
        {
            distributed.Monitors(parameters, hypers, batch, means);
        }
    }

    /// <summary>
    /// The checkpoint to resume from, or null when there is none: the file itself for one process; in a
    /// data-parallel run rank 0 reads it and broadcasts its bytes (length −1: none, −2: rank 0 could not read it).
    /// </summary>
    private Stream? ReadCheckpoint(string path)
    {
        if (options.Communicator is not ICommunicator comm)
        {
            return File.Exists(path) ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read) : null;
        }

        byte[] bytes = [];
        long[] length = [-1];
        Exception? error = null;
        if (comm.Rank == 0)
        {
            try
            {
                if (File.Exists(path))
                {
                    bytes = File.ReadAllBytes(path);
                    length[0] = bytes.Length;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                error = e;
                length[0] = -2;
            }
        }

        comm.Broadcast<long>(length, 0);
        if (length[0] == -2)
        {
            throw error ?? new RankFailedException(0, $"Rank 0 could not read the checkpoint '{path}', so rank {comm.Rank} stopped.");
        }

        if (length[0] < 0)
        {
            return null;
        }

        if (comm.Rank != 0)
        {
            bytes = new byte[length[0]];
        }

        comm.Broadcast<byte>(bytes, 0);
        return new MemoryStream(bytes, writable: false);
    }

    /// <summary>An exception filter: a failure of this rank alone (writing a checkpoint, a progress callback) ends the other ranks' waiting.</summary>
    private bool AbortOtherRanks(Exception e)
    {
        if (options.Communicator is { Size: > 1 } comm)
        {
            aborted = true;
            comm.Abort($"{e.GetType().Name}: {e.Message}");
        }

        return false;
    }
}
