namespace Downhill.Cuda.Tests;

/// <summary>PTX is cached by the hash of its source, architecture and options, in memory and on disk.</summary>
public sealed class ModuleCacheTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("downhill-cache-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [NvrtcFact]
    public void The_second_lookup_hits_memory_and_a_new_cache_hits_the_disk()
    {
        var cache = new ModuleCache(folder);

        string first = cache.GetOrCompile(NvrtcTests.Kernel, "compute_80", []);
        string second = cache.GetOrCompile(NvrtcTests.Kernel, "compute_80", []);
        var fresh = new ModuleCache(folder);
        string third = fresh.GetOrCompile(NvrtcTests.Kernel, "compute_80", []);

        Assert.Equal((1, 1, 0), (cache.Compilations, cache.MemoryHits, cache.DiskHits));
        Assert.Equal((0, 0, 1), (fresh.Compilations, fresh.MemoryHits, fresh.DiskHits));
        Assert.Same(first, second);
        Assert.Equal(first, third);
        Assert.True(File.Exists(Path.Combine(folder, ModuleCache.Key(NvrtcTests.Kernel, "compute_80", []) + ".ptx")));
    }

    [NvrtcFact]
    public void Another_source_architecture_or_option_is_a_miss()
    {
        var cache = new ModuleCache(folder);

        cache.GetOrCompile(NvrtcTests.Kernel, "compute_80", []);
        cache.GetOrCompile(NvrtcTests.Kernel + "\n// changed\n", "compute_80", []);
        cache.GetOrCompile(NvrtcTests.Kernel, "compute_90", []);
        cache.GetOrCompile(NvrtcTests.Kernel, "compute_80", ["--fmad=false"]);

        Assert.Equal(4, cache.Compilations);
        Assert.Equal(4, Directory.GetFiles(folder, "*.ptx").Length);
    }

    [NvrtcFact]
    public void A_truncated_file_on_disk_is_compiled_again()
    {
        new ModuleCache(folder).GetOrCompile(NvrtcTests.Kernel, "compute_80", []);
        string path = Directory.GetFiles(folder, "*.ptx").Single();
        string ptx = File.ReadAllText(path);
        File.WriteAllText(path, ptx[..(ptx.Length / 2)]);

        var cache = new ModuleCache(folder);
        string again = cache.GetOrCompile(NvrtcTests.Kernel, "compute_80", []);

        Assert.Equal((1, 0), (cache.Compilations, cache.DiskHits));
        Assert.Equal(ptx, again);
        Assert.Equal(ptx, File.ReadAllText(path));
    }

    [Fact]
    public void Keys_are_hex_sha256_and_differ_by_every_input()
    {
        string a = ModuleCache.Key("x", "compute_80", []);

        Assert.Matches("^[0-9a-f]{64}$", a);
        Assert.Equal(a, ModuleCache.Key("x", "compute_80", []));
        Assert.NotEqual(a, ModuleCache.Key("y", "compute_80", []));
        Assert.NotEqual(a, ModuleCache.Key("x", "compute_90", []));
        Assert.NotEqual(a, ModuleCache.Key("x", "compute_80", ["-G"]));
    }
}
