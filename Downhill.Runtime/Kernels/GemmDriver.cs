using System.Numerics;
using System.Runtime.Intrinsics;

namespace Downhill.Kernels;

/// <summary>
/// The blocked loops around the micro-kernel (Goto &amp; van de Geijn, "Anatomy of High-Performance Matrix
/// Multiplication", ACM TOMS 34(3), 2008; the BLIS loop order of Van Zee &amp; van de Geijn, 2015): a
/// <see cref="DepthBlock"/> × <see cref="ColumnBlock"/> panel of B is packed into column slivers (kept in L3/L2),
/// an <see cref="RowBlock"/> × <see cref="DepthBlock"/> block of A into row slivers (kept in L2), and the
/// micro-kernel sweeps the tiles. An operand already row-major in the sliver's direction (A not transposed, B's full
/// slivers not transposed) and used by fewer than <see cref="InPlaceLimit"/> outputs is read in place instead: the
/// MLP's shapes reuse each element only 64 times, too few to pay for a packing pass. Blocking the reduction index only pauses each element's FMA chain (the
/// partial value is stored in C and reloaded, exactly), so the result does not depend on the block sizes.
/// Edge tiles are computed on zero-padded slivers into a scratch tile and copied out.
/// </summary>
internal static unsafe class GemmDriver
{
    /// <summary>Reduction elements per packed panel.</summary>
    public const int DepthBlock = 256;

    /// <summary>Rows of A per packed block (a multiple of <see cref="MicroKernels.Rows"/>).</summary>
    public const int RowBlock = 96;

    /// <summary>Columns of B per packed panel (a multiple of every tile width).</summary>
    public const int ColumnBlock = 1024;

    /// <summary>Below this many uses per element (C's columns for A, its rows for B) a row-major operand is read in place.</summary>
    public const int InPlaceLimit = 256;

    [ThreadStatic]
    private static byte[]? packedA;

    [ThreadStatic]
    private static byte[]? packedB;

