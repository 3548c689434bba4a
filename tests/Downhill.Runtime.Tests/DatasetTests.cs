using System.IO.Compression;
using System.Runtime.InteropServices;

namespace Downhill.Runtime.Tests;

public class DatasetTests
{
    private static readonly LossSchema Linear = new LinearRegression().Schema;
    private static readonly LossSchema Factor = new Factorization().Schema;

    private static double[] Range(int n) => [.. Enumerable.Range(0, n).Select(i => (double)i)];

    [Fact]
    public void Last_batch_is_short()
    {
        var ds = new Dataset([Range(40), Range(40)], batchSize: 11, shuffle: false);
        ds.Bind<double>(Linear);
        var batches = Enumerable.Range(0, 4).Select(_ => ds.NextBatch()).ToArray();
        Assert.Equal([11, 11, 11, 7], batches.Select(b => b.Rows));
        Assert.Equal([0, 11, 22, 33], batches.Select(b => b.Offset));
        Assert.Equal(4, ds.IterationSize);
    }

    [Fact]
    public void Batch_size_zero_is_the_whole_set()
    {
        var ds = new Dataset([Range(40), Range(40)], batchSize: 0);
        ds.Bind<double>(Linear);
        DataBatch b = ds.NextBatch();
        Assert.Equal((0, 40), (b.Offset, b.Rows));
    }

    [Fact]
    public void Iteration_size_cursor_carries_over_epochs()
    {
        var ds = new Dataset([Range(8), Range(8)], batchSize: 1, iterationSize: 3, shuffle: false);
        ds.Bind<double>(Linear);
        int[][] epochs = [.. Enumerable.Range(0, 3).Select(_ => Enumerable.Range(0, ds.IterationSize).Select(_ => ds.NextBatch().Offset).ToArray())];
        Assert.Equal([0, 1, 2], epochs[0]);
        Assert.Equal([3, 4, 5], epochs[1]);
        Assert.Equal([6, 7, 0], epochs[2]);
    }

    [Fact]
    public void Batch_order_is_shuffled_at_construction_and_after_each_pass()
    {
        var ds = new Dataset([Range(8), Range(8)], batchSize: 1, seed: 3);
        ds.Bind<double>(Linear);
        int[] first = [.. Enumerable.Range(0, 8).Select(_ => ds.NextBatch().Offset)];
        int[] second = [.. Enumerable.Range(0, 8).Select(_ => ds.NextBatch().Offset)];
        Assert.Equal(Enumerable.Range(0, 8), first.Order());
        Assert.Equal(Enumerable.Range(0, 8), second.Order());
        Assert.NotEqual(first, second);
        Assert.NotEqual(Enumerable.Range(0, 8), first);
    }

    [Fact]
    public void Shuffled_rows_keep_columns_aligned()
    {
        double[] x = Range(10);
        double[] y = [.. x.Select(v => v * 10)];
        var ds = new Dataset([x, y], batchSize: 10, shuffleRows: true, seed: 1);
        ds.Bind<double>(Linear);
        DataBatch b = ds.NextBatch();
        var bx = (double[])b.Columns[0];
        var by = (double[])b.Columns[1];
        Assert.NotEqual(x, bx);
        Assert.Equal(x, bx.Order());
        for (int i = 0; i < 10; i++)
        {
            Assert.Equal(bx[i] * 10, by[i]);
        }
    }

