using System.ComponentModel;
using System.Numerics;

namespace Downhill.Kernels;

/// <summary>
/// Dense matrix products for the batched loss evaluation: a uniform matrix times a batch of varying vectors, outer
/// products accumulated into a uniform gradient, and the batch of vectors' adjoint. A blocked, register-tiled SIMD
/// matrix product of its own (Goto &amp; van de Geijn, "Anatomy of High-Performance Matrix Multiplication", ACM
/// TOMS 34(3), 2008, with a BLIS-style 6 × 2-vector micro-kernel: Van Zee &amp; van de Geijn, ACM TOMS 41(3),
/// 2015), not a bound BLAS, because its results must be deterministic: every output element is one sequential
/// chain of fused multiply-adds over the reduction index in increasing order (vectorized over output elements,
/// never over the reduction), so the 512-, 256- and 128-bit paths and the scalar
/// <see cref="Math.FusedMultiplyAdd(double, double, double)"/> path give the same bits, whatever the block sizes
/// and the thread count. A BLAS splits and reorders reductions by CPU model and thread count, and would be a
/// native library to ship for every platform.
/// </summary>
/// <remarks>Called by generated code; the arguments are checked, so a wrong shape is an exception, not a
/// memory error.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class MatrixProducts
{
    /// <summary>The vector width in bits the products run on here (512, 256 or 128), or 0 where they run on the
    /// scalar fused multiply-add (no hardware FMA or no accelerated vectors).</summary>
    public static int VectorBits => KernelPaths.Best switch
    {
        KernelPath.Vector512 => 512,
        KernelPath.Vector256 => 256,
        KernelPath.Vector128 => 128,
        _ => 0,
    };

    /// <summary>
    /// S[b, j] (+)= Σ_i W[j, i]·X[b, i]: the matrix <paramref name="w"/> (<paramref name="rows"/> ×
    /// <paramref name="cols"/>, row-major) times each of the <paramref name="batch"/> vectors in
    /// <paramref name="x"/> (one row of <paramref name="cols"/> per example), into <paramref name="s"/>
    /// (<paramref name="batch"/> × <paramref name="rows"/>).
    /// </summary>
    /// <param name="w">The matrix, row-major.</param>
    /// <param name="rows">Its rows (J).</param>
    /// <param name="cols">Its columns (I), the length of each vector.</param>
    /// <param name="x">The vectors, example after example.</param>
    /// <param name="batch">How many vectors (B).</param>
    /// <param name="s">The products, example after example.</param>
    /// <param name="accumulate">Continue each sum from the value in <paramref name="s"/> (a bias, say) instead of zero.</param>
    /// <param name="threads">Threads to split the output among (results do not depend on it).</param>
    public static void MatrixTimesBatch<T>(ReadOnlySpan<T> w, int rows, int cols, ReadOnlySpan<T> x, int batch, Span<T> s, bool accumulate, int threads = 1)
        where T : unmanaged, IFloatingPointIeee754<T>
        => MatrixTimesBatch(KernelPath.Auto, w, rows, cols, x, batch, s, accumulate, threads);

    /// <summary>
    /// dW[j, i] += Σ_b dS[b, j]·X[b, i]: the outer products of <paramref name="ds"/>'s and <paramref name="x"/>'s
    /// rows, summed over the batch in example order, added to <paramref name="dw"/> (<paramref name="rows"/> ×
    /// <paramref name="cols"/>, row-major).
    /// </summary>
    /// <param name="ds">The output adjoints, <paramref name="batch"/> × <paramref name="rows"/>.</param>
    /// <param name="x">The vectors, <paramref name="batch"/> × <paramref name="cols"/>.</param>
    /// <param name="batch">Examples (B), the reduction.</param>
    /// <param name="rows">The gradient's rows (J).</param>
    /// <param name="cols">Its columns (I).</param>
    /// <param name="dw">The gradient the products are added to.</param>
    /// <param name="threads">Threads to split the output among (results do not depend on it).</param>
    public static void AccumulateOuterProducts<T>(ReadOnlySpan<T> ds, ReadOnlySpan<T> x, int batch, int rows, int cols, Span<T> dw, int threads = 1)
        where T : unmanaged, IFloatingPointIeee754<T>
        => AccumulateOuterProducts(KernelPath.Auto, ds, x, batch, rows, cols, dw, threads);

    /// <summary>
    /// dX[b, i] (+)= Σ_j dS[b, j]·W[j, i]: each row of <paramref name="ds"/> times the matrix <paramref name="w"/>
    /// (<paramref name="rows"/> × <paramref name="cols"/>, row-major), into <paramref name="dx"/>
    /// (<paramref name="batch"/> × <paramref name="cols"/>).
    /// </summary>
    /// <param name="ds">The output adjoints, <paramref name="batch"/> × <paramref name="rows"/>.</param>
    /// <param name="w">The matrix, row-major.</param>
    /// <param name="batch">Examples (B).</param>
    /// <param name="rows">The matrix's rows (J), the reduction.</param>
    /// <param name="cols">Its columns (I).</param>
    /// <param name="dx">The input adjoints, example after example.</param>
    /// <param name="accumulate">Add to the values in <paramref name="dx"/> instead of overwriting them.</param>
    /// <param name="threads">Threads to split the output among (results do not depend on it).</param>
    public static void BatchTimesMatrix<T>(ReadOnlySpan<T> ds, ReadOnlySpan<T> w, int batch, int rows, int cols, Span<T> dx, bool accumulate, int threads = 1)
        where T : unmanaged, IFloatingPointIeee754<T>
        => BatchTimesMatrix(KernelPath.Auto, ds, w, batch, rows, cols, dx, accumulate, threads);

    /// <summary>
    /// The general product C (+)= op(A)·op(B), C being <paramref name="m"/> × <paramref name="n"/> with row stride
    /// <paramref name="ldc"/>; op(A)[i, p] is <c>a[i·lda + p]</c>, or <c>a[p·lda + i]</c> when
    /// <paramref name="transposeA"/>; op(B)[p, j] is <c>b[p·ldb + j]</c>, or <c>b[j·ldb + p]</c> when
    /// <paramref name="transposeB"/> (p &lt; <paramref name="k"/>). Each C element is one FMA chain over p in order.
    /// </summary>
    /// <param name="transposeA">A is stored k × m.</param>
    /// <param name="transposeB">B is stored n × k.</param>
    /// <param name="m">Rows of C.</param>
    /// <param name="n">Columns of C.</param>
    /// <param name="k">The reduction's length.</param>
    /// <param name="a">A's elements.</param>
    /// <param name="lda">A's row stride as stored.</param>
    /// <param name="b">B's elements.</param>
    /// <param name="ldb">B's row stride as stored.</param>
    /// <param name="c">C's elements.</param>
    /// <param name="ldc">C's row stride.</param>
    /// <param name="accumulate">Continue each chain from the value in C instead of zero.</param>
    /// <param name="threads">Threads to split C among (results do not depend on it).</param>
    public static void Multiply<T>(bool transposeA, bool transposeB, int m, int n, int k, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, Span<T> c, int ldc, bool accumulate, int threads = 1)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Multiply(KernelPath.Auto, transposeA, transposeB, m, n, k, a, lda, b, ldb, c, ldc, accumulate, threads);

    internal static void MatrixTimesBatch<T>(KernelPath path, ReadOnlySpan<T> w, int rows, int cols, ReadOnlySpan<T> x, int batch, Span<T> s, bool accumulate, int threads)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckShape(rows, nameof(rows), cols, nameof(cols), batch, nameof(batch));
        CheckLength(w.Length, (long)rows * cols, nameof(w));
        CheckLength(x.Length, (long)batch * cols, nameof(x));
        CheckLength(s.Length, (long)batch * rows, nameof(s));
        Multiply(path, false, true, batch, rows, cols, x, cols, w, cols, s, rows, accumulate, threads);
    }

    internal static void AccumulateOuterProducts<T>(KernelPath path, ReadOnlySpan<T> ds, ReadOnlySpan<T> x, int batch, int rows, int cols, Span<T> dw, int threads)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckShape(rows, nameof(rows), cols, nameof(cols), batch, nameof(batch));
        CheckLength(ds.Length, (long)batch * rows, nameof(ds));
        CheckLength(x.Length, (long)batch * cols, nameof(x));
        CheckLength(dw.Length, (long)rows * cols, nameof(dw));
        Multiply(path, true, false, rows, cols, batch, ds, rows, x, cols, dw, cols, true, threads);
    }

    internal static void BatchTimesMatrix<T>(KernelPath path, ReadOnlySpan<T> ds, ReadOnlySpan<T> w, int batch, int rows, int cols, Span<T> dx, bool accumulate, int threads)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckShape(rows, nameof(rows), cols, nameof(cols), batch, nameof(batch));
        CheckLength(ds.Length, (long)batch * rows, nameof(ds));
        CheckLength(w.Length, (long)rows * cols, nameof(w));
        CheckLength(dx.Length, (long)batch * cols, nameof(dx));
        Multiply(path, false, false, batch, cols, rows, ds, rows, w, cols, dx, cols, accumulate, threads);
    }

    internal static unsafe void Multiply<T>(KernelPath path, bool transposeA, bool transposeB, int m, int n, int k, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, Span<T> c, int ldc, bool accumulate, int threads)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckShape(m, nameof(m), n, nameof(n), k, nameof(k));
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1, nameof(threads));
        CheckOperand(a.Length, transposeA ? k : m, transposeA ? m : k, lda, nameof(a), nameof(lda));
        CheckOperand(b.Length, transposeB ? n : k, transposeB ? k : n, ldb, nameof(b), nameof(ldb));
        CheckOperand(c.Length, m, n, ldc, nameof(c), nameof(ldc));
        if (m == 0 || n == 0)
        {
            return;
        }

        fixed (T* pa = a, pb = b, pc = c)
        {
            int nr = KernelPaths.TileColumns<T>(KernelPaths.Resolve(path));
            long tilesM = (m + MicroKernels.Rows - 1) / MicroKernels.Rows;
            long tilesN = (n + nr - 1) / nr;
            bool splitRows = tilesM >= tilesN;
            int parts = (int)Math.Min(threads, splitRows ? tilesM : tilesN);
            if (parts <= 1 || 2.0 * m * n * k < ParallelFlops)
            {
                GemmDriver.Run(path, transposeA, transposeB, m, n, k, pa, lda, pb, ldb, pc, ldc, accumulate);
                return;
            }

            // Each part owns a contiguous range of whole tiles of C; every element's chain is the same as on one thread.
            nint ia = (nint)pa, ib = (nint)pb, ic = (nint)pc;
            int unit = splitRows ? MicroKernels.Rows : nr;
            long tiles = splitRows ? tilesM : tilesN;
            int extent = splitRows ? m : n;
            Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts }, part =>
            {
                int begin = (int)Math.Min(extent, tiles * part / parts * unit);
                int end = (int)Math.Min(extent, tiles * (part + 1) / parts * unit);
                if (end <= begin)
                {
                    return;
                }

                T* a0 = (T*)ia, b0 = (T*)ib, c0 = (T*)ic;
                if (splitRows)
                {
                    T* aPart = transposeA ? a0 + begin : a0 + ((nint)begin * lda);
                    GemmDriver.Run(path, transposeA, transposeB, end - begin, n, k, aPart, lda, b0, ldb, c0 + ((nint)begin * ldc), ldc, accumulate);
                }
                else
                {
                    T* bPart = transposeB ? b0 + ((nint)begin * ldb) : b0 + begin;
                    GemmDriver.Run(path, transposeA, transposeB, m, end - begin, k, a0, lda, bPart, ldb, c0 + begin, ldc, accumulate);
                }
            });
        }
    }

    /// <summary>Below this many floating-point operations a product runs on the calling thread alone.</summary>
    private const double ParallelFlops = 1 << 18;

    private static void CheckShape(int a, string aName, int b, string bName, int c, string cName)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(a, aName);
        ArgumentOutOfRangeException.ThrowIfNegative(b, bName);
        ArgumentOutOfRangeException.ThrowIfNegative(c, cName);
    }

    private static void CheckLength(int length, long needed, string name)
    {
        if (length < needed)
        {
            throw new ArgumentException($"'{name}' has {length} elements but the shape needs {needed}.", name);
        }
    }

    private static void CheckOperand(int length, int rows, int cols, int stride, string name, string strideName)
    {
        if (rows == 0 || cols == 0)
        {
            return;
        }

        if (stride < cols)
        {
            throw new ArgumentOutOfRangeException(strideName, stride, $"The row stride of '{name}' must be at least its row length {cols}.");
        }

        CheckLength(length, ((long)(rows - 1) * stride) + cols, name);
    }
}
