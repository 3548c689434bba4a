using System.Numerics;

namespace Downhill;

/// <summary>
/// A data set cut into mini-batches, as downhill's <c>Dataset</c> (reference: downhill.md, "Dataset"). Columns are
/// one per data argument of the loss: <c>double[]</c>/<c>float[]</c>/<c>int[]</c> (one value per row) or
/// <c>T[,]</c>/<c>T[][]</c> (one row of a <c>ReadOnlySpan</c> argument per row), or memory-mapped <see cref="NpyArray"/>s.
/// Batch b holds rows [b·B, min(N, (b+1)·B)), so the last batch may be short (40 rows, B = 11: 11, 11, 11, 7).
/// The ORDER of the batches is shuffled at construction and again after each pass (rows too with
/// <c>shuffleRows</c>); an epoch takes <see cref="IterationSize"/> batches and the cursor carries over between epochs.
/// Which rows the t-th batch taken holds follows from the seed and t alone (<see cref="BatchSchedule"/>: pass
/// ⌊t / <see cref="BatchCount"/>⌋ draws its permutations from (seed, pass)), so a run can be replayed from any batch.
/// With array columns only, batches are views (<see cref="DataBatch"/>) over the columns converted to the loss's
/// element type once. With any <see cref="NpyArray"/> column the data stay in the mapped files: each batch's rows
/// are gathered (and converted) into batch buffers that the data set reuses, so a batch is valid until the next
/// <see cref="NextBatch"/>.
/// </summary>
public sealed partial class Dataset
{
    /// <summary>Elements converted and checked at a time when Bind scans a mapped column (64 Ki: 512 KiB of doubles).</summary>
    private const int ScanChunkElements = 1 << 16;

    private readonly object[] sources;
    private readonly Func<Array[]>? callable;
    private readonly Dataset? parent;
    private readonly bool explicitNames;
    private string[] names;
    private readonly BatchSchedule schedule;

    // Batches taken so far over all passes: the next batch is the schedule's batch number `taken`.
    private long taken;

    // Shuffled rows over arrays: the pass whose row order the batch columns hold.
    private long gatheredPass = -1;

    private Type? boundType;
    private bool[]? isInteger;
    private Array[]? baseColumns;
    private Array[]? columns;
    private int[]? widths;
    private Array?[]? callableBuffers;

    // Streaming (some column is an NpyArray): where each column's rows come from; columns then holds the batch buffers.
    private ColumnRows[]? rowSources;

    // The first row (in pass order) of the last batch, to name the data set's row in messages.
    private int lastBatchStart;
    /// <summary>Creates a data set over arrays, one per data argument, all with the same number of rows.</summary>
    /// <param name="columns">The columns, in the loss's data-argument order. No columns: a loss without data (one empty row).</param>
    /// <param name="names">The columns' names (the loss's argument names); when given they are checked against the loss.</param>
    /// <param name="batchSize">Rows per batch; 0 or less: the whole set in one batch.</param>
    /// <param name="iterationSize">Batches per epoch (default: the number of batches).</param>
    /// <param name="shuffle">Shuffle the order of batches at construction and after each pass (default true, as downhill).</param>
    /// <param name="shuffleRows">Also shuffle rows after each pass (array columns: copies the data once per pass; with an <see cref="NpyArray"/> column, batches gather their rows in the shuffled order instead).</param>
    /// <param name="seed">Seed of the shuffles.</param>
    /// <param name="name">The data set's name, used in messages.</param>
    /// <exception cref="ArgumentException">Column lengths differ, a column is empty, rows of a jagged column differ in width, or an element type is unsupported; the message names the column (and row).</exception>
    public Dataset(IReadOnlyList<Array> columns, IReadOnlyList<string>? names = null, int batchSize = 32, int? iterationSize = null, bool shuffle = true, bool shuffleRows = false, int seed = 0, string name = "dataset")
        : this((columns ?? throw new ArgumentNullException(nameof(columns))).Cast<object>().ToArray(), names, batchSize, iterationSize, shuffle, shuffleRows, seed, name)
    {
    }

