namespace Downhill.Cuda.Tests;

/// <summary>NVRTC compiles CUDA C to PTX for the GPUs we target, ptxas assembles it, and failures carry NVRTC's log.</summary>
public class NvrtcTests
{
    /// <summary>A kernel with a warp shuffle and a block reduction in double, as the generated ones have.</summary>
    internal const string Kernel = """
        extern "C" __global__ void scaled_sum(int n, double a, const double* x, double* partials)
        {
            __shared__ double warps[32];
            int t = blockIdx.x * blockDim.x + threadIdx.x;
            double v = t < n ? a * x[t] : 0.0;
            for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
            if ((threadIdx.x & 31) == 0) warps[threadIdx.x >> 5] = v;
            __syncthreads();
            if (threadIdx.x == 0)
            {
                double s = 0.0;
                for (int w = 0; w < (blockDim.x + 31) / 32; w++) s += warps[w];
                partials[blockIdx.x] = s;
            }
        }
        """;

    [NvrtcTheory]
    [InlineData("compute_80", "sm_80")]
    [InlineData("compute_90", "sm_90")]
    public void A_hand_written_kernel_compiles_and_its_ptx_assembles(string virtualArch, string realArch)
    {
        string ptx = Nvrtc.CompileToPtx(Kernel, virtualArch);

        Assert.Contains(".entry scaled_sum", ptx, StringComparison.Ordinal);
        Assert.Contains($".target sm_{virtualArch[8..]}", ptx, StringComparison.Ordinal);
        Assert.True(CudaTools.Assemble(ptx, realArch) > 0);
    }

    [NvrtcFact]
    public void The_version_is_that_of_the_library_loaded()
    {
        Version v = Nvrtc.Version;

        Assert.True(v.Major >= 11, $"NVRTC {v}");
        Assert.Contains("libnvrtc", Nvrtc.Library, StringComparison.Ordinal);
    }

    [NvrtcFact]
    public void A_broken_source_throws_with_the_compile_log()
    {
        const string broken = """
            extern "C" __global__ void k(float* x)
            {
                x[0] = no_such_variable;
            }
            """;

        var e = Assert.Throws<NvrtcException>(() => Nvrtc.CompileToPtx(broken, "compute_80", programName: "broken.cu"));

        Assert.Equal("nvrtcCompileProgram", e.Call);
        Assert.Contains("no_such_variable", e.Log, StringComparison.Ordinal);
        Assert.Contains("broken.cu", e.Log, StringComparison.Ordinal);
        Assert.Contains("NVRTC_ERROR_COMPILATION", e.Message, StringComparison.Ordinal);
        Assert.Contains("no_such_variable", e.Message, StringComparison.Ordinal);
    }

    [NvrtcFact]
    public void A_bad_option_is_an_error_naming_the_call()
    {
        var e = Assert.Throws<NvrtcException>(() => Nvrtc.CompileToPtx(Kernel, "compute_80", ["--no-such-option"]));

        Assert.Equal("nvrtcCompileProgram", e.Call);
        Assert.Contains("NVRTC_ERROR_INVALID_OPTION", e.Message, StringComparison.Ordinal);
    }
}
