using System.Runtime.InteropServices;
using Downhill.Cuda.Native;

namespace Downhill.Cuda;

/// <summary>
/// One NVIDIA GPU and its primary context (<c>cuDevicePrimaryCtxRetain</c>: the context the CUDA runtime and
/// libraries such as PyTorch share, rather than a context of its own): device buffers, modules compiled by NVRTC
/// and cached by the hash of their source (<see cref="ModuleCache"/>), kernel launches and events. Every driver
/// call is checked (<see cref="CudaException"/>). A machine without a driver or a device is an ordinary outcome
/// of <see cref="TryOpen"/>, not a crash. Operations make the context current on the calling thread first, so a
/// device may be used from any thread, one at a time.
/// </summary>
public sealed class CudaDevice : IDisposable
{
    private static readonly Lock InitLock = new();
    private static string? initFailure;
    private static bool initialized;

    private readonly Dictionary<string, CudaModule> modules = new(StringComparer.Ordinal);
    private nint context;

    private unsafe CudaDevice(int ordinal)
    {
        int device;
        CudaException.Check(CudaDriverNative.DeviceGet(&device, ordinal), "cuDeviceGet", $"device {ordinal}");
        Ordinal = ordinal;
        Handle = device;
        byte* name = stackalloc byte[256];
        CudaException.Check(CudaDriverNative.DeviceGetName(name, 256, device), "cuDeviceGetName");
        Name = Marshal.PtrToStringUTF8((nint)name) ?? "";
        ComputeCapability = new Version(Attribute(75), Attribute(76));
        MultiprocessorCount = Attribute(16);
        MaxThreadsPerBlock = Attribute(1);
        nuint total;
        CudaException.Check(CudaDriverNative.DeviceTotalMem(&total, device), "cuDeviceTotalMem");
        TotalMemory = (long)total;
        int version;
        CudaException.Check(CudaDriverNative.DriverGetVersion(&version), "cuDriverGetVersion");
        DriverVersion = new Version(version / 1000, version % 1000 / 10);
        nint ctx;
        CudaException.Check(CudaDriverNative.DevicePrimaryCtxRetain(&ctx, device), "cuDevicePrimaryCtxRetain", $"device {ordinal} ({Name})");
        context = ctx;
    }

    /// <summary>The device's ordinal (0 for the first GPU).</summary>
    public int Ordinal { get; }

    /// <summary>The driver's name of the device, e.g. <c>NVIDIA H200</c>.</summary>
    public string Name { get; }

    /// <summary>The compute capability, e.g. 9.0.</summary>
    public Version ComputeCapability { get; }

    /// <summary>The NVRTC virtual architecture for this device, e.g. <c>compute_90</c>.</summary>
    public string Architecture => $"compute_{ComputeCapability.Major}{ComputeCapability.Minor}";

    /// <summary>Streaming multiprocessors.</summary>
    public int MultiprocessorCount { get; }

    /// <summary>The most threads one block may have.</summary>
    public int MaxThreadsPerBlock { get; }

    /// <summary>Device memory in bytes.</summary>
    public long TotalMemory { get; }

    /// <summary>The CUDA version the driver supports, e.g. 13.0.</summary>
    public Version DriverVersion { get; }

    /// <summary>The PTX cache <see cref="LoadModule"/> uses (default: <see cref="ModuleCache.Default"/>).</summary>
    public ModuleCache Cache { get; set; } = ModuleCache.Default;

    internal int Handle { get; }

    /// <summary>
    /// Whether a CUDA driver and at least one device are present (the driver is loaded and <c>cuInit</c> run once
    /// per process); <paramref name="reason"/> says what is missing otherwise.
    /// </summary>
    public static unsafe bool IsAvailable(out string reason)
    {
        lock (InitLock)
        {
            if (!initialized)
            {
                initialized = true;
                initFailure = Probe();
            }
        }

        reason = initFailure ?? "";
        return initFailure is null;
    }

    /// <summary>
    /// Opens GPU <paramref name="ordinal"/> with a context of its own, or returns false with the reason: no driver
    /// (<c>libcuda.so.1</c> not found), <c>cuInit</c> failed, no device, or no device with that ordinal.
    /// </summary>
    /// <param name="device">The open device, null when there is none.</param>
    /// <param name="reason">Why there is no device (empty on success).</param>
    /// <param name="ordinal">Which GPU (0: the first).</param>
    public static unsafe bool TryOpen(out CudaDevice? device, out string reason, int ordinal = 0)
    {
        device = null;
        if (!IsAvailable(out reason))
        {
            return false;
        }

        int count;
        CudaException.Check(CudaDriverNative.DeviceGetCount(&count), "cuDeviceGetCount");
        if (ordinal < 0 || ordinal >= count)
        {
            reason = $"there is no CUDA device {ordinal} (the driver sees {count})";
            return false;
        }

        device = new CudaDevice(ordinal);
        return true;
    }

