namespace Downhill.Runtime.Tests;

public class BatchScheduleTests
{
    private static readonly LossSchema Linear = new LinearRegression().Schema;

    private const int Rows = 23;
    private const int Size = 5;
    private const int Seed = 9;
    private const int Batches = 5 * 5 + 3;

    /// <summary>The source rows of the first <see cref="Batches"/> batches that a data set over row indices hands out in turn.</summary>
    private static int[][] Sequential(bool shuffle, bool shuffleRows)
    {
        double[] index = [.. Enumerable.Range(0, Rows).Select(i => (double)i)];
        var ds = new Dataset([index, index], batchSize: Size, iterationSize: 3, shuffle: shuffle, shuffleRows: shuffleRows, seed: Seed);
        ds.Bind<double>(Linear);
        return [.. Enumerable.Range(0, Batches).Select(_ =>
        {
            DataBatch b = ds.NextBatch();
            return ((double[])b.Columns[0]).AsSpan(b.Offset, b.Rows).ToArray().Select(v => (int)v).ToArray();
        })];
    }

    private static int[] RowsOf(BatchSchedule schedule, long t)
    {
        (int first, int count) = schedule.Locate(t);
        return [.. Enumerable.Range(first, count).Select(schedule.SourceRow)];
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void Batch_t_of_the_schedule_is_the_t_th_batch_of_sequential_batching(bool shuffle, bool shuffleRows)
    {
        int[][] sequential = Sequential(shuffle, shuffleRows);
        var schedule = new BatchSchedule(Rows, Size, shuffle, shuffleRows, Seed);

        // Random access: each batch from (seed, t) alone, whatever pass was loaded before.
        int[] visit = [.. Enumerable.Range(0, Batches)];
        new Internal.Rng(1).Shuffle(visit);
        foreach (int t in visit)
        {
            Assert.Equal(sequential[t], RowsOf(schedule, t));
        }
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void The_schedule_replays_backwards(bool shuffle, bool shuffleRows)
    {
        var forward = new BatchSchedule(Rows, Size, shuffle, shuffleRows, Seed);
        int[][] rows = [.. Enumerable.Range(0, Batches).Select(t => RowsOf(forward, t))];
        var backward = new BatchSchedule(Rows, Size, shuffle, shuffleRows, Seed);
        for (int t = Batches - 1; t >= 0; t--)
        {
            Assert.Equal(rows[t], RowsOf(backward, t));
        }

        // Shuffled passes differ from each other, so the replay is not trivially one pass repeated.
        Assert.NotEqual(rows.Take(5).SelectMany(r => r), rows.Skip(5).Take(5).SelectMany(r => r));
    }

    [Fact]
    public void Every_pass_visits_every_row_once_in_blocks_of_the_batch_size()
    {
        var schedule = new BatchSchedule(Rows, Size, shuffleBatches: true, shuffleRows: true, Seed);
        for (int pass = 0; pass < 4; pass++)
        {
            int[][] batches = [.. Enumerable.Range(0, 5).Select(i => RowsOf(schedule, (pass * 5) + i))];
            Assert.Equal(Enumerable.Range(0, Rows), batches.SelectMany(b => b).Order());
            Assert.Equal([3, 5, 5, 5, 5], batches.Select(b => b.Length).Order());
        }
    }

    [Fact]
    public void Another_seed_gives_other_batches()
    {
        var a = new BatchSchedule(Rows, Size, shuffleBatches: true, shuffleRows: true, Seed);
        var b = new BatchSchedule(Rows, Size, shuffleBatches: true, shuffleRows: true, Seed + 1);
        Assert.NotEqual(RowsOf(a, 7), RowsOf(b, 7));
    }

    [Fact]
    public void Streamed_batches_follow_the_same_schedule()
    {
        string dir = Directory.CreateTempSubdirectory("downhill-schedule").FullName;
        try
        {
            double[] index = [.. Enumerable.Range(0, Rows).Select(i => (double)i)];
            string path = Path.Combine(dir, "x.npy");
            Npy.Write<double>(path, index);
            using var npy = NpyArray.Open(path);
            var ds = Dataset.FromNpy([npy, index], batchSize: Size, shuffleRows: true, seed: Seed);
            ds.Bind<double>(Linear);
            var schedule = new BatchSchedule(Rows, Size, shuffleBatches: true, shuffleRows: true, Seed);
            for (int t = 0; t < Batches; t++)
            {
                DataBatch b = ds.NextBatch();
                Assert.Equal(RowsOf(schedule, t), ((double[])b.Columns[0]).AsSpan(0, b.Rows).ToArray().Select(v => (int)v));
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void The_hypergradients_take_the_batches_of_a_data_set_with_shuffled_rows_in_order()
    {
        double[] index = [.. Enumerable.Range(0, Rows).Select(i => (double)i)];
        var ds = new Dataset([index, index], batchSize: Size, shuffle: false, shuffleRows: true, seed: Seed);
        ds.Bind<double>(Linear);
        var exact = new Hypergradients.ExactData<double>(Linear, [index, index], "train", Size, Seed);

        // Backwards first (as the reverse run), then forwards: both equal the data set's t-th batch.
        int[][] sequential = [.. Enumerable.Range(0, Batches).Select(_ =>
        {
            DataBatch b = ds.NextBatch();
            return ((double[])b.Columns[0]).AsSpan(b.Offset, b.Rows).ToArray().Select(v => (int)v).ToArray();
        })];
        foreach (int t in Enumerable.Range(0, Batches).Reverse().Concat(Enumerable.Range(0, Batches)))
        {
            DataBatch b = exact.Batch(t, out ReadOnlySpan<int> rows);
            Assert.Equal(sequential[t], rows.ToArray());
            Assert.Equal(sequential[t], ((double[])b.Columns[0]).AsSpan(b.Offset, b.Rows).ToArray().Select(v => (int)v));
        }
    }
}
