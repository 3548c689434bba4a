using System.Diagnostics;
using System.Globalization;

namespace Downhill.Benchmarks.Derivatives;

/// <summary>
/// The <c>--ratios</c> mode: for each loss, warms the four variants up, then runs rounds in which every
/// variant makes a batch of calls (the order rotating from round to round), and reports the median over
/// rounds of each round's time ratios. Pairing within a round cancels most of the drift of a shared machine.
/// </summary>
public static class RatioHarness
{
    private const int Rounds = 101;
    private static readonly TimeSpan BatchTarget = TimeSpan.FromMilliseconds(4);
    private static readonly TimeSpan WarmUp = TimeSpan.FromMilliseconds(600);

    private static readonly string[] VariantNames = ["F", "FGradient", "hand gradient", "FHessianVector"];

    /// <summary>Keeps the results alive so the JIT cannot drop the calls.</summary>
    public static double Sink { get; private set; }

    public static void Run(IReadOnlyList<LossCase> cases, TextWriter output)
    {
        var results = new List<Result>();
        foreach (LossCase c in cases)
        {
            Func<int, double>[] variants = [c.RunLoss, c.RunGradient, c.RunHandGradient, c.RunHessianVector];
            Warm(variants);
            int[] calls = variants.Select(Calibrate).ToArray();

            var ns = new double[variants.Length][];
            for (int v = 0; v < variants.Length; v++)
            {
                ns[v] = new double[Rounds];
            }

            for (int round = 0; round < Rounds; round++)
            {
                c.ClearOutputs();
                for (int k = 0; k < variants.Length; k++)
                {
                    int v = (round + k) % variants.Length;
                    ns[v][round] = Time(variants[v], calls[v]) * 1e9 / calls[v];
                }
            }

            c.ClearOutputs();
            double[] gradOverF = Enumerable.Range(0, Rounds).Select(r => ns[1][r] / ns[0][r]).ToArray();
            double[] gradOverHand = Enumerable.Range(0, Rounds).Select(r => ns[1][r] / ns[2][r]).ToArray();
            double[] hvpOverF = Enumerable.Range(0, Rounds).Select(r => ns[3][r] / ns[0][r]).ToArray();
            var result = new Result(c.Name, ns.Select(Median).ToArray(), Summary.Of(gradOverF), Summary.Of(gradOverHand), Summary.Of(hvpOverF));
            results.Add(result);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {c.Name}: {string.Join(", ", VariantNames.Select((n, v) => $"{n} {result.MedianNs[v]:F1} ns ({calls[v]} calls/batch)"))}"));
        }

        output.WriteLine();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Median of {Rounds} rounds; in brackets the interquartile range of the per-round ratio."));
        output.WriteLine();
        output.WriteLine("| loss | F (ns) | FGradient (ns) | hand (ns) | FHessianVector (ns) | FGradient/F (target < 3) | FGradient/hand (target < 1.2) | FHessianVector/F (target < 4) |");
        output.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (Result r in results)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Name} | {r.MedianNs[0]:F0} | {r.MedianNs[1]:F0} | {r.MedianNs[2]:F0} | {r.MedianNs[3]:F0} | {r.GradOverF.Format(3)} | {r.GradOverHand.Format(1.2)} | {r.HvpOverF.Format(4)} |"));
        }
    }

    private static void Warm(Func<int, double>[] variants)
    {
        // Enough calls for tiered compilation to promote the loops and the derivative methods to tier 1,
        // with a pause for the background compilation, then more calls on the optimized code.
        for (int pass = 0; pass < 2; pass++)
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < WarmUp)
            {
                foreach (Func<int, double> v in variants)
                {
                    Sink += v(16);
                }
            }

            Thread.Sleep(200);
        }
    }

    private static int Calibrate(Func<int, double> variant)
    {
        int n = 16;
        while (true)
        {
            // The fastest of three, so that one preemption on a shared machine does not shrink the batches.
            double seconds = Math.Min(Time(variant, n), Math.Min(Time(variant, n), Time(variant, n)));
            if (seconds >= BatchTarget.TotalSeconds / 4 || n >= 1 << 24)
            {
                return Math.Max(1, (int)(n * BatchTarget.TotalSeconds / seconds));
            }

            n *= 2;
        }
    }

    private static double Time(Func<int, double> variant, int n)
    {
        long start = Stopwatch.GetTimestamp();
        Sink += variant(n);
        long stop = Stopwatch.GetTimestamp();
        return (stop - start) / (double)Stopwatch.Frequency;
    }

    private static double Median(double[] values) => Quantile(values, 0.5);

    private static double Quantile(double[] values, double q)
    {
        double[] sorted = values.Order().ToArray();
        double position = q * (sorted.Length - 1);
        int lower = (int)Math.Floor(position);
        int upper = Math.Min(lower + 1, sorted.Length - 1);
        return sorted[lower] + (position - lower) * (sorted[upper] - sorted[lower]);
    }

    private sealed record Result(string Name, double[] MedianNs, Summary GradOverF, Summary GradOverHand, Summary HvpOverF);

    private sealed record Summary(double Median, double Q1, double Q3)
    {
        public static Summary Of(double[] ratios) => new(Quantile(ratios, 0.5), Quantile(ratios, 0.25), Quantile(ratios, 0.75));

        public string Format(double target) => string.Create(CultureInfo.InvariantCulture,
            $"{Median:F2} [{Q1:F2}–{Q3:F2}]{(Median < target ? "" : " **miss**")}");
    }
}
