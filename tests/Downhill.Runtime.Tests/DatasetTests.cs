using System.IO.Compression;

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
