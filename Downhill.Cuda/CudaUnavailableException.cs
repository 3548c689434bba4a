namespace Downhill.Cuda;

/// <summary>No CUDA GPU can be used here: no driver, the driver did not start, or no device; the message says which.</summary>
public sealed class CudaUnavailableException : InvalidOperationException
{
    /// <summary>Creates the exception with the reason.</summary>
    public CudaUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a default message.</summary>
    public CudaUnavailableException()
        : base("No CUDA device is available.")
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    public CudaUnavailableException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
