using System.Runtime.InteropServices;

namespace Downhill.Mpi;

/// <summary>
/// The part of the MPI 3.1 C API (MPI Forum, "MPI: A Message-Passing Interface Standard", version 3.1, 2015) that
/// data-parallel training uses, bound to Open MPI 4.x's <c>libmpi.so.40</c>. Open MPI's handles are pointers to
/// exported objects: <c>MPI_COMM_WORLD</c> is the address of <c>ompi_mpi_comm_world</c>, <c>MPI_DOUBLE</c> that of
/// <c>ompi_mpi_double</c>, and so on (see <see cref="MpiHandles"/>). Collectives are the nonblocking ones, so that
/// a wait can time out.
/// </summary>
internal static unsafe partial class MpiNative
{
    /// <summary>The versioned file name: the unversioned <c>libmpi.so</c> exists only with the development package.</summary>
    public const string Library = "libmpi.so.40";

    /// <summary><c>MPI_THREAD_SERIALIZED</c>: one thread at a time calls MPI.</summary>
    public const int ThreadSerialized = 2;

    /// <summary><c>MPI_SUCCESS</c>.</summary>
    public const int Success = 0;

    /// <summary><c>MPI_MAX_ERROR_STRING</c> in Open MPI.</summary>
    public const int MaxErrorString = 256;

    [LibraryImport(Library, EntryPoint = "MPI_Initialized")]
    public static partial int Initialized(int* flag);

    [LibraryImport(Library, EntryPoint = "MPI_Finalized")]
    public static partial int Finalized(int* flag);

    [LibraryImport(Library, EntryPoint = "MPI_Init_thread")]
    public static partial int InitThread(nint argc, nint argv, int required, int* provided);

    [LibraryImport(Library, EntryPoint = "MPI_Finalize")]
    public static partial int Finalize();

    [LibraryImport(Library, EntryPoint = "MPI_Abort")]
    public static partial int Abort(nint comm, int errorCode);

    [LibraryImport(Library, EntryPoint = "MPI_Comm_rank")]
    public static partial int CommRank(nint comm, int* rank);

    [LibraryImport(Library, EntryPoint = "MPI_Comm_size")]
    public static partial int CommSize(nint comm, int* size);

    [LibraryImport(Library, EntryPoint = "MPI_Comm_set_errhandler")]
    public static partial int CommSetErrhandler(nint comm, nint errhandler);

    [LibraryImport(Library, EntryPoint = "MPI_Error_string")]
    public static partial int ErrorString(int code, byte* text, int* length);

    [LibraryImport(Library, EntryPoint = "MPI_Iallreduce")]
    public static partial int Iallreduce(void* send, void* receive, int count, nint datatype, nint op, nint comm, nint* request);

    [LibraryImport(Library, EntryPoint = "MPI_Iallgather")]
    public static partial int Iallgather(void* send, int sendCount, nint sendType, void* receive, int receiveCount, nint receiveType, nint comm, nint* request);

    [LibraryImport(Library, EntryPoint = "MPI_Ibcast")]
    public static partial int Ibcast(void* buffer, int count, nint datatype, int root, nint comm, nint* request);

    [LibraryImport(Library, EntryPoint = "MPI_Ibarrier")]
    public static partial int Ibarrier(nint comm, nint* request);

    [LibraryImport(Library, EntryPoint = "MPI_Isend")]
    public static partial int Isend(void* buffer, int count, nint datatype, int destination, int tag, nint comm, nint* request);

    [LibraryImport(Library, EntryPoint = "MPI_Irecv")]
    public static partial int Irecv(void* buffer, int count, nint datatype, int source, int tag, nint comm, nint* request);

    /// <summary><c>MPI_Test</c> with <c>MPI_STATUS_IGNORE</c> (a null pointer).</summary>
    [LibraryImport(Library, EntryPoint = "MPI_Test")]
    public static partial int Test(nint* request, int* flag, nint status);
}

/// <summary>Open MPI's predefined handles: the addresses of its exported objects, looked up once.</summary>
internal sealed class MpiHandles
{
    private MpiHandles(nint library)
    {
        nint Export(string name) => NativeLibrary.TryGetExport(library, name, out nint address)
            ? address
            : throw new MpiException($"{MpiNative.Library} has no export '{name}': it is not Open MPI 4.x (Downhill.Mpi binds Open MPI's ABI; MPICH's handles are integers).");

        CommWorld = Export("ompi_mpi_comm_world");
        Double = Export("ompi_mpi_double");
        Float = Export("ompi_mpi_float");
        Int = Export("ompi_mpi_int");
        Long = Export("ompi_mpi_int64_t");
        Byte = Export("ompi_mpi_byte");
        Sum = Export("ompi_mpi_op_sum");
        ErrorsReturn = Export("ompi_mpi_errors_return");
    }

    public nint CommWorld { get; }

    public nint Double { get; }

    public nint Float { get; }

    public nint Int { get; }

    public nint Long { get; }

    public nint Byte { get; }

    public nint Sum { get; }

    public nint ErrorsReturn { get; }

    /// <summary>Loads <c>libmpi.so.40</c> and finds the handles.</summary>
    /// <exception cref="MpiException">Open MPI is not installed, or the library is not Open MPI.</exception>
    public static MpiHandles Load()
    {
        if (!NativeLibrary.TryLoad(MpiNative.Library, out nint library))
        {
            throw new MpiException($"Open MPI's {MpiNative.Library} could not be loaded. Install Open MPI (Debian/Ubuntu: apt-get install openmpi-bin) and start the program with mpirun, or train without a communicator.");
        }

        return new MpiHandles(library);
    }

    /// <summary>The datatype handle of <typeparamref name="T"/>.</summary>
    public nint TypeOf<T>()
        where T : unmanaged
    {
        CommunicatorChecks.ElementType<T>();
        return typeof(T) == typeof(double) ? Double
            : typeof(T) == typeof(float) ? Float
            : typeof(T) == typeof(int) ? Int
            : typeof(T) == typeof(long) ? Long
            : Byte;
    }
}

/// <summary>An MPI call failed; the message names the call and gives MPI's own error text.</summary>
public sealed class MpiException : Exception
{
    /// <summary>Creates the exception.</summary>
    public MpiException()
        : base("An MPI call failed.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public MpiException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public MpiException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
