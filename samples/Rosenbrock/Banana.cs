using Downhill;

namespace Rosenbrock;

/// <summary>Rosenbrock's banana-shaped valley, minimum 0 at (1, 1).</summary>
public static partial class Banana
{
    /// <summary>(1 − x)² + 100(y − x²)²: an objective of the parameters alone (no data arguments).</summary>
    [Loss]
    public static double Rosenbrock([Param] double x, [Param] double y)
    {
        double a = 1 - x;
        double c = y - x * x;
        return a * a + 100 * c * c;
    }
}
