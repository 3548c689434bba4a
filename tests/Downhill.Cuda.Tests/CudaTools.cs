using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Downhill.Cuda.Tests;

/// <summary>
/// NVRTC and ptxas for the tests: <c>DOWNHILL_NVRTC</c>/<c>DOWNHILL_PTXAS</c> (what <c>.ci/run</c> exports), else the
/// copies <c>.ci/install-cuda-tools</c> unpacks under the repository's <c>artifacts/cuda-tools</c>. A copy found there
/// is exported as <c>DOWNHILL_NVRTC</c> before NVRTC is first loaded, so the library's own resolver finds it.
/// </summary>
internal static class CudaTools
{
    private const string Relative = "artifacts/cuda-tools/root/usr";

    static CudaTools()
    {
        string? root = RepositoryRoot();
        string? nvrtc = Environment.GetEnvironmentVariable("DOWNHILL_NVRTC");
        if (string.IsNullOrEmpty(nvrtc) && root is not null && File.Exists(Path.Combine(root, Relative, "lib/x86_64-linux-gnu/libnvrtc.so.12")))
        {
            nvrtc = Path.Combine(root, Relative, "lib/x86_64-linux-gnu/libnvrtc.so.12");
            Environment.SetEnvironmentVariable("DOWNHILL_NVRTC", nvrtc);
        }

        string? ptxas = Environment.GetEnvironmentVariable("DOWNHILL_PTXAS");
        if (string.IsNullOrEmpty(ptxas) && root is not null && File.Exists(Path.Combine(root, Relative, "bin/ptxas")))
        {
            ptxas = Path.Combine(root, Relative, "bin/ptxas");
        }

        NvrtcMissing = Nvrtc.IsAvailable(out string? reason) ? null : $"NVRTC is not available (run .ci/install-cuda-tools or set DOWNHILL_NVRTC): {reason}";
        Ptxas = ptxas is not null && File.Exists(ptxas) ? ptxas : null;
        PtxasMissing = Ptxas is null ? "ptxas is not available (run .ci/install-cuda-tools or set DOWNHILL_PTXAS)" : null;
    }

    /// <summary>Why NVRTC tests cannot run, or null.</summary>
    public static string? NvrtcMissing { get; }

    /// <summary>The ptxas executable, or null.</summary>
    public static string? Ptxas { get; }

    /// <summary>Why ptxas tests cannot run, or null.</summary>
    public static string? PtxasMissing { get; }

    /// <summary>Why neither NVRTC nor ptxas tests can run (the first missing), or null.</summary>
    public static string? Missing => NvrtcMissing ?? PtxasMissing;

    /// <summary>Whether a CUDA driver library can be loaded on this machine at all.</summary>
    public static bool DriverLibraryPresent { get; } = NativeLibrary.TryLoad("libcuda.so.1", out _);

    /// <summary>Assembles <paramref name="ptx"/> for <paramref name="arch"/> (<c>sm_80</c>) with ptxas; throws with its output on failure; returns the cubin's size.</summary>
    public static long Assemble(string ptx, string arch)
    {
        string folder = Directory.CreateTempSubdirectory("downhill-ptxas-").FullName;
        try
        {
            string input = Path.Combine(folder, "k.ptx");
            string output = Path.Combine(folder, "k.cubin");
            File.WriteAllText(input, ptx);
            var start = new ProcessStartInfo(Ptxas!, [$"-arch={arch}", "-o", output, input])
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            };
            using var p = Process.Start(start)!;
            string err = p.StandardError.ReadToEnd() + p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0)
            {
                throw new InvalidOperationException($"ptxas -arch={arch} failed ({p.ExitCode}): {err}");
            }

            return new FileInfo(output).Length;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string? RepositoryRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "Downhill.sln")))
            {
                return d.FullName;
            }
        }

        return null;
    }
}

/// <summary>A fact that needs NVRTC and ptxas; skipped, saying which is missing, where they are not.</summary>
public sealed class NvrtcFactAttribute : FactAttribute
{
    public NvrtcFactAttribute()
    {
        if (CudaTools.Missing is string reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>A theory that needs NVRTC and ptxas, as <see cref="NvrtcFactAttribute"/>.</summary>
public sealed class NvrtcTheoryAttribute : TheoryAttribute
{
    public NvrtcTheoryAttribute()
    {
        if (CudaTools.Missing is string reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>A fact that needs a CUDA GPU; skipped with the reason there is none (no driver, no device).</summary>
public sealed class GpuFactAttribute : FactAttribute
{
    public GpuFactAttribute()
    {
        if (!CudaDevice.IsAvailable(out string reason))
        {
            Skip = $"no CUDA GPU here ({reason}); the GPU program (tests/Downhill.Cuda.GpuProgram) runs these checks on a GPU machine";
        }
        else if (CudaTools.NvrtcMissing is string nvrtc)
        {
            Skip = nvrtc;
        }
    }
}
