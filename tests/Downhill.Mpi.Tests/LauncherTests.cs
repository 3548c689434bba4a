using System.Diagnostics;
using Downhill.Mpi.TestProgram;

namespace Downhill.Mpi.Tests;

/// <summary>A launcher that is not Open MPI's, or a missing library, is an error before training, not N single-rank runs.</summary>
public class LauncherTests
{
    private static (int Code, string Output) RunAlone(params (string Name, string Value)[] environment)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in (string[])[typeof(Training).Assembly.Location, "--comm", "mpi", "--out", Path.Combine(Path.GetTempPath(), $"downhill-launcher-{Guid.NewGuid():N}")])
        {
            start.ArgumentList.Add(a);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var p = Process.Start(start)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        string stderr = p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(1)));
        return (p.ExitCode, stdout.Result + stderr);
    }

    [Fact]
    public void Another_launchers_processes_are_refused_by_name()
    {
        // MPICH's mpiexec sets PMI_SIZE; with Open MPI's library each such process would be a world of one.
        var (code, output) = RunAlone(("PMI_SIZE", "4"), ("PMI_RANK", "0"));
        Assert.NotEqual(0, code);
        Assert.Contains("started by a launcher for 4 processes (PMI_SIZE=4) that is not Open MPI's mpirun", output);
    }

    [Fact]
    public void A_world_size_that_differs_from_the_launchers_is_refused()
    {
        if (Mpirun.Path is null)
        {
            // Without Open MPI the library is missing; that error names the package instead.
            var (c, o) = RunAlone(("OMPI_COMM_WORLD_SIZE", "3"));
            Assert.NotEqual(0, c);
            Assert.Contains("apt-get install openmpi-bin", o);
            return;
        }

        // A process that claims to be one of 3 but was not started by mpirun initializes as a singleton world of 1.
        var (code, output) = RunAlone(("OMPI_COMM_WORLD_SIZE", "3"), ("OMPI_ALLOW_RUN_AS_ROOT", "1"), ("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1"));
        Assert.NotEqual(0, code);
        Assert.Contains("mpirun started 3 processes (OMPI_COMM_WORLD_SIZE) but MPI_COMM_WORLD has 1", output);
    }
}
