using System.Numerics;

namespace Downhill.Internal;

/// <summary>
/// The runtime's random number generator: xoshiro256** (Blackman &amp; Vigna 2018) seeded through SplitMix64.
/// Unlike <see cref="Random"/>, its whole state is four words that checkpoints save and restore exactly.
/// </summary>
internal sealed class Rng
{
    private ulong s0, s1, s2, s3;

    /// <summary>Seeds the generator; the same seed gives the same sequence on every platform.</summary>
    public Rng(long seed) => Reset(seed);

    /// <summary>Reseeds the generator in place: afterwards it gives the sequence of <c>new Rng(seed)</c>.</summary>
    public void Reset(long seed)
    {
        ulong x = unchecked((ulong)seed);
        s0 = SplitMix(ref x);
        s1 = SplitMix(ref x);
        s2 = SplitMix(ref x);
        s3 = SplitMix(ref x);
    }

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = unchecked(x += 0x9E3779B97F4A7C15UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        ulong result = unchecked(BitOperations.RotateLeft(s1 * 5, 7) * 9);
        ulong t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = BitOperations.RotateLeft(s3, 45);
        return result;
    }

    /// <summary>A uniform integer in [0, n), without modulo bias (Lemire 2019).</summary>
    public int NextInt(int n)
    {
        ulong range = (ulong)n;
        UInt128 m = (UInt128)NextUInt64() * range;
        ulong low = (ulong)m;
        if (low < range)
        {
            ulong threshold = unchecked(0UL - range) % range;
            while (low < threshold)
            {
                m = (UInt128)NextUInt64() * range;
                low = (ulong)m;
            }
        }

        return (int)(m >> 64);
    }

    /// <summary>A uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A standard normal N(0, 1) sample by the Box–Muller transform (one sample per call, no cached state).</summary>
    public double NextGaussian()
    {
        double u1 = 1.0 - NextDouble();
        double u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>Fisher–Yates shuffle in place.</summary>
    public void Shuffle(Span<int> values)
    {
        for (int i = values.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (values[i], values[j]) = (values[j], values[i]);
        }
    }

    /// <summary>Writes the four state words.</summary>
    public void Write(BinaryWriter writer)
    {
        writer.Write(s0);
        writer.Write(s1);
        writer.Write(s2);
        writer.Write(s3);
    }

    /// <summary>Reads the four state words written by <see cref="Write"/>.</summary>
    public void Read(BinaryReader reader)
    {
        s0 = reader.ReadUInt64();
        s1 = reader.ReadUInt64();
        s2 = reader.ReadUInt64();
        s3 = reader.ReadUInt64();
    }
}
