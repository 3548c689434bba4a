using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Downhill.Cuda.Native;

/// <summary>A native library that was found and loaded.</summary>
/// <param name="Handle">The loader's handle.</param>
/// <param name="Path">The file (or the loader name it was found under).</param>
/// <param name="Source">Where it was found (<c>DOWNHILL_NVRTC</c>, <c>the loader</c>, ...).</param>
internal sealed record LoadedLibrary(nint Handle, string Path, string Source);

/// <summary>
/// Finds and loads NVRTC and the CUDA driver (search orders in <see cref="LibraryCandidates"/>) and maps this
/// assembly's <c>[LibraryImport]</c> names to them through <see cref="NativeLibrary.SetDllImportResolver"/>.
/// A library is looked for once per process; a failure is remembered and thrown again with the same message
/// (a <see cref="CudaLibraryNotFoundException"/> listing every place tried and why each failed).
/// </summary>
internal static class CudaLibraries
{
    private static readonly Lazy<LoadResult> NvrtcLibrary = new(() => Search("NVRTC", LibraryCandidates.Nvrtc(Environment.GetEnvironmentVariable, PythonFolders()), "libnvrtc.so", LibraryCandidates.NvrtcNames, "libnvrtc-builtins.so"));
    private static readonly Lazy<LoadResult> DriverLibrary = new(() => Search("the CUDA driver", LibraryCandidates.Driver(Environment.GetEnvironmentVariable), "libcuda.so", LibraryCandidates.DriverNames, null));

    static CudaLibraries() => NativeLibrary.SetDllImportResolver(typeof(CudaLibraries).Assembly, Resolve);

    /// <summary>NVRTC, loaded on first use; throws <see cref="CudaLibraryNotFoundException"/> when it is nowhere.</summary>
    public static LoadedLibrary Nvrtc => NvrtcLibrary.Value.Library ?? throw NvrtcLibrary.Value.Error!;

    /// <summary>The driver, loaded on first use; throws <see cref="CudaLibraryNotFoundException"/> when it is nowhere.</summary>
    public static LoadedLibrary Driver => DriverLibrary.Value.Library ?? throw DriverLibrary.Value.Error!;

    /// <summary>The driver, or null with the reason it could not be loaded.</summary>
    public static LoadedLibrary? TryDriver(out string? reason)
    {
        LoadResult result = DriverLibrary.Value;
        reason = result.Error?.Message;
        return result.Library;
    }

    /// <summary>
    /// Tries <paramref name="candidates"/> in order and loads the first that works: for a folder or a file, the
    /// <paramref name="builtins"/> library beside it first (an unpacked NVRTC cannot find its builtins by itself).
    /// An explicit candidate (an environment variable) that fails ends the search with its own message, so a
    /// mistyped path is never hidden by another copy found later.
    /// </summary>
    internal static LoadResult Search(string what, IReadOnlyList<LibraryCandidate> candidates, string stem, IReadOnlyList<string> names, string? builtins)
    {
        var failures = new List<string>();
        foreach (LibraryCandidate c in candidates)
        {
            string? file = c.Kind switch
            {
                CandidateKind.File => c.Value,
                CandidateKind.Folder => LibraryCandidates.FindInFolder(c.Value, stem, names),
                _ => null,
            };
            if (c.Kind == CandidateKind.LoaderName)
            {
                if (NativeLibrary.TryLoad(c.Value, out nint byName))
                {
                    return new(new LoadedLibrary(byName, c.Value, c.Source), null);
                }

                failures.Add($"{c.Value} ({c.Source}): not found");
                continue;
            }

            string? problem = null;
            if (file is null)
            {
                problem = Directory.Exists(c.Value) ? $"the folder holds no {stem}*" : "no such folder";
            }
            else if (!File.Exists(file))
            {
                problem = "no such file";
            }
            else
            {
                if (builtins is not null && LibraryCandidates.FindInFolder(Path.GetDirectoryName(Path.GetFullPath(file))!, builtins, []) is string b)
                {
                    NativeLibrary.TryLoad(b, out _);
                }

                try
                {
                    return new(new LoadedLibrary(NativeLibrary.Load(file), file, c.Source), null);
                }
                catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
                {
                    problem = $"cannot be loaded: {e.Message}";
                }
            }

            string entry = $"{c.Value} ({c.Source}): {problem}";
            if (c.Explicit)
            {
                return new(null, new CudaLibraryNotFoundException(
                    $"{c.Source} is set to '{c.Value}', but {problem}. Point {c.Source} at the {what} library file (or the folder that holds it), or unset it to search the usual places.", [entry]));
            }

            failures.Add(entry);
        }

        return new(null, new CudaLibraryNotFoundException($"{what} was not found. Tried: {string.Join("; ", failures)}.", failures));
    }

    private static nint Resolve(string name, System.Reflection.Assembly assembly, DllImportSearchPath? path) => name switch
    {
        NvrtcNative.LibraryName => Nvrtc.Handle,
        CudaDriverNative.LibraryName => Driver.Handle,
        _ => 0,
    };

    /// <summary>The Python <c>nvidia/*/lib</c> folders: the usual prefixes, the active environments, then what <c>python3</c> itself reports.</summary>
    private static IReadOnlyList<string> PythonFolders()
    {
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        string?[] prefixes = [Environment.GetEnvironmentVariable("VIRTUAL_ENV"), Environment.GetEnvironmentVariable("CONDA_PREFIX"), Path.Combine(home, ".local"), "/usr/local", "/usr", "/opt/conda"];
        IReadOnlyList<string> found = LibraryCandidates.PythonLibFolders(prefixes.OfType<string>(), []);
        return found.Count > 0 ? found : LibraryCandidates.PythonLibFolders([], AskPython());
    }

    /// <summary>The site-packages folders <c>python3</c> reports (none when there is no python3 or it takes over 10 s).</summary>
    private static IEnumerable<string> AskPython()
    {
        try
        {
            var start = new ProcessStartInfo("python3", ["-c", "import site,sys;print('\\n'.join(site.getsitepackages()+[site.getusersitepackages()]))"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            using Process? p = Process.Start(start);
            if (p is null)
            {
                return [];
            }

            string output = p.StandardOutput.ReadToEnd();
            if (!p.WaitForExit(10_000) || p.ExitCode != 0)
            {
                return [];
            }

            return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            return [];
        }
    }

    /// <summary>A library or the reason there is none.</summary>
    internal sealed record LoadResult(LoadedLibrary? Library, CudaLibraryNotFoundException? Error);
}
