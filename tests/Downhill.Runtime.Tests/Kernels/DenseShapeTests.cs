using Downhill.Kernels;

namespace Downhill.Runtime.Tests.Kernels;

/// <summary>The three shapes a batched dense layer needs, against loops written out the way a loss writes them.</summary>
public class DenseShapeTests
{
    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(10, 784, 33)]
    [InlineData(64, 13, 7)]
    [InlineData(7, 5, 128)]
    public void Matrix_times_batch_is_the_per_example_matrix_vector_product(int rows, int cols, int batch)
    {
        var rng = new Random(rows + cols + batch);
        double[] w = MatrixProductTests.Random<double>(rng, rows * cols), x = MatrixProductTests.Random<double>(rng, batch * cols);
        double[] bias = MatrixProductTests.Random<double>(rng, rows);
        var s = new double[batch * rows];
        for (int e = 0; e < batch; e++)
        {
            bias.CopyTo(s, e * rows);
        }

        var expected = new double[batch * rows];
        for (int e = 0; e < batch; e++)
        {
            for (int j = 0; j < rows; j++)
            {
                double acc = bias[j];
                for (int i = 0; i < cols; i++)
                {
                    acc = Math.FusedMultiplyAdd(w[j * cols + i], x[e * cols + i], acc);
                }

                expected[e * rows + j] = acc;
            }
        }

        foreach (KernelPath path in MatrixProductTests.Paths())
        {
            double[] got = (double[])s.Clone();
            MatrixProducts.MatrixTimesBatch<double>(path, w, rows, cols, x, batch, got, accumulate: true, threads: 2);
            Assert.Equal(MatrixProductTests.Bits(expected), MatrixProductTests.Bits(got));
        }

        var overwritten = new double[batch * rows];
        Array.Fill(overwritten, double.NaN);
        MatrixProducts.MatrixTimesBatch<double>(w, rows, cols, x, batch, overwritten, accumulate: false);
        Assert.All(overwritten, v => Assert.False(double.IsNaN(v)));
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(10, 784, 33)]
    [InlineData(64, 13, 7)]
    [InlineData(7, 5, 300)]
    public void Outer_products_accumulate_into_the_gradient_in_example_order(int rows, int cols, int batch)
    {
        var rng = new Random(3 * rows + cols + batch);
        float[] ds = MatrixProductTests.Random<float>(rng, batch * rows), x = MatrixProductTests.Random<float>(rng, batch * cols);
        float[] dw = MatrixProductTests.Random<float>(rng, rows * cols);
        float[] expected = (float[])dw.Clone();
        for (int e = 0; e < batch; e++)
        {
            for (int j = 0; j < rows; j++)
            {
                for (int i = 0; i < cols; i++)
                {
                    expected[j * cols + i] = MathF.FusedMultiplyAdd(ds[e * rows + j], x[e * cols + i], expected[j * cols + i]);
                }
            }
        }

        foreach (KernelPath path in MatrixProductTests.Paths())
        {
            float[] got = (float[])dw.Clone();
            MatrixProducts.AccumulateOuterProducts<float>(path, ds, x, batch, rows, cols, got, threads: 2);
            Assert.Equal(MatrixProductTests.Bits(expected), MatrixProductTests.Bits(got));
        }
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(10, 784, 33)]
    [InlineData(64, 13, 7)]
    [InlineData(300, 5, 9)]
    public void Batch_times_matrix_is_each_adjoint_row_times_the_matrix(int rows, int cols, int batch)
    {
        var rng = new Random(7 * rows + cols + batch);
        float[] ds = MatrixProductTests.Random<float>(rng, batch * rows), w = MatrixProductTests.Random<float>(rng, rows * cols);
        float[] dx = MatrixProductTests.Random<float>(rng, batch * cols);
        foreach (bool accumulate in new[] { false, true })
        {
            var expected = new float[batch * cols];
            for (int e = 0; e < batch; e++)
            {
                for (int i = 0; i < cols; i++)
                {
                    float acc = accumulate ? dx[e * cols + i] : 0f;
                    for (int j = 0; j < rows; j++)
                    {
                        acc = MathF.FusedMultiplyAdd(ds[e * rows + j], w[j * cols + i], acc);
                    }

                    expected[e * cols + i] = acc;
                }
            }

            foreach (KernelPath path in MatrixProductTests.Paths())
            {
                float[] got = (float[])dx.Clone();
                MatrixProducts.BatchTimesMatrix<float>(path, ds, w, batch, rows, cols, got, accumulate, threads: 1);
                Assert.Equal(MatrixProductTests.Bits(expected), MatrixProductTests.Bits(got));
            }
        }
    }
}
