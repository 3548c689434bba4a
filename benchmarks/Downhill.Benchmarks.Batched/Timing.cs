using System.Diagnostics;

namespace Downhill.Benchmarks.Batched;

/// <summary>One thing measured: an action and the work one call of it does (floating-point operations or bytes).</summary>
/// <param name="Name">What it is.</param>
/// <param name="Run">One call.</param>
/// <param name="Work">Work per call.</param>
internal sealed record Case(string Name, Action Run, double Work)
{
    /// <summary>Calls per timed sample (set so that a sample lasts about the target time).</summary>
    public int Repeats { get; set; } = 1;

    /// <summary>Seconds per call, one entry per round.</summary>
    public List<double> Seconds { get; } = [];

    /// <summary>The median seconds per call over the rounds.</summary>
    public double Median
    {
        get
        {
            double[] s = [.. Seconds.Order()];
            return s.Length == 0 ? double.NaN : s.Length % 2 == 1 ? s[s.Length / 2] : (s[(s.Length / 2) - 1] + s[s.Length / 2]) / 2;
        }
    }

    /// <summary>Work per second at the median.</summary>
    public double Rate => Work / Median;
}

/// <summary>
/// Interleaved measurement: after a warm-up call, every round times each case once, in an order that rotates from
/// round to round, so a noisy minute on the shared machine hits every case alike; medians over rounds are reported.
/// </summary>
internal static class Timing
{
    /// <summary>Measures <paramref name="cases"/> over <paramref name="rounds"/> rounds, each sample lasting at least <paramref name="targetSeconds"/> (0: one call per sample and no warm-up call).</summary>
    public static void Interleave(IReadOnlyList<Case> cases, int rounds, double targetSeconds = 0.05)
    {
        foreach (Case c in cases)
        {
            if (targetSeconds <= 0)
            {
                // Long calls of code already warm from earlier sections: one call per sample, no warm-up.
                continue;
            }

            c.Run();
            double once = Time(c.Run, 1);
            c.Repeats = (int)Math.Clamp(Math.Ceiling(targetSeconds / Math.Max(once, 1e-9)), 1, 1_000_000);
        }

        for (int r = 0; r < rounds; r++)
        {
            for (int i = 0; i < cases.Count; i++)
            {
                Case c = cases[(i + r) % cases.Count];
                c.Seconds.Add(Time(c.Run, c.Repeats));
            }
        }
    }

    private static double Time(Action action, int repeats)
    {
        long t0 = Stopwatch.GetTimestamp();
        for (int i = 0; i < repeats; i++)
        {
            action();
        }

        return Stopwatch.GetElapsedTime(t0).TotalSeconds / repeats;
    }
}
