using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace Downhill.Internal;

/// <summary>
/// The stack that generated reverse-mode code pushes overwritten values and control-flow counts on during
/// its forward sweep and pops during its reverse sweep. One per thread, grown on demand and reused, so a
/// gradient call allocates nothing once warm. Not for direct use.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class Tape
{
    [ThreadStatic]
    private static Tape? current;

    private double[] reals = new double[256];
    private int realCount;
    private int[] ints = new int[256];
    private int intCount;
    private double[] doubleScratch = new double[256];
    private int doubleScratchCount;
    private float[] singleScratch = new float[256];
    private int singleScratchCount;
    private int[] intScratch = new int[64];
    private int intScratchCount;

    /// <summary>The calling thread's tape.</summary>
    public static Tape Current
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => current ??= new Tape();
    }

    /// <summary>Pushes a real value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Push(double value)
    {
        if (realCount == reals.Length)
        {
            Array.Resize(ref reals, reals.Length * 2);
        }

        reals[realCount++] = value;
    }

    /// <summary>Pushes a real value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Push(float value) => Push((double)value);

    /// <summary>Pushes an integer (a loop count, a branch taken, an overwritten index).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Push(int value)
    {
        if (intCount == ints.Length)
        {
            Array.Resize(ref ints, ints.Length * 2);
        }

        ints[intCount++] = value;
    }

    /// <summary>Pushes a condition as 0 or 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Push(bool value) => Push(value ? 1 : 0);

    /// <summary>Pops the last real value pushed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double PopDouble() => reals[--realCount];

    /// <summary>Pops the last real value pushed, as a float (it was pushed from a float, so this is exact).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float PopSingle() => (float)reals[--realCount];

    /// <summary>Pops the last integer pushed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int PopInt32() => ints[--intCount];

    /// <summary>Pops the last condition pushed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool PopBoolean() => ints[--intCount] != 0;

    /// <summary>Where the scratch arenas stand; <see cref="ReleaseScratch"/> returns to it.</summary>
    public (int Doubles, int Singles, int Ints) ScratchMark => (doubleScratchCount, singleScratchCount, intScratchCount);

    /// <summary>Releases every scratch array rented after <paramref name="mark"/>.</summary>
    public void ReleaseScratch((int Doubles, int Singles, int Ints) mark)
    {
        doubleScratchCount = mark.Doubles;
        singleScratchCount = mark.Singles;
        intScratchCount = mark.Ints;
    }

    /// <summary>A zeroed scratch array for a loss's local <c>new double[n]</c>, valid until released.</summary>
    public Span<double> RentDoubles(int length) => Rent(ref doubleScratch, ref doubleScratchCount, length);

    /// <summary>A zeroed scratch array for a loss's local <c>new float[n]</c>, valid until released.</summary>
    public Span<float> RentSingles(int length) => Rent(ref singleScratch, ref singleScratchCount, length);

    /// <summary>A zeroed scratch array for a loss's local <c>new int[n]</c>, valid until released.</summary>
    public Span<int> RentInts(int length) => Rent(ref intScratch, ref intScratchCount, length);

    private static Span<T> Rent<T>(ref T[] arena, ref int count, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (count + length > arena.Length)
        {
            // Spans handed out earlier keep the old array alive, so growing by replacement is safe.
            var larger = new T[Math.Max(arena.Length * 2, count + length)];
            Array.Copy(arena, larger, count);
            arena = larger;
        }

        var span = new Span<T>(arena, count, length);
        span.Clear();
        count += length;
        return span;
    }

    /// <summary>Where the stacks stand: used to restore them if a loss throws midway.</summary>
    public (int Reals, int Ints) Mark => (realCount, intCount);

    /// <summary>Drops everything pushed after <paramref name="mark"/>.</summary>
    public void Reset((int Reals, int Ints) mark)
    {
        realCount = mark.Reals;
        intCount = mark.Ints;
    }
}
