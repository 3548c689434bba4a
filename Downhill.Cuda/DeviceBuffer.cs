using System.Runtime.CompilerServices;
using Downhill.Cuda.Native;

namespace Downhill.Cuda;

/// <summary>Device memory holding <see cref="Length"/> elements of <typeparamref name="T"/> (<c>cuMemAlloc</c>); freed by <see cref="Dispose"/>.</summary>
/// <typeparam name="T">The element type.</typeparam>
public sealed unsafe class DeviceBuffer<T> : IDisposable
    where T : unmanaged
{
    private readonly CudaDevice device;

    internal DeviceBuffer(CudaDevice device, long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        this.device = device;
        Length = length;
        device.MakeCurrent();
        ulong pointer;
        CudaException.Check(CudaDriverNative.MemAlloc(&pointer, (nuint)Bytes), "cuMemAlloc", $"{Bytes} bytes for {length} {typeof(T).Name}");
        Pointer = pointer;
    }

    /// <summary>Elements in the buffer.</summary>
    public long Length { get; }

    /// <summary>The buffer's size in bytes.</summary>
    public long Bytes => Length * Unsafe.SizeOf<T>();

    /// <summary>The device address, as a kernel argument takes it.</summary>
    public ulong Pointer { get; private set; }

    /// <summary>Copies <paramref name="values"/> to the start of the buffer (<c>cuMemcpyHtoD</c>).</summary>
    public void CopyFrom(ReadOnlySpan<T> values, long offset = 0)
    {
        Check(offset, values.Length);
        if (values.IsEmpty)
        {
            return;
        }

        device.MakeCurrent();
        fixed (T* p = values)
        {
            CudaException.Check(CudaDriverNative.MemcpyHtoD(Pointer + (ulong)(offset * sizeof(T)), p, (nuint)(values.Length * sizeof(T))), "cuMemcpyHtoD");
        }
    }

    /// <summary>Copies the buffer's elements from <paramref name="offset"/> into <paramref name="destination"/> (<c>cuMemcpyDtoH</c>).</summary>
    public void CopyTo(Span<T> destination, long offset = 0)
    {
        Check(offset, destination.Length);
        if (destination.IsEmpty)
        {
            return;
        }

        device.MakeCurrent();
        fixed (T* p = destination)
        {
            CudaException.Check(CudaDriverNative.MemcpyDtoH(p, Pointer + (ulong)(offset * sizeof(T)), (nuint)(destination.Length * sizeof(T))), "cuMemcpyDtoH");
        }
    }

    /// <summary>A host copy of the whole buffer.</summary>
    public T[] ToArray()
    {
        var result = new T[Length];
        CopyTo(result);
        return result;
    }

    /// <summary>Copies this buffer's contents into <paramref name="destination"/> on the device (<c>cuMemcpyDtoD</c>).</summary>
    public void CopyTo(DeviceBuffer<T> destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (destination.Length < Length)
        {
            throw new ArgumentException($"The destination holds {destination.Length} elements; this buffer has {Length}.", nameof(destination));
        }

        device.MakeCurrent();
        CudaException.Check(CudaDriverNative.MemcpyDtoD(destination.Pointer, Pointer, (nuint)Bytes), "cuMemcpyDtoD");
    }

    /// <summary>Sets every byte of the buffer to zero (<c>cuMemsetD8</c>).</summary>
    public void Clear()
    {
        device.MakeCurrent();
        CudaException.Check(CudaDriverNative.MemsetD8(Pointer, 0, (nuint)Bytes), "cuMemsetD8");
    }

    /// <summary>Frees the device memory.</summary>
    public void Dispose()
    {
        if (Pointer != 0)
        {
            device.MakeCurrent();
            CudaDriverNative.MemFree(Pointer);
            Pointer = 0;
        }
    }

    private void Check(long offset, int count)
    {
        ObjectDisposedException.ThrowIf(Pointer == 0, this);
        if (offset < 0 || offset + count > Length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"Elements {offset}..{offset + count} do not fit in a buffer of {Length}.");
        }
    }
}
