using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

[assembly: DisableRuntimeMarshalling]

namespace Downhill.Cuda.Native;

/// <summary>
/// The NVRTC entry points this project uses (nvrtc.h), bound by name to the library that
/// <see cref="CudaLibraries"/> resolves for <see cref="LibraryName"/>. Every result is checked by the callers
/// (<see cref="Nvrtc"/>), never here.
/// </summary>
internal static unsafe partial class NvrtcNative
{
    /// <summary>The name the resolver maps to the NVRTC library it found.</summary>
    public const string LibraryName = "downhill-nvrtc";

    [LibraryImport(LibraryName, EntryPoint = "nvrtcVersion")]
    public static partial int Version(int* major, int* minor);

    [LibraryImport(LibraryName, EntryPoint = "nvrtcGetErrorString")]
    public static partial byte* GetErrorString(int result);

    [LibraryImport(LibraryName, EntryPoint = "nvrtcCreateProgram")]
    public static partial int CreateProgram(nint* program, byte* source, byte* name, int headerCount, byte** headers, byte** includeNames);

    [LibraryImport(LibraryName, EntryPoint = "nvrtcCompileProgram")]
    public static partial int CompileProgram(nint program, int optionCount, byte** options);

    [LibraryImport(LibraryName, EntryPoint = "nvrtcGetPTXSize")]
    public static partial int GetPtxSize(nint program, nuint* size);

    [LibraryImport(LibraryName, EntryPoint = "nvrtcGetPTX")]
    public static partial int GetPtx(nint program, byte* ptx);

    [LibraryImport(LibraryName, EntryPoint = "nvrtcGetProgramLogSize")]
    public static partial int GetProgramLogSize(nint program, nuint* size);

    [LibraryImport(LibraryName, EntryPoint = "nvrtcGetProgramLog")]
    public static partial int GetProgramLog(nint program, byte* log);

    [LibraryImport(LibraryName, EntryPoint = "nvrtcDestroyProgram")]
    public static partial int DestroyProgram(nint* program);
}
