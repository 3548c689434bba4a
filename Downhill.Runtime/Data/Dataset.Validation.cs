using System.Numerics;

namespace Downhill;

/// <summary>The checks of a data set's columns (kinds, lengths, widths, names, finite values) and their conversion to the loss's element types.</summary>
public sealed partial class Dataset
{
    private void CheckNames(LossSchema schema, int count)
    {
        IReadOnlyList<DataSpec> data = schema.Data;
        if (count != data.Count)
        {
            throw new ArgumentException($"Data set '{Name}' has {count} columns; the loss {schema.Name} takes {data.Count} data arguments ({string.Join(", ", data.Select(d => d.Name))}).");
        }

        if (explicitNames && !names.SequenceEqual(data.Select(d => d.Name)))
        {
            throw new ArgumentException($"Data set '{Name}' has columns ({string.Join(", ", names)}); the loss {schema.Name} takes ({string.Join(", ", data.Select(d => d.Name))}) in that order.");
        }
    }

    private int Describe()
    {
        if (sources.Length == 0)
        {
            return 1;
        }

        int rows = -1;
        for (int c = 0; c < sources.Length; c++)
        {
            int r = Info(sources[c], c).Rows;
            if (r == 0)
            {
                throw new ArgumentException($"Data set '{Name}', column '{names[c]}' is empty: a data set needs at least one row.");
            }

            if (rows >= 0 && r != rows)
            {
                throw new ArgumentException($"Data set '{Name}': column lengths differ: '{names[0]}' has {rows} rows, '{names[c]}' has {r}.");
            }

            rows = r;
        }

        return rows;
    }

    private static string Describe(object source) => source is NpyArray n ? $"{n.DType} {n.Path}" : source.GetType().Name;

    private (int Rows, int Width, bool IsInteger, bool IsRow) Info(object source, int c)
    {
        switch (source)
        {
            case null:
                throw new ArgumentException($"Data set '{Name}', column '{ColumnName(c)}' is null.");
            case NpyArray n:
                return (n.Rows, n.Width, n.IsInteger, n.Shape.Count > 1);
            case double[] or float[] or int[] or long[]:
                return (((Array)source).Length, 1, source is int[] or long[], false);
            case double[,] or float[,] or int[,] or long[,]:
                var a2 = (Array)source;
                return (a2.GetLength(0), a2.GetLength(1), source is int[,] or long[,], true);
            case double[][] or float[][] or int[][]:
                var jag = (Array)source;
                int w = -1;
                for (int r = 0; r < jag.Length; r++)
                {
                    Array row = (Array?)jag.GetValue(r) ?? throw new ArgumentException($"Data set '{Name}', column '{ColumnName(c)}', row {r} is null.");
                    if (w >= 0 && row.Length != w)
                    {
                        throw new ArgumentException($"Data set '{Name}', column '{ColumnName(c)}', row {r} has width {row.Length}; row 0 has width {w}. Every row of a column must have the same width.");
                    }

                    w = row.Length;
                }

                return (jag.Length, Math.Max(w, 0), source is int[][], true);
            default:
                throw new ArgumentException($"Data set '{Name}', column '{ColumnName(c)}' is a {source.GetType().Name}; supported: double[], float[], int[], long[] (one value per row) and double[,], float[,], int[,], double[][], float[][], int[][] or NpyArray (rows).");
        }
    }

    private string ColumnName(int c) => c < names.Length ? names[c] : $"column {c}";

