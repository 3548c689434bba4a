namespace Downhill;

/// <summary>
/// Tells a failing comparison at a kink (Abs at 0, Max/Min of near-equal arguments, Relu at 0, a branch) from a
/// wrong derivative, from values of the loss alone: it needs nothing from the generator, so it also covers kinks
/// of helpers and branches.
/// </summary>
/// <remarks>
/// The function is sampled on the grid x + k·h/2, k = −4..4, that spans the difference stencil. The slopes between
/// neighbours of a smooth function vary smoothly, so their third differences e_k = Δ³f_k / (h/2) are all about
/// f'''·h²/4; a kink inside the stencil changes the slope by a jump J in one interval, which puts about J into at
/// most three neighbouring e_k and leaves the others near zero. The stencil straddles a kink when the largest |e_k|
/// is far above the rounding noise and more than <see cref="Localization"/> times the third smallest (a quiet
/// one). The one-sided differences left and right of the point then disagree, which is what finite differences
/// cannot resolve.
/// </remarks>
internal static class GradientCheckKinks
{
    /// <summary>How many times the largest third difference must exceed the quiet ones.</summary>
    private const double Localization = 100;

    /// <summary>How many times the rounding noise the largest third difference must exceed.</summary>
    private const double NoiseMargin = 1000;

    /// <summary>
    /// Whether component <paramref name="component"/> of <paramref name="f"/> has a kink within ±2h of s = 0
    /// (f is sampled at s = k·h/2); <paramref name="epsilon"/> is the machine epsilon of the loss's type.
    /// </summary>
    public static bool Straddles(Func<double, double[]> f, double h, int component, double epsilon)
    {
        var v = new double[9];
        for (int k = 0; k < 9; k++)
        {
            v[k] = f((k - 4) * h / 2)[component];
            if (!double.IsFinite(v[k]))
            {
                return false;
            }
        }

        double magnitude = v.Max(Math.Abs);
        var e = new double[6];
        for (int k = 0; k < 6; k++)
        {
            e[k] = Math.Abs(v[k + 3] - (3 * v[k + 2]) + (3 * v[k + 1]) - v[k]) / (h / 2);
        }

        double largest = e.Max();
        double noise = 8 * 8 * epsilon * magnitude / (h / 2);
        double quiet = e.Order().ElementAt(2);
        return largest > NoiseMargin * noise && largest > Localization * quiet;
    }
}
