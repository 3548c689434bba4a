using System.Numerics;
using System.Runtime.Intrinsics;

namespace Downhill.Kernels;

/// <summary>
/// The blocked loops around the micro-kernel (Goto &amp; van de Geijn, "Anatomy of High-Performance Matrix
/// Multiplication", ACM TOMS 34(3), 2008; the BLIS loop order of Van Zee &amp; van de Geijn, 2015): a
/// <see cref="DepthBlock"/> × <see cref="ColumnBlock"/> panel of B is packed into column slivers (kept in L3/L2),
/// an <see cref="RowBlock"/> × <see cref="DepthBlock"/> block of A into row slivers (kept in L2), and the
/// micro-kernel sweeps the tiles. Blocking the reduction index only pauses each element's FMA chain (the
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
            for (int jc = 0; jc < n; jc += ColumnBlock)
            {
                int nb = Math.Min(ColumnBlock, n - jc);
                for (int pc = 0; pc < k; pc += DepthBlock)
                {
                    int kb = Math.Min(DepthBlock, k - pc);
                    bool load = accumulate || pc > 0;
                    PackB(transposeB, b, ldb, pc, kb, jc, nb, nr, bp);
                    for (int ic = 0; ic < m; ic += RowBlock)
                    {
                        int mb = Math.Min(RowBlock, m - ic);
                        PackA(transposeA, a, lda, ic, mb, pc, kb, ap);
                        for (int jr = 0; jr < nb; jr += nr)
                        {
                            int cols = Math.Min(nr, nb - jr);
                            T* bs = bp + ((nint)jr * kb);
                            for (int ir = 0; ir < mb; ir += mr)
                            {
                                int rows = Math.Min(mr, mb - ir);
                                T* aSliver = ap + ((nint)ir * kb);
                                T* cTile = c + ((nint)(ic + ir) * ldc) + jc + jr;
                                if (rows == mr && cols == nr)
                                {
                                    Tile(path, kb, aSliver, bs, nr, cTile, ldc, load);
                                }
                                else
                                {
                                    EdgeTile(path, kb, aSliver, bs, nr, cTile, ldc, rows, cols, load, tile);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    private static void EdgeTile<T>(KernelPath path, int kb, T* ap, T* bp, int nr, T* c, int ldc, int rows, int cols, bool load, T* tile)
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

        Tile(path, kb, ap, bp, nr, tile, nr, load);
        for (int r = 0; r < rows; r++)
        {
            new Span<T>(tile + (r * nr), cols).CopyTo(new Span<T>(c + ((nint)r * ldc), cols));
        }
    }

    private static void Tile<T>(KernelPath path, int kb, T* ap, T* bp, int nr, T* c, nint ldc, bool load)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(double))
        {
            double* a = (double*)ap, b = (double*)bp, cc = (double*)c;
            switch (path)
            {
                case KernelPath.Vector512:
                    MicroKernels.Tile<Lanes512D, Vector512<double>, double>(kb, a, b, cc, ldc, load);
                    return;
                case KernelPath.Vector256:
                    MicroKernels.Tile<Lanes256D, Vector256<double>, double>(kb, a, b, cc, ldc, load);
                    return;
                case KernelPath.Vector128:
                    MicroKernels.Tile<Lanes128D, Vector128<double>, double>(kb, a, b, cc, ldc, load);
                    return;
            }
        }
        else if (typeof(T) == typeof(float))
        {
            float* a = (float*)ap, b = (float*)bp, cc = (float*)c;
            switch (path)
            {
                case KernelPath.Vector512:
                    MicroKernels.Tile<Lanes512F, Vector512<float>, float>(kb, a, b, cc, ldc, load);
                    return;
                case KernelPath.Vector256:
                    MicroKernels.Tile<Lanes256F, Vector256<float>, float>(kb, a, b, cc, ldc, load);
                    return;
                case KernelPath.Vector128:
                    MicroKernels.Tile<Lanes128F, Vector128<float>, float>(kb, a, b, cc, ldc, load);
                    return;
            }
        }

        MicroKernels.ScalarTile(kb, ap, bp, nr, c, ldc, load);
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

            for (int r = 0; r < rows; r++)
            {
                nint i = ic + ir + r;
                if (transposed)
                {
                    T* src = a + ((nint)pc * lda) + i;
                    for (int p = 0; p < kb; p++)
                    {
                        s[(p * mr) + r] = src[(nint)p * lda];
                    }
                }
                else
                {
                    T* src = a + (i * lda) + pc;
                    for (int p = 0; p < kb; p++)
                    {
                        s[(p * mr) + r] = src[p];
                    }
                }
            }
        }
    }

    /// <summary>Packs op(B)[pc.., jc..] (kb × nb) into slivers of <paramref name="nr"/> columns, each stored row
    /// after row; columns past the end are zero.</summary>
    private static void PackB<T>(bool transposed, T* b, int ldb, int pc, int kb, int jc, int nb, int nr, T* dst)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int jr = 0; jr < nb; jr += nr)
        {
            int cols = Math.Min(nr, nb - jr);
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