    private T[] ConvertReal<T>(object source, int c)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Array? buffer = null;
        return ConvertRealInto<T>(source, c, ref buffer);
    }

    private T[] ConvertRealInto<T>(object source, int c, ref Array? buffer)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        (int rows, int w, _, _) = Info(source, c);
        int n = checked(rows * w);
        if (buffer is not T[] result || result.Length != n)
        {
            result = new T[n];
            buffer = result;
        }

        switch (source)
        {
            case NpyArray npy:
                npy.CopyTo<T>(result);
                break;
            case double[] d:
                for (int i = 0; i < n; i++)
                {
                    result[i] = T.CreateTruncating(d[i]);
                }

                break;
            case float[] f:
                for (int i = 0; i < n; i++)
                {
                    result[i] = T.CreateTruncating(f[i]);
                }

                break;
            case double[,] d2:
                Copy2D(d2, result);
                break;
            case float[,] f2:
                Copy2D(f2, result);
                break;
            case double[][] dj:
                for (int r = 0; r < rows; r++)
                {
                    for (int j = 0; j < w; j++)
                    {
                        result[(r * w) + j] = T.CreateTruncating(dj[r][j]);
                    }
                }

                break;
            case float[][] fj:
                for (int r = 0; r < rows; r++)
                {
                    for (int j = 0; j < w; j++)
                    {
                        result[(r * w) + j] = T.CreateTruncating(fj[r][j]);
                    }
                }

                break;
            default:
                throw new ArgumentException($"Data set '{Name}', column '{ColumnName(c)}': {source.GetType().Name} cannot be read as real data.");
        }

        return CheckFinite(result, c, w);
    }

    private T[] CheckFinite<T>(T[] values, int c, int width)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckFinite<T>(values, c, width, 0);
        return values;
    }

    /// <summary>Throws for the first NaN or infinity of <paramref name="values"/>, rows <paramref name="firstRow"/> on of column <paramref name="c"/>.</summary>
    private void CheckFinite<T>(ReadOnlySpan<T> values, int c, int width, int firstRow)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!T.IsFinite(values[i]))
            {
                string what = T.IsNaN(values[i]) ? "NaN" : "an infinity";
                int row = firstRow + (i / width);
                string where = width == 1 ? $"row {row}" : $"row {row}, element {i % width}";
                throw new ArgumentException($"Data set '{Name}', column '{ColumnName(c)}' holds {what} at {where}{(typeof(T) == typeof(float) ? " (after conversion to float)" : string.Empty)}; data must be finite.");
            }
        }
    }

    private static void Copy2D<TFrom, T>(TFrom[,] from, T[] to)
        where TFrom : unmanaged, INumberBase<TFrom>
        where T : unmanaged, INumberBase<T>
    {
        int k = 0;
        foreach (TFrom x in from)
        {
            to[k++] = T.CreateTruncating(x);
        }
    }

    private int[] ConvertInt(object source, int c)
    {
        switch (source)
        {
            case int[] i:
                return i;
            case NpyArray npy:
                if (npy.DType == "<i8")
                {
                    return CheckedInts(npy.ToArray<long>(), c, npy.Width);
                }

                return npy.ToArray<int>();
            case long[] l:
                return CheckedInts(l, c, 1);
            case long[,] l2:
                var flat = new long[l2.Length];
                Copy2D(l2, flat);
                return CheckedInts(flat, c, l2.GetLength(1));
            case int[,] i2:
                var res = new int[i2.Length];
                Copy2D(i2, res);
                return res;
            case int[][] ij:
                return [.. ij.SelectMany(r => r)];
            default:
                throw new ArgumentException($"Data set '{Name}', column '{ColumnName(c)}': {source.GetType().Name} cannot be read as integer data.");
        }
    }

    private int[] CheckedInts(long[] values, int c, int width)
    {
        CheckFitsInt(values, c, width, 0);
        var result = new int[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            result[i] = (int)values[i];
        }

        return result;
    }

    /// <summary>Throws for the first value of <paramref name="values"/> (rows <paramref name="firstRow"/> on) outside the int range.</summary>
    private void CheckFitsInt(ReadOnlySpan<long> values, int c, int width, int firstRow)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (values[i] is < int.MinValue or > int.MaxValue)
            {
                throw new ArgumentException($"Data set '{Name}', column '{ColumnName(c)}': the value {values[i]} at row {firstRow + (i / width)} does not fit in an int.");
            }
        }
    }
}
