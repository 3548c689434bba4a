using Downhill.Internal;

namespace Downhill.Runtime.Tests;

/// <summary>The lane sums' transposes: the register path moves exactly the elements the element-by-element one does.</summary>
public class LaneTransposeTests
{
    [Fact]
    public void Full_blocks_of_doubles_and_floats_transpose_to_the_same_blocks_element_by_element()
    {
        var random = new Random(11);
        foreach (int width in new[] { 1, 3, 4, 5, 7, 8, 9, 16, 17, 784 })
        {
            var doubles = Enumerable.Range(0, 13 * width).Select(_ => random.NextDouble()).ToArray();
            var floats = doubles.Select(d => (float)d).ToArray();
            foreach (int first in new[] { 0, 1, 5 })
            {
                var block = new double[4 * width];
                Lanes.Transpose<double>(doubles, width, first, 4, block, 4);
                var single = new float[8 * width];
                Lanes.Transpose<float>(floats, width, first, 8, single, 8);
                for (int j = 0; j < width; j++)
                {
                    for (int l = 0; l < 4; l++)
                    {
                        Assert.Equal(doubles[((first + l) * width) + j], block[(j * 4) + l]);
                    }

                    for (int l = 0; l < 8; l++)
                    {
                        Assert.Equal(floats[((first + l) * width) + j], single[(j * 8) + l]);
                    }
                }
            }
        }
    }

    [Fact]
    public void A_partial_block_repeats_its_last_row_and_untranspose_restores_the_live_rows()
    {
        double[] column = [1, 2, 3, 4, 5, 6];
        var block = new double[4 * 2];
        Lanes.Transpose<double>(column, 2, 1, 2, block, 4);
        Assert.Equal([3.0, 5, 5, 5, 4, 6, 6, 6], block);
        var rows = new double[6];
        Lanes.Untranspose<double>(block, 2, 2, rows, 1, 4);
        Assert.Equal([0.0, 0, 3, 4, 5, 6], rows);
    }
}
