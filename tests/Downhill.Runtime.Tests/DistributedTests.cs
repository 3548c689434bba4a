namespace Downhill.Runtime.Tests;

/// <summary>A model that throws, after <see cref="ArmAfter"/> gradient calls, in the call whose rows hold row <see cref="Row"/> of the batch's columns.</summary>
internal sealed class Throwing(ILossModel<double> inner) : ILossModel<double>
{
    private int calls;

    public int ArmAfter { get; init; }

    public int Row { get; init; }

    public LossSchema Schema => inner.Schema;

    public double SumLoss(double[][] parameters, double[] hypers, in DataBatch batch, int start, int end) => inner.SumLoss(parameters, hypers, batch, start, end);

    public double SumGradient(double[][] parameters, double[] hypers, in DataBatch batch, int start, int end, double[][] gradient)
    {
        if (Interlocked.Increment(ref calls) > ArmAfter && batch.Offset + start <= Row && Row < batch.Offset + end)
        {
            throw new InvalidOperationException($"boom at row {Row}");
        }

        return inner.SumGradient(parameters, hypers, batch, start, end, gradient);
    }

    public (double Loss, double Tangent) SumTangent(double[][] parameters, double[] hypers, in DataBatch batch, int start, int end, double[][] tangent) => inner.SumTangent(parameters, hypers, batch, start, end, tangent);

    public double SumHessianVector(double[][] parameters, double[] hypers, in DataBatch batch, int start, int end, double[][] tangent, double[][] product) => inner.SumHessianVector(parameters, hypers, batch, start, end, tangent, product);

    public double SumGradientFull(double[][] parameters, double[] hypers, in DataBatch batch, int start, int end, double[][] gradient, double[] hyperGradient, double[]?[] dataGradient) => inner.SumGradientFull(parameters, hypers, batch, start, end, gradient, hyperGradient, dataGradient);

    public double SumHessianVectorFull(double[][] parameters, double[] hypers, in DataBatch batch, int start, int end, double[][] tangent, double[][] product, double[] hyperProduct, double[]?[] dataProduct) => inner.SumHessianVectorFull(parameters, hypers, batch, start, end, tangent, product, hyperProduct, dataProduct);

    public void SumMonitors(double[][] parameters, double[] hypers, in DataBatch batch, int start, int end, Span<double> sums) => inner.SumMonitors(parameters, hypers, batch, start, end, sums);
}

/// <summary>
/// Data-parallel training over <see cref="InProcessCommunicator"/> ranks (threads) and the single-rank communicator:
/// the same bits as one process, the same result on every rank, and failures that stop every rank by name.
/// </summary>
public class DistributedTests
{
    private static TrainingOptions Options(ICommunicator? comm, Algo algo = Algo.Adam) => new()
    {
        Algo = algo, LearningRate = 0.01, BatchSize = 10, MaxUpdates = 6, ValidateEvery = 2, Threads = 1, Seed = 3,
        ShuffleRows = true, MonitorGradients = true, Communicator = comm,
    };

    /// <summary>Runs <paramref name="train"/> on <paramref name="ranks"/> threads, one per rank, and returns each rank's result or exception.</summary>
    private static (TrainingResult<double>? Result, Exception? Error)[] OnRanks(int ranks, Func<ICommunicator, TrainingResult<double>> train)
    {
        InProcessCommunicator[] comms = InProcessCommunicator.Create(ranks);
        foreach (var c in comms)
        {
            c.Timeout = TimeSpan.FromSeconds(20);
        }

        var outcomes = new (TrainingResult<double>?, Exception?)[ranks];
        Thread[] threads = [.. comms.Select(c => new Thread(() =>
        {
            try
            {
                outcomes[c.Rank] = (train(c), null);
            }
            catch (Exception e)
            {
                outcomes[c.Rank] = (null, e);
            }
        }))];
        foreach (Thread t in threads)
        {
            t.Start();
        }

        foreach (Thread t in threads)
        {
            Assert.True(t.Join(TimeSpan.FromSeconds(60)), "a rank hung");
        }

        return outcomes;
    }

    private static TrainingResult<double> Factorize(TrainingOptions options, ILossModel<double>? model = null) =>
        Trainer.Minimize(model ?? new Factorization(), Factorization.Data(1), Factorization.Data(2), Factorization.Init(), [], options);

