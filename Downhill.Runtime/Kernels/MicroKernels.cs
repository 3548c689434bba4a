using System.Numerics;
using System.Runtime.CompilerServices;

namespace Downhill.Kernels;

/// <summary>
/// The register-tiled micro-kernel of a BLIS-style matrix product (Van Zee &amp; van de Geijn, "BLIS: A Framework
/// for Rapidly Instantiating BLAS Functionality", ACM TOMS 41(3), 2015; Goto &amp; van de Geijn, "Anatomy of
/// High-Performance Matrix Multiplication", ACM TOMS 34(3), 2008, section 4): a tile of
/// <see cref="Rows"/> × (two vectors) of C is held in registers while a sliver of A (one column of
/// <see cref="Rows"/> elements per step) and of B (one row of two vectors per step) stream past; each step is
/// one rank-1 update of the tile by fused multiply-adds. Each C element therefore receives its products in
/// reduction order, one FMA at a time: the bits do not depend on the vector width or the tile shape.
/// </summary>
internal static unsafe class MicroKernels
{
    /// <summary>Rows of the register tile (the packed A sliver's width): 6 × 2 vectors = 12 accumulators,
    /// plus 2 B vectors and 1 broadcast, fit the 16 registers of AVX2.</summary>
    public const int Rows = 6;

    /// <summary>
    /// C[r, c] (+)= Σ_k A(r, k) · B(k, c) for the tile at <paramref name="c"/> (row stride <paramref name="ldc"/>), the
    /// whole tile in registers; A(r, k) is <c>a[min(r, lastRow)·aRow + k·aStep]</c> (a packed sliver: aRow 1, aStep
    /// <see cref="Rows"/>; a row-major block read in place: aRow its stride, aStep 1, rows past
    /// <paramref name="lastRow"/> repeating the last so that nothing outside is read) and B(k, ·) the two vectors at
    /// <c>b + k·bStep</c>. <paramref name="load"/> continues each chain from the value in C, otherwise it starts from zero.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile<TL, TVec, T>(int kc, T* a, nint aRow, nint aStep, int lastRow, T* b, nint bStep, T* c, nint ldc, bool load)
        where TL : struct, ILanes<TVec, T>
        where TVec : unmanaged
        where T : unmanaged
    {
        int w = TL.Count;
        TVec c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        TVec c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        if (load)
        {
            c00 = TL.Load(c);
            c01 = TL.Load(c + w);
            c10 = TL.Load(c + ldc);
            c11 = TL.Load(c + ldc + w);
            c20 = TL.Load(c + (2 * ldc));
            c21 = TL.Load(c + (2 * ldc) + w);
            c30 = TL.Load(c + (3 * ldc));
            c31 = TL.Load(c + (3 * ldc) + w);
            c40 = TL.Load(c + (4 * ldc));
            c41 = TL.Load(c + (4 * ldc) + w);
            c50 = TL.Load(c + (5 * ldc));
            c51 = TL.Load(c + (5 * ldc) + w);
        }

        T* a0 = a;
        T* a1 = a + (Math.Min(1, lastRow) * aRow);
        T* a2 = a + (Math.Min(2, lastRow) * aRow);
        T* a3 = a + (Math.Min(3, lastRow) * aRow);
        T* a4 = a + (Math.Min(4, lastRow) * aRow);
        T* a5 = a + (Math.Min(5, lastRow) * aRow);
        for (int k = 0; k < kc; k++)
        {
            TVec b0 = TL.Load(b);
            TVec b1 = TL.Load(b + w);
            TVec x = TL.Broadcast(*a0);
            c00 = TL.MultiplyAdd(x, b0, c00);
            c01 = TL.MultiplyAdd(x, b1, c01);
            x = TL.Broadcast(*a1);
            c10 = TL.MultiplyAdd(x, b0, c10);
            c11 = TL.MultiplyAdd(x, b1, c11);
            x = TL.Broadcast(*a2);
            c20 = TL.MultiplyAdd(x, b0, c20);
            c21 = TL.MultiplyAdd(x, b1, c21);
            x = TL.Broadcast(*a3);
            c30 = TL.MultiplyAdd(x, b0, c30);
            c31 = TL.MultiplyAdd(x, b1, c31);
            x = TL.Broadcast(*a4);
            c40 = TL.MultiplyAdd(x, b0, c40);
            c41 = TL.MultiplyAdd(x, b1, c41);
            x = TL.Broadcast(*a5);
            c50 = TL.MultiplyAdd(x, b0, c50);
            c51 = TL.MultiplyAdd(x, b1, c51);
            a0 += aStep;
            a1 += aStep;
            a2 += aStep;
            a3 += aStep;
            a4 += aStep;
            a5 += aStep;
            b += bStep;
        }

        TL.Store(c, c00);
        TL.Store(c + w, c01);
        TL.Store(c + ldc, c10);
        TL.Store(c + ldc + w, c11);
        TL.Store(c + (2 * ldc), c20);
        TL.Store(c + (2 * ldc) + w, c21);
        TL.Store(c + (3 * ldc), c30);
        TL.Store(c + (3 * ldc) + w, c31);
        TL.Store(c + (4 * ldc), c40);
        TL.Store(c + (4 * ldc) + w, c41);
        TL.Store(c + (5 * ldc), c50);
        TL.Store(c + (5 * ldc) + w, c51);
    }

    /// <summary>
    /// The same tile product one element at a time with <see cref="IFloatingPointIeee754{TSelf}.FusedMultiplyAdd"/>
    /// (the reference the vector paths must equal bit for bit): each element's chain runs over k in order.
    /// </summary>
    public static void ScalarTile<T>(int kc, T* a, nint aRow, nint aStep, int lastRow, T* b, nint bStep, int cols, T* c, nint ldc, bool load)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int r = 0; r < Rows; r++)
        {
            for (int j = 0; j < cols; j++)
            {
                T acc = load ? c[(r * ldc) + j] : T.Zero;
                T* x = a + (Math.Min(r, lastRow) * aRow);
                T* y = b + j;
                for (int k = 0; k < kc; k++)
                {
                    acc = T.FusedMultiplyAdd(*x, *y, acc);
                    x += aStep;
                    y += bStep;
                }

                c[(r * ldc) + j] = acc;
            }
        }
    }
}
