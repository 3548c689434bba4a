using System.ComponentModel;

namespace Downhill.Internal;

/// <summary>
/// Thrown by generated lane code (one example per SIMD lane) when some row of a block reaches a <c>throw</c>
/// statement under a condition that varies from row to row: which row fails first, and with which message, is the
/// per-example code's to say, so the descriptor's batch sum catches this and runs its rows one example at a time,
/// which throws the first failing row's own exception. Never reaches user code.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class LaneRowThrewException : Exception
{
    /// <summary>Creates the exception.</summary>
    public LaneRowThrewException()
        : base("A row of a lane block reached a throw statement; the batch sum runs its rows per example to throw that row's exception.")
    {
    }
}
