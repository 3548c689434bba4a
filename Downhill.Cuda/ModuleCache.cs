using System.Security.Cryptography;
using System.Text;

namespace Downhill.Cuda;

/// <summary>
/// PTX compiled by NVRTC, cached by <see cref="Key"/> (a SHA-256 of the source, the architecture, the options and
/// NVRTC's version) in memory and in a folder on disk, so a program compiles a kernel once per machine rather than
/// once per run. Thread-safe. A disk problem (a read-only folder) only costs a compilation: the cache is an
/// optimization, never a reason to fail.
/// </summary>
public sealed class ModuleCache
{
    private readonly Dictionary<string, string> memory = new(StringComparer.Ordinal);
    private int memoryHits;
    private int diskHits;
    private int compilations;

    /// <summary>Creates a cache over <paramref name="folder"/> (null: in memory only).</summary>
    public ModuleCache(string? folder)
    {
        Folder = folder;
    }

    /// <summary>
    /// The process's cache: the folder <c>DOWNHILL_CUDA_CACHE</c>, else <c>$XDG_CACHE_HOME/downhill/cuda</c>, else
    /// <c>~/.cache/downhill/cuda</c>.
    /// </summary>
    public static ModuleCache Default { get; } = new(DefaultFolder());

    /// <summary>The folder PTX files are kept in (<c>KEY.ptx</c>), null for a cache in memory only.</summary>
    public string? Folder { get; }

    /// <summary>Lookups answered from memory.</summary>
    public int MemoryHits => Volatile.Read(ref memoryHits);

    /// <summary>Lookups answered from the folder.</summary>
    public int DiskHits => Volatile.Read(ref diskHits);

    /// <summary>Lookups that ran NVRTC.</summary>
    public int Compilations => Volatile.Read(ref compilations);

    /// <summary>The cache key: hex SHA-256 of NVRTC's version, <paramref name="architecture"/>, <paramref name="options"/> and <paramref name="source"/>.</summary>
    public static string Key(string source, string architecture, IReadOnlyList<string> options)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        var text = new StringBuilder();
        text.Append("nvrtc ").Append(Nvrtc.IsAvailable(out _) ? Nvrtc.Version.ToString() : "none").Append('\n');
        text.Append(architecture).Append('\n');
        foreach (string o in options)
        {
            text.Append(o).Append('\n');
        }

        text.Append(source);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>The PTX of <paramref name="source"/> for <paramref name="architecture"/>: from memory, the folder, or NVRTC (then kept in both).</summary>
    /// <exception cref="NvrtcException">The source does not compile.</exception>
    public string GetOrCompile(string source, string architecture, IReadOnlyList<string> options)
    {
        string key = Key(source, architecture, options);
        lock (memory)
        {
            if (memory.TryGetValue(key, out string? cached))
            {
                memoryHits++;
                return cached;
            }
        }

        string? ptx = ReadDisk(key);
        if (ptx is not null)
        {
            Interlocked.Increment(ref diskHits);
        }
        else
        {
            ptx = Nvrtc.CompileToPtx(source, architecture, options);
            Interlocked.Increment(ref compilations);
            WriteDisk(key, ptx);
        }

        lock (memory)
        {
            memory[key] = ptx;
        }

        return ptx;
    }

    private string? ReadDisk(string key)
    {
        if (Folder is null)
        {
            return null;
        }

        string path = Path.Combine(Folder, key + ".ptx");
        try
        {
            // A file cut short by a crash lacks PTX's last line; it is compiled again rather than loaded.
            string text = File.Exists(path) ? File.ReadAllText(path) : "";
            return text.Contains(".version", StringComparison.Ordinal) && text.TrimEnd().EndsWith('}') ? text : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private void WriteDisk(string key, string ptx)
    {
        if (Folder is null)
        {
            return;
        }

        try
        {
            Directory.CreateDirectory(Folder);
            string path = Path.Combine(Folder, key + ".ptx");
            string temporary = $"{path}.{Environment.ProcessId}.tmp";
            File.WriteAllText(temporary, ptx);
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not cached on disk: the next process compiles again.
        }
    }

    private static string DefaultFolder()
    {
        if (Environment.GetEnvironmentVariable("DOWNHILL_CUDA_CACHE") is { Length: > 0 } set)
        {
            return set;
        }

        string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        string root = xdg is { Length: > 0 } ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(root, "downhill", "cuda");
    }
}
