using System.Text;
using Downhill.Cuda.Native;

namespace Downhill.Cuda;

/// <summary>A module loaded into a device (<c>cuModuleLoadData</c>); unloaded with its <see cref="CudaDevice"/>.</summary>
public sealed class CudaModule
{
    private readonly CudaDevice device;
    private readonly Dictionary<string, CudaKernel> kernels = new(StringComparer.Ordinal);
    private nint handle;

    internal CudaModule(CudaDevice device, nint handle, string key)
    {
        this.device = device;
        this.handle = handle;
        Key = key;
    }

    /// <summary>The hash of the source, architecture and options it was compiled from (<see cref="ModuleCache.Key"/>).</summary>
    public string Key { get; }

    /// <summary>The kernel <paramref name="name"/> (an <c>extern "C" __global__</c> function) of this module (<c>cuModuleGetFunction</c>).</summary>
    public unsafe CudaKernel GetKernel(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        lock (kernels)
        {
            if (!kernels.TryGetValue(name, out CudaKernel? kernel))
            {
                ObjectDisposedException.ThrowIf(handle == 0, this);
                device.MakeCurrent();
                byte[] bytes = [.. Encoding.UTF8.GetBytes(name), 0];
                nint function;
                fixed (byte* p = bytes)
                {
                    CudaException.Check(CudaDriverNative.ModuleGetFunction(&function, handle, p), "cuModuleGetFunction", $"kernel '{name}'");
                }

                kernel = new CudaKernel(device, function, name);
                kernels.Add(name, kernel);
            }

            return kernel;
        }
    }

    internal void Unload()
    {
        if (handle != 0)
        {
            CudaDriverNative.ModuleUnload(handle);
            handle = 0;
        }
    }
}

/// <summary>A kernel of a <see cref="CudaModule"/>, launched with <see cref="Launch"/>.</summary>
public sealed class CudaKernel
{
    private readonly CudaDevice device;
    private readonly nint function;

    internal CudaKernel(CudaDevice device, nint function, string name)
    {
        this.device = device;
        this.function = function;
        Name = name;
    }

    /// <summary>The kernel's name.</summary>
    public string Name { get; }

    /// <summary>
    /// Launches the kernel on the default stream (<c>cuLaunchKernel</c>) over <paramref name="blocks"/> blocks of
    /// <paramref name="threads"/> threads with <paramref name="sharedBytes"/> of dynamic shared memory. The launch is
    /// asynchronous: a later copy to the host, <see cref="CudaDevice.Synchronize"/> or an event waits for it.
    /// </summary>
    /// <param name="blocks">Blocks in the grid (x).</param>
    /// <param name="threads">Threads per block (x).</param>
    /// <param name="sharedBytes">Dynamic shared memory per block.</param>
    /// <param name="arguments">The kernel's arguments, in its parameter order.</param>
    public unsafe void Launch(int blocks, int threads, int sharedBytes, KernelArguments arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blocks);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threads);
        ArgumentOutOfRangeException.ThrowIfNegative(sharedBytes);
        device.MakeCurrent();
        ulong[] slots = arguments.Slots;
        fixed (ulong* values = slots)
        {
            void** pointers = stackalloc void*[Math.Max(1, slots.Length)];
            for (int i = 0; i < slots.Length; i++)
            {
                pointers[i] = values + i;
            }

            CudaException.Check(
                CudaDriverNative.LaunchKernel(function, (uint)blocks, 1, 1, (uint)threads, 1, 1, (uint)sharedBytes, 0, pointers, null),
                "cuLaunchKernel",
                $"kernel '{Name}', {blocks}×{threads} threads, {arguments.Count} arguments");
        }
    }
}

/// <summary>
/// A kernel's argument list: each argument in an 8-byte slot (the driver reads as many bytes as the parameter's
/// type has, from the slot's start, so a little-endian int or float fits).
/// </summary>
public sealed class KernelArguments
{
    private readonly List<ulong> slots = [];

    /// <summary>The number of arguments.</summary>
    public int Count => slots.Count;

    internal ulong[] Slots => [.. slots];

    /// <summary>Adds a device buffer's address (a <c>T*</c> parameter).</summary>
    public KernelArguments Add<T>(DeviceBuffer<T> buffer)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(buffer);
        slots.Add(buffer.Pointer);
        return this;
    }

    /// <summary>Adds an <c>int</c> parameter.</summary>
    public KernelArguments Add(int value)
    {
        slots.Add((uint)value);
        return this;
    }

    /// <summary>Adds a <c>long long</c> parameter.</summary>
    public KernelArguments Add(long value)
    {
        slots.Add((ulong)value);
        return this;
    }

    /// <summary>Adds a <c>double</c> parameter.</summary>
    public KernelArguments Add(double value)
    {
        slots.Add(BitConverter.DoubleToUInt64Bits(value));
        return this;
    }

    /// <summary>Adds a <c>float</c> parameter.</summary>
    public KernelArguments Add(float value)
    {
        slots.Add(BitConverter.SingleToUInt32Bits(value));
        return this;
    }

    /// <summary>Adds a raw device address (a <c>T*</c> parameter), e.g. an offset into a buffer.</summary>
    public KernelArguments AddPointer(ulong address)
    {
        slots.Add(address);
        return this;
    }
}
