using System.Globalization;

namespace Downhill.Cuda.Native;

/// <summary>One place a native library may be: a file, a folder to search, or a name the system loader resolves.</summary>
/// <param name="Source">Where the candidate comes from, for messages (<c>DOWNHILL_NVRTC</c>, <c>CUDA_HOME</c>, <c>the loader</c>, ...).</param>
/// <param name="Value">The file, folder or loader name.</param>
/// <param name="Kind">What <paramref name="Value"/> is.</param>
/// <param name="Explicit">True for a path the user set (an environment variable): when it fails, the search stops there.</param>
internal sealed record LibraryCandidate(string Source, string Value, CandidateKind Kind, bool Explicit = false);

/// <summary>What a <see cref="LibraryCandidate"/> names.</summary>
internal enum CandidateKind
{
    /// <summary>A file path.</summary>
    File,

    /// <summary>A folder holding the library under one of its file names.</summary>
    Folder,

    /// <summary>A file name handed to the system loader (its search path, <c>LD_LIBRARY_PATH</c>, the ld cache).</summary>
    LoaderName,
}

/// <summary>
/// The search orders of <see cref="CudaLibraries"/>, as pure functions of the environment so that tests can
/// check them. NVRTC: <c>DOWNHILL_NVRTC</c> (a file or a folder), then <c>libnvrtc.so.13</c>, <c>.12</c>,
/// <c>.11.2</c> through the loader, <c>$CUDA_HOME/lib64</c>, <c>/usr/local/cuda/lib64</c>, and Python's
/// <c>site-packages/nvidia/*/lib</c> folders (where pip's <c>nvidia-cuda-nvrtc</c>, which PyTorch brings, puts it).
/// The driver: <c>DOWNHILL_CUDA</c>, then <c>libcuda.so.1</c> through the loader and the usual driver folders.
/// </summary>
internal static class LibraryCandidates
{
    /// <summary>NVRTC's sonames, newest first.</summary>
    public static readonly string[] NvrtcNames = ["libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2"];

    /// <summary>The driver's sonames.</summary>
    public static readonly string[] DriverNames = ["libcuda.so.1", "libcuda.so"];

    /// <summary>Where the NVRTC library is looked for, in order.</summary>
    /// <param name="environment">Reads an environment variable (null when unset).</param>
    /// <param name="pythonLibFolders">The <c>site-packages/nvidia/*/lib</c> folders found, in the order to try them.</param>
    public static IReadOnlyList<LibraryCandidate> Nvrtc(Func<string, string?> environment, IEnumerable<string> pythonLibFolders)
    {
        var list = new List<LibraryCandidate>();
        if (Explicit(environment, "DOWNHILL_NVRTC") is LibraryCandidate set)
        {
            list.Add(set);
        }

        list.AddRange(NvrtcNames.Select(n => new LibraryCandidate("the loader", n, CandidateKind.LoaderName)));
        if (environment("CUDA_HOME") is { Length: > 0 } home)
        {
            list.Add(new("CUDA_HOME", Path.Combine(home, "lib64"), CandidateKind.Folder));
        }

        list.Add(new("the default CUDA folder", "/usr/local/cuda/lib64", CandidateKind.Folder));
        list.AddRange(pythonLibFolders.Select(f => new LibraryCandidate("Python's site-packages", f, CandidateKind.Folder)));
        return list;
    }

    /// <summary>Where the driver library is looked for, in order.</summary>
    /// <param name="environment">Reads an environment variable (null when unset).</param>
    public static IReadOnlyList<LibraryCandidate> Driver(Func<string, string?> environment)
    {
        var list = new List<LibraryCandidate>();
        if (Explicit(environment, "DOWNHILL_CUDA") is LibraryCandidate set)
        {
            list.Add(set);
        }

        list.AddRange(DriverNames.Select(n => new LibraryCandidate("the loader", n, CandidateKind.LoaderName)));
        foreach (string folder in new[] { "/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/local/nvidia/lib64", "/usr/lib/wsl/lib" })
        {
            list.Add(new("the driver folders", folder, CandidateKind.Folder));
        }

        return list;
    }

