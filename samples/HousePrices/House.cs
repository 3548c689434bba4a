using Downhill;

namespace HousePrices;

/// <summary>The user guide's example: a line through house sizes and prices.</summary>
public static partial class House
{
    /// <summary>One example's loss: the squared error of the line m·x + b against the price y.</summary>
    [Loss]
    public static double Squared([Param] double m, [Param] double b, double x, double y)
    {
        double e = m * x + b - y;
        return e * e;
    }

    /// <summary>The absolute error, reported by name during training.</summary>
    [Monitor(nameof(Squared), "abs error")]
    public static double AbsoluteError(double m, double b, double x, double y) => Math.Abs(m * x + b - y);
}
