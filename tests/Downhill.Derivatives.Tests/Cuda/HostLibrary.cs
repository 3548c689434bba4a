using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;

namespace Downhill.Derivatives.Tests.Cuda;

/// <summary>A corpus loss with its generated CUDA source (or the reason it has none).</summary>
internal sealed record CudaCase(LossCase Case, string? Source, string? Reason, string Prefix);

/// <summary>
/// The device functions of every corpus loss's <c>CudaSource</c>, compiled as host C++ with g++ through the
/// shim header (each source in its own namespace, the corpus split into two shared libraries built side by
/// side) and loaded with <see cref="NativeLibrary"/>: the host wrappers <c>P_host_*</c> of docs/cuda.md.
/// </summary>
internal sealed class HostLibrary
{
    private static readonly Lazy<HostLibrary> Shared = new(() => new HostLibrary());

    private readonly Dictionary<string, nint> libraries = [];

    private HostLibrary()
    {
        Cases = [.. CorpusCases.Names.Order(StringComparer.Ordinal).Select(Describe)];
        var withSource = Cases.Where(c => c.Source is not null).ToList();
        string dir = Path.Combine(Path.GetTempPath(), "downhill-cuda-host-" + Environment.ProcessId + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        var parts = new[] { withSource.Where((_, k) => k % 2 == 0).ToList(), withSource.Where((_, k) => k % 2 == 1).ToList() };
        var builds = parts.Select((part, k) => Compile(dir, "part" + k, part.Select(c => c.Source!).ToList())).ToArray();
        Task.WaitAll(builds);
        for (int k = 0; k < parts.Length; k++)
        {
            nint handle = NativeLibrary.Load(builds[k].Result);
            foreach (var c in parts[k])
            {
                libraries[c.Prefix] = handle;
            }
        }
    }

    /// <summary>The library, built on first use.</summary>
    public static HostLibrary Instance => Shared.Value;

    /// <summary>Every corpus loss, in name order.</summary>
    public IReadOnlyList<CudaCase> Cases { get; }

    /// <summary>The address of the export <paramref name="prefix"/>_host_<paramref name="kind"/>.</summary>
    public nint Export(string prefix, string kind) => NativeLibrary.GetExport(libraries[prefix], prefix + "_host_" + kind);

    /// <summary>A library of other losses' sources (not the corpus), compiled and loaded as the corpus's are.</summary>
    public static HostLibrary Of(IReadOnlyList<CudaCase> cases) => new(cases);

    private HostLibrary(IReadOnlyList<CudaCase> cases)
    {
        Cases = cases;
        string dir = Path.Combine(Path.GetTempPath(), "downhill-cuda-host-" + Environment.ProcessId + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        nint handle = NativeLibrary.Load(Compile(dir, "extra", [.. cases.Select(c => c.Source!)]).Result);
        foreach (var c in cases)
        {
            libraries[c.Prefix] = handle;
        }
    }

    /// <summary>A corpus loss's CUDA source and reason, read from its descriptor's static properties.</summary>
    public static CudaCase Describe(string name) => Describe(CorpusCases.Get(name));

    /// <summary>A loss's CUDA source and reason, read from its descriptor's static properties.</summary>
    public static CudaCase Describe(LossCase c)
    {
        var type = c.Model.GetType();
        string? source = (string?)type.GetProperty("CudaSource", BindingFlags.Public | BindingFlags.Static)!.GetValue(null);
        string? reason = (string?)type.GetProperty("CudaUnavailableReason", BindingFlags.Public | BindingFlags.Static)!.GetValue(null);
        string schema = ((LossSchema)type.GetProperty("Schema")!.GetValue(c.Model)!).Name;
        return new CudaCase(c, source, reason, Prefix(schema));
    }

    /// <summary>The kernel prefix of docs/cuda.md: dh_ and the schema name, '.' → '_', '_' → '_1', other characters as _x and 4 hex digits.</summary>
    public static string Prefix(string schema)
    {
        var sb = new StringBuilder("dh_");
        foreach (char ch in schema)
        {
            sb.Append(ch switch
            {
                '.' => "_",
                '_' => "_1",
                _ when char.IsAsciiLetterOrDigit(ch) => ch.ToString(),
                _ => "_x" + ((int)ch).ToString("x4", System.Globalization.CultureInfo.InvariantCulture),
            });
        }

        return sb.ToString();
    }

    private static Task<string> Compile(string dir, string name, List<string> sources) => Task.Run(() =>
    {
        string cpp = Path.Combine(dir, name + ".cpp");
        string so = Path.Combine(dir, name + ".so");
        var text = new StringBuilder("#include \"dh_host_shim.h\"\n");
        for (int k = 0; k < sources.Count; k++)
        {
            text.Append("namespace dh_case").Append(k).Append(" {\n").Append(sources[k]).Append("\n}\n");
        }

        File.WriteAllText(cpp, text.ToString());
        string shim = Path.Combine(AppContext.BaseDirectory, "Cuda");
        var start = new ProcessStartInfo("g++", ["-O2", "-shared", "-fPIC", "-std=c++17", "-w", "-I", shim, "-o", so, cpp])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("g++ did not start");
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            string log = stderr.Result;
            throw new InvalidOperationException($"g++ failed ({process.ExitCode}) on {cpp}:\n{log[..Math.Min(log.Length, 6000)]}");
        }

        return so;
    });
}