    /// <summary>
    /// The <c>nvidia/*/lib</c> folders under every Python <c>site-packages</c>/<c>dist-packages</c> folder of
    /// <paramref name="prefixes"/> (each a prefix such as <c>/usr/local</c> or a virtual environment), and of
    /// <paramref name="sitePackages"/> (folders named directly), the NVRTC one (<c>cuda_nvrtc</c>) first.
    /// </summary>
    public static IReadOnlyList<string> PythonLibFolders(IEnumerable<string> prefixes, IEnumerable<string> sitePackages)
    {
        var sites = new List<string>();
        foreach (string prefix in prefixes.Where(Directory.Exists))
        {
            string lib = Path.Combine(prefix, "lib");
            if (!Directory.Exists(lib))
            {
                continue;
            }

            foreach (string python in SafeDirectories(lib, "python3*").Order(StringComparer.Ordinal))
            {
                sites.Add(Path.Combine(python, "site-packages"));
                sites.Add(Path.Combine(python, "dist-packages"));
            }
        }

        sites.AddRange(sitePackages);
        var folders = new List<string>();
        foreach (string site in sites.Distinct(StringComparer.Ordinal))
        {
            string nvidia = Path.Combine(site, "nvidia");
            if (!Directory.Exists(nvidia))
            {
                continue;
            }

            // cuda_nvrtc holds NVRTC; the other packages' folders follow (a wheel layout may change).
            foreach (string package in SafeDirectories(nvidia, "*").OrderBy(p => Path.GetFileName(p) == "cuda_nvrtc" ? 0 : 1).ThenBy(p => p, StringComparer.Ordinal))
            {
                string libFolder = Path.Combine(package, "lib");
                if (Directory.Exists(libFolder))
                {
                    folders.Add(libFolder);
                }
            }
        }

        return folders;
    }

    /// <summary>
    /// The file in <paramref name="folder"/> that is the library <paramref name="stem"/> (<c>libnvrtc.so</c>):
    /// the newest of <paramref name="preferred"/> present, else the highest-numbered <c>stem.N...</c>, else the
    /// unversioned file; null when none exists.
    /// </summary>
    public static string? FindInFolder(string folder, string stem, IReadOnlyList<string> preferred)
    {
        if (!Directory.Exists(folder))
        {
            return null;
        }

        foreach (string name in preferred)
        {
            string path = Path.Combine(folder, name);
            if (File.Exists(path))
            {
                return path;
            }
        }

        string? best = SafeFiles(folder, stem + ".*")
            .Where(p => VersionOf(Path.GetFileName(p), stem) is not null)
            .OrderByDescending(p => VersionOf(Path.GetFileName(p), stem))
            .FirstOrDefault();
        string plain = Path.Combine(folder, stem);
        return best ?? (File.Exists(plain) ? plain : null);
    }

    /// <summary>The version in a file name <c>stem.12.4.127</c>, or null when the rest is not dotted numbers.</summary>
    public static Version? VersionOf(string fileName, string stem)
    {
        if (!fileName.StartsWith(stem + ".", StringComparison.Ordinal))
        {
            return null;
        }

        string[] parts = fileName[(stem.Length + 1)..].Split('.');
        int[] numbers = new int[Math.Max(parts.Length, 2)];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out numbers[i]))
            {
                return null;
            }
        }

        return numbers.Length switch
        {
            2 => new Version(numbers[0], numbers[1]),
            3 => new Version(numbers[0], numbers[1], numbers[2]),
            _ => new Version(numbers[0], numbers[1], numbers[2], numbers[3]),
        };
    }

    private static LibraryCandidate? Explicit(Func<string, string?> environment, string variable) =>
        environment(variable) is { Length: > 0 } value
            ? new LibraryCandidate(variable, value, Directory.Exists(value) ? CandidateKind.Folder : CandidateKind.File, Explicit: true)
            : null;

    private static IEnumerable<string> SafeDirectories(string folder, string pattern)
    {
        try
        {
            return Directory.GetDirectories(folder, pattern);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static IEnumerable<string> SafeFiles(string folder, string pattern)
    {
        try
        {
            return Directory.GetFiles(folder, pattern);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
