using System.Runtime.InteropServices;
using System.Text;
using Downhill.Cuda.Native;

namespace Downhill.Cuda;

/// <summary>
/// Compiles CUDA C to PTX at run time with NVRTC (found as <see cref="Library"/> describes). Every call is
/// checked: a failure is an <see cref="NvrtcException"/> naming the call, NVRTC's error and, for a compilation,
/// its log. Needs no GPU and no driver.
/// </summary>
public static class Nvrtc
{
    /// <summary>
    /// Where NVRTC was loaded from (<c>DOWNHILL_NVRTC</c>, else <c>libnvrtc.so.13/.12/.11.2</c> through the loader,
    /// <c>$CUDA_HOME/lib64</c>, <c>/usr/local/cuda/lib64</c>, Python's <c>site-packages/nvidia/*/lib</c>).
    /// </summary>
    /// <exception cref="CudaLibraryNotFoundException">NVRTC is nowhere; the message lists the places tried.</exception>
    public static string Library => CudaLibraries.Nvrtc.Path;

    /// <summary>Whether NVRTC can be loaded; <paramref name="reason"/> says why not.</summary>
    public static bool IsAvailable(out string? reason)
    {
        try
        {
            _ = CudaLibraries.Nvrtc;
            reason = null;
            return true;
        }
        catch (CudaLibraryNotFoundException e)
        {
            reason = e.Message;
            return false;
        }
    }

    /// <summary>NVRTC's version (<c>nvrtcVersion</c>), e.g. 12.4.</summary>
    public static unsafe Version Version
    {
        get
        {
            _ = CudaLibraries.Nvrtc;
            int major, minor;
            Check(NvrtcNative.Version(&major, &minor), "nvrtcVersion", "", 0);
            return new Version(major, minor);
        }
    }

    /// <summary>
    /// Compiles <paramref name="source"/> to PTX for the virtual architecture <paramref name="architecture"/>
    /// (<c>compute_80</c>, <c>compute_90</c>, ...).
    /// </summary>
    /// <param name="source">A CUDA C translation unit.</param>
    /// <param name="architecture">The virtual architecture, passed as <c>--gpu-architecture</c>.</param>
    /// <param name="options">Further NVRTC options (<c>-default-device</c>, <c>--fmad=false</c>, ...).</param>
    /// <param name="programName">The file name the log's messages carry.</param>
    /// <returns>The PTX text.</returns>
    /// <exception cref="NvrtcException">The source does not compile (the message holds the log), or a call failed.</exception>
    public static unsafe string CompileToPtx(string source, string architecture, IReadOnlyList<string>? options = null, string programName = "downhill.cu")
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentException.ThrowIfNullOrWhiteSpace(architecture);
        _ = CudaLibraries.Nvrtc;
        string[] all = [$"--gpu-architecture={architecture}", .. options ?? []];
        nint program = 0;
        using var src = new Utf8Strings([source, programName, .. all]);
        Check(NvrtcNative.CreateProgram(&program, src[0], src[1], 0, null, null), "nvrtcCreateProgram", programName, 0);
        try
        {
            byte** opts = stackalloc byte*[all.Length];
            for (int i = 0; i < all.Length; i++)
            {
                opts[i] = src[2 + i];
            }

            int compiled = NvrtcNative.CompileProgram(program, all.Length, opts);
            if (compiled != 0)
            {
                throw Failure(compiled, "nvrtcCompileProgram", programName, ReadLog(program));
            }

            nuint size;
            Check(NvrtcNative.GetPtxSize(program, &size), "nvrtcGetPTXSize", programName, program);
            byte[] ptx = new byte[(int)size];
            fixed (byte* p = ptx)
            {
                Check(NvrtcNative.GetPtx(program, p), "nvrtcGetPTX", programName, program);
            }

            // The PTX ends with its terminating zero.
            int length = Array.IndexOf(ptx, (byte)0);
            return Encoding.UTF8.GetString(ptx, 0, length < 0 ? ptx.Length : length);
        }
        finally
        {
            NvrtcNative.DestroyProgram(&program);
        }
    }

    private static unsafe string ReadLog(nint program)
    {
        nuint size;
        if (NvrtcNative.GetProgramLogSize(program, &size) != 0 || size <= 1)
        {
            return "";
        }

        byte[] log = new byte[(int)size];
        fixed (byte* p = log)
        {
            if (NvrtcNative.GetProgramLog(program, p) != 0)
            {
                return "";
            }
        }

        return Encoding.UTF8.GetString(log, 0, (int)size - 1).TrimEnd();
    }

    private static void Check(int result, string call, string programName, nint program)
    {
        if (result != 0)
        {
            throw Failure(result, call, programName, program != 0 ? ReadLog(program) : "");
        }
    }

    private static unsafe NvrtcException Failure(int result, string call, string programName, string log)
    {
        string text = Marshal.PtrToStringUTF8((nint)NvrtcNative.GetErrorString(result)) ?? $"nvrtcResult {result}";
        return new NvrtcException(call, result, text, log, programName);
    }

    /// <summary>Zero-terminated UTF-8 copies of strings in unmanaged memory, freed together.</summary>
    private sealed unsafe class Utf8Strings : IDisposable
    {
        private readonly nint[] pointers;

        public Utf8Strings(string[] values)
        {
            pointers = new nint[values.Length];
            for (int i = 0; i < values.Length; i++)
            {
                pointers[i] = Marshal.StringToCoTaskMemUTF8(values[i]);
            }
        }

        public byte* this[int index] => (byte*)pointers[index];

        public void Dispose()
        {
            foreach (nint p in pointers)
            {
                Marshal.FreeCoTaskMem(p);
            }
        }
    }
}