    private static void AssertSameBits(TrainingResult<double> expected, TrainingResult<double> actual)
    {
        Assert.Equal(expected.Epochs, actual.Epochs);
        Assert.Equal(expected.StopReason, actual.StopReason);
        for (int i = 0; i < expected.Parameters.Length; i++)
        {
            Assert.Equal(expected.Parameters[i].Select(BitConverter.DoubleToInt64Bits), actual.Parameters[i].Select(BitConverter.DoubleToInt64Bits));
        }

        Assert.Equal(expected.Train.Select(kv => (kv.Key, BitConverter.DoubleToInt64Bits(kv.Value))), actual.Train.Select(kv => (kv.Key, BitConverter.DoubleToInt64Bits(kv.Value))));
        Assert.Equal(expected.Valid.Select(kv => (kv.Key, BitConverter.DoubleToInt64Bits(kv.Value))), actual.Valid.Select(kv => (kv.Key, BitConverter.DoubleToInt64Bits(kv.Value))));
    }

    [Fact]
    public void The_single_rank_communicator_gives_the_bits_of_one_process()
    {
        TrainingResult<double> alone = Factorize(Options(null));
        AssertSameBits(alone, Factorize(Options(SingleRankCommunicator.Instance)));
    }

    [Theory]
    [InlineData(2, 25 << 20)]
    [InlineData(3, 4096)]
    [InlineData(4, 1024)]
    [InlineData(16, 4096)]
    public void N_ranks_give_the_bits_of_one_process_on_every_rank(int ranks, int segmentBytes)
    {
        // 2000 parameters (u and v of 1000 each): segments of 128 or 512 doubles cross from u to v.
        TrainingResult<double> alone = Factorize(Options(null));
        foreach (var (result, error) in OnRanks(ranks, c =>
        {
            TrainingOptions o = Options(c);
            o.AllreduceBucketBytes = segmentBytes;
            return Factorize(o);
        }))
        {
            Assert.Null(error);
            AssertSameBits(alone, result!);
        }
    }

    [Fact]
    public void Early_stopping_stops_every_rank_at_the_epoch_one_process_stops()
    {
        TrainingOptions Stopping(ICommunicator? c)
        {
            TrainingOptions o = Options(c);
            o.MaxUpdates = 40;
            o.ValidateEvery = 1;
            o.Patience = 1;
            o.MinImprovement = 0.05;
            return o;
        }

        TrainingResult<double> alone = Factorize(Stopping(null));
        Assert.Equal(StopReason.Patience, alone.StopReason);
        Assert.True(alone.Epochs < 40);
        foreach (var (result, error) in OnRanks(3, c => Factorize(Stopping(c))))
        {
            Assert.Null(error);
            AssertSameBits(alone, result!);
        }
    }

    [Fact]
    public void Hessian_vector_products_combine_in_order_too()
    {
        var data = new Array[] { Enumerable.Range(0, 57).Select(i => i / 57.0).ToArray(), Enumerable.Range(0, 57).Select(i => (2 * i / 57.0) + 1 + Math.Sin(i)).ToArray() };
        TrainingResult<double> Fit(ICommunicator? c) => Trainer.Minimize(new LinearRegression(), data, null, [[0.5], [0.1]], [], Options(c, Algo.Esgd));
        TrainingResult<double> alone = Fit(null);
        foreach (var (result, error) in OnRanks(3, Fit))
        {
            Assert.Null(error);
            AssertSameBits(alone, result!);
        }
    }

    [Fact]
    public void Bucketed_allreduce_agrees_on_every_rank_and_closely_with_one_process()
    {
        TrainingResult<double> alone = Factorize(Options(null));
        var outcomes = OnRanks(3, c =>
        {
            TrainingOptions o = Options(c);
            o.BucketedAllreduce = true;
            o.AllreduceBucketBytes = 4096;
            return Factorize(o);
        });
        foreach (var (result, error) in outcomes)
        {
            Assert.Null(error);
            AssertSameBits(outcomes[0].Result!, result!);
            for (int i = 0; i < alone.Parameters.Length; i++)
            {
                for (int j = 0; j < alone.Parameters[i].Length; j++)
                {
                    Assert.Equal(alone.Parameters[i][j], result!.Parameters[i][j], 1e-9);
                }
            }
        }
    }

