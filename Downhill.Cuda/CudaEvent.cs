using Downhill.Cuda.Native;

namespace Downhill.Cuda;

/// <summary>A CUDA event on the default stream, for timing launches: record one before and one after, then <see cref="ElapsedMilliseconds"/>.</summary>
public sealed class CudaEvent : IDisposable
{
    private readonly CudaDevice device;
    private nint handle;

    internal unsafe CudaEvent(CudaDevice device)
    {
        this.device = device;
        device.MakeCurrent();
        nint e;
        CudaException.Check(CudaDriverNative.EventCreate(&e, 0), "cuEventCreate");
        handle = e;
    }

    /// <summary>Records the event after everything issued so far (<c>cuEventRecord</c>).</summary>
    public void Record()
    {
        ObjectDisposedException.ThrowIf(handle == 0, this);
        device.MakeCurrent();
        CudaException.Check(CudaDriverNative.EventRecord(handle, 0), "cuEventRecord");
    }

    /// <summary>Waits for the event (<c>cuEventSynchronize</c>).</summary>
    public void Synchronize()
    {
        ObjectDisposedException.ThrowIf(handle == 0, this);
        device.MakeCurrent();
        CudaException.Check(CudaDriverNative.EventSynchronize(handle), "cuEventSynchronize");
    }

    /// <summary>Milliseconds between <paramref name="start"/> and <paramref name="end"/>, waiting for <paramref name="end"/> (<c>cuEventElapsedTime</c>).</summary>
    public static unsafe float ElapsedMilliseconds(CudaEvent start, CudaEvent end)
    {
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(end);
        end.Synchronize();
        float ms;
        CudaException.Check(CudaDriverNative.EventElapsedTime(&ms, start.handle, end.handle), "cuEventElapsedTime");
        return ms;
    }

    /// <summary>Destroys the event.</summary>
    public void Dispose()
    {
        if (handle != 0)
        {
            device.MakeCurrent();
            CudaDriverNative.EventDestroy(handle);
            handle = 0;
        }
    }
}