    /// <summary>
    /// Creates a data set whose every batch is produced by <paramref name="source"/> (one array per data argument,
    /// the same rows in each); batch size and shuffling do not apply.
    /// </summary>
    /// <param name="source">Produces one batch's columns on each call.</param>
    /// <param name="iterationSize">Batches per epoch (default 100, as downhill).</param>
    /// <param name="names">The columns' names, checked against the loss when given.</param>
    /// <param name="name">The data set's name, used in messages.</param>
    public Dataset(Func<Array[]> source, int iterationSize = 100, IReadOnlyList<string>? names = null, string name = "dataset")
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterationSize, 1);
        callable = source;
        sources = [];
        Name = name;
        explicitNames = names is not null;
        this.names = names is null ? [] : [.. names];
        BatchSize = 0;
        BatchCount = 1;
        IterationSize = iterationSize;
        schedule = new BatchSchedule(1, 1, shuffleBatches: false, shuffleRows: false, seed: 0);
    }

    private Dataset(object[] sources, IReadOnlyList<string>? names, int batchSize, int? iterationSize, bool shuffle, bool shuffleRows, int seed, string name)
    {
        this.sources = sources;
        Name = name ?? "dataset";
        explicitNames = names is not null;
        if (names is not null && names.Count != sources.Length)
        {
            throw new ArgumentException($"Data set '{Name}': {names.Count} names for {sources.Length} columns.", nameof(names));
        }

        this.names = names is null ? [.. Enumerable.Range(0, sources.Length).Select(i => $"column {i}")] : [.. names];
        Rows = Describe();
        BatchSize = batchSize <= 0 ? Rows : Math.Min(batchSize, Rows);
        BatchCount = (Rows + BatchSize - 1) / BatchSize;
        if (iterationSize is int it && it < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(iterationSize), it, $"Data set '{Name}': the iteration size must be at least 1.");
        }

        IterationSize = iterationSize ?? BatchCount;
        Shuffle = shuffle;
        ShuffleRows = shuffleRows;
        Seed = seed;
        schedule = new BatchSchedule(Rows, BatchSize, shuffle, shuffleRows, seed);
    }

    private Dataset(Dataset parent, int batchSize, int? iterationSize, string name)
        : this(parent.sources, parent.explicitNames ? parent.names : null, batchSize, iterationSize, shuffle: false, shuffleRows: false, parent.Seed, name)
    {
        this.parent = parent;
    }

    /// <summary>
    /// Creates a data set over memory-mapped <c>.npy</c> columns that is read batch by batch, so it may be larger
    /// than memory. A column may also be an array of the kinds the array constructor takes (labels that fit in
    /// memory beside features in a file). Binding to a loss checks the columns (element types, shapes, names) and
    /// scans the files in bounded chunks for NaN, infinities and, in <c>&lt;i8</c> columns, values that do not fit
    /// in an int; it never copies a whole file. Each <see cref="NextBatch"/> then gathers the batch's rows of every
    /// column, converted to the loss's element type, into buffers of <see cref="BatchSize"/> rows allocated once
    /// (so batch size 0, the whole set in one batch, holds it all in memory). The <see cref="NpyArray"/>s must stay
    /// open and their files unchanged while the data set is used.
    /// </summary>
    /// <param name="columns">The columns, in the loss's data-argument order: <see cref="NpyArray"/>s or arrays.</param>
    /// <param name="names">The columns' names (the loss's argument names); when given they are checked against the loss.</param>
    /// <param name="batchSize">Rows per batch; 0 or less: the whole set in one batch.</param>
    /// <param name="iterationSize">Batches per epoch (default: the number of batches).</param>
    /// <param name="shuffle">Shuffle the order of batches at construction and after each pass.</param>
    /// <param name="shuffleRows">Also shuffle rows after each pass (batches gather their rows in the shuffled order; nothing is copied).</param>
    /// <param name="seed">Seed of the shuffles.</param>
    /// <param name="name">The data set's name, used in messages.</param>
    /// <returns>The data set; the same seed gives the same batches as the same data in arrays.</returns>
    public static Dataset FromNpy(IReadOnlyList<object> columns, IReadOnlyList<string>? names = null, int batchSize = 32, int? iterationSize = null, bool shuffle = true, bool shuffleRows = false, int seed = 0, string name = "dataset")
    {
        ArgumentNullException.ThrowIfNull(columns);
        return new Dataset([.. columns], names, batchSize, iterationSize, shuffle, shuffleRows, seed, name);
    }

    /// <summary>The data set's name.</summary>
    public string Name { get; }

    /// <summary>Rows (examples); 1 for a data set without columns, 0 for a callable source.</summary>
    public int Rows { get; }

    /// <summary>Rows per batch (the last may be shorter); 0 for a callable source.</summary>
    public int BatchSize { get; }

    /// <summary>The number of batches in one pass.</summary>
    public int BatchCount { get; }

    /// <summary>Batches per epoch.</summary>
    public int IterationSize { get; }

    /// <summary>Whether the order of batches is shuffled.</summary>
    public bool Shuffle { get; }

    /// <summary>Whether rows are shuffled after each pass.</summary>
    public bool ShuffleRows { get; }

    /// <summary>The shuffles' seed.</summary>
    public int Seed { get; }

    /// <summary>Whether batches come from a callable source.</summary>
    public bool IsCallable => callable is not null;

    /// <summary>The columns' names (the loss's argument names once bound).</summary>
    public IReadOnlyList<string> ColumnNames => names;

    /// <summary>The order in which the batches of the current pass are visited.</summary>
    public IReadOnlyList<int> BatchOrder => schedule.BatchOrder;

    /// <summary>A view of the same rows with another batch size and no shuffling (validation on the training data).</summary>
    /// <exception cref="InvalidOperationException">The data set has a callable source (it has no rows to view).</exception>
    public Dataset CreateView(int batchSize, int? iterationSize = null, string name = "valid") => IsCallable
        ? throw new InvalidOperationException($"Data set '{Name}' comes from a callable source; it has no rows to view.")
        : new(parent ?? this, batchSize, iterationSize, name);

    /// <summary>
    /// Checks the columns against the loss's data arguments (count, names, integer or real, rows or scalars) and
    /// checks that every value is finite (after conversion to <typeparamref name="T"/>). Array columns are converted
    /// to <typeparamref name="T"/> once; <see cref="NpyArray"/> columns are scanned in bounded chunks and stay in
    /// their mappings, and the batch buffers are allocated here.
    /// </summary>
    /// <exception cref="ArgumentException">A mismatch or a NaN/infinite value; the message names the column and the row.</exception>
    public void Bind<T>(LossSchema schema)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(schema);
        if (boundType == typeof(T))
        {
            return;
        }

        IReadOnlyList<DataSpec> data = schema.Data;
        if (callable is not null)
        {
            CheckNames(schema, names.Length == 0 ? data.Count : names.Length);
            names = [.. data.Select(d => d.Name)];
            isInteger = [.. data.Select(d => d.IsInteger)];
            widths = new int[data.Count];
            columns = new Array[data.Count];
            callableBuffers = new Array[data.Count];
            boundType = typeof(T);
            return;
        }

        CheckNames(schema, sources.Length);
        names = [.. data.Select(d => d.Name)];
        for (int c = 0; c < sources.Length; c++)
        {
            (_, int width, bool isInt, bool isRow) = Info(sources[c], c);
            if (isInt != data[c].IsInteger)
            {
                throw new ArgumentException($"Data set '{Name}', column '{names[c]}': the loss {schema.Name} takes {(data[c].IsInteger ? "int" : "real")} data there, the column holds {(isInt ? "integers" : "reals")} ({Describe(sources[c])}).");
            }

            if (isRow != data[c].IsRow)
            {
                throw new ArgumentException($"Data set '{Name}', column '{names[c]}': the loss {schema.Name} takes {(data[c].IsRow ? "a ReadOnlySpan row per example (a 2-D column)" : "a scalar per example (a 1-D column)")}, the column is {(isRow ? $"2-D ({width} per row)" : "1-D")}.");
            }
        }

        if (sources.Any(s => s is NpyArray))
        {
            BindStreaming<T>(schema);
            return;
        }

        if (parent is not null)
        {
            parent.Bind<T>(schema);
            baseColumns = parent.baseColumns;
            widths = parent.widths;
        }
        else
        {
            widths = new int[sources.Length];
            baseColumns = new Array[sources.Length];
            for (int c = 0; c < sources.Length; c++)
            {
                widths[c] = Info(sources[c], c).Width;
                baseColumns[c] = data[c].IsInteger ? ConvertInt(sources[c], c) : ConvertReal<T>(sources[c], c);
            }
        }

        isInteger = [.. data.Select(d => d.IsInteger)];
        columns = baseColumns;
        boundType = typeof(T);
        if (ShuffleRows)
        {
            columns = [.. baseColumns!.Select(EmptyLike)];
            Gather();
        }
    }

    /// <summary>
    /// The next batch: a view over the bound columns, or with <see cref="NpyArray"/> columns the batch's rows
    /// gathered into the data set's batch buffers (<see cref="DataBatch.Offset"/> 0; valid until the next call).
    /// Passing the last batch of a pass reshuffles (when enabled) before the next one is taken. Allocates nothing
    /// once bound, except what a callable source allocates.
    /// </summary>
    /// <exception cref="InvalidOperationException">The data set is not bound to a loss yet (<see cref="Bind{T}"/>).</exception>
    public DataBatch NextBatch() => NextShare(null, out _);

    /// <summary>
    /// The next batch as <see cref="NextBatch()"/>, or with <paramref name="share"/> only the rows
    /// [from, from + count) of it that <paramref name="share"/> picks given the batch's row count (a data-parallel
    /// rank's share; streaming columns then read only those rows). <paramref name="batchRows"/> is the whole batch's.
    /// </summary>
    internal DataBatch NextShare(Func<int, (int From, int Count)>? share, out int batchRows)
    {
        if (boundType is null)
        {
            throw new InvalidOperationException($"Data set '{Name}' is not bound to a loss; call Bind first.");
        }

        if (callable is not null || sources.Length == 0)
        {
            DataBatch whole = callable is not null ? NextCallableBatch() : DataBatch.Empty;
            batchRows = whole.Rows;
            if (share is null)
            {
                return whole;
            }

            (int f, int n) = share(whole.Rows);
            return new DataBatch(whole.Columns, whole.Widths, whole.Offset + f, n);
        }

        (int start, int count) = schedule.Locate(taken++);
        batchRows = count;
        if (share is not null)
        {
            (int from, count) = share(count);
            start += from;
        }

        lastBatchStart = start;
        if (rowSources is null)
        {
            if (ShuffleRows && gatheredPass != schedule.Pass)
            {
                Gather();
            }

            return new DataBatch(columns!, widths!, start, count);
        }

        // Streaming: every column is gathered (array columns too) so that the one Offset, 0, serves them all.
        int[]? rowOrder = schedule.RowOrder;
        for (int c = 0; c < rowSources.Length; c++)
        {
            if (rowOrder is null)
            {
                rowSources[c].Copy(start, count, columns![c]);
            }
            else
            {
                rowSources[c].Copy(rowOrder.AsSpan(start, count), columns![c]);
            }
        }

        return new DataBatch(columns!, widths!, 0, count);
    }

    /// <summary>The first row as a one-row batch, for checks before training; the data set must be bound and not callable.</summary>
    internal DataBatch FirstRow()
    {
        if (sources.Length == 0)
        {
            return DataBatch.Empty;
        }

        if (rowSources is null)
        {
            return new DataBatch(baseColumns!, widths!, 0, 1);
        }

        // Its own one-row arrays, so the probe leaves the batch buffers (and any batch handed out) alone.
        var row = new Array[rowSources.Length];
        for (int c = 0; c < row.Length; c++)
        {
            row[c] = NewLike(columns![c], widths![c]);
            rowSources[c].Copy(0, 1, row[c]);
        }

        return new DataBatch(row, widths!, 0, 1);
    }

    /// <summary>
    /// The data set's row (its index in the columns as given) that row <paramref name="batchRow"/> of the last
    /// batch from <see cref="NextBatch"/> holds, for messages; for a callable source, the row in the batch.
    /// </summary>
    internal int SourceRow(int batchRow)
    {
        if (callable is not null)
        {
            return batchRow;
        }

        int position = lastBatchStart + batchRow;
        return (uint)position < (uint)Rows ? schedule.SourceRow(position) : position;
    }

    /// <summary>The width of each bound column (1 for a scalar column); null before binding or for a callable source.</summary>
    internal IReadOnlyList<int>? BoundWidths => callable is null ? widths : null;

    /// <summary>
    /// Feeds the bound data (each column's width, then its converted values in the order given) to
    /// <paramref name="hash"/> in bounded chunks, for checkpoint fingerprints; nothing for a callable source.
    /// </summary>
    internal void HashContent(System.Security.Cryptography.IncrementalHash hash)
    {
        if (callable is not null || widths is null)
        {
            return;
        }

        for (int c = 0; c < widths.Length; c++)
        {
            hash.AppendData(BitConverter.GetBytes(widths[c]));
            if (rowSources is null)
            {
                hash.AppendData(Bytes(baseColumns![c], 0, baseColumns[c].Length));
                continue;
            }

            int chunkRows = Math.Max(1, ScanChunkElements / Math.Max(1, widths[c]));
            Array buffer = NewLike(columns![c], chunkRows * widths[c]);
            for (int first = 0; first < Rows; first += chunkRows)
            {
                int count = Math.Min(chunkRows, Rows - first);
                rowSources[c].Copy(first, count, buffer);
                hash.AppendData(Bytes(buffer, 0, count * widths[c]));
            }
        }

        static ReadOnlySpan<byte> Bytes(Array a, int start, int length) => a switch
        {
            double[] d => System.Runtime.InteropServices.MemoryMarshal.AsBytes(d.AsSpan(start, length)),
            float[] f => System.Runtime.InteropServices.MemoryMarshal.AsBytes(f.AsSpan(start, length)),
            _ => System.Runtime.InteropServices.MemoryMarshal.AsBytes(((int[])a).AsSpan(start, length)),
        };
    }

    /// <summary>
    /// Writes the number of batches taken (the schedule replays the rest from the seed), with the pass's shape so a
    /// reader can refuse another data set's state (for checkpoints).
    /// </summary>
    internal void WriteState(BinaryWriter writer)
    {
        writer.Write(taken);
        writer.Write(BatchCount);
        writer.Write(ShuffleRows ? Rows : 0);
    }

    /// <summary>Restores what <see cref="WriteState"/> wrote; the data set must be bound.</summary>
    internal void ReadState(BinaryReader reader)
    {
        long t = reader.ReadInt64();
        int n = reader.ReadInt32();
        if (n != BatchCount)
        {
            throw new InvalidDataException($"The checkpoint's data set '{Name}' has {n} batches; this one has {BatchCount}.");
        }

        int m = reader.ReadInt32();
        if (m != (ShuffleRows ? Rows : 0))
        {
            throw new InvalidDataException(m == 0
                ? $"The checkpoint's data set '{Name}' does not shuffle rows; this one shuffles {Rows}."
                : $"The checkpoint's data set '{Name}' shuffled {m} rows; this one does not shuffle rows or has another size.");
        }

        if (t < 0)
        {
            throw new InvalidDataException($"The checkpoint's data set '{Name}' has taken {t} batches.");
        }

        // The pass of the last batch taken is the current one (as before the next NextBatch).
        taken = t;
        schedule.Load(Math.Max(t - 1, 0) / BatchCount);
        if (ShuffleRows && rowSources is null && columns is not null)
        {
            Gather();
        }
    }

    private static Array EmptyLike(Array a) => NewLike(a, a.Length);

    private static Array NewLike(Array a, int length) => a switch
    {
        double[] => new double[length],
        float[] => new float[length],
        _ => new int[length],
    };

    /// <summary>Copies every bound column's rows, in the loaded pass's row order, into the batch columns (shuffled rows over arrays).</summary>
    private void Gather()
    {
        int[] rowOrder = schedule.RowOrder!;
        for (int c = 0; c < columns!.Length; c++)
        {
            Array src = baseColumns![c];
            Array dst = columns[c];
            int w = widths![c];
            int elementSize = Buffer.ByteLength(src) / Math.Max(src.Length, 1);
            for (int r = 0; r < rowOrder.Length; r++)
            {
                Buffer.BlockCopy(src, rowOrder[r] * w * elementSize, dst, r * w * elementSize, w * elementSize);
            }
        }

        gatheredPass = schedule.Pass;
    }
}
