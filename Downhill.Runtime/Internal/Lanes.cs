using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Downhill.Internal;

/// <summary>
/// Helpers of the generated lane code, which runs one example per SIMD lane (<see cref="Vector256{T}"/>: 4 doubles or
/// 8 floats). A varying real is a <see cref="Vector256{T}"/>, a varying int a <see cref="Vector128{T}"/> of 4 ints
/// (double losses) or a <see cref="Vector256{T}"/> of 8 (float losses), a varying bool a mask of the real width
/// (every bit of a lane set or clear). A lane-major block holds element j of lane l at <c>block[j * L + l]</c>.
/// Every operation here is per lane what the per-example code does, so each lane's values have the per-example bits.
/// </summary>
public static class Lanes
{
    /// <summary>The mask of the first <paramref name="count"/> of 4 double lanes.</summary>
    public static Vector256<double> LiveDouble(int count) =>
        Vector256.LessThan(Vector256.Create(0L, 1L, 2L, 3L), Vector256.Create((long)count)).AsDouble();

    /// <summary>The mask of the first <paramref name="count"/> of 8 float lanes.</summary>
    public static Vector256<float> LiveSingle(int count) =>
        Vector256.LessThan(Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7), Vector256.Create(count)).AsSingle();

    /// <summary>Whether any lane of a mask is set.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Any<T>(Vector256<T> mask) => Vector256.ExtractMostSignificantBits(mask) != 0;

    /// <summary>The lanes of a mask as bits (lane l is bit l).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Bits<T>(Vector256<T> mask) => Vector256.ExtractMostSignificantBits(mask);

    /// <summary>An int comparison's mask at the width of double lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Mask(Vector128<int> intMask) =>
        Vector256.Create(Vector128.WidenLower(intMask), Vector128.WidenUpper(intMask)).AsDouble();

    /// <summary>An int comparison's mask at the width of float lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Mask(Vector256<int> intMask) => intMask.AsSingle();

    /// <summary>A mask of double lanes at the width of their ints.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> IntMask(Vector256<double> mask)
    {
        var m = mask.AsInt64();
        return Vector128.Narrow(m.GetLower(), m.GetUpper());
    }

    /// <summary>A mask of float lanes at the width of their ints.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> IntMask(Vector256<float> mask) => mask.AsInt32();

    /// <summary>int → double in each lane (exact).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> ToReal(Vector128<int> value) =>
        Vector256.ConvertToDouble(Vector256.Create(Vector128.WidenLower(value), Vector128.WidenUpper(value)));

    /// <summary>int → float in each lane (rounded to nearest, as the scalar conversion).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ToReal(Vector256<int> value) => Vector256.ConvertToSingle(value);

    /// <summary>Integer division in the lanes of <paramref name="mask"/> (0 elsewhere, so that a lane not running never divides by zero).</summary>
    public static Vector128<int> Divide(Vector128<int> a, Vector128<int> b, Vector256<double> mask)
    {
        uint bits = Bits(mask);
        Span<int> r = stackalloc int[4];
        for (int l = 0; l < 4; l++)
        {
            r[l] = (bits >> l & 1) != 0 ? a.GetElement(l) / b.GetElement(l) : 0;
        }

        return Vector128.Create<int>(r);
    }

    /// <summary>Integer division in the lanes of <paramref name="mask"/> (0 elsewhere).</summary>
    public static Vector256<int> Divide(Vector256<int> a, Vector256<int> b, Vector256<float> mask)
    {
        uint bits = Bits(mask);
        Span<int> r = stackalloc int[8];
        for (int l = 0; l < 8; l++)
        {
            r[l] = (bits >> l & 1) != 0 ? a.GetElement(l) / b.GetElement(l) : 0;
        }

        return Vector256.Create<int>(r);
    }

    /// <summary>Integer remainder in the lanes of <paramref name="mask"/> (0 elsewhere).</summary>
    public static Vector128<int> Remainder(Vector128<int> a, Vector128<int> b, Vector256<double> mask)
    {
        uint bits = Bits(mask);
        Span<int> r = stackalloc int[4];
        for (int l = 0; l < 4; l++)
        {
            r[l] = (bits >> l & 1) != 0 ? a.GetElement(l) % b.GetElement(l) : 0;
        }

        return Vector128.Create<int>(r);
    }

    /// <summary>Integer remainder in the lanes of <paramref name="mask"/> (0 elsewhere).</summary>
    public static Vector256<int> Remainder(Vector256<int> a, Vector256<int> b, Vector256<float> mask)
    {
        uint bits = Bits(mask);
        Span<int> r = stackalloc int[8];
        for (int l = 0; l < 8; l++)
        {
            r[l] = (bits >> l & 1) != 0 ? a.GetElement(l) % b.GetElement(l) : 0;
        }

        return Vector256.Create<int>(r);
    }

    private static Vector256<T> Gather<T, TMask>(ReadOnlySpan<T> a, ReadOnlySpan<int> index, Vector256<TMask> mask)
        where T : unmanaged
    {
        uint bits = Bits(mask);
        Span<T> r = stackalloc T[Vector256<T>.Count];
        for (int l = 0; l < r.Length; l++)
        {
            r[l] = (bits >> l & 1) != 0 ? a[index[l]] : default;
        }

        return Vector256.Create<T>(r);
    }

    /// <summary>The lanes of a varying int, for the per-lane helpers.</summary>
    public static ReadOnlySpan<int> Of(in Vector128<int> value) => MemoryMarshalLanes.AsInts(in value);

    /// <summary>The lanes of a varying int, for the per-lane helpers.</summary>
    public static ReadOnlySpan<int> Of(in Vector256<int> value) => MemoryMarshalLanes.AsInts(in value);

    /// <summary>A uniform real array's elements at each lane's index (double lanes).</summary>
    public static Vector256<double> Gather(ReadOnlySpan<double> a, Vector128<int> index, Vector256<double> mask) => Gather(a, Of(index), mask);

    /// <summary>A uniform real array's elements at each lane's index (float lanes).</summary>
    public static Vector256<float> Gather(ReadOnlySpan<float> a, Vector256<int> index, Vector256<float> mask) => Gather(a, Of(index), mask);

    /// <summary>A uniform int array's elements at each lane's index (double lanes).</summary>
    public static Vector128<int> Gather(ReadOnlySpan<int> a, Vector128<int> index, Vector256<double> mask) => Gather(a, Of(index), mask).GetLower();

    /// <summary>A uniform int array's elements at each lane's index (float lanes).</summary>
    public static Vector256<int> Gather(ReadOnlySpan<int> a, Vector256<int> index, Vector256<float> mask) => Gather(a, Of(index), mask);

    /// <summary>Element <paramref name="index"/> of every lane of a lane-major block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Load<T>(ReadOnlySpan<T> block, int index) => Vector256.LoadUnsafe(ref Slot(block, index));

    /// <summary>The first element of lane-major element <paramref name="index"/>, checked once for the whole vector.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref T Slot<T>(ReadOnlySpan<T> block, int index)
    {
        int at = index * Vector256<T>.Count;
        if ((uint)index > (uint)(block.Length / Vector256<T>.Count) || at + Vector256<T>.Count > block.Length)
        {
            throw new IndexOutOfRangeException();
        }

        return ref Unsafe.Add(ref System.Runtime.InteropServices.MemoryMarshal.GetReference(block), at);
    }

    /// <summary>Element <paramref name="index"/> of every lane of a lane-major int block of double lanes (4 ints).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> LoadInts4(ReadOnlySpan<int> block, int index) => Vector128.Create<int>(block.Slice(index * 4, 4));

    /// <summary>Element <paramref name="index"/> of every lane of a lane-major int block of float lanes (8 ints).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> LoadInts8(ReadOnlySpan<int> block, int index) => Vector256.Create<int>(block.Slice(index * 8, 8));

    /// <summary>Each lane's element at its own index of a lane-major real block (<c>block[index_l * 4 + l]</c>), for the lanes of the mask (0 elsewhere).</summary>
    public static Vector256<double> GatherLanes(ReadOnlySpan<double> block, Vector128<int> index, Vector256<double> mask) => GatherLanes<double>(block, Of(index), Bits(mask), 4);

    /// <summary>Each lane's element at its own index of a lane-major real block (float lanes).</summary>
    public static Vector256<float> GatherLanes(ReadOnlySpan<float> block, Vector256<int> index, Vector256<float> mask) => GatherLanes<float>(block, Of(index), Bits(mask), 8);

    /// <summary>Each lane's element at its own index of a lane-major int block (double lanes).</summary>
    public static Vector128<int> GatherLanes(ReadOnlySpan<int> block, Vector128<int> index, Vector256<double> mask) => GatherLanes<int>(block, Of(index), Bits(mask), 4).GetLower();

    /// <summary>Each lane's element at its own index of a lane-major int block (float lanes).</summary>
    public static Vector256<int> GatherLanes(ReadOnlySpan<int> block, Vector256<int> index, Vector256<float> mask) => GatherLanes<int>(block, Of(index), Bits(mask), 8);

    private static Vector256<T> GatherLanes<T>(ReadOnlySpan<T> block, ReadOnlySpan<int> index, uint bits, int lanes)
        where T : unmanaged
    {
        Span<T> r = stackalloc T[Vector256<T>.Count];
        for (int l = 0; l < lanes; l++)
        {
            r[l] = (bits >> l & 1) != 0 ? block[(index[l] * lanes) + l] : default;
        }

        return Vector256.Create<T>(r);
    }

    /// <summary>Writes <paramref name="value"/> as element <paramref name="index"/> of the lanes of the mask of a lane-major block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store<T>(Span<T> block, int index, Vector256<T> value, Vector256<T> mask)
    {
        ref T slot = ref Slot<T>(block, index);
        Vector256.ConditionalSelect(mask, value, Vector256.LoadUnsafe(ref slot)).StoreUnsafe(ref slot);
    }

    /// <summary>Adds <paramref name="value"/> to element <paramref name="index"/> of the lanes of the mask of a lane-major block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Add<T>(Span<T> block, int index, Vector256<T> value, Vector256<T> mask)
    {
        ref T slot = ref Slot<T>(block, index);
        var old = Vector256.LoadUnsafe(ref slot);
        Vector256.ConditionalSelect(mask, old + value, old).StoreUnsafe(ref slot);
    }

    /// <summary>Writes (or with <paramref name="add"/>, adds) each lane's value at its own index of a lane-major block, for the lanes of the mask.</summary>
    public static void Scatter(Span<double> block, Vector128<int> index, Vector256<double> value, Vector256<double> mask, bool add) => Scatter(block, Of(index), value, mask, add);

    /// <summary>Writes (or adds) each lane's value at its own index of a lane-major block (float lanes).</summary>
    public static void Scatter(Span<float> block, Vector256<int> index, Vector256<float> value, Vector256<float> mask, bool add) => Scatter(block, Of(index), value, mask, add);

    /// <summary>Writes (or adds) each lane's value at its own index of a uniform-layout array (double lanes), lane order.</summary>
    public static void ScatterFlat(Span<double> array, Vector128<int> index, Vector256<double> value, Vector256<double> mask, bool add) => ScatterFlat(array, Of(index), value, mask, add);

    /// <summary>Writes (or adds) each lane's value at its own index of a uniform-layout array (float lanes), lane order.</summary>
    public static void ScatterFlat(Span<float> array, Vector256<int> index, Vector256<float> value, Vector256<float> mask, bool add) => ScatterFlat(array, Of(index), value, mask, add);

    /// <summary>Adds the live lanes of <paramref name="value"/> (lane 0 first) to one element of a uniform-layout array.</summary>
    public static void AddLanes<T>(Span<T> array, int index, Vector256<T> value, Vector256<T> mask)
        where T : unmanaged, INumberBase<T>
    {
        uint bits = Bits(mask);
        ref T slot = ref array[index];
        for (int l = 0; l < Vector256<T>.Count; l++)
        {
            if ((bits >> l & 1) != 0)
            {
                slot += value.GetElement(l);
            }
        }
    }

    private static void Scatter<T>(Span<T> block, ReadOnlySpan<int> index, Vector256<T> value, Vector256<T> mask, bool add)
        where T : unmanaged, INumberBase<T>
    {
        uint bits = Bits(mask);
        int lanes = Vector256<T>.Count;
        for (int l = 0; l < lanes; l++)
        {
            if ((bits >> l & 1) != 0)
            {
                ref T slot = ref block[(index[l] * lanes) + l];
                slot = add ? slot + value.GetElement(l) : value.GetElement(l);
            }
        }
    }

    /// <summary>Writes (or with <paramref name="add"/>, adds) each lane's int as element <paramref name="index"/> of a lane-major int block (double lanes), for the lanes of the mask.</summary>
    public static void StoreInts(Span<int> block, int index, Vector128<int> value, Vector256<double> mask, bool add) => PutInts(block, [], index, Of(value), Bits(mask), 4, add);

    /// <summary>Writes (or adds) each lane's int as element <paramref name="index"/> of a lane-major int block (float lanes).</summary>
    public static void StoreInts(Span<int> block, int index, Vector256<int> value, Vector256<float> mask, bool add) => PutInts(block, [], index, Of(value), Bits(mask), 8, add);

    /// <summary>Writes (or adds) each lane's int at its own index of a lane-major int block (double lanes), for the lanes of the mask.</summary>
    public static void ScatterInts(Span<int> block, Vector128<int> index, Vector128<int> value, Vector256<double> mask, bool add) => PutInts(block, Of(index), 0, Of(value), Bits(mask), 4, add);

    /// <summary>Writes (or adds) each lane's int at its own index of a lane-major int block (float lanes).</summary>
    public static void ScatterInts(Span<int> block, Vector256<int> index, Vector256<int> value, Vector256<float> mask, bool add) => PutInts(block, Of(index), 0, Of(value), Bits(mask), 8, add);

    private static void PutInts(Span<int> block, ReadOnlySpan<int> index, int at, ReadOnlySpan<int> value, uint bits, int lanes, bool add)
    {
        for (int l = 0; l < lanes; l++)
        {
            if ((bits >> l & 1) != 0)
            {
                ref int slot = ref block[((index.IsEmpty ? at : index[l]) * lanes) + l];
                slot = add ? slot + value[l] : value[l];
            }
        }
    }

    private static void ScatterFlat<T>(Span<T> array, ReadOnlySpan<int> index, Vector256<T> value, Vector256<T> mask, bool add)
        where T : unmanaged, INumberBase<T>
    {
        uint bits = Bits(mask);
        for (int l = 0; l < Vector256<T>.Count; l++)
        {
            if ((bits >> l & 1) != 0)
            {
                ref T slot = ref array[index[l]];
                slot = add ? slot + value.GetElement(l) : value.GetElement(l);
            }
        }
    }

    /// <summary>
    /// Copies rows <c>first .. first + count</c> of a row-major column (rows of <paramref name="width"/> elements)
    /// into a lane-major block of L lanes; lanes past <paramref name="count"/> get a copy of the last row (masked out
    /// later), so that a partial block computes on real values.
    /// </summary>
    public static void Transpose<T>(ReadOnlySpan<T> column, int width, int first, int count, Span<T> block, int lanes)
        where T : unmanaged
    {
        if (count == lanes && LaneTranspose.IsSupported)
        {
            if (typeof(T) == typeof(double) && lanes == 4)
            {
                LaneTranspose.Doubles(MemoryMarshal.Cast<T, double>(column), width, first, MemoryMarshal.Cast<T, double>(block));
                return;
            }

            if (typeof(T) == typeof(float) && lanes == 8)
            {
                LaneTranspose.Singles(MemoryMarshal.Cast<T, float>(column), width, first, MemoryMarshal.Cast<T, float>(block));
                return;
            }
        }

        for (int l = 0; l < lanes; l++)
        {
            var row = column.Slice((first + Math.Min(l, count - 1)) * width, width);
            for (int j = 0; j < width; j++)
            {
                block[(j * lanes) + l] = row[j];
            }
        }
    }

    /// <summary>
    /// The inverse of <see cref="Transpose{T}"/> for the live lanes: lanes <c>0 .. count</c> of a lane-major block
    /// (elements of <paramref name="width"/>) into rows <c>first .. first + count</c> of a row-major array.
    /// </summary>
    public static void Untranspose<T>(ReadOnlySpan<T> block, int width, int count, Span<T> rows, int first, int lanes)
    {
        for (int l = 0; l < count; l++)
        {
            var row = rows.Slice((first + l) * width, width);
            for (int j = 0; j < width; j++)
            {
                row[j] = block[(j * lanes) + l];
            }
        }
    }

    /// <summary>A scalar real column's rows <c>first .. first + count</c> as lanes (the last row repeated into the lanes past count).</summary>
    public static Vector256<T> Column<T>(ReadOnlySpan<T> column, int first, int count)
        where T : unmanaged
    {
        Span<T> r = stackalloc T[Vector256<T>.Count];
        for (int l = 0; l < r.Length; l++)
        {
            r[l] = column[first + Math.Min(l, count - 1)];
        }

        return Vector256.Create<T>(r);
    }

    /// <summary>An int column's rows as 4 lanes (double losses).</summary>
    public static Vector128<int> IntColumn4(ReadOnlySpan<int> column, int first, int count) =>
        Vector128.Create(column[first], column[first + Math.Min(1, count - 1)], column[first + Math.Min(2, count - 1)], column[first + Math.Min(3, count - 1)]);

    /// <summary>An int column's rows as 8 lanes (float losses).</summary>
    public static Vector256<int> IntColumn8(ReadOnlySpan<int> column, int first, int count) => Column(column, first, count);

    /// <summary>The sum of the lanes, lane 0 first.</summary>
    public static T Sum<T>(Vector256<T> value)
        where T : unmanaged, INumberBase<T>
    {
        T s = value.GetElement(0);
        for (int l = 1; l < Vector256<T>.Count; l++)
        {
            s += value.GetElement(l);
        }

        return s;
    }

    /// <summary>Adds each element's sum over the lanes of a lane-major block (lane 0 first) to <paramref name="output"/>.</summary>
    public static void AddLaneSums<T>(ReadOnlySpan<T> block, Span<T> output)
        where T : unmanaged, INumberBase<T>
    {
        int lanes = Vector256<T>.Count;
        for (int j = 0; j < output.Length; j++)
        {
            output[j] += Sum(Load(block, j));
        }
    }

    /// <summary>Pushes every lane of a varying real (lane 0 first).</summary>
    public static void PushReals<T>(Tape tape, Vector256<T> value)
        where T : unmanaged, INumberBase<T>
    {
        for (int l = 0; l < Vector256<T>.Count; l++)
        {
            tape.Push(double.CreateTruncating(value.GetElement(l)));
        }
    }

    /// <summary>Pushes every lane of a varying int of double lanes (lane 0 first).</summary>
    public static void PushInts(Tape tape, Vector128<int> value)
    {
        foreach (int v in Of(value))
        {
            tape.Push(v);
        }
    }

    /// <summary>Pushes every lane of a varying int of float lanes (lane 0 first).</summary>
    public static void PushInts(Tape tape, Vector256<int> value)
    {
        foreach (int v in Of(value))
        {
            tape.Push(v);
        }
    }

    /// <summary>Pushes every lane of a mask as a bool (lane 0 first).</summary>
    public static void PushMask<T>(Tape tape, Vector256<T> mask)
    {
        uint bits = Bits(mask);
        for (int l = 0; l < Vector256<T>.Count; l++)
        {
            tape.Push((bits >> l & 1) != 0);
        }
    }

    /// <summary>Pops a varying double pushed by <see cref="PushReals{T}(Tape, Vector256{T})"/>.</summary>
    public static Vector256<double> PopDoubles(Tape tape)
    {
        double l3 = tape.PopDouble(), l2 = tape.PopDouble(), l1 = tape.PopDouble(), l0 = tape.PopDouble();
        return Vector256.Create(l0, l1, l2, l3);
    }

    /// <summary>Pops a varying float pushed by <see cref="PushReals{T}(Tape, Vector256{T})"/>.</summary>
    public static Vector256<float> PopSingles(Tape tape)
    {
        Span<float> r = stackalloc float[8];
        for (int l = 7; l >= 0; l--)
        {
            r[l] = tape.PopSingle();
        }

        return Vector256.Create<float>(r);
    }

    /// <summary>Pops a varying int of double lanes.</summary>
    public static Vector128<int> PopInts4(Tape tape)
    {
        int l3 = tape.PopInt32(), l2 = tape.PopInt32(), l1 = tape.PopInt32(), l0 = tape.PopInt32();
        return Vector128.Create(l0, l1, l2, l3);
    }

    /// <summary>Pops a varying int of float lanes.</summary>
    public static Vector256<int> PopInts8(Tape tape)
    {
        Span<int> r = stackalloc int[8];
        for (int l = 7; l >= 0; l--)
        {
            r[l] = tape.PopInt32();
        }

        return Vector256.Create<int>(r);
    }

    /// <summary>Pops a mask of double lanes pushed by <see cref="PushMask{T}"/>.</summary>
    public static Vector256<double> PopMask4(Tape tape)
    {
        var ints = PopInts4(tape);
        return Mask(Vector128.Equals(ints, Vector128<int>.One));
    }

    /// <summary>Pops a mask of float lanes pushed by <see cref="PushMask{T}"/>.</summary>
    public static Vector256<float> PopMask8(Tape tape)
    {
        var ints = PopInts8(tape);
        return Mask(Vector256.Equals(ints, Vector256<int>.One));
    }
}

/// <summary>Views of a vector's lanes as a span (a vector in a local or an argument lives in memory while viewed).</summary>
internal static class MemoryMarshalLanes
{
    public static ReadOnlySpan<int> AsInts(in Vector128<int> value) =>
        System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<Vector128<int>, int>(ref Unsafe.AsRef(in value)), 4);

    public static ReadOnlySpan<int> AsInts(in Vector256<int> value) =>
        System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<Vector256<int>, int>(ref Unsafe.AsRef(in value)), 8);
}
