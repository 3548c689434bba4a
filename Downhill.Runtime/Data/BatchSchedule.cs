using Downhill.Internal;

namespace Downhill;

/// <summary>
/// The replayable batch schedule: which rows batch t (counted from 0 over all passes) holds, computed from the seed
/// and t alone, forwards or backwards. Pass p = ⌊t / <see cref="BatchCount"/>⌋ draws its permutations from a
/// generator seeded by (seed, p) only: first the row order (when rows are shuffled), then the order of the
/// batches (when batches are shuffled). Position i of pass p is then the block
/// [BatchOrder[i]·B, min(N, (BatchOrder[i] + 1)·B)) of the pass's row order, so the last block may be short.
/// Reversible learning (Maclaurin, Duvenaud &amp; Adams 2015) reruns the training batches backwards from the last
/// step; <see cref="Dataset"/> takes them forwards; both read this one schedule.
/// </summary>
internal sealed class BatchSchedule
{
    private readonly Rng rng = new(0);
    private readonly int[] batchOrder;
    private readonly int[]? rowOrder;

    /// <summary>Creates the schedule and loads pass 0.</summary>
    /// <param name="rows">Rows of the data set (at least 1).</param>
    /// <param name="batchSize">Rows per batch, 1 to <paramref name="rows"/>.</param>
    /// <param name="shuffleBatches">Visit the batches of each pass in a shuffled order.</param>
    /// <param name="shuffleRows">Shuffle the rows of each pass before cutting them into batches.</param>
    /// <param name="seed">The seed of every pass's permutations.</param>
    public BatchSchedule(int rows, int batchSize, bool shuffleBatches, bool shuffleRows, long seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(batchSize, rows);
        Rows = rows;
        BatchSize = batchSize;
        BatchCount = (rows + batchSize - 1) / batchSize;
        ShuffleBatches = shuffleBatches;
        ShuffleRows = shuffleRows;
        Seed = seed;
        batchOrder = new int[BatchCount];
        rowOrder = shuffleRows ? new int[rows] : null;
        Pass = -1;
        Load(0);
    }

    /// <summary>Rows of the data set.</summary>
    public int Rows { get; }

    /// <summary>Rows per batch (the last of a pass may be shorter).</summary>
    public int BatchSize { get; }

    /// <summary>Batches per pass.</summary>
    public int BatchCount { get; }

    /// <summary>Whether each pass visits its batches in a shuffled order.</summary>
    public bool ShuffleBatches { get; }

    /// <summary>Whether each pass shuffles the rows before cutting them into batches.</summary>
    public bool ShuffleRows { get; }

    /// <summary>The seed of every pass's permutations.</summary>
    public long Seed { get; }

    /// <summary>The pass whose permutations are loaded.</summary>
    public long Pass { get; private set; }

    /// <summary>The order in which the loaded pass visits its batches.</summary>
    public IReadOnlyList<int> BatchOrder => batchOrder;

    /// <summary>The loaded pass's row order (position → source row); null when rows are not shuffled (the identity).</summary>
    public int[]? RowOrder => rowOrder;

    /// <summary>
    /// Loads the pass of batch <paramref name="t"/> (reusing the loaded one, allocating nothing) and returns where
    /// the batch lies in that pass's row order: its first position and its number of rows.
    /// </summary>
    public (int First, int Count) Locate(long t)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(t);
        Load(t / BatchCount);
        int first = batchOrder[(int)(t % BatchCount)] * BatchSize;
        return (first, Math.Min(BatchSize, Rows - first));
    }

    /// <summary>The source row at <paramref name="position"/> of the loaded pass's row order.</summary>
    public int SourceRow(int position) => rowOrder is null ? position : rowOrder[position];

    /// <summary>Loads pass <paramref name="pass"/>'s permutations; returns whether they changed.</summary>
    public bool Load(long pass)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(pass);
        if (pass == Pass)
        {
            return false;
        }

        rng.Reset(PassSeed(Seed, pass));
        if (rowOrder is not null)
        {
            Identity(rowOrder);
            rng.Shuffle(rowOrder);
        }

        Identity(batchOrder);
        if (ShuffleBatches)
        {
            rng.Shuffle(batchOrder);
        }

        Pass = pass;
        return true;
    }

    /// <summary>The generator's seed for one pass: a function of the schedule's seed and the pass alone.</summary>
    private static long PassSeed(long seed, long pass) =>
        unchecked(seed ^ (pass * (long)0x9E3779B97F4A7C15UL) ^ 0x2545F4914F6CDD1DL);

    private static void Identity(int[] values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = i;
        }
    }
}
