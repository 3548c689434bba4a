using System.Numerics;

namespace Downhill.Cuda.Training;

/// <summary>
/// One batch's data on the device in the generated kernels' layout (docs/cuda.md, Data layout): the real columns,
/// then separately the int columns, each lane-major (element j of row r at <c>base + j·rows + r</c>), and the
/// <c>shape</c> array (parameter lengths, then column widths).
/// </summary>
internal sealed class DeviceBatch : IDisposable
{
    private DeviceBatch(int rows, int firstRow, DeviceBuffer<int> shape, IDisposable? real, IDisposable? integer, long bytes)
    {
        Rows = rows;
        FirstRow = firstRow;
        Shape = shape;
        RealBuffer = real;
        Int = (DeviceBuffer<int>?)integer;
        Bytes = bytes;
        Blocks = Math.Max(1, (rows + CudaEvaluator<double>.ThreadsPerBlock - 1) / CudaEvaluator<double>.ThreadsPerBlock);
    }

    public int Rows { get; }

    /// <summary>The data set's row that is the batch's row 0 (an error record's row is counted from it).</summary>
    public int FirstRow { get; }

    public int Blocks { get; }

    public DeviceBuffer<int> Shape { get; }

    public IDisposable? RealBuffer { get; }

    public DeviceBuffer<int>? Int { get; }

    /// <summary>The real data's device address holder (typed by the caller's element type).</summary>
    public IDeviceAddress? Real => RealBuffer as IDeviceAddress;

    /// <summary>Device bytes held.</summary>
    public long Bytes { get; }

    /// <summary>Transposes the batch's rows to lane-major order and uploads them with the shape array.</summary>
    public static DeviceBatch Upload<T>(CudaDevice device, LossSchema schema, int[] sizes, in DataBatch batch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = batch.Rows;
        int[] shape = [.. sizes, .. batch.Widths];
        long realCount = 0, intCount = 0;
        for (int c = 0; c < schema.Data.Count; c++)
        {
            if (schema.Data[c].IsInteger)
            {
                intCount += (long)rows * batch.Widths[c];
            }
            else
            {
                realCount += (long)rows * batch.Widths[c];
            }
        }

        var real = new T[realCount];
        var ints = new int[intCount];
        long realBase = 0, intBase = 0;
        for (int c = 0; c < schema.Data.Count; c++)
        {
            int w = batch.Widths[c];
            if (schema.Data[c].IsInteger)
            {
                LaneMajor((int[])batch.Columns[c], w, batch.Offset, rows, ints.AsSpan((int)intBase));
                intBase += (long)rows * w;
            }
            else
            {
                LaneMajor((T[])batch.Columns[c], w, batch.Offset, rows, real.AsSpan((int)realBase));
                realBase += (long)rows * w;
            }
        }

        DeviceBuffer<int> shapeBuffer = device.Upload<int>(shape.Length == 0 ? [0] : shape);
        RealData<T>? realBuffer = realCount > 0 ? new RealData<T>(device.Upload<T>(real)) : null;
        DeviceBuffer<int>? intBuffer = intCount > 0 ? device.Upload<int>(ints) : null;
        long bytes = (realCount * System.Runtime.CompilerServices.Unsafe.SizeOf<T>()) + (intCount * sizeof(int)) + (shape.Length * sizeof(int));
        return new DeviceBatch(rows, batch.Offset, shapeBuffer, realBuffer, intBuffer, bytes);
    }

    /// <summary>Rows <c>offset..offset+rows</c> of a row-major column of width <paramref name="width"/>, element-major.</summary>
    internal static void LaneMajor<TElement>(TElement[] column, int width, int offset, int rows, Span<TElement> destination)
    {
        for (int r = 0; r < rows; r++)
        {
            int from = (offset + r) * width;
            for (int j = 0; j < width; j++)
            {
                destination[(j * rows) + r] = column[from + j];
            }
        }
    }

    public void Dispose()
    {
        Shape.Dispose();
        RealBuffer?.Dispose();
        Int?.Dispose();
    }

    /// <summary>A device address whose element type the batch does not need to know.</summary>
    internal interface IDeviceAddress
    {
        ulong Pointer { get; }
    }

    private sealed class RealData<T>(DeviceBuffer<T> buffer) : IDeviceAddress, IDisposable
        where T : unmanaged
    {
        public ulong Pointer => buffer.Pointer;

        public void Dispose() => buffer.Dispose();
    }
}
