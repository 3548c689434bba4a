using System.Runtime.InteropServices;

namespace Downhill.Cuda.Native;

/// <summary>
/// The CUDA driver API entry points this project uses (cuda.h), bound to the driver library that
/// <see cref="CudaLibraries"/> resolves for <see cref="LibraryName"/>. Where cuda.h maps a name to a versioned
/// symbol (<c>#define cuMemAlloc cuMemAlloc_v2</c>), the versioned symbol is bound. Results are checked by the
/// callers through <see cref="CudaException.Check"/>.
/// </summary>
internal static unsafe partial class CudaDriverNative
{
    /// <summary>The name the resolver maps to the driver library it found.</summary>
    public const string LibraryName = "downhill-cuda";

    [LibraryImport(LibraryName, EntryPoint = "cuInit")]
    public static partial int Init(uint flags);

    [LibraryImport(LibraryName, EntryPoint = "cuDriverGetVersion")]
    public static partial int DriverGetVersion(int* version);

    [LibraryImport(LibraryName, EntryPoint = "cuGetErrorName")]
    public static partial int GetErrorName(int error, byte** name);

    [LibraryImport(LibraryName, EntryPoint = "cuGetErrorString")]
    public static partial int GetErrorString(int error, byte** text);

    [LibraryImport(LibraryName, EntryPoint = "cuDeviceGetCount")]
    public static partial int DeviceGetCount(int* count);

    [LibraryImport(LibraryName, EntryPoint = "cuDeviceGet")]
    public static partial int DeviceGet(int* device, int ordinal);

    [LibraryImport(LibraryName, EntryPoint = "cuDeviceGetName")]
    public static partial int DeviceGetName(byte* name, int length, int device);

    [LibraryImport(LibraryName, EntryPoint = "cuDeviceGetAttribute")]
    public static partial int DeviceGetAttribute(int* value, int attribute, int device);

    [LibraryImport(LibraryName, EntryPoint = "cuDeviceTotalMem_v2")]
    public static partial int DeviceTotalMem(nuint* bytes, int device);

    [LibraryImport(LibraryName, EntryPoint = "cuDevicePrimaryCtxRetain")]
    public static partial int DevicePrimaryCtxRetain(nint* context, int device);

    [LibraryImport(LibraryName, EntryPoint = "cuDevicePrimaryCtxRelease_v2")]
    public static partial int DevicePrimaryCtxRelease(int device);

    [LibraryImport(LibraryName, EntryPoint = "cuCtxSetCurrent")]
    public static partial int CtxSetCurrent(nint context);

    [LibraryImport(LibraryName, EntryPoint = "cuCtxSynchronize")]
    public static partial int CtxSynchronize();

    [LibraryImport(LibraryName, EntryPoint = "cuModuleLoadData")]
    public static partial int ModuleLoadData(nint* module, byte* image);

    [LibraryImport(LibraryName, EntryPoint = "cuModuleUnload")]
    public static partial int ModuleUnload(nint module);

    [LibraryImport(LibraryName, EntryPoint = "cuModuleGetFunction")]
    public static partial int ModuleGetFunction(nint* function, nint module, byte* name);

    [LibraryImport(LibraryName, EntryPoint = "cuMemAlloc_v2")]
    public static partial int MemAlloc(ulong* pointer, nuint bytes);

    [LibraryImport(LibraryName, EntryPoint = "cuMemFree_v2")]
    public static partial int MemFree(ulong pointer);

    [LibraryImport(LibraryName, EntryPoint = "cuMemcpyHtoD_v2")]
    public static partial int MemcpyHtoD(ulong destination, void* source, nuint bytes);

    [LibraryImport(LibraryName, EntryPoint = "cuMemcpyDtoH_v2")]
    public static partial int MemcpyDtoH(void* destination, ulong source, nuint bytes);

    [LibraryImport(LibraryName, EntryPoint = "cuMemcpyDtoD_v2")]
    public static partial int MemcpyDtoD(ulong destination, ulong source, nuint bytes);

    [LibraryImport(LibraryName, EntryPoint = "cuMemsetD8_v2")]
    public static partial int MemsetD8(ulong destination, byte value, nuint count);

    [LibraryImport(LibraryName, EntryPoint = "cuLaunchKernel")]
    public static partial int LaunchKernel(nint function, uint gridX, uint gridY, uint gridZ, uint blockX, uint blockY, uint blockZ, uint sharedBytes, nint stream, void** parameters, void** extra);

    [LibraryImport(LibraryName, EntryPoint = "cuEventCreate")]
    public static partial int EventCreate(nint* @event, uint flags);

    [LibraryImport(LibraryName, EntryPoint = "cuEventRecord")]
    public static partial int EventRecord(nint @event, nint stream);

    [LibraryImport(LibraryName, EntryPoint = "cuEventSynchronize")]
    public static partial int EventSynchronize(nint @event);

    [LibraryImport(LibraryName, EntryPoint = "cuEventElapsedTime")]
    public static partial int EventElapsedTime(float* milliseconds, nint start, nint end);

    [LibraryImport(LibraryName, EntryPoint = "cuEventDestroy_v2")]
    public static partial int EventDestroy(nint @event);
}
