using System.Numerics;

namespace Downhill;

/// <summary>Where a data set's batches come from besides arrays viewed in place: memory-mapped columns read batch by batch, a callable source.</summary>
public sealed partial class Dataset
{
    /// <summary>
    /// Bind for a data set with an <see cref="NpyArray"/> column: checks every value of the mapped columns in
    /// bounded chunks (array columns are converted as usual), keeps the mappings, and allocates batch buffers.
    /// </summary>
    private void BindStreaming<T>(LossSchema schema)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        IReadOnlyList<DataSpec> data = schema.Data;
        if (parent is not null)
        {
            // A view reads the parent's (already checked) sources into buffers of its own.
            parent.Bind<T>(schema);
            rowSources = parent.rowSources;
            widths = parent.widths;
        }
        else
        {
            widths = new int[sources.Length];
            rowSources = new ColumnRows[sources.Length];
            for (int c = 0; c < sources.Length; c++)
            {
                widths[c] = Info(sources[c], c).Width;
                rowSources[c] = sources[c] switch
                {
                    NpyArray npy when data[c].IsInteger => ScanInts(npy, c),
                    NpyArray npy => ScanReals<T>(npy, c),
                    _ when data[c].IsInteger => new ArrayRows<int>(ConvertInt(sources[c], c), widths[c]),
                    _ => new ArrayRows<T>(ConvertReal<T>(sources[c], c), widths[c]),
                };
            }
        }

        isInteger = [.. data.Select(d => d.IsInteger)];
        columns = new Array[sources.Length];
        for (int c = 0; c < columns.Length; c++)
        {
            long length = (long)BatchSize * widths![c];
            if (length > Array.MaxLength)
            {
                throw new ArgumentException($"Data set '{Name}', column '{names[c]}': a batch of {BatchSize} rows of {widths[c]} elements does not fit in one array; use a smaller batch size.");
            }

            columns[c] = isInteger[c] ? new int[length] : new T[length];
        }

        // Batches gather their rows through the schedule's row order: the same rows as the array path for the same seed.
        boundType = typeof(T);
    }

    /// <summary>Converts the mapped column to <typeparamref name="T"/> a chunk at a time and checks every value is finite.</summary>
    private NpyRows<T> ScanReals<T>(NpyArray npy, int c)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = npy.Width;
        int chunkRows = Math.Clamp(ScanChunkElements / Math.Max(w, 1), 1, npy.Rows);
        var chunk = new T[checked(chunkRows * w)];
        for (int start = 0; start < npy.Rows; start += chunkRows)
        {
            int count = Math.Min(chunkRows, npy.Rows - start);
            Span<T> values = chunk.AsSpan(0, count * w);
            npy.CopyRows(start, count, values);
            CheckFinite<T>(values, c, w, start);
        }

        return new NpyRows<T>(npy);
    }

    /// <summary>Checks, a chunk at a time, that every value of a mapped <c>&lt;i8</c> column fits in an int.</summary>
    private NpyRows<int> ScanInts(NpyArray npy, int c)
    {
        if (npy.DType == "<i8")
        {
            int w = npy.Width;
            int chunkRows = Math.Clamp(ScanChunkElements / Math.Max(w, 1), 1, npy.Rows);
            var chunk = new long[checked(chunkRows * w)];
            for (int start = 0; start < npy.Rows; start += chunkRows)
            {
                int count = Math.Min(chunkRows, npy.Rows - start);
                Span<long> values = chunk.AsSpan(0, count * w);
                npy.CopyRows(start, count, values);
                CheckFitsInt(values, c, w, start);
            }
        }

        return new NpyRows<int>(npy);
    }

    private DataBatch NextCallableBatch()
    {
        Array[] produced = callable!() ?? throw new InvalidOperationException($"Data set '{Name}': the source returned null.");
        if (produced.Length != columns!.Length)
        {
            throw new ArgumentException($"Data set '{Name}': the source returned {produced.Length} arrays; the loss takes {columns.Length} data arguments ({string.Join(", ", names)}).");
        }

        int rows = -1;
        for (int c = 0; c < produced.Length; c++)
        {
            (int r, int w, bool isInt, _) = Info(produced[c], c);
            if (isInt != isInteger![c])
            {
                throw new ArgumentException($"Data set '{Name}', column '{names[c]}': the source returned {(isInt ? "integers" : "reals")}; the loss takes {(isInteger[c] ? "int" : "real")} data.");
            }

            if (rows >= 0 && r != rows)
            {
                throw new ArgumentException($"Data set '{Name}': the source returned columns of different lengths ('{names[0]}' has {rows} rows, '{names[c]}' has {r}).");
            }

            rows = r;
            widths![c] = w;
            if (isInteger[c])
            {
                columns[c] = produced[c] is int[] ints ? ints : ConvertInt(produced[c], c);
            }
            else if (boundType == typeof(double))
            {
                columns[c] = produced[c] is double[] d ? CheckFinite(d, c, w) : ConvertRealInto<double>(produced[c], c, ref callableBuffers![c]);
            }
            else
            {
                columns[c] = produced[c] is float[] f ? CheckFinite(f, c, w) : ConvertRealInto<float>(produced[c], c, ref callableBuffers![c]);
            }
        }

        if (rows <= 0)
        {
            throw new ArgumentException($"Data set '{Name}': the source returned an empty batch.");
        }

        return new DataBatch(columns, widths!, 0, rows);
    }
}
