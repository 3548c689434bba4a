namespace Downhill.Cuda;

/// <summary>NVRTC or the CUDA driver could not be found or loaded; the message lists every place tried and why each failed.</summary>
public sealed class CudaLibraryNotFoundException : DllNotFoundException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What was missing and where it was looked for.</param>
    /// <param name="attempts">One line per place tried.</param>
    public CudaLibraryNotFoundException(string message, IReadOnlyList<string> attempts)
        : base(message)
    {
        Attempts = attempts;
    }

    /// <summary>Creates the exception with a message.</summary>
    public CudaLibraryNotFoundException(string message)
        : this(message, [])
    {
    }

    /// <summary>Creates the exception with a default message.</summary>
    public CudaLibraryNotFoundException()
        : this("A CUDA library was not found.", [])
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    public CudaLibraryNotFoundException(string message, Exception inner)
        : base(message, inner)
    {
        Attempts = [];
    }

    /// <summary>The places tried, one line each: the path or name, where it came from, and why it failed.</summary>
    public IReadOnlyList<string> Attempts { get; }
}