    /// <summary>Opens GPU <paramref name="ordinal"/>, or throws <see cref="CudaUnavailableException"/> saying why there is none.</summary>
    public static CudaDevice Open(int ordinal = 0) =>
        TryOpen(out CudaDevice? device, out string reason, ordinal) ? device! : throw new CudaUnavailableException(reason);

    /// <summary>Allocates an uninitialized buffer of <paramref name="count"/> elements.</summary>
    public DeviceBuffer<T> Allocate<T>(long count)
        where T : unmanaged => new(this, count);

    /// <summary>Allocates a buffer holding a copy of <paramref name="values"/>.</summary>
    public DeviceBuffer<T> Upload<T>(ReadOnlySpan<T> values)
        where T : unmanaged
    {
        var buffer = new DeviceBuffer<T>(this, Math.Max(1, values.Length));
        buffer.CopyFrom(values);
        return buffer;
    }

    /// <summary>
    /// The module of <paramref name="source"/> compiled for this device's architecture, from this device's modules,
    /// else from <see cref="Cache"/>'s PTX (memory, then disk), else compiled by NVRTC.
    /// </summary>
    /// <param name="source">A CUDA C translation unit.</param>
    /// <param name="options">NVRTC options beyond the architecture.</param>
    public unsafe CudaModule LoadModule(string source, IReadOnlyList<string>? options = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        string key = ModuleCache.Key(source, Architecture, options ?? []);
        lock (modules)
        {
            if (modules.TryGetValue(key, out CudaModule? loaded))
            {
                return loaded;
            }

            string ptx = Cache.GetOrCompile(source, Architecture, options ?? []);
            MakeCurrent();
            byte[] image = [.. System.Text.Encoding.UTF8.GetBytes(ptx), 0];
            nint module;
            fixed (byte* p = image)
            {
                CudaException.Check(CudaDriverNative.ModuleLoadData(&module, p), "cuModuleLoadData", $"PTX {key[..12]} for {Architecture}");
            }

            var result = new CudaModule(this, module, key);
            modules.Add(key, result);
            return result;
        }
    }

    /// <summary>Waits until every launch and copy issued so far has finished (<c>cuCtxSynchronize</c>).</summary>
    public void Synchronize()
    {
        MakeCurrent();
        CudaException.Check(CudaDriverNative.CtxSynchronize(), "cuCtxSynchronize");
    }

    /// <summary>Creates an event for timing launches (<see cref="CudaEvent.ElapsedMilliseconds"/>).</summary>
    public CudaEvent CreateEvent() => new(this);

    /// <summary>Unloads the modules and releases the primary context; buffers must be disposed first.</summary>
    public void Dispose()
    {
        if (context == 0)
        {
            return;
        }

        MakeCurrent();
        lock (modules)
        {
            foreach (CudaModule m in modules.Values)
            {
                m.Unload();
            }

            modules.Clear();
        }

        CudaDriverNative.DevicePrimaryCtxRelease(Handle);
        context = 0;
    }

    /// <summary>Makes this device's context current on the calling thread.</summary>
    internal void MakeCurrent()
    {
        ObjectDisposedException.ThrowIf(context == 0, this);
        CudaException.Check(CudaDriverNative.CtxSetCurrent(context), "cuCtxSetCurrent");
    }

    /// <summary>Loads the driver, runs <c>cuInit</c> and counts devices; the reason there is no GPU, or null.</summary>
    private static unsafe string? Probe()
    {
        if (CudaLibraries.TryDriver(out string? missing) is null)
        {
            return $"no CUDA driver: {missing}";
        }

        try
        {
            int init = CudaDriverNative.Init(0);
            if (init != 0)
            {
                return $"the CUDA driver did not start: {CudaException.From(init, "cuInit").Message}";
            }

            int count;
            CudaException.Check(CudaDriverNative.DeviceGetCount(&count), "cuDeviceGetCount");
            return count == 0 ? "the CUDA driver sees no device" : null;
        }
        catch (EntryPointNotFoundException e)
        {
            return $"the CUDA driver library lacks an entry point: {e.Message}";
        }
    }

    private unsafe int Attribute(int attribute)
    {
        int value;
        CudaException.Check(CudaDriverNative.DeviceGetAttribute(&value, attribute, Handle), "cuDeviceGetAttribute", $"attribute {attribute}");
        return value;
    }
}
