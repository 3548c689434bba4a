namespace Downhill.Cuda.Tests;

/// <summary>Without a driver or a device, opening a GPU is an ordinary outcome with a reason, never a crash.</summary>
public class DriverTests
{
    [Fact]
    public void No_driver_is_a_clean_outcome_with_the_reason()
    {
        if (CudaTools.DriverLibraryPresent)
        {
            // A machine with a driver: the outcome is a device, or a reason that is not a missing library.
            bool available = CudaDevice.IsAvailable(out string why);
            Assert.True(available || !why.StartsWith("no CUDA driver", StringComparison.Ordinal), why);
            return;
        }

        bool opened = CudaDevice.TryOpen(out CudaDevice? device, out string reason);

        Assert.False(opened);
        Assert.Null(device);
        Assert.StartsWith("no CUDA driver: the CUDA driver was not found. Tried: libcuda.so.1 (the loader): not found", reason, StringComparison.Ordinal);
        var e = Assert.Throws<CudaUnavailableException>(() => CudaDevice.Open());
        Assert.Equal(reason, e.Message);
        Assert.False(CudaDevice.IsAvailable(out string again));
        Assert.Equal(reason, again);
    }

    [GpuFact]
    public void A_device_runs_a_kernel_and_times_it()
    {
        using CudaDevice device = CudaDevice.Open();
        double[] x = [.. Enumerable.Range(0, 1000).Select(i => i * 0.5)];
        using DeviceBuffer<double> input = device.Upload<double>(x);
        using DeviceBuffer<double> partials = device.Allocate<double>(4);
        CudaKernel kernel = device.LoadModule(NvrtcTests.Kernel).GetKernel("scaled_sum");
        using CudaEvent start = device.CreateEvent(), end = device.CreateEvent();

        start.Record();
        kernel.Launch(4, 256, 0, new KernelArguments().Add(x.Length).Add(2.0).Add(input).Add(partials));
        end.Record();

        double[] sums = partials.ToArray();
        Assert.Equal(2 * x.Sum(), sums.Sum(), 9);
        Assert.True(CudaEvent.ElapsedMilliseconds(start, end) >= 0);
        Assert.Same(device.LoadModule(NvrtcTests.Kernel), device.LoadModule(NvrtcTests.Kernel));
    }
}
