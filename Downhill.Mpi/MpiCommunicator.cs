using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Downhill.Mpi;

/// <summary>
/// <c>MPI_COMM_WORLD</c> of Open MPI as an <see cref="ICommunicator"/>: every process that <c>mpirun</c> started.
/// MPI is initialized on the first use of <see cref="World"/> (<c>MPI_THREAD_SERIALIZED</c>) and finalized when the
/// process exits. Errors return (<c>MPI_ERRORS_RETURN</c>) and become <see cref="MpiException"/>s; every collective
/// is nonblocking and polled, so a rank that stops answering ends the wait after <see cref="Timeout"/> with a
/// <see cref="RankFailedException"/> instead of a hang. An unhandled exception on any rank, or <see cref="Abort"/>,
/// writes the rank and the error to standard error and ends the whole job (<c>MPI_Abort</c>); a rank that dies is
/// reported by <c>mpirun</c>, which ends the others.
/// </summary>
public sealed unsafe class MpiCommunicator : ICommunicator
{
    /// <summary>Elements per MPI call (MPI counts are <c>int</c>); longer buffers go in pieces.</summary>
    private const int MaxCount = 1 << 30;

    private static readonly Lazy<MpiCommunicator> world = new(() => new MpiCommunicator(), LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly MpiHandles handles;
    private readonly object gate = new();
    private bool aborting;

    private MpiCommunicator()
    {
        LauncherCheck.BeforeInit();
        handles = MpiHandles.Load();
        int flag;
        Check(MpiNative.Initialized(&flag), "MPI_Initialized");
        if (flag == 0)
        {
            int provided;
            Check(MpiNative.InitThread(0, 0, MpiNative.ThreadSerialized, &provided), "MPI_Init_thread");
            if (provided < MpiNative.ThreadSerialized)
            {
                throw new MpiException($"Open MPI provides thread level {provided}; Downhill.Mpi needs MPI_THREAD_SERIALIZED ({MpiNative.ThreadSerialized}).");
            }

            AppDomain.CurrentDomain.ProcessExit += (_, _) => FinalizeAtExit();
        }

        Check(MpiNative.CommSetErrhandler(handles.CommWorld, handles.ErrorsReturn), "MPI_Comm_set_errhandler");
        int rank, size;
        Check(MpiNative.CommRank(handles.CommWorld, &rank), "MPI_Comm_rank");
        Check(MpiNative.CommSize(handles.CommWorld, &size), "MPI_Comm_size");
        Rank = rank;
        Size = size;
        LauncherCheck.AfterInit(size);
        LocalSize = int.TryParse(Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_LOCAL_SIZE"), NumberStyles.None, CultureInfo.InvariantCulture, out int local) && local > 0 ? local : 1;
        AppDomain.CurrentDomain.UnhandledException += (_, e) => Abort($"unhandled {e.ExceptionObject}");
    }

    /// <summary>Every process of the job (<c>MPI_COMM_WORLD</c>); initializes MPI on first use.</summary>
    /// <exception cref="MpiException">Open MPI is missing, initialization failed, or the launcher is not Open MPI's <c>mpirun</c> (its world size differs from MPI's).</exception>
    public static MpiCommunicator World => world.Value;

    /// <inheritdoc/>
    public int Rank { get; }

    /// <inheritdoc/>
    public int Size { get; }

    /// <inheritdoc/>
    public int LocalSize { get; }

    /// <summary>How long one operation waits for the other ranks before it throws (default 10 minutes).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Whether an operation timed out: the ranks are out of step, and the process ends with <c>MPI_Abort</c>, not <c>MPI_Finalize</c>.</summary>
    public bool Broken { get; private set; }

    /// <inheritdoc/>
    public void AllReduceSum<T>(Span<T> values)
        where T : unmanaged
    {
        nint type = handles.TypeOf<T>();
        for (int from = 0; from < values.Length; from += MaxCount)
        {
            Span<T> piece = values.Slice(from, Math.Min(MaxCount, values.Length - from));
            fixed (T* p = piece)
            {
                lock (gate)
                {
                    Ready("MPI_Iallreduce");
                    nint request;
                    Check(MpiNative.Iallreduce((void*)1, p, piece.Length, type, handles.Sum, handles.CommWorld, &request), "MPI_Iallreduce");
                    Wait(&request, "MPI_Iallreduce");
                }
            }
        }
    }

    /// <inheritdoc/>
    public void AllGather<T>(ReadOnlySpan<T> send, Span<T> receive)
        where T : unmanaged
    {
        nint type = handles.TypeOf<T>();
        CommunicatorChecks.GatherLength(send.Length, receive.Length, Size);
        fixed (T* s = send)
        fixed (T* d = receive)
        {
            int n = send.Length;
            lock (gate)
            {
                Ready("MPI_Iallgather");
                nint request;
                Check(MpiNative.Iallgather(s, n, type, d, n, type, handles.CommWorld, &request), "MPI_Iallgather");
                Wait(&request, "MPI_Iallgather");
            }
        }
    }

    /// <inheritdoc/>
    public void Broadcast<T>(Span<T> values, int root)
        where T : unmanaged
    {
        nint type = handles.TypeOf<T>();
        CommunicatorChecks.Rank(root, Size, nameof(root));
        for (int from = 0; from < values.Length || from == 0; from += MaxCount)
        {
            Span<T> piece = values.Slice(from, Math.Min(MaxCount, values.Length - from));
            fixed (T* p = piece)
            {
                lock (gate)
                {
                    Ready("MPI_Ibcast");
                    nint request;
                    Check(MpiNative.Ibcast(p, piece.Length, type, root, handles.CommWorld, &request), "MPI_Ibcast");
                    Wait(&request, "MPI_Ibcast");
                }
            }

            if (values.Length == 0)
            {
                break;
            }
        }
    }

    /// <inheritdoc/>
    public void Send<T>(ReadOnlySpan<T> values, int destination)
        where T : unmanaged
    {
        nint type = handles.TypeOf<T>();
        CommunicatorChecks.Rank(destination, Size, nameof(destination));
        for (int from = 0; from < values.Length; from += MaxCount)
        {
            ReadOnlySpan<T> piece = values.Slice(from, Math.Min(MaxCount, values.Length - from));
            fixed (T* p = piece)
            {
                lock (gate)
                {
                    Ready($"MPI_Isend to rank {destination}");
                    nint request;
                    Check(MpiNative.Isend(p, piece.Length, type, destination, 0, handles.CommWorld, &request), $"MPI_Isend to rank {destination}");
                    Wait(&request, $"MPI_Isend to rank {destination}");
                }
            }
        }
    }

    /// <inheritdoc/>
    public void Receive<T>(Span<T> values, int source)
        where T : unmanaged
    {
        nint type = handles.TypeOf<T>();
        CommunicatorChecks.Rank(source, Size, nameof(source));
        for (int from = 0; from < values.Length; from += MaxCount)
        {
            Span<T> piece = values.Slice(from, Math.Min(MaxCount, values.Length - from));
            fixed (T* p = piece)
            {
                lock (gate)
                {
                    Ready($"MPI_Irecv from rank {source}");
                    nint request;
                    Check(MpiNative.Irecv(p, piece.Length, type, source, 0, handles.CommWorld, &request), $"MPI_Irecv from rank {source}");
                    Wait(&request, $"MPI_Irecv from rank {source}");
                }
            }
        }
    }

    /// <inheritdoc/>
    public void Barrier()
    {
        lock (gate)
        {
            Ready("MPI_Ibarrier");
            nint request;
            Check(MpiNative.Ibarrier(handles.CommWorld, &request), "MPI_Ibarrier");
            Wait(&request, "MPI_Ibarrier");
        }
    }

    /// <summary>Writes "rank r of n failed: message" to standard error and ends every process of the job (<c>MPI_Abort</c>, exit code 1).</summary>
    public void Abort(string message)
    {
        aborting = true;
        Console.Out.Flush();
        Console.Error.WriteLine($"Downhill.Mpi: rank {Rank} of {Size} failed: {message}");
        Console.Error.WriteLine($"Downhill.Mpi: rank {Rank} aborts the job.");
        Console.Error.Flush();
        MpiNative.Abort(handles.CommWorld, 1);
    }

    /// <summary>Throws when an earlier operation timed out: the ranks are out of step and nothing more can be started.</summary>
    private void Ready(string call)
    {
        if (Broken)
        {
            throw new RankFailedException(-1, $"Rank {Rank}: an earlier MPI operation timed out, so the ranks are out of step; {call} was not started.");
        }
    }

    /// <summary>Polls a started nonblocking operation to completion, failing after <see cref="Timeout"/>.</summary>
    private void Wait(nint* request, string call)
    {
        long began = Stopwatch.GetTimestamp();
        int flag = 0;
        for (int spin = 0; ; spin++)
        {
            Check(MpiNative.Test(request, &flag, 0), "MPI_Test");
            if (flag != 0)
            {
                return;
            }

            if (spin < 200)
            {
                continue;
            }

            TimeSpan waited = Stopwatch.GetElapsedTime(began);
            if (waited > Timeout)
            {
                Broken = true;
                throw new RankFailedException(-1, $"Rank {Rank} of {Size}: {call} did not complete within {Timeout.TotalSeconds:G4} s; another rank hung or died.");
            }

            if (waited < TimeSpan.FromSeconds(1))
            {
                Thread.Yield();
            }
            else
            {
                Thread.Sleep(1);
            }
        }
    }

    private void Check(int code, string call)
    {
        if (code != MpiNative.Success)
        {
            throw new MpiException($"Rank {Rank}: {call} failed with MPI error {code}: {ErrorText(code)}");
        }
    }

    private static string ErrorText(int code)
    {
        byte* text = stackalloc byte[MpiNative.MaxErrorString + 1];
        int length = 0;
        return MpiNative.ErrorString(code, text, &length) == MpiNative.Success ? Encoding.ASCII.GetString(text, length) : "(no text)";
    }

    private void FinalizeAtExit()
    {
        int done;
        if (aborting || MpiNative.Finalized(&done) != MpiNative.Success || done != 0)
        {
            return;
        }

        if (Broken)
        {
            MpiNative.Abort(handles.CommWorld, 1);
            return;
        }

        MpiNative.Finalize();
    }
}

/// <summary>
/// Checks that the process was started by Open MPI's launcher, so that a launcher/library mismatch (MPICH's
/// mpiexec or srun starting processes with Open MPI's library) is an error, not N silent single-rank runs.
/// </summary>
internal static class LauncherCheck
{
    public static void BeforeInit()
    {
        if (Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE") is not null)
        {
            return;
        }

        foreach (string name in new[] { "PMI_SIZE", "PMIX_SIZE", "MPI_LOCALNRANKS", "SLURM_NTASKS" })
        {
            if (int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 1)
            {
                throw new MpiException($"This process was started by a launcher for {n} processes ({name}={n}) that is not Open MPI's mpirun; with Open MPI's {MpiNative.Library} each process would train alone. Start it with Open MPI's mpirun.");
            }
        }
    }

    public static void AfterInit(int size)
    {
        string? launched = Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE");
        if (launched is not null && (!int.TryParse(launched, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n != size))
        {
            throw new MpiException($"mpirun started {launched} processes (OMPI_COMM_WORLD_SIZE) but MPI_COMM_WORLD has {size}: the mpirun on the PATH and {MpiNative.Library} are from different MPI installations.");
        }
    }
}
