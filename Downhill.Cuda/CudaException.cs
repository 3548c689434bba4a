using System.Runtime.InteropServices;
using Downhill.Cuda.Native;

namespace Downhill.Cuda;

/// <summary>A CUDA driver API call failed; the message names the call and the driver's error name and text.</summary>
public sealed class CudaException : Exception
{
    /// <summary>Creates the exception for a failed call.</summary>
    /// <param name="call">The driver function, e.g. <c>cuMemAlloc</c>.</param>
    /// <param name="error">The <c>CUresult</c> it returned.</param>
    /// <param name="errorName">The error's name (<c>CUDA_ERROR_OUT_OF_MEMORY</c>).</param>
    /// <param name="description">The driver's description of the error.</param>
    /// <param name="context">What was being done, for the message (may be empty).</param>
    public CudaException(string call, int error, string errorName, string description, string context)
        : base($"{call} failed with {errorName} ({error}): {description}{(context.Length > 0 ? $" ({context})" : "")}.")
    {
        Call = call;
        Error = error;
        ErrorName = errorName;
    }

    /// <summary>Creates the exception with a message.</summary>
    public CudaException(string message)
        : base(message)
    {
        Call = ErrorName = "";
    }

    /// <summary>Creates the exception with a default message.</summary>
    public CudaException()
        : this("A CUDA driver call failed.")
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    public CudaException(string message, Exception inner)
        : base(message, inner)
    {
        Call = ErrorName = "";
    }

    /// <summary>The driver function that failed.</summary>
    public string Call { get; }

    /// <summary>The <c>CUresult</c> code.</summary>
    public int Error { get; }

    /// <summary>The error's name, e.g. <c>CUDA_ERROR_NO_DEVICE</c>.</summary>
    public string ErrorName { get; }

    /// <summary>Throws a <see cref="CudaException"/> when <paramref name="result"/> is not <c>CUDA_SUCCESS</c> (0).</summary>
    /// <param name="result">The call's result.</param>
    /// <param name="call">The driver function's name.</param>
    /// <param name="context">What was being done, for the message.</param>
    internal static void Check(int result, string call, string context = "")
    {
        if (result != 0)
        {
            throw From(result, call, context);
        }
    }

    /// <summary>The exception for a failed call, with the driver's own name and text for the error.</summary>
    internal static unsafe CudaException From(int result, string call, string context = "")
    {
        byte* name = null;
        byte* text = null;
        string errorName = CudaDriverNative.GetErrorName(result, &name) == 0 && name is not null ? Marshal.PtrToStringUTF8((nint)name) ?? "" : $"CUresult {result}";
        string description = CudaDriverNative.GetErrorString(result, &text) == 0 && text is not null ? Marshal.PtrToStringUTF8((nint)text) ?? "" : "unknown error";
        return new CudaException(call, result, errorName, description, context);
    }
}
