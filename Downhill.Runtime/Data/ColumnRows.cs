using System.Numerics;

namespace Downhill;

/// <summary>Where a streaming data set reads one column's rows from: a batch buffer is filled by <see cref="Copy(int, int, Array)"/>.</summary>
internal abstract class ColumnRows
{
    /// <summary>Copies rows [<paramref name="firstRow"/>, +<paramref name="count"/>) to the start of <paramref name="destination"/>.</summary>
    public abstract void Copy(int firstRow, int count, Array destination);

    /// <summary>Copies the rows <paramref name="rows"/>, in that order, to the start of <paramref name="destination"/>.</summary>
    public abstract void Copy(ReadOnlySpan<int> rows, Array destination);
}

/// <summary>Rows of an array column (already converted to the batch's element type).</summary>
internal sealed class ArrayRows<TElement>(TElement[] values, int width) : ColumnRows
{
    public override void Copy(int firstRow, int count, Array destination) =>
        values.AsSpan(firstRow * width, count * width).CopyTo((TElement[])destination);

    public override void Copy(ReadOnlySpan<int> rows, Array destination)
    {
        var to = (TElement[])destination;
        for (int i = 0; i < rows.Length; i++)
        {
            values.AsSpan(rows[i] * width, width).CopyTo(to.AsSpan(i * width, width));
        }
    }
}

/// <summary>Rows of a memory-mapped column, converted to <typeparamref name="TElement"/> as they are read.</summary>
internal sealed class NpyRows<TElement>(NpyArray npy) : ColumnRows
    where TElement : unmanaged, INumberBase<TElement>
{
    public override void Copy(int firstRow, int count, Array destination) => npy.CopyRows(firstRow, count, ((TElement[])destination).AsSpan());

    public override void Copy(ReadOnlySpan<int> rows, Array destination) => npy.CopyRows(rows, ((TElement[])destination).AsSpan());
}
