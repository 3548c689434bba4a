namespace Downhill.Cuda;

/// <summary>An NVRTC call failed; for a failed compilation the message and <see cref="Log"/> hold NVRTC's compile log.</summary>
public sealed class NvrtcException : Exception
{
    /// <summary>Creates the exception for a failed call.</summary>
    /// <param name="call">The NVRTC function, e.g. <c>nvrtcCompileProgram</c>.</param>
    /// <param name="result">The <c>nvrtcResult</c> it returned.</param>
    /// <param name="errorText">NVRTC's text for the result (<c>NVRTC_ERROR_COMPILATION</c>).</param>
    /// <param name="log">The program's compile log (empty when there is none).</param>
    /// <param name="programName">The program's name in the log (<c>downhill.cu</c>, say).</param>
    public NvrtcException(string call, int result, string errorText, string log, string programName)
        : base($"{call} failed with {errorText} ({result}) for {programName}." + (log.Length > 0 ? $" NVRTC's log:{Environment.NewLine}{log}" : ""))
    {
        Call = call;
        Result = result;
        Log = log;
    }

    /// <summary>Creates the exception with a message.</summary>
    public NvrtcException(string message)
        : base(message)
    {
        Call = Log = "";
    }

    /// <summary>Creates the exception with a default message.</summary>
    public NvrtcException()
        : this("An NVRTC call failed.")
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    public NvrtcException(string message, Exception inner)
        : base(message, inner)
    {
        Call = Log = "";
    }

    /// <summary>The NVRTC function that failed.</summary>
    public string Call { get; }

    /// <summary>The <c>nvrtcResult</c> code.</summary>
    public int Result { get; }

    /// <summary>NVRTC's compile log (errors with line numbers), empty when the call was not a compilation.</summary>
    public string Log { get; }
}
