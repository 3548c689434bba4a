using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Downhill.Kernels;

/// <summary>
/// The few vector operations the micro-kernel needs, for one vector type, so that one generic kernel is
/// specialized by the JIT for each width and element type (the runtime's own <c>ISimdVector</c> is not public).
/// </summary>
/// <typeparam name="TVec">The vector type.</typeparam>
/// <typeparam name="T">Its element type.</typeparam>
internal unsafe interface ILanes<TVec, T>
    where TVec : unmanaged
    where T : unmanaged
{
    /// <summary>Elements per vector.</summary>
    static abstract int Count { get; }

    /// <summary>Loads <see cref="Count"/> elements from <paramref name="p"/> (unaligned).</summary>
    static abstract TVec Load(T* p);

    /// <summary>Stores <paramref name="v"/> at <paramref name="p"/> (unaligned).</summary>
    static abstract void Store(T* p, TVec v);

    /// <summary>Every lane set to <paramref name="x"/>.</summary>
    static abstract TVec Broadcast(T x);

    /// <summary><paramref name="a"/>·<paramref name="b"/> + <paramref name="c"/> per lane, rounded once (IEEE 754 fusedMultiplyAdd).</summary>
    static abstract TVec MultiplyAdd(TVec a, TVec b, TVec c);
}

/// <summary>128-bit lanes of <see cref="double"/>.</summary>
internal readonly unsafe struct Lanes128D : ILanes<Vector128<double>, double>
{
    public static int Count => Vector128<double>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Load(double* p) => Vector128.Load(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(double* p, Vector128<double> v) => v.Store(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Broadcast(double x) => Vector128.Create(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> MultiplyAdd(Vector128<double> a, Vector128<double> b, Vector128<double> c) => Vector128.FusedMultiplyAdd(a, b, c);
}

/// <summary>128-bit lanes of <see cref="float"/>.</summary>
internal readonly unsafe struct Lanes128F : ILanes<Vector128<float>, float>
{
    public static int Count => Vector128<float>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Load(float* p) => Vector128.Load(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(float* p, Vector128<float> v) => v.Store(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Broadcast(float x) => Vector128.Create(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) => Vector128.FusedMultiplyAdd(a, b, c);
}

/// <summary>256-bit lanes of <see cref="double"/>.</summary>
internal readonly unsafe struct Lanes256D : ILanes<Vector256<double>, double>
{
    public static int Count => Vector256<double>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Load(double* p) => Vector256.Load(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(double* p, Vector256<double> v) => v.Store(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Broadcast(double x) => Vector256.Create(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> MultiplyAdd(Vector256<double> a, Vector256<double> b, Vector256<double> c) => Vector256.FusedMultiplyAdd(a, b, c);
}

/// <summary>256-bit lanes of <see cref="float"/>.</summary>
internal readonly unsafe struct Lanes256F : ILanes<Vector256<float>, float>
{
    public static int Count => Vector256<float>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load(float* p) => Vector256.Load(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(float* p, Vector256<float> v) => v.Store(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Broadcast(float x) => Vector256.Create(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Vector256.FusedMultiplyAdd(a, b, c);
}

/// <summary>512-bit lanes of <see cref="double"/>.</summary>
internal readonly unsafe struct Lanes512D : ILanes<Vector512<double>, double>
{
    public static int Count => Vector512<double>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Load(double* p) => Vector512.Load(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(double* p, Vector512<double> v) => v.Store(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Broadcast(double x) => Vector512.Create(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> MultiplyAdd(Vector512<double> a, Vector512<double> b, Vector512<double> c) => Vector512.FusedMultiplyAdd(a, b, c);
}

/// <summary>512-bit lanes of <see cref="float"/>.</summary>
internal readonly unsafe struct Lanes512F : ILanes<Vector512<float>, float>
{
    public static int Count => Vector512<float>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load(float* p) => Vector512.Load(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(float* p, Vector512<float> v) => v.Store(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Broadcast(float x) => Vector512.Create(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Vector512.FusedMultiplyAdd(a, b, c);
}