    /// <summary>
    /// C[m × n, row stride ldc] (+)= op(A) · op(B) on one thread, where op(A)[i, p] is
    /// <c>a[i·lda + p]</c>, or <c>a[p·lda + i]</c> when <paramref name="transposeA"/>, and op(B)[p, j] is
    /// <c>b[p·ldb + j]</c>, or <c>b[j·ldb + p]</c> when <paramref name="transposeB"/>.
    /// </summary>
    public static void Run<T>(KernelPath path, bool transposeA, bool transposeB, int m, int n, int k,
        T* a, int lda, T* b, int ldb, T* c, int ldc, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (m == 0 || n == 0)
        {
            return;
        }

        if (k == 0)
        {
            if (!accumulate)
            {
                for (int i = 0; i < m; i++)
                {
                    new Span<T>(c + ((nint)i * ldc), n).Clear();
                }
            }

            return;
        }

        path = KernelPaths.Resolve(path);
        int nr = KernelPaths.TileColumns<T>(path);
        const int mr = MicroKernels.Rows;
        int size = sizeof(T);
        byte[] bufferA = Buffer(ref packedA, RowBlock * DepthBlock * size);
        byte[] bufferB = Buffer(ref packedB, ColumnBlock * DepthBlock * size);
        T* tile = stackalloc T[mr * 32];
        fixed (byte* pa = bufferA, pb = bufferB)
        {
            T* ap = (T*)pa;
            T* bp = (T*)pb;
            // A row-major A is read in place (its rows are the slivers' rows) when C has few columns, and so are a
            // row-major B's full slivers when C has few rows: packing would then cost a pass over the operand for
            // few products per element (64 in the MLP's layers). With many, packed slivers stream better.
            bool directA = !transposeA && n < InPlaceLimit, directB = !transposeB && m < InPlaceLimit;
            for (int jc = 0; jc < n; jc += ColumnBlock)
            {
                int nb = Math.Min(ColumnBlock, n - jc);
                for (int pc = 0; pc < k; pc += DepthBlock)
                {
                    int kb = Math.Min(DepthBlock, k - pc);
                    bool load = accumulate || pc > 0;
                    PackB(transposeB, b, ldb, pc, kb, jc, nb, nr, bp, edgeOnly: directB);
                    for (int ic = 0; ic < m; ic += RowBlock)
                    {
                        int mb = Math.Min(RowBlock, m - ic);
                        if (!directA)
                        {
                            PackA(transposeA, a, lda, ic, mb, pc, kb, ap);
                        }

                        for (int jr = 0; jr < nb; jr += nr)
                        {
                            int cols = Math.Min(nr, nb - jr);
                            bool inPlace = directB && cols == nr;
                            T* bs = inPlace ? b + ((nint)pc * ldb) + jc + jr : bp + ((nint)jr * kb);
                            nint bStep = inPlace ? ldb : nr;
                            for (int ir = 0; ir < mb; ir += mr)
                            {
                                int rows = Math.Min(mr, mb - ir);
                                T* aSliver = directA ? a + ((nint)(ic + ir) * lda) + pc : ap + ((nint)ir * kb);
                                var sliver = new Sliver<T>(aSliver, directA ? lda : 1, directA ? 1 : mr, directA ? rows - 1 : mr - 1, bs, bStep);
                                T* cTile = c + ((nint)(ic + ir) * ldc) + jc + jr;
                                if (rows == mr && cols == nr)
                                {
                                    Tile(path, kb, sliver, nr, cTile, ldc, load);
                                }
                                else
                                {
                                    EdgeTile(path, kb, sliver, nr, cTile, ldc, rows, cols, load, tile);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>Where a tile's A and B elements are: A(r, k) at <c>A[min(r, LastRow)·ARow + k·AStep]</c>, B(k, ·) at <c>B + k·BStep</c>.</summary>
    private readonly struct Sliver<T>(T* a, nint aRow, nint aStep, int lastRow, T* b, nint bStep)
        where T : unmanaged
    {
        public T* A { get; } = a;

        public nint ARow { get; } = aRow;

        public nint AStep { get; } = aStep;

        public int LastRow { get; } = lastRow;

        public T* B { get; } = b;

        public nint BStep { get; } = bStep;
    }

    private static void EdgeTile<T>(KernelPath path, int kb, Sliver<T> s, int nr, T* c, int ldc, int rows, int cols, bool load, T* tile)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        new Span<T>(tile, MicroKernels.Rows * nr).Clear();
        if (load)
        {
            for (int r = 0; r < rows; r++)
            {
                new Span<T>(c + ((nint)r * ldc), cols).CopyTo(new Span<T>(tile + (r * nr), cols));
            }
        }

        Tile(path, kb, s, nr, tile, nr, load);
        for (int r = 0; r < rows; r++)
        {
            new Span<T>(tile + (r * nr), cols).CopyTo(new Span<T>(c + ((nint)r * ldc), cols));
        }
    }

    private static void Tile<T>(KernelPath path, int kb, Sliver<T> s, int nr, T* c, nint ldc, bool load)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(double))
        {
            double* a = (double*)s.A, b = (double*)s.B, cc = (double*)c;
            switch (path)
            {
                case KernelPath.Vector512:
                    MicroKernels.Tile<Lanes512D, Vector512<double>, double>(kb, a, s.ARow, s.AStep, s.LastRow, b, s.BStep, cc, ldc, load);
                    return;
                case KernelPath.Vector256:
                    MicroKernels.Tile<Lanes256D, Vector256<double>, double>(kb, a, s.ARow, s.AStep, s.LastRow, b, s.BStep, cc, ldc, load);
                    return;
                case KernelPath.Vector128:
                    MicroKernels.Tile<Lanes128D, Vector128<double>, double>(kb, a, s.ARow, s.AStep, s.LastRow, b, s.BStep, cc, ldc, load);
                    return;
            }
        }
        else if (typeof(T) == typeof(float))
        {
            float* a = (float*)s.A, b = (float*)s.B, cc = (float*)c;
            switch (path)
            {
                case KernelPath.Vector512:
                    MicroKernels.Tile<Lanes512F, Vector512<float>, float>(kb, a, s.ARow, s.AStep, s.LastRow, b, s.BStep, cc, ldc, load);
                    return;
                case KernelPath.Vector256:
                    MicroKernels.Tile<Lanes256F, Vector256<float>, float>(kb, a, s.ARow, s.AStep, s.LastRow, b, s.BStep, cc, ldc, load);
                    return;
                case KernelPath.Vector128:
                    MicroKernels.Tile<Lanes128F, Vector128<float>, float>(kb, a, s.ARow, s.AStep, s.LastRow, b, s.BStep, cc, ldc, load);
                    return;
            }
        }

        MicroKernels.ScalarTile(kb, s.A, s.ARow, s.AStep, s.LastRow, s.B, s.BStep, nr, c, ldc, load);
    }

    /// <summary>Packs op(A)[ic.., pc..] (mb × kb) into slivers of <see cref="MicroKernels.Rows"/> rows, each stored
    /// column after column; rows past the end are zero.</summary>
    private static void PackA<T>(bool transposed, T* a, int lda, int ic, int mb, int pc, int kb, T* dst)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const int mr = MicroKernels.Rows;
        for (int ir = 0; ir < mb; ir += mr)
        {
            int rows = Math.Min(mr, mb - ir);
            T* s = dst + ((nint)ir * kb);
            if (rows < mr)
            {
                new Span<T>(s, mr * kb).Clear();
            }

            if (transposed)
            {
                for (int p = 0; p < kb; p++)
                {
                    T* src = a + ((nint)(pc + p) * lda) + ic + ir;
                    for (int r = 0; r < rows; r++)
                    {
                        s[(p * mr) + r] = src[r];
                    }
                }
            }
            else
            {
                for (int r = 0; r < rows; r++)
                {
                    T* src = a + ((nint)(ic + ir + r) * lda) + pc;
                    for (int p = 0; p < kb; p++)
                    {
                        s[(p * mr) + r] = src[p];
                    }
                }
            }
        }
    }

    /// <summary>Packs op(B)[pc.., jc..] (kb × nb) into slivers of <paramref name="nr"/> columns, each stored row
    /// after row; columns past the end are zero. With <paramref name="edgeOnly"/> only a last, partial sliver.</summary>
    private static void PackB<T>(bool transposed, T* b, int ldb, int pc, int kb, int jc, int nb, int nr, T* dst, bool edgeOnly)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int jr = 0; jr < nb; jr += nr)
        {
            int cols = Math.Min(nr, nb - jr);
            if (edgeOnly && cols == nr)
            {
                continue;
            }

            T* s = dst + ((nint)jr * kb);
            if (cols < nr)
            {
                new Span<T>(s, nr * kb).Clear();
            }

            if (transposed)
            {
                for (int j = 0; j < cols; j++)
                {
                    T* src = b + ((nint)(jc + jr + j) * ldb) + pc;
                    for (int p = 0; p < kb; p++)
                    {
                        s[(p * nr) + j] = src[p];
                    }
                }
            }
            else
            {
                for (int p = 0; p < kb; p++)
                {
                    new Span<T>(b + ((nint)(pc + p) * ldb) + jc + jr, cols).CopyTo(new Span<T>(s + (p * nr), cols));
                }
            }
        }
    }

    private static byte[] Buffer(ref byte[]? slot, int bytes)
    {
        if (slot is null || slot.Length < bytes)
        {
            slot = GC.AllocateUninitializedArray<byte>(bytes, pinned: true);
        }

        return slot;
    }
}
