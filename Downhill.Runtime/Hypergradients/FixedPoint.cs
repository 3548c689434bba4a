namespace Downhill.Hypergradients;

/// <summary>
/// The exact representation of reversible learning (Maclaurin, Duvenaud &amp; Adams 2015, section 3.1): a value x
/// is the 64-bit integer x·2^52 truncated toward zero, so |x| &lt; 2048 and additions and subtractions are exact.
/// Conversion truncates (an odd function), so subtracting the conversion of a undoes adding it.
/// </summary>
public static class FixedPoint
{
    /// <summary>Fraction bits: a unit is 2^-52.</summary>
    public const int FractionBits = 52;

    /// <summary>The scale 2^52.</summary>
    public const double Scale = 4503599627370496.0;

    /// <summary>The magnitude every value must stay below: 2^11.</summary>
    public const double Limit = 2048.0;

    /// <summary>
    /// <paramref name="x"/>·2^52 truncated toward zero; false (and 0) when it is not finite or |x| ≥ 2048.
    /// </summary>
    public static bool TryFromDouble(double x, out long value)
    {
        double scaled = x * Scale;
        // 2^63 is exactly representable; the range check also rejects NaN.
        if (!(Math.Abs(scaled) < 9223372036854775808.0))
        {
            value = 0;
            return false;
        }

        value = (long)scaled;
        return true;
    }

    /// <summary>The nearest double to the value (low bits drop once |x| ≥ 2).</summary>
    public static double ToDouble(long value) => value / Scale;

    /// <summary><paramref name="a"/> + <paramref name="b"/>; false when the sum leaves the range.</summary>
    public static bool TryAdd(long a, long b, out long sum)
    {
        sum = unchecked(a + b);
        return ((a ^ sum) & (b ^ sum)) >= 0;
    }

    /// <summary>Floor division of <paramref name="x"/> by a positive <paramref name="d"/> and its non-negative remainder (.NET's / and % truncate).</summary>
    public static long FloorDivRem(long x, long d, out long remainder)
    {
        long q = x / d;
        long r = x - (q * d);
        if (r < 0)
        {
            r += d;
            q--;
        }

        remainder = r;
        return q;
    }
}

/// <summary>
/// A decay β as the rational n/d the exact multiply uses: d = 2^16 and n = ⌊β·d⌋ + 1, so n/d is strictly above β
/// even when β is a multiple of 2^-16 (0.5 → 32769/65536, 0.9 → 58983/65536, 0.99 → 64881/65536).
/// </summary>
/// <param name="Numerator">n, in [1, 2^16].</param>
public readonly record struct ExactDecay(uint Numerator)
{
    /// <summary>The denominator d = 2^16.</summary>
    public const uint Denominator = 1u << 16;

    /// <summary>The rational for <paramref name="beta"/> in [0, 1).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="beta"/> is not in [0, 1).</exception>
    public static ExactDecay FromBeta(double beta)
    {
        if (!(beta >= 0 && beta < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(beta), beta, "A momentum β must be in [0, 1).");
        }

        return new ExactDecay((uint)Math.Floor(beta * Denominator) + 1);
    }

    /// <summary>n/d as a double (exact).</summary>
    public double Value => Numerator / (double)Denominator;
}
