using System.Numerics;

namespace Downhill;

/// <summary>
/// The one finite-difference helper of <see cref="GradientCheck"/>: an element or a direction is stepped by h, the
/// power of two nearest to the step scale · max(|x|, 0.1) (powers of two keep x ± h exact in float), and the
/// derivative is the Richardson extrapolation (16·D(h/2) − D(h)) / 15 of the five-point central difference
/// D(h) = (f(x−2h) − 8f(x−h) + 8f(x+h) − f(x+2h)) / 12h, with the rounding noise of each value; the kink probes
/// use the same steps.
/// </summary>
/// <typeparam name="T">The loss's element type.</typeparam>
/// <param name="stepScale">The step relative to max(|x|, 0.1).</param>
internal sealed class FiniteDifferences<T>(double stepScale)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>How many rounding errors of a value the noise estimate allows for.</summary>
    private const double NoiseUlps = 8;

    /// <summary>The machine epsilon of <typeparamref name="T"/>.</summary>
    public static readonly double Epsilon = double.CreateChecked(T.BitIncrement(T.One) - T.One);

    /// <summary>The derivative of <paramref name="f"/>(s) (f evaluated at x0 + s) at s = 0, and its rounding noise.</summary>
    public (double Value, double Noise) Derivative(double x0, Func<double, double> f)
    {
        double h = PowerOfTwo(stepScale * Math.Max(Math.Abs(x0), 0.1));
        var d = Combine(h, s => [f(s)]);
        return (d.Value[0], d.Noise[0]);
    }

    /// <summary>The derivative of every component of <paramref name="f"/> at <paramref name="x"/> along <paramref name="t"/>.</summary>
    public Differences Along(T[][] x, T[][] t, Func<T[][], double[]> f) =>
        Combine(DirectionalStep(x), s => f(Shifted(x, t, s)));

    /// <summary>Whether the loss has a kink within the difference stencil of element <paramref name="j"/> of <paramref name="values"/>.</summary>
    public bool KinkAt(T[] values, int j, Func<double> evaluate)
    {
        T saved = values[j];
        double h = PowerOfTwo(stepScale * Math.Max(Math.Abs(double.CreateChecked(saved)), 0.1));
        return GradientCheckKinks.Straddles(
            s =>
            {
                values[j] = saved + T.CreateChecked(s);
                try
                {
                    return [evaluate()];
                }
                finally
                {
                    values[j] = saved;
                }
            },
            h,
            0,
            Epsilon);
    }

    /// <summary>Whether component <paramref name="component"/> of <paramref name="f"/> has a kink within the stencil along <paramref name="t"/>.</summary>
    public bool KinkAlong(T[][] x, T[][] t, Func<T[][], double[]> f, int component)
    {
        double h = DirectionalStep(x);
        return GradientCheckKinks.Straddles(s => f(Shifted(x, t, s)), h, component, Epsilon);
    }

    /// <summary>A direction's step: from the largest |x|, so that every x + h·t stays exact.</summary>
    private double DirectionalStep(T[][] x)
    {
        double largest = 0;
        foreach (var p in x)
        {
            foreach (var e in p)
            {
                largest = Math.Max(largest, Math.Abs(double.CreateChecked(e)));
            }
        }

        return PowerOfTwo(stepScale * Math.Max(largest, 0.1));
    }

    private static T[][] Shifted(T[][] x, T[][] t, double s)
    {
        var y = new T[x.Length][];
        for (int p = 0; p < x.Length; p++)
        {
            y[p] = new T[x[p].Length];
            for (int j = 0; j < x[p].Length; j++)
            {
                y[p][j] = x[p][j] + (T.CreateChecked(s) * t[p][j]);
            }
        }

        return y;
    }

    /// <summary>
    /// (16·D(h/2) − D(h)) / 15 with D the five-point central difference, and its rounding noise: the stencil's
    /// weights sum to 3.3/h in magnitude, and each value carries a rounding error of a few ε·|f|.
    /// </summary>
    private static Differences Combine(double h, Func<double, double[]> f)
    {
        double[] m2 = f(-2 * h), m1 = f(-h), mh = f(-h / 2), ph = f(h / 2), p1 = f(h), p2 = f(2 * h);
        var result = new double[m2.Length];
        var noise = new double[m2.Length];
        for (int i = 0; i < result.Length; i++)
        {
            double full = (m2[i] - (8 * m1[i]) + (8 * p1[i]) - p2[i]) / (12 * h);
            double half = (m1[i] - (8 * mh[i]) + (8 * ph[i]) - p1[i]) / (6 * h);
            result[i] = ((16 * half) - full) / 15;
            double magnitude = Math.Max(Math.Max(Math.Max(Math.Abs(m2[i]), Math.Abs(m1[i])), Math.Max(Math.Abs(mh[i]), Math.Abs(ph[i]))), Math.Max(Math.Abs(p1[i]), Math.Abs(p2[i])));
            noise[i] = NoiseUlps * Epsilon * magnitude * 3.3 / h;
        }

        return new Differences(result, noise);
    }

    private static double PowerOfTwo(double v) => Math.Pow(2, Math.Round(Math.Log2(v)));

    /// <summary>Finite differences of a vector function and the rounding noise of each.</summary>
    public readonly record struct Differences(double[] Value, double[] Noise)
    {
        /// <summary>The differences of components [<paramref name="offset"/>, +<paramref name="length"/>).</summary>
        public double[] Slice(int offset, int length) => Value.AsSpan(offset, length).ToArray();

        /// <summary>The noise of components [<paramref name="offset"/>, +<paramref name="length"/>).</summary>
        public double[] NoiseSlice(int offset, int length) => Noise.AsSpan(offset, length).ToArray();
    }
}
