using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Downhill.Internal;

/// <summary>
/// The full-block case of <see cref="Lanes.Transpose{T}"/> on AVX: L rows of a row-major column into a lane-major
/// block, 4 × 4 doubles or 8 × 8 floats at a time in registers (unpack, shuffle and 128-bit permutes, the usual
/// in-register transposes) instead of one element at a time. It moves the same values: the block is the same bits.
/// </summary>
internal static class LaneTranspose
{
    /// <summary>Whether this machine runs the register transposes.</summary>
    public static bool IsSupported => Avx.IsSupported;

    /// <summary>Rows <c>first .. first + 4</c> of <paramref name="column"/> (rows of <paramref name="width"/>) into a 4-lane block.</summary>
    public static void Doubles(ReadOnlySpan<double> column, int width, int first, Span<double> block)
    {
        var rows = column.Slice(first * width, 4 * width);
        var out0 = block.Slice(0, 4 * width);
        ref double r = ref MemoryMarshal.GetReference(rows);
        ref double o = ref MemoryMarshal.GetReference(out0);
        int j = 0;
        for (; j + 4 <= width; j += 4)
        {
            var a = Vector256.LoadUnsafe(ref r, (nuint)j);
            var b = Vector256.LoadUnsafe(ref r, (nuint)(width + j));
            var c = Vector256.LoadUnsafe(ref r, (nuint)((2 * width) + j));
            var d = Vector256.LoadUnsafe(ref r, (nuint)((3 * width) + j));
            var ab0 = Avx.UnpackLow(a, b);
            var ab1 = Avx.UnpackHigh(a, b);
            var cd0 = Avx.UnpackLow(c, d);
            var cd1 = Avx.UnpackHigh(c, d);
            Avx.Permute2x128(ab0, cd0, 0x20).StoreUnsafe(ref o, (nuint)(j * 4));
            Avx.Permute2x128(ab1, cd1, 0x20).StoreUnsafe(ref o, (nuint)((j + 1) * 4));
            Avx.Permute2x128(ab0, cd0, 0x31).StoreUnsafe(ref o, (nuint)((j + 2) * 4));
            Avx.Permute2x128(ab1, cd1, 0x31).StoreUnsafe(ref o, (nuint)((j + 3) * 4));
        }

        Rest(rows, width, j, out0, 4);
    }

    /// <summary>Rows <c>first .. first + 8</c> of <paramref name="column"/> (rows of <paramref name="width"/>) into an 8-lane block.</summary>
    public static void Singles(ReadOnlySpan<float> column, int width, int first, Span<float> block)
    {
        var rows = column.Slice(first * width, 8 * width);
        var out0 = block.Slice(0, 8 * width);
        ref float r = ref MemoryMarshal.GetReference(rows);
        ref float o = ref MemoryMarshal.GetReference(out0);
        int j = 0;
        for (; j + 8 <= width; j += 8)
        {
            var t0 = Avx.UnpackLow(Row(ref r, 0), Row(ref r, 1));
            var t1 = Avx.UnpackHigh(Row(ref r, 0), Row(ref r, 1));
            var t2 = Avx.UnpackLow(Row(ref r, 2), Row(ref r, 3));
            var t3 = Avx.UnpackHigh(Row(ref r, 2), Row(ref r, 3));
            var t4 = Avx.UnpackLow(Row(ref r, 4), Row(ref r, 5));
            var t5 = Avx.UnpackHigh(Row(ref r, 4), Row(ref r, 5));
            var t6 = Avx.UnpackLow(Row(ref r, 6), Row(ref r, 7));
            var t7 = Avx.UnpackHigh(Row(ref r, 6), Row(ref r, 7));
            var s0 = Avx.Shuffle(t0, t2, 0x44);
            var s1 = Avx.Shuffle(t0, t2, 0xEE);
            var s2 = Avx.Shuffle(t1, t3, 0x44);
            var s3 = Avx.Shuffle(t1, t3, 0xEE);
            var s4 = Avx.Shuffle(t4, t6, 0x44);
            var s5 = Avx.Shuffle(t4, t6, 0xEE);
            var s6 = Avx.Shuffle(t5, t7, 0x44);
            var s7 = Avx.Shuffle(t5, t7, 0xEE);
            Avx.Permute2x128(s0, s4, 0x20).StoreUnsafe(ref o, (nuint)(j * 8));
            Avx.Permute2x128(s1, s5, 0x20).StoreUnsafe(ref o, (nuint)((j + 1) * 8));
            Avx.Permute2x128(s2, s6, 0x20).StoreUnsafe(ref o, (nuint)((j + 2) * 8));
            Avx.Permute2x128(s3, s7, 0x20).StoreUnsafe(ref o, (nuint)((j + 3) * 8));
            Avx.Permute2x128(s0, s4, 0x31).StoreUnsafe(ref o, (nuint)((j + 4) * 8));
            Avx.Permute2x128(s1, s5, 0x31).StoreUnsafe(ref o, (nuint)((j + 5) * 8));
            Avx.Permute2x128(s2, s6, 0x31).StoreUnsafe(ref o, (nuint)((j + 6) * 8));
            Avx.Permute2x128(s3, s7, 0x31).StoreUnsafe(ref o, (nuint)((j + 7) * 8));
        }

        Rest(rows, width, j, out0, 8);

        Vector256<float> Row(ref float start, int l) => Vector256.LoadUnsafe(ref start, (nuint)((l * width) + j));
    }

    /// <summary>The columns from <paramref name="from"/> on (fewer than a register's width), element by element.</summary>
    private static void Rest<T>(ReadOnlySpan<T> rows, int width, int from, Span<T> block, int lanes)
    {
        for (int j = from; j < width; j++)
        {
            for (int l = 0; l < lanes; l++)
            {
                block[(j * lanes) + l] = rows[(l * width) + j];
            }
        }
    }
}
