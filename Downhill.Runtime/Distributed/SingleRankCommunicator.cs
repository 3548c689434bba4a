namespace Downhill;

/// <summary>
/// One rank in one process, without MPI: every collective is a copy or nothing. Training with it takes the
/// data-parallel code path and gives the same bits as training without a communicator.
/// </summary>
public sealed class SingleRankCommunicator : ICommunicator
{
    /// <summary>The one instance.</summary>
    public static SingleRankCommunicator Instance { get; } = new();

    private SingleRankCommunicator()
    {
    }

    /// <inheritdoc/>
    public int Rank => 0;

    /// <inheritdoc/>
    public int Size => 1;

    /// <inheritdoc/>
    public int LocalSize => 1;

    /// <inheritdoc/>
    public void AllReduceSum<T>(Span<T> values)
        where T : unmanaged => CommunicatorChecks.ElementType<T>();

    /// <inheritdoc/>
    public void AllGather<T>(ReadOnlySpan<T> send, Span<T> receive)
        where T : unmanaged
    {
        CommunicatorChecks.ElementType<T>();
        CommunicatorChecks.GatherLength(send.Length, receive.Length, 1);
        send.CopyTo(receive);
    }

    /// <inheritdoc/>
    public void Broadcast<T>(Span<T> values, int root)
        where T : unmanaged
    {
        CommunicatorChecks.ElementType<T>();
        CommunicatorChecks.Rank(root, 1, nameof(root));
    }

    /// <inheritdoc/>
    public void Send<T>(ReadOnlySpan<T> values, int destination)
        where T : unmanaged => throw new InvalidOperationException("A single-rank communicator has no other rank to send to.");

    /// <inheritdoc/>
    public void Receive<T>(Span<T> values, int source)
        where T : unmanaged => throw new InvalidOperationException("A single-rank communicator has no other rank to receive from.");

    /// <inheritdoc/>
    public void Barrier()
    {
    }

    /// <inheritdoc/>
    public void Abort(string message)
    {
    }
}

/// <summary>Argument checks every communicator makes, with the same messages.</summary>
public static class CommunicatorChecks
{
    /// <summary>Throws unless <typeparamref name="T"/> is double, float, int, long or byte.</summary>
    public static void ElementType<T>()
        where T : unmanaged
    {
        if (typeof(T) != typeof(double) && typeof(T) != typeof(float) && typeof(T) != typeof(int) && typeof(T) != typeof(long) && typeof(T) != typeof(byte))
        {
            throw new NotSupportedException($"Communicators carry double, float, int, long and byte elements, not {typeof(T).Name}.");
        }
    }

    /// <summary>Throws unless <paramref name="rank"/> is a rank of a world of <paramref name="size"/>.</summary>
    public static void Rank(int rank, int size, string name)
    {
        if ((uint)rank >= (uint)size)
        {
            throw new ArgumentOutOfRangeException(name, rank, $"Rank {rank} does not exist: the ranks are 0 to {size - 1}.");
        }
    }

    /// <summary>Throws unless an allgather's receive buffer holds <paramref name="size"/> send buffers.</summary>
    public static void GatherLength(int send, int receive, int size)
    {
        if ((long)send * size != receive)
        {
            throw new ArgumentException($"An allgather of {send} elements from each of {size} ranks needs a receive buffer of {(long)send * size} elements, not {receive}.", nameof(receive));
        }
    }
}
