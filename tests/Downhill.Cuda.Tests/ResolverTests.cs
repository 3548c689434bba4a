using Downhill.Cuda.Native;

namespace Downhill.Cuda.Tests;

/// <summary>The order NVRTC and the driver are looked for in, and the messages when they are not there.</summary>
public sealed class ResolverTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("downhill-resolver-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void Nvrtc_is_looked_for_in_the_documented_order()
    {
        var env = new Dictionary<string, string> { ["DOWNHILL_NVRTC"] = "/opt/x/libnvrtc.so.12", ["CUDA_HOME"] = "/opt/cuda" };

        var list = LibraryCandidates.Nvrtc(env.GetValueOrDefault, ["/py/nvidia/cuda_nvrtc/lib"]);

        Assert.Equal(
            [
                ("DOWNHILL_NVRTC", "/opt/x/libnvrtc.so.12", CandidateKind.File),
                ("the loader", "libnvrtc.so.13", CandidateKind.LoaderName),
                ("the loader", "libnvrtc.so.12", CandidateKind.LoaderName),
                ("the loader", "libnvrtc.so.11.2", CandidateKind.LoaderName),
                ("CUDA_HOME", "/opt/cuda/lib64", CandidateKind.Folder),
                ("the default CUDA folder", "/usr/local/cuda/lib64", CandidateKind.Folder),
                ("Python's site-packages", "/py/nvidia/cuda_nvrtc/lib", CandidateKind.Folder),
            ],
            list.Select(c => (c.Source, c.Value, c.Kind)));
        Assert.True(list[0].Explicit);
        Assert.DoesNotContain(list.Skip(1), c => c.Explicit);
    }

    [Fact]
    public void Without_variables_the_search_starts_at_the_loader_and_the_driver_follows_DOWNHILL_CUDA()
    {
        var none = LibraryCandidates.Nvrtc(_ => null, []);
        var driver = LibraryCandidates.Driver(v => v == "DOWNHILL_CUDA" ? "/drv/libcuda.so.1" : null);

        Assert.Equal("libnvrtc.so.13", none[0].Value);
        Assert.DoesNotContain(none, c => c.Source == "CUDA_HOME");
        Assert.Equal(["/drv/libcuda.so.1", "libcuda.so.1", "libcuda.so"], driver.Take(3).Select(c => c.Value));
    }

    [Fact]
    public void A_bad_DOWNHILL_NVRTC_path_is_a_clear_error_and_ends_the_search()
    {
        string missing = Path.Combine(folder, "libnvrtc.so.12");
        var candidates = LibraryCandidates.Nvrtc(v => v == "DOWNHILL_NVRTC" ? missing : null, []);

        var result = CudaLibraries.Search("NVRTC", candidates, "libnvrtc.so", LibraryCandidates.NvrtcNames, "libnvrtc-builtins.so");

        Assert.Null(result.Library);
        Assert.Equal(
            $"DOWNHILL_NVRTC is set to '{missing}', but no such file. Point DOWNHILL_NVRTC at the NVRTC library file (or the folder that holds it), or unset it to search the usual places.",
            result.Error!.Message);
    }

    [Fact]
    public void A_DOWNHILL_NVRTC_folder_without_the_library_says_so()
    {
        var candidates = LibraryCandidates.Nvrtc(v => v == "DOWNHILL_NVRTC" ? folder : null, []);

        var result = CudaLibraries.Search("NVRTC", candidates, "libnvrtc.so", LibraryCandidates.NvrtcNames, "libnvrtc-builtins.so");

        Assert.Contains($"DOWNHILL_NVRTC is set to '{folder}', but the folder holds no libnvrtc.so*", result.Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_is_no_library_is_reported_with_the_loader_error()
    {
        string fake = Path.Combine(folder, "libnvrtc.so.12");
        File.WriteAllText(fake, "not an ELF file");
        var candidates = LibraryCandidates.Nvrtc(v => v == "DOWNHILL_NVRTC" ? fake : null, []);

        var result = CudaLibraries.Search("NVRTC", candidates, "libnvrtc.so", LibraryCandidates.NvrtcNames, null);

        Assert.StartsWith($"DOWNHILL_NVRTC is set to '{fake}', but cannot be loaded: ", result.Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void When_nothing_is_found_every_place_tried_is_listed()
    {
        var candidates = new[]
        {
            new LibraryCandidate("the loader", "libdownhill-no-such-library.so.7", CandidateKind.LoaderName),
            new LibraryCandidate("CUDA_HOME", Path.Combine(folder, "lib64"), CandidateKind.Folder),
        };

        var result = CudaLibraries.Search("NVRTC", candidates, "libnvrtc.so", LibraryCandidates.NvrtcNames, null);

        Assert.Equal(
            $"NVRTC was not found. Tried: libdownhill-no-such-library.so.7 (the loader): not found; {Path.Combine(folder, "lib64")} (CUDA_HOME): no such folder.",
            result.Error!.Message);
        Assert.Equal(2, result.Error.Attempts.Count);
    }

    [NvrtcFact]
    public void A_folder_is_searched_for_the_library_and_its_builtins()
    {
        string real = Path.GetDirectoryName(Environment.GetEnvironmentVariable("DOWNHILL_NVRTC") ?? Nvrtc.Library)!;
        var candidates = LibraryCandidates.Nvrtc(v => v == "DOWNHILL_NVRTC" ? real : null, []);

        var result = CudaLibraries.Search("NVRTC", candidates, "libnvrtc.so", LibraryCandidates.NvrtcNames, "libnvrtc-builtins.so");

        Assert.NotNull(result.Library);
        Assert.Equal("DOWNHILL_NVRTC", result.Library.Source);
        Assert.StartsWith("libnvrtc.so.", Path.GetFileName(result.Library.Path), StringComparison.Ordinal);
    }

    [Fact]
    public void Files_in_a_folder_are_chosen_by_soname_then_by_the_highest_version()
    {
        foreach (string name in new[] { "libnvrtc.so.11.2", "libnvrtc.so.12", "libnvrtc-builtins.so.11.8", "libnvrtc-builtins.so.12.4", "libnvrtc-builtins.so" })
        {
            File.WriteAllText(Path.Combine(folder, name), "");
        }

        Assert.Equal("libnvrtc.so.12", Path.GetFileName(LibraryCandidates.FindInFolder(folder, "libnvrtc.so", LibraryCandidates.NvrtcNames)));
        Assert.Equal("libnvrtc-builtins.so.12.4", Path.GetFileName(LibraryCandidates.FindInFolder(folder, "libnvrtc-builtins.so", [])));
        Assert.Null(LibraryCandidates.FindInFolder(folder, "libcuda.so", LibraryCandidates.DriverNames));
        Assert.Equal(new Version(12, 4, 127), LibraryCandidates.VersionOf("libnvrtc.so.12.4.127", "libnvrtc.so"));
        Assert.Null(LibraryCandidates.VersionOf("libnvrtc.so.12.alpha", "libnvrtc.so"));
    }

    [Fact]
    public void Python_wheels_are_found_under_site_and_dist_packages_with_cuda_nvrtc_first()
    {
        string site = Path.Combine(folder, "venv/lib/python3.12/site-packages/nvidia");
        string dist = Path.Combine(folder, "usr/lib/python3.11/dist-packages/nvidia");
        foreach (string lib in new[] { Path.Combine(site, "cublas/lib"), Path.Combine(site, "cuda_nvrtc/lib"), Path.Combine(dist, "cuda_nvrtc/lib") })
        {
            Directory.CreateDirectory(lib);
        }

        var found = LibraryCandidates.PythonLibFolders([Path.Combine(folder, "venv"), Path.Combine(folder, "usr"), Path.Combine(folder, "none")], []);

        Assert.Equal([Path.Combine(site, "cuda_nvrtc/lib"), Path.Combine(site, "cublas/lib"), Path.Combine(dist, "cuda_nvrtc/lib")], found);
    }
}
