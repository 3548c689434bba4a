using Downhill;

namespace Downhill.Benchmarks.Mpi;

/// <summary>A loss whose gradient is dense in a parameter vector of any length: ½ Σⱼ (wⱼ − x)² per row.</summary>
public static partial class Quadratic
{
    /// <summary>One row's loss.</summary>
    [Loss]
    public static double Loss([Param] ReadOnlySpan<double> w, double x)
    {
        double s = 0;
        for (int j = 0; j < w.Length; j++)
        {
            double d = w[j] - x;
            s += d * d;
        }

        return 0.5 * s;
    }
}
