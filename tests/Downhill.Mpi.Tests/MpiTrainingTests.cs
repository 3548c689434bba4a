using Downhill.Mpi.TestProgram;

namespace Downhill.Mpi.Tests;

/// <summary>
/// Data-parallel training under <c>mpirun</c>: N ranks give one process's parameters bit for bit (arrays through
/// the typed Minimize, and memory-mapped .npy columns), a rank that dies, throws or hangs ends the job with its
/// error named, and a rerun from the last checkpoint with another rank count continues bit for bit.
/// </summary>
public sealed class MpiTrainingTests : IDisposable
{
    private readonly string dir = Path.Combine(Path.GetTempPath(), $"downhill-mpi-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>One process without a communicator: the bits every run must reproduce.</summary>
    private byte[] Reference(string? npy = null)
    {
        string outDir = Path.Combine(dir, "reference");
        Training.Run(new RunSettings { OutputDirectory = outDir, NpyDirectory = npy });
        return File.ReadAllBytes(Path.Combine(outDir, "params.0.bin"));
    }

    private void AssertEveryRankHas(byte[] expected, string outDir, int ranks)
    {
        string result = File.ReadAllText(Path.Combine(outDir, "result.0.txt"));
        for (int r = 0; r < ranks; r++)
        {
            Assert.Equal(expected, File.ReadAllBytes(Path.Combine(outDir, $"params.{r}.bin")));
            Assert.Equal(result, File.ReadAllText(Path.Combine(outDir, $"result.{r}.txt")));
        }
    }

    [Fact]
    public void The_single_rank_communicator_gives_one_process_bits()
    {
        byte[] expected = Reference();
        string outDir = Path.Combine(dir, "single");
        Training.Run(new RunSettings { OutputDirectory = outDir, Communicator = "single" });
        AssertEveryRankHas(expected, outDir, 1);
        Assert.Equal(File.ReadAllText(Path.Combine(dir, "reference", "result.0.txt")), File.ReadAllText(Path.Combine(outDir, "result.0.txt")));
    }

    [MpirunTheory]
    [InlineData(2)]
    [InlineData(3)]
    public void Ranks_under_mpirun_train_one_process_parameters_bit_for_bit(int ranks)
    {
        byte[] expected = Reference();
        string outDir = Path.Combine(dir, $"np{ranks}");
        // 195 parameters (1560 bytes) in 1024-byte messages: the chain is pipelined in 2 segments.
        var (code, output, _) = Mpirun.Run(ranks, "--out", outDir, "--segment-bytes", "1024");
        Assert.True(code == 0, output);
        AssertEveryRankHas(expected, outDir, ranks);
    }

    [MpirunFact]
    public void Memory_mapped_npy_columns_train_the_same_bits_on_three_ranks()
    {
        string npy = Path.Combine(dir, "npy");
        Training.WriteNpy(npy);
        byte[] expected = Reference(npy);
        string outDir = Path.Combine(dir, "npy3");
        var (code, output, _) = Mpirun.Run(3, "--out", outDir, "--npy", npy);
        Assert.True(code == 0, output);
        AssertEveryRankHas(expected, outDir, 3);
    }

    [MpirunFact]
    public void Bucketed_allreduce_gives_every_rank_the_same_parameters()
    {
        string outDir = Path.Combine(dir, "bucketed");
        var (code, output, _) = Mpirun.Run(2, "--out", outDir, "--bucketed", "true");
        Assert.True(code == 0, output);
        AssertEveryRankHas(File.ReadAllBytes(Path.Combine(outDir, "params.0.bin")), outDir, 2);
    }

    [MpirunFact]
    public void A_killed_rank_ends_the_run_with_the_rank_named()
    {
        var (code, output, elapsed) = Mpirun.Run(3, "--out", Path.Combine(dir, "killed"), "--fault-rank", "1", "--fault-epoch", "2", "--fault", "kill");
        Assert.NotEqual(0, code);
        Assert.Contains("process rank 1", output);
        Assert.Contains("signal 9", output);
        Assert.True(elapsed < TimeSpan.FromSeconds(60), $"took {elapsed}");
        Assert.False(File.Exists(Path.Combine(dir, "killed", "params.0.bin")), "rank 0 finished as if nothing happened");
    }

    [MpirunFact]
    public void A_rank_that_throws_aborts_the_job_with_its_error()
    {
        var (code, output, _) = Mpirun.Run(2, "--out", Path.Combine(dir, "threw"), "--fault-rank", "1", "--fault-epoch", "2", "--fault", "throw");
        Assert.NotEqual(0, code);
        Assert.Contains("Downhill.Mpi: rank 1 of 2 failed: InvalidOperationException: rank 1 fails on purpose", output);
        // The failing rank says it aborts the job, then calls MPI_Abort; mpirun's own "MPI_ABORT was invoked"
        // banner is not asserted: Open MPI sometimes fails to print it ("ORTE_ERROR_LOG: Out of resource in
        // show_help.c") while the job is torn down.
        Assert.Contains("Downhill.Mpi: rank 1 aborts the job.", output);
    }

    [MpirunFact]
    public void A_hung_rank_makes_the_others_stop_after_the_timeout()
    {
        var (code, output, elapsed) = Mpirun.Run(2, "--out", Path.Combine(dir, "hung"), "--fault-rank", "1", "--fault-epoch", "2", "--fault", "hang", "--timeout", "2");
        Assert.NotEqual(0, code);
        Assert.Contains("Downhill.Mpi: rank 0 of 2 failed", output);
        Assert.Contains("did not complete within 2 s; another rank hung or died", output);
        Assert.True(elapsed < TimeSpan.FromSeconds(60), $"took {elapsed}");
    }

    [MpirunFact]
    public void A_rerun_from_the_last_checkpoint_after_a_kill_continues_bit_for_bit_on_another_rank_count()
    {
        byte[] expected = Reference();
        string checkpoint = Path.Combine(dir, "run.ckpt");
        var (code, output, _) = Mpirun.Run(2, "--out", Path.Combine(dir, "first"), "--checkpoint", checkpoint, "--fault-rank", "1", "--fault-epoch", "4", "--fault", "kill");
        Assert.NotEqual(0, code);
        Assert.True(File.Exists(checkpoint), output);
        string outDir = Path.Combine(dir, "resumed");
        (code, output, _) = Mpirun.Run(3, "--out", outDir, "--checkpoint", checkpoint);
        Assert.True(code == 0, output);
        AssertEveryRankHas(expected, outDir, 3);
    }
}
