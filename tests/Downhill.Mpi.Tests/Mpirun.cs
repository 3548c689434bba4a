using System.Diagnostics;
using Downhill.Mpi.TestProgram;

namespace Downhill.Mpi.Tests;

/// <summary>A fact that needs Open MPI's mpirun on the PATH (CI installs openmpi-bin); skipped where there is none.</summary>
public sealed class MpirunFactAttribute : FactAttribute
{
    public MpirunFactAttribute()
    {
        if (Mpirun.Path is null)
        {
            Skip = "mpirun is not on the PATH (apt-get install openmpi-bin)";
        }
    }
}

/// <summary>A theory that needs mpirun, as <see cref="MpirunFactAttribute"/>.</summary>
public sealed class MpirunTheoryAttribute : TheoryAttribute
{
    public MpirunTheoryAttribute()
    {
        if (Mpirun.Path is null)
        {
            Skip = "mpirun is not on the PATH (apt-get install openmpi-bin)";
        }
    }
}

/// <summary>Starts the test program under <c>mpirun -np N</c> with the flags a root user on few cores needs.</summary>
internal static class Mpirun
{
    public static string? Path { get; } = (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Select(d => System.IO.Path.Combine(d, "mpirun"))
        .FirstOrDefault(File.Exists);

    /// <summary>The test program's assembly, next to this one.</summary>
    private static string Program => typeof(Training).Assembly.Location;

    /// <summary>Runs the program on <paramref name="ranks"/> ranks; returns the exit code, everything it printed, and the time it took.</summary>
    public static (int ExitCode, string Output, TimeSpan Elapsed) Run(int ranks, params string[] args)
    {
        var start = new ProcessStartInfo(Path!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in (string[])["--allow-run-as-root", "--oversubscribe", "-np", ranks.ToString(System.Globalization.CultureInfo.InvariantCulture), "-x", "TERM=dumb", "dotnet", Program, "--comm", "mpi", .. args])
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["TERM"] = "dumb";
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"mpirun -np {ranks} did not finish within 2 minutes:\n{stdout.Result}{stderr.Result}");
        }

        return (process.ExitCode, stdout.Result + stderr.Result, clock.Elapsed);
    }
}
