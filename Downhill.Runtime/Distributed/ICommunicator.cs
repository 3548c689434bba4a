namespace Downhill;

/// <summary>
/// The processes (ranks) that train one model together, and the collective operations data-parallel training needs
/// (the MPI subset of Horovod and PyTorch's DDP: allreduce, allgather, broadcast, barrier, and point-to-point
/// messages). Every rank calls the same collectives in the same order; element types are <see cref="double"/>,
/// <see cref="float"/>, <see cref="int"/>, <see cref="long"/> and <see cref="byte"/>.
/// Implementations: <see cref="SingleRankCommunicator"/> (one process, no MPI), <see cref="InProcessCommunicator"/>
/// (ranks as threads of one process, for tests) and <c>Downhill.Mpi.MpiCommunicator</c> (Open MPI).
/// </summary>
public interface ICommunicator
{
    /// <summary>This process's index, 0 to <see cref="Size"/> − 1.</summary>
    int Rank { get; }

    /// <summary>The number of ranks.</summary>
    int Size { get; }

    /// <summary>The number of ranks on this machine, which share its cores (training then uses its share of them).</summary>
    int LocalSize { get; }

    /// <summary>Replaces <paramref name="values"/> on every rank by the element-wise sum over the ranks (the order of the additions is the implementation's).</summary>
    void AllReduceSum<T>(Span<T> values)
        where T : unmanaged;

    /// <summary>Writes every rank's <paramref name="send"/> into <paramref name="receive"/>, rank after rank (so <paramref name="receive"/> holds <see cref="Size"/> × <c>send.Length</c> elements).</summary>
    void AllGather<T>(ReadOnlySpan<T> send, Span<T> receive)
        where T : unmanaged;

    /// <summary>Copies <paramref name="values"/> of rank <paramref name="root"/> to every other rank.</summary>
    void Broadcast<T>(Span<T> values, int root)
        where T : unmanaged;

    /// <summary>Sends <paramref name="values"/> to rank <paramref name="destination"/>, which receives them with <see cref="Receive{T}"/>.</summary>
    void Send<T>(ReadOnlySpan<T> values, int destination)
        where T : unmanaged;

    /// <summary>Receives exactly <c>values.Length</c> elements that rank <paramref name="source"/> sent with <see cref="Send{T}"/>.</summary>
    void Receive<T>(Span<T> values, int source)
        where T : unmanaged;

    /// <summary>Returns when every rank has called it.</summary>
    void Barrier();

    /// <summary>
    /// Ends the collective work of every rank because this one failed outside a collective: the other ranks stop with
    /// an error that names this rank and <paramref name="message"/> instead of waiting for it. MPI ends the whole job
    /// (<c>MPI_Abort</c>) after writing the message; in-process communicators return and let the caller throw.
    /// </summary>
    void Abort(string message);
}
