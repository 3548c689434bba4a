using System.Globalization;

namespace Downhill.Benchmarks.Derivatives;

/// <summary>The start-up checks: generated derivatives must match the hand-written ones before anything is timed.</summary>
public static class Agreement
{
    /// <summary>Relative tolerance between the generated and the hand-written gradient.</summary>
    public const double GradientTolerance = 1e-9;

    /// <summary>Relative tolerance between H·t and a central difference of the gradient (truncation error ~ ε²).</summary>
    public const double HessianVectorTolerance = 1e-6;

    private const double FiniteDifferenceStep = 1e-5;

    /// <summary>The loss value returned by a derivative method must be the loss itself.</summary>
    public static void Value(string loss, string what, double expected, double actual)
    {
        if (!(Math.Abs(actual - expected) <= 1e-12 * Math.Max(1.0, Math.Abs(expected))))
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"{loss}: {what} is {actual:R}, the loss is {expected:R}."));
        }
    }

    /// <summary>
    /// Element-wise relative agreement to <see cref="GradientTolerance"/>. Entries smaller than 1e-6 of the
    /// vector's largest are compared relative to that floor, so exact zeros and underflowing entries compare.
    /// </summary>
    public static void Relative(string loss, string what, ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, double tolerance = GradientTolerance)
    {
        if (expected.Length != actual.Length)
        {
            throw new InvalidOperationException($"{loss}: {what} has {actual.Length} entries, expected {expected.Length}.");
        }

        double scale = 0;
        foreach (double e in expected)
        {
            scale = Math.Max(scale, Math.Abs(e));
        }

        double floor = 1e-6 * scale;
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i];
            double a = actual[i];
            double denominator = Math.Max(Math.Max(Math.Abs(e), Math.Abs(a)), floor);
            double error = denominator == 0 ? 0 : Math.Abs(a - e) / denominator;
            if (!(error <= tolerance))
            {
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                    $"{loss}: {what}[{i}] is {a:R}, expected {e:R} (relative error {error:E2} > {tolerance:E0})."));
            }
        }
    }

    /// <summary>Checks H·t (already in <paramref name="hvp"/>) against (g(p + εt) - g(p - εt)) / 2ε.</summary>
    public static void HessianVector(string loss, double[][] parameters, double[][] tangent, double[][] hvp, Func<double[][], double[][], double> gradient)
    {
        double[][] plus = Shifted(parameters, tangent, FiniteDifferenceStep);
        double[][] minus = Shifted(parameters, tangent, -FiniteDifferenceStep);
        double[][] gPlus = Zeros(parameters);
        double[][] gMinus = Zeros(parameters);
        gradient(plus, gPlus);
        gradient(minus, gMinus);

        double scale = 0;
        var expected = new double[parameters.Length][];
        for (int k = 0; k < parameters.Length; k++)
        {
            expected[k] = new double[parameters[k].Length];
            for (int i = 0; i < expected[k].Length; i++)
            {
                expected[k][i] = (gPlus[k][i] - gMinus[k][i]) / (2 * FiniteDifferenceStep);
                scale = Math.Max(scale, Math.Abs(expected[k][i]));
            }
        }

        for (int k = 0; k < parameters.Length; k++)
        {
            for (int i = 0; i < expected[k].Length; i++)
            {
                double error = Math.Abs(hvp[k][i] - expected[k][i]) / Math.Max(scale, double.Epsilon);
                if (!(error <= HessianVectorTolerance))
                {
                    throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                        $"{loss}: H·t of parameter {k} [{i}] is {hvp[k][i]:R}, the central difference gives {expected[k][i]:R} (error {error:E2} of the largest entry)."));
                }
            }
        }
    }

    private static double[][] Shifted(double[][] parameters, double[][] tangent, double step)
    {
        var shifted = new double[parameters.Length][];
        for (int k = 0; k < parameters.Length; k++)
        {
            shifted[k] = new double[parameters[k].Length];
            for (int i = 0; i < shifted[k].Length; i++)
            {
                shifted[k][i] = parameters[k][i] + step * tangent[k][i];
            }
        }

        return shifted;
    }

    private static double[][] Zeros(double[][] shapes)
    {
        var zeros = new double[shapes.Length][];
        for (int k = 0; k < shapes.Length; k++)
        {
            zeros[k] = new double[shapes[k].Length];
        }

        return zeros;
    }
}