    [Fact]
    public void A_run_resumed_with_another_rank_count_continues_bit_for_bit()
    {
        string path = Path.Combine(Path.GetTempPath(), $"downhill-dist-{Guid.NewGuid():N}.ckpt");
        try
        {
            TrainingResult<double> alone = Factorize(Options(null));
            TrainingOptions First(ICommunicator c)
            {
                TrainingOptions o = Options(c);
                o.MaxUpdates = 3;
                o.CheckpointPath = path;
                o.CheckpointEvery = 1;
                return o;
            }

            Assert.All(OnRanks(2, c => Factorize(First(c))), o => Assert.Null(o.Error));
            Assert.True(File.Exists(path));
            foreach (var (result, error) in OnRanks(3, c =>
            {
                TrainingOptions o = Options(c);
                o.CheckpointPath = path;
                o.CheckpointEvery = 100;
                return Factorize(o);
            }))
            {
                Assert.Null(error);
                AssertSameBits(alone, result!);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_rank_that_throws_stops_every_rank_with_its_error()
    {
        // Batch 10 of 100 rows in 10 chunks over 3 ranks: rows 0-2 of a batch are rank 0's, 3-5 rank 1's, 6-9 rank 2's.
        // Segments of 128 doubles: rank 1 drains rank 0's 16 segments before all throw.
        var outcomes = OnRanks(3, c =>
        {
            TrainingOptions o = Options(c);
            o.AllreduceBucketBytes = 1024;
            return Factorize(o, new Throwing(new Factorization()) { ArmAfter = c.Rank == 1 ? 20 : int.MaxValue, Row = 14 });
        });
        Assert.IsType<InvalidOperationException>(outcomes[1].Error);
        foreach (int r in new[] { 0, 2 })
        {
            var e = Assert.IsType<RankFailedException>(outcomes[r].Error);
            Assert.Equal(1, e.FailedRank);
            Assert.Contains("Rank 1 of 3 failed", e.Message);
            Assert.Contains("boom at row 14", e.Message);
        }
    }

    [Fact]
    public void A_rank_that_fails_outside_a_collective_aborts_the_others_by_name()
    {
        var outcomes = OnRanks(2, c =>
        {
            TrainingOptions o = Options(c);
            o.Progress = new SyncProgress(r =>
            {
                if (c.Rank == 1 && r.Epoch == 2)
                {
                    throw new IOException("disk full");
                }
            });
            return Factorize(o);
        });
        Assert.IsType<IOException>(outcomes[1].Error);
        var e = Assert.IsType<RankFailedException>(outcomes[0].Error);
        Assert.Equal(1, e.FailedRank);
        Assert.Contains("disk full", e.Message);
    }

    [Fact]
    public void Divergence_stops_every_rank_alike()
    {
        // No data: the one row is rank 1's (chunk 0 of 1 over 2 ranks), rank 0 evaluates nothing.
        var outcomes = OnRanks(2, c => Trainer.Minimize(new Rosenbrock { NaNAbove = -2.5 }, Array.Empty<Array>(), null, [[-3, -3]], [], new TrainingOptions { Algo = Algo.Sgd, LearningRate = 1e-3, Communicator = c, Threads = 1 }));
        Assert.All(outcomes, o => Assert.IsType<TrainingDivergedException>(o.Error));
        Assert.Equal(outcomes[0].Error!.Message, outcomes[1].Error!.Message);
    }

    [Fact]
    public void Cancelling_one_rank_cancels_all_at_the_same_step()
    {
        var outcomes = OnRanks(3, c =>
        {
            using var cts = new CancellationTokenSource();
            TrainingOptions o = Options(c);
            o.MaxUpdates = 20;
            o.CancellationToken = cts.Token;
            o.Progress = new SyncProgress(r =>
            {
                if (c.Rank == 2 && r.Epoch == 3)
                {
                    cts.Cancel();
                }
            });
            return Factorize(o);
        });
        Assert.All(outcomes, o => Assert.Null(o.Error));
        Assert.All(outcomes, o => Assert.Equal(StopReason.Cancelled, o.Result!.StopReason));
        Assert.All(outcomes, o => AssertSameBits(outcomes[0].Result!, o.Result!));
    }

    private sealed class SyncProgress(Action<EpochReport> report) : IProgress<EpochReport>
    {
        public void Report(EpochReport value) => report(value);
    }
}
