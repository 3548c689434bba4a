using System.Numerics;

namespace Downhill.Hypergradients;

/// <summary>
/// A data set of an exact run: the columns flattened to the layout the generated code reads (<see cref="DataBatch"/>),
/// checked against the loss's schema, and the rows of each batch from the runtime's replayable
/// <see cref="BatchSchedule"/> (rows shuffled every epoch, batches taken in order): batch t's rows come from the
/// seed and t alone, so the reverse run gathers the very rows the forward run used, and a <see cref="Dataset"/>
/// with the same seed, batch size and row shuffling hands out the same batches.
/// </summary>
/// <typeparam name="T">The loss's element type.</typeparam>
internal sealed class ExactData<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Array[] columns;
    private readonly int[] widths;
    private readonly bool[] isInteger;
    private readonly int batchSize;
    private readonly Array[] batchColumns;
    private readonly int[] rowsOfBatch;
    private readonly BatchSchedule? schedule;

    /// <summary>Flattens and checks <paramref name="source"/> (one array per data argument: T[], int[], T[,] or int[,]).</summary>
    public ExactData(LossSchema schema, Array[] source, string argument, int batchSize, long seed)
    {
        IReadOnlyList<DataSpec> specs = schema.Data;
        if (source.Length != specs.Count)
        {
            throw new ArgumentException($"The loss {schema.Name} takes {specs.Count} data columns ({string.Join(", ", specs.Select(d => d.Name))}); {source.Length} were given.", argument);
        }

        columns = new Array[specs.Count];
        widths = new int[specs.Count];
        isInteger = [.. specs.Select(d => d.IsInteger)];
        Rows = specs.Count == 0 ? 1 : -1;
        for (int c = 0; c < specs.Count; c++)
        {
            (columns[c], widths[c], int rows) = Flatten(specs[c], source[c], argument);
            if (Rows >= 0 && rows != Rows)
            {
                throw new ArgumentException($"The data columns have different lengths: '{specs[0].Name}' has {Rows} rows, '{specs[c].Name}' has {rows}.", argument);
            }

            Rows = rows;
        }

        if (Rows == 0)
        {
            throw new ArgumentException("The data set is empty.", argument);
        }

        this.batchSize = batchSize <= 0 || batchSize >= Rows ? Rows : batchSize;
        BatchesPerEpoch = (Rows + this.batchSize - 1) / this.batchSize;
        rowsOfBatch = new int[this.batchSize];
        schedule = IsFullBatch ? null : new BatchSchedule(Rows, this.batchSize, shuffleBatches: false, shuffleRows: true, seed);
        batchColumns = [.. columns.Select((col, c) => (Array)(isInteger[c] ? new int[this.batchSize * widths[c]] : new T[this.batchSize * widths[c]]))];
    }

    /// <summary>Examples in the set (1 for a loss without data).</summary>
    public int Rows { get; }

    /// <summary>True when every batch is the whole set.</summary>
    public bool IsFullBatch => batchSize == Rows;

    /// <summary>Batches in one pass over the set.</summary>
    public int BatchesPerEpoch { get; }

    /// <summary>Elements per row of each column.</summary>
    public IReadOnlyList<int> Widths => widths;

    /// <summary>The whole set as one batch.</summary>
    public DataBatch All => columns.Length == 0 ? DataBatch.Empty : new DataBatch(columns, widths, 0, Rows);

    /// <summary>
    /// Batch <paramref name="step"/>: the whole set, or its rows gathered into this object's buffers (valid until
    /// the next call); <paramref name="rows"/> receives the source row of each batch row.
    /// </summary>
    public DataBatch Batch(int step, out ReadOnlySpan<int> rows)
    {
        if (IsFullBatch)
        {
            rows = default;
            return All;
        }

        (int first, int count) = schedule!.Locate(step);
        schedule.RowOrder.AsSpan(first, count).CopyTo(rowsOfBatch);
        for (int c = 0; c < columns.Length; c++)
        {
            int w = widths[c];
            if (isInteger[c])
            {
                Gather((int[])columns[c], (int[])batchColumns[c], w, count);
            }
            else
            {
                Gather((T[])columns[c], (T[])batchColumns[c], w, count);
            }
        }

        rows = rowsOfBatch.AsSpan(0, count);
        return new DataBatch(batchColumns, widths, 0, count);
    }

    /// <summary>Empty per-column arrays laid out like a batch of <paramref name="rows"/> rows (null for integer columns).</summary>
    public T[]?[] NewDataOutputs(int rows) => [.. widths.Select((w, c) => isInteger[c] ? null : new T[rows * w])];

    /// <summary>Per-column double arrays for the whole set (null for integer columns).</summary>
    public double[]?[] NewDataGradients() => [.. widths.Select((w, c) => isInteger[c] ? null : new double[Rows * w])];

    private void Gather<TElement>(TElement[] source, TElement[] into, int width, int count)
    {
        for (int j = 0; j < count; j++)
        {
            source.AsSpan(rowsOfBatch[j] * width, width).CopyTo(into.AsSpan(j * width, width));
        }
    }

    private static (Array Flat, int Width, int Rows) Flatten(DataSpec spec, Array column, string argument)
    {
        ArgumentNullException.ThrowIfNull(column, argument);
        string expected = (spec.IsInteger ? "int" : typeof(T) == typeof(float) ? "float" : "double") + (spec.IsRow ? "[,]" : "[]");
        switch (column)
        {
            case T[] v when !spec.IsInteger && !spec.IsRow:
                CheckFinite(v, spec, argument);
                return ((T[])v.Clone(), 1, v.Length);
            case int[] v when spec.IsInteger && !spec.IsRow:
                return ((int[])v.Clone(), 1, v.Length);
            case T[,] m when !spec.IsInteger && spec.IsRow:
                T[] flat = new T[m.Length];
                int k = 0;
                foreach (T x in m)
                {
                    flat[k++] = x;
                }

                CheckFinite(flat, spec, argument);
                return (flat, m.GetLength(1), m.GetLength(0));
            case int[,] m when spec.IsInteger && spec.IsRow:
                int[] ints = new int[m.Length];
                int j = 0;
                foreach (int x in m)
                {
                    ints[j++] = x;
                }

                return (ints, m.GetLength(1), m.GetLength(0));
            default:
                throw new ArgumentException($"Column '{spec.Name}' must be {expected}; it is {column.GetType().Name}.", argument);
        }
    }

    private static void CheckFinite(T[] values, DataSpec spec, string argument)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!T.IsFinite(values[i]))
            {
                throw new ArgumentException($"Column '{spec.Name}' holds {values[i]} at element {i}; data must be finite.", argument);
            }
        }
    }
}
