namespace Downhill;

/// <summary>
/// Another rank of a data-parallel run failed (threw, was aborted, or stopped answering), so this rank stopped too.
/// </summary>
public sealed class RankFailedException : Exception
{
    /// <summary>Creates the exception for a failure of rank <paramref name="rank"/>.</summary>
    /// <param name="rank">The rank that failed (−1: unknown).</param>
    /// <param name="message">The message.</param>
    public RankFailedException(int rank, string message)
        : base(message)
    {
        FailedRank = rank;
    }

    /// <summary>Creates the exception.</summary>
    public RankFailedException()
        : this(-1, "A rank of the data-parallel run failed.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public RankFailedException(string message)
        : this(-1, message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public RankFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
        FailedRank = -1;
    }

    /// <summary>The rank that failed, −1 when unknown.</summary>
    public int FailedRank { get; }
}