    [Fact]
    public void Batches_are_views_without_copies()
    {
        double[] x = Range(20);
        var ds = new Dataset([x, Range(20)], batchSize: 5);
        ds.Bind<double>(Linear);
        Assert.Same(ds.NextBatch().Columns[0], ds.NextBatch().Columns[0]);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            ds.NextBatch();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Float_columns_are_converted_once_to_the_loss_type()
    {
        var ds = new Dataset([new float[] { 1.5f, 2.5f }, new float[] { 3f, 4f }]);
        ds.Bind<double>(Linear);
        Assert.Equal([1.5, 2.5], (double[])ds.NextBatch().Columns[0]);
    }

    [Fact]
    public void Mismatched_lengths_name_the_columns()
    {
        var e = Assert.Throws<ArgumentException>(() => new Dataset([Range(10), Range(9)], ["x", "y"]));
        Assert.Contains("'x' has 10 rows, 'y' has 9", e.Message);
    }

    [Fact]
    public void Empty_data_set_is_rejected()
    {
        var e = Assert.Throws<ArgumentException>(() => new Dataset([Array.Empty<double>(), Array.Empty<double>()], ["x", "y"]));
        Assert.Contains("'x' is empty", e.Message);
    }

    [Fact]
    public void Jagged_rows_of_different_width_name_the_row()
    {
        double[][] rows = [[1, 2], [3, 4], [5]];
        var e = Assert.Throws<ArgumentException>(() => new Dataset([new[] { 0, 1, 2 }, rows], ["i", "x"]));
        Assert.Contains("'x', row 2 has width 1", e.Message);
    }

    [Fact]
    public void NaN_in_data_names_column_and_row()
    {
        var ds = new Dataset([Range(5), new[] { 0, 1, 2, double.NaN, 4 }], ["x", "y"]);
        var e = Assert.Throws<ArgumentException>(() => ds.Bind<double>(Linear));
        Assert.Contains("'y'", e.Message);
        Assert.Contains("NaN at row 3", e.Message);

        var overflow = new Dataset([Range(2), new[] { 0, 1e300 }], ["x", "y"]);
        var e2 = Assert.Throws<ArgumentException>(() => overflow.Bind<float>(Linear with { ElementType = typeof(float) }));
        Assert.Contains("infinity at row 1", e2.Message);
    }

    [Fact]
    public void Columns_are_checked_against_the_schema()
    {
        Assert.Contains("has 1 columns", Assert.Throws<ArgumentException>(() => new Dataset([Range(3)]).Bind<double>(Linear)).Message);
        Assert.Contains("(a, b)", Assert.Throws<ArgumentException>(() => new Dataset([Range(3), Range(3)], ["a", "b"]).Bind<double>(Linear)).Message);
        Assert.Contains("'i'", Assert.Throws<ArgumentException>(() => new Dataset([Range(3), new double[3, 2]]).Bind<double>(Factor)).Message);
        Assert.Contains("ReadOnlySpan row", Assert.Throws<ArgumentException>(() => new Dataset([new int[3], Range(3)]).Bind<double>(Factor)).Message);
    }

    [Fact]
    public void Two_dimensional_columns_are_row_major_views()
    {
        var x = new double[3, 2] { { 1, 2 }, { 3, 4 }, { 5, 6 } };
        var ds = new Dataset([new[] { 0, 1, 2 }, x], batchSize: 2, shuffle: false);
        ds.Bind<double>(Factor);
        DataBatch b = ds.NextBatch();
        Assert.Equal(2, b.Widths[1]);
        Assert.Equal([1.0, 2, 3, 4, 5, 6], (double[])b.Columns[1]);
        Assert.Equal((1, 1), (ds.NextBatch().Offset / 2, ds.BatchCount / 2));
    }

    [Fact]
    public void Callable_source_supplies_every_batch()
    {
        int calls = 0;
        var ds = new Dataset(() =>
        {
            calls++;
            return [new double[] { calls, calls }, new float[] { 1, 2 }];
        });
        Assert.Equal(100, ds.IterationSize);
        ds.Bind<double>(Linear);
        DataBatch b = ds.NextBatch();
        Assert.Equal(2, b.Rows);
        Assert.Equal([1.0, 1.0], (double[])b.Columns[0]);
        Assert.Equal([1.0, 2.0], (double[])b.Columns[1]);
        Assert.Equal([2.0, 2.0], (double[])ds.NextBatch().Columns[0]);
    }

    [Fact]
    public void Npy_files_are_memory_mapped_and_converted()
    {
        string dir = Directory.CreateTempSubdirectory("downhill-npy").FullName;
        try
        {
            string xs = Path.Combine(dir, "x.npy"), ys = Path.Combine(dir, "y.npy"), idx = Path.Combine(dir, "i.npy"), rows = Path.Combine(dir, "r.npy");
            Npy.Write<float>(xs, [1f, 2f, 3f]);
            Npy.Write<double>(ys, [4, 5, 6]);
            Npy.Write<long>(idx, [0, 1, 2]);
            Npy.Write<double>(rows, [1, 2, 3, 4, 5, 6], columns: 2);
            using NpyArray x = NpyArray.Open(xs), y = NpyArray.Open(ys), i = NpyArray.Open(idx), r = NpyArray.Open(rows);
            Assert.Equal("<f4", x.DType);
            Assert.Equal([3, 2], r.Shape);
            var ds = Dataset.FromNpy([x, y], batchSize: 0);
            ds.Bind<double>(Linear);
            DataBatch b = ds.NextBatch();
            Assert.Equal([1.0, 2, 3], (double[])b.Columns[0]);
            Assert.Equal([4.0, 5, 6], (double[])b.Columns[1]);
            var fs = Dataset.FromNpy([i, r], batchSize: 0);
            fs.Bind<double>(Factor);
            DataBatch fb = fs.NextBatch();
            Assert.Equal([0, 1, 2], (int[])fb.Columns[0]);
            Assert.Equal(2, fb.Widths[1]);

            File.WriteAllBytes(Path.Combine(dir, "bad.npy"), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
            Assert.Throws<InvalidDataException>(() => NpyArray.Open(Path.Combine(dir, "bad.npy")));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void Streamed_npy_batches_equal_array_batches_bit_for_bit(bool shuffleRows, bool single)
    {
        // 23 rows in batches of 5 (the last short), two passes: both sources draw the same shuffles.
        var rng = new Random(11);
        int[] labels = [.. Enumerable.Range(0, 23).Select(_ => rng.Next(100))];
        double[] values = [.. Enumerable.Range(0, 23 * 3).Select(_ => (rng.NextDouble() * 20) - 10)];
        using var dir = new TempDir();
        Array x;
        if (single)
        {
            float[] f = [.. values.Select(v => (float)v)];
            Npy.Write<float>(dir.File("x.npy"), f, columns: 3);
            Npy.Write<int>(dir.File("i.npy"), labels);
            x = To2D(f, 3);
        }
        else
        {
            Npy.Write<double>(dir.File("x.npy"), values, columns: 3);
            Npy.Write<long>(dir.File("i.npy"), [.. labels.Select(l => (long)l)]);
            x = To2D(values, 3);
        }

        using NpyArray ni = NpyArray.Open(dir.File("i.npy")), nx = NpyArray.Open(dir.File("x.npy"));
        var arrays = new Dataset([labels, x], batchSize: 5, shuffleRows: shuffleRows, seed: 7);
        var streamed = Dataset.FromNpy([ni, nx], batchSize: 5, shuffleRows: shuffleRows, seed: 7);
        if (single)
        {
            AssertSameBatches<float>(arrays, streamed, Factor with { ElementType = typeof(float) }, passes: 2);
        }
        else
        {
            AssertSameBatches<double>(arrays, streamed, Factor, passes: 2);
        }
    }

    [Fact]
    public void Array_columns_beside_npy_columns_are_gathered_into_the_batch()
    {
        var rng = new Random(12);
        int[] labels = [.. Enumerable.Range(0, 17).Select(_ => rng.Next(100))];
        double[] values = [.. Enumerable.Range(0, 17 * 4).Select(_ => rng.NextDouble())];
        using var dir = new TempDir();
        Npy.Write<double>(dir.File("x.npy"), values, columns: 4);
        using NpyArray nx = NpyArray.Open(dir.File("x.npy"));
        var arrays = new Dataset([labels, To2D(values, 4)], batchSize: 4, shuffleRows: true, seed: 2);
        var mixed = Dataset.FromNpy([labels, nx], batchSize: 4, shuffleRows: true, seed: 2);
        AssertSameBatches<double>(arrays, mixed, Factor, passes: 2);
    }

    [Fact]
    public void A_view_of_a_streamed_set_reads_the_same_rows_into_buffers_of_its_own()
    {
        double[] xs = [.. Enumerable.Range(0, 12).Select(i => i * 0.5)];
        double[] ys = [.. xs.Select(v => (2 * v) + 1)];
        using var dir = new TempDir();
        Npy.Write<double>(dir.File("x.npy"), xs);
        Npy.Write<double>(dir.File("y.npy"), ys);
        using NpyArray nx = NpyArray.Open(dir.File("x.npy")), ny = NpyArray.Open(dir.File("y.npy"));
        var train = Dataset.FromNpy([nx, ny], batchSize: 5, shuffleRows: true, seed: 3);
        train.Bind<double>(Linear);
        Dataset view = train.CreateView(4);
        view.Bind<double>(Linear);
        var arrayView = new Dataset([xs, ys], batchSize: 5).CreateView(4);
        AssertSameBatches<double>(arrayView, view, Linear, passes: 2);

        // The view's batches do not overwrite a training batch still in use, and follow the data's order.
        DataBatch t = train.NextBatch();
        double[] held = ((double[])t.Columns[0])[..t.Rows];
        DataBatch v = view.NextBatch();
        Assert.NotSame(t.Columns[0], v.Columns[0]);
        Assert.Equal(held, ((double[])t.Columns[0])[..t.Rows]);
        Assert.Equal([0.0, 0.5, 1, 1.5], ((double[])v.Columns[0])[..v.Rows]);
    }

    [Fact]
    public void FirstRow_of_a_streamed_set_is_row_zero_and_leaves_the_batch_alone()
    {
        using var dir = new TempDir();
        Npy.Write<float>(dir.File("x.npy"), [1f, 2f, 3f, 4f, 5f, 6f], columns: 2);
        Npy.Write<long>(dir.File("i.npy"), [7, 8, 9]);
        using NpyArray nx = NpyArray.Open(dir.File("x.npy")), ni = NpyArray.Open(dir.File("i.npy"));
        var ds = Dataset.FromNpy([ni, nx], batchSize: 2, shuffle: false);
        ds.Bind<double>(Factor);
        ds.NextBatch();
        DataBatch second = ds.NextBatch();
        DataBatch first = ds.FirstRow();
        Assert.Equal((0, 1), (first.Offset, first.Rows));
        Assert.Equal([7], (int[])first.Columns[0]);
        Assert.Equal([1.0, 2.0], (double[])first.Columns[1]);
        Assert.Equal(9, ((int[])second.Columns[0])[0]);
        Assert.Equal([5.0, 6.0], ((double[])second.Columns[1])[..2]);
    }

    [Fact]
    public void Bad_values_in_npy_files_are_found_past_the_first_scan_chunk()
    {
        // 40,000 rows of 2 doubles: more than one scan chunk (64 Ki elements), so the row counts from each chunk's start.
        using var dir = new TempDir();
        var x = new double[40_000 * 2];
        x[(39_000 * 2) + 1] = double.NaN;
        Npy.Write<double>(dir.File("x.npy"), x, columns: 2);
        var y = new double[70_000];
        y[69_999] = double.NegativeInfinity;
        Npy.Write<double>(dir.File("y.npy"), y);
        var big = new double[70_000];
        big[66_000] = 1e300;
        Npy.Write<double>(dir.File("big.npy"), big);
        var labels = new long[70_000];
        labels[65_537] = 3_000_000_000;
        Npy.Write<long>(dir.File("i.npy"), labels);
        using NpyArray nx = NpyArray.Open(dir.File("x.npy")), ny = NpyArray.Open(dir.File("y.npy")), nbig = NpyArray.Open(dir.File("big.npy"));
        using NpyArray ni = NpyArray.Open(dir.File("i.npy"));

        var twoD = Assert.Throws<ArgumentException>(() => Dataset.FromNpy([Enumerable.Range(0, 40_000).ToArray(), nx], ["i", "x"]).Bind<double>(Factor));
        Assert.Contains("column 'x' holds NaN at row 39000, element 1; data must be finite", twoD.Message);
        var oneD = Assert.Throws<ArgumentException>(() => Dataset.FromNpy([nbig, ny], ["x", "y"]).Bind<double>(Linear));
        Assert.Contains("column 'y' holds an infinity at row 69999; data must be finite", oneD.Message);
        var single = Assert.Throws<ArgumentException>(() => Dataset.FromNpy([nbig, ny], ["x", "y"]).Bind<float>(Linear with { ElementType = typeof(float) }));
        Assert.Contains("column 'x' holds an infinity at row 66000 (after conversion to float)", single.Message);
        var wide = Assert.Throws<ArgumentException>(() => Dataset.FromNpy([ni, new double[70_000, 1]], ["i", "x"]).Bind<double>(Factor));
        Assert.Contains("column 'i': the value 3000000000 at row 65537 does not fit in an int", wide.Message);
    }

    [Fact]
    public void A_warm_streamed_NextBatch_allocates_nothing()
    {
        using var dir = new TempDir();
        Npy.Write<double>(dir.File("x.npy"), [.. Enumerable.Range(0, 300).Select(i => (double)i)], columns: 3);
        Npy.Write<long>(dir.File("i.npy"), [.. Enumerable.Range(0, 100).Select(i => (long)i)]);
        using NpyArray nx = NpyArray.Open(dir.File("x.npy")), ni = NpyArray.Open(dir.File("i.npy"));
        foreach (bool shuffleRows in new[] { false, true })
        {
            var ds = Dataset.FromNpy([ni, nx], batchSize: 7, shuffleRows: shuffleRows, seed: 5);
            ds.Bind<float>(Factor with { ElementType = typeof(float) });
            Dataset view = ds.CreateView(9);
            view.Bind<float>(Factor with { ElementType = typeof(float) });
            for (int i = 0; i < 100; i++)
            {
                ds.NextBatch();
                view.NextBatch();
            }

            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 1000; i++)
            {
                ds.NextBatch();
                view.NextBatch();
            }

            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        }
    }

    /// <summary>
    /// Takes <paramref name="passes"/> passes of batches from both data sets and asserts equal rows, bit for bit:
    /// the streamed set's batches start at Offset 0 and hold the same rows as the array set's batch views.
    /// </summary>
    private static void AssertSameBatches<T>(Dataset arrays, Dataset streamed, LossSchema schema, int passes)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        arrays.Bind<T>(schema);
        streamed.Bind<T>(schema);
        Assert.Equal(arrays.BatchCount, streamed.BatchCount);
        var seen = new List<byte[]>();
        for (int b = 0; b < passes * arrays.BatchCount; b++)
        {
            DataBatch a = arrays.NextBatch();
            DataBatch s = streamed.NextBatch();
            Assert.Equal(a.Rows, s.Rows);
            Assert.Equal(0, s.Offset);
            Assert.Equal(a.Widths, s.Widths);
            for (int c = 0; c < a.Columns.Length; c++)
            {
                byte[] expected = Rows(a, c), actual = Rows(s, c);
                Assert.Equal(expected, actual);
                if (c == a.Columns.Length - 1)
                {
                    seen.Add(actual);
                }
            }
        }

        // The passes differ (the batch order, or the rows, were reshuffled), so the comparison covered shuffling.
        byte[] Pass(int p) => [.. seen.Skip(p * arrays.BatchCount).Take(arrays.BatchCount).SelectMany(x => x)];
        if (passes > 1 && arrays.Shuffle)
        {
            Assert.NotEqual(Pass(0), Pass(1));
        }
    }

    /// <summary>The bytes of a batch's rows of column <paramref name="c"/>.</summary>
    private static byte[] Rows(DataBatch batch, int c)
    {
        int w = batch.Widths[c];
        return batch.Columns[c] switch
        {
            double[] d => MemoryMarshal.AsBytes(d.AsSpan(batch.Offset * w, batch.Rows * w)).ToArray(),
            float[] f => MemoryMarshal.AsBytes(f.AsSpan(batch.Offset * w, batch.Rows * w)).ToArray(),
            int[] i => MemoryMarshal.AsBytes(i.AsSpan(batch.Offset * w, batch.Rows * w)).ToArray(),
            _ => throw new InvalidOperationException("unexpected column type"),
        };
    }

    private static TElement[,] To2D<TElement>(TElement[] values, int width)
    {
        var result = new TElement[values.Length / width, width];
        for (int i = 0; i < values.Length; i++)
        {
            result[i / width, i % width] = values[i];
        }

        return result;
    }

    [Fact]
    public void Idx_images_and_labels_are_read_plain_and_gzipped()
    {
        string dir = Directory.CreateTempSubdirectory("downhill-idx").FullName;
        try
        {
            byte[] images = [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2, 0, 255, 51, 102, 1, 2, 3, 4];
            byte[] labels = [0, 0, 8, 1, 0, 0, 0, 2, 7, 3];
            File.WriteAllBytes(Path.Combine(dir, "images.idx"), images);
            using (var gz = new GZipStream(File.Create(Path.Combine(dir, "labels.idx.gz")), CompressionLevel.Fastest))
            {
                gz.Write(labels);
            }

            float[,] img = Idx.ReadImages<float>(Path.Combine(dir, "images.idx"));
            Assert.Equal((2, 4), (img.GetLength(0), img.GetLength(1)));
            Assert.Equal(1f, img[0, 1]);
            Assert.Equal(0.2f, img[0, 2], 6);
            Assert.Equal([7, 3], Idx.ReadLabels(Path.Combine(dir, "labels.idx.gz")));
            File.WriteAllBytes(Path.Combine(dir, "short.idx"), images[..20]);
            Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => Idx.ReadImages<double>(Path.Combine(dir, "short.idx"))).Message);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}

/// <summary>A temporary folder for test files, deleted on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    private readonly string path = Directory.CreateTempSubdirectory("downhill-test").FullName;

    public string File(string name) => Path.Combine(path, name);

    public void Dispose() => Directory.Delete(path, true);
}
