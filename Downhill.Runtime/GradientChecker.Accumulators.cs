using System.Numerics;

namespace Downhill;

/// <summary>How the check measures and keeps its errors: per-mode groups that share a scale, and one accumulator per (mode, argument).</summary>
internal sealed partial class GradientChecker<T>
{
    private static double Error(double generated, double reference, double scaleFloor, double noise)
    {
        if (!double.IsFinite(generated) || !double.IsFinite(reference))
        {
            return double.PositiveInfinity;
        }

        double diff = Math.Abs(generated - reference) - noise;
        if (diff <= 0)
        {
            return 0;
        }

        return diff / Math.Max(Math.Max(Math.Abs(generated), Math.Abs(reference)), scaleFloor);
    }

    /// <summary>The components of one mode at one point, so that their common scale is known before errors are measured.</summary>
    private sealed class Group(GradientChecker<T> owner, GradientCheckMode mode, double tolerance, int point)
    {
        private readonly List<(GradientCheckArgumentKind Kind, string Name, double[] Generated, double[] Reference, double[] Noise, Func<int, bool> Kink)> items = [];

        public void Add(GradientCheckArgumentKind kind, string name, double[] generated, double[] reference, double[] noise, Func<int, bool> kink) =>
            items.Add((kind, name, generated, reference, noise, kink));

        public void Commit()
        {
            double scale = 0;
            foreach (var item in items)
            {
                for (int i = 0; i < item.Generated.Length; i++)
                {
                    scale = Math.Max(scale, Math.Max(Abs(item.Generated[i]), Abs(item.Reference[i])));
                }
            }

            foreach (var item in items)
            {
                var acc = owner.Get(mode, item.Kind, item.Name, tolerance);
                for (int i = 0; i < item.Generated.Length; i++)
                {
                    double err = Error(item.Generated[i], item.Reference[i], owner.floor * scale, item.Noise[i]);
                    int component = i;
                    acc.Offer(err, point, i, item.Generated[i], item.Reference[i], () => item.Kink(component));
                }
            }
        }

        private static double Abs(double v) => double.IsFinite(v) ? Math.Abs(v) : 0;
    }

    private sealed class Accumulator(GradientCheckMode mode, GradientCheckArgumentKind kind, string name, double tolerance)
    {
        private double worst = -1;
        private int point;
        private int index;
        private double generated;
        private double reference;
        private int compared;
        private int failed;
        private int probed;
        private bool allFailuresAtKinks = true;

        /// <summary>Records a comparison; a failing one is probed for a kink (up to <see cref="MaxKinkProbes"/>, until one is not at a kink).</summary>
        public void Offer(double err, int atPoint, int atIndex, double gen, double refValue, Func<bool>? kink)
        {
            compared++;
            if (!(err <= tolerance))
            {
                failed++;
                if (kink is null)
                {
                    allFailuresAtKinks = false;
                }
                else if (allFailuresAtKinks && probed < MaxKinkProbes)
                {
                    probed++;
                    allFailuresAtKinks = kink();
                }
            }

            if (err > worst || double.IsNaN(err))
            {
                worst = double.IsNaN(err) ? double.PositiveInfinity : err;
                point = atPoint;
                index = atIndex;
                generated = gen;
                reference = refValue;
            }
        }

        /// <summary>Failing components probed for kinks at most (each probe evaluates the loss nine times).</summary>
        private const int MaxKinkProbes = 64;

        public GradientCheckEntry ToEntry() =>
            new(mode, kind, name, Math.Max(worst, 0), tolerance, point, index, generated, reference, compared)
            {
                AtKink = failed > 0 && allFailuresAtKinks,
            };
    }
}
