namespace Downhill;

// Functions that write into a caller's scratch span (the result, their last argument), written in the loss language. The generator reads this file (embedded
// in it) and differentiates these bodies with the loss in every mode (docs/stdlib.md); outside losses they are
// ordinary methods. Each has a double and a float overload (the float one has the double one's documentation).
public static partial class Fn
{
    /// <summary>
    /// The softmax p_i = e^(z_i) / Σ_j e^(z_j), written into <paramref name="result"/> (computed as e^(z_i - LogSumExp(z)),
    /// without overflow). ∂p_i/∂z_j = p_i (δ_ij - p_j).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="result"/> is not as long as <paramref name="z"/>.</exception>
    [Differentiable]
    public static void Softmax(ReadOnlySpan<double> z, Span<double> result)
    {
        if (result.Length != z.Length)
        {
            throw new ArgumentException("Fn.Softmax: the result must have the length of z.");
        }

        double lse = LogSumExp(z);
        for (int i = 0; i < z.Length; i++)
        {
            result[i] = Math.Exp(z[i] - lse);
        }
    }

    /// <summary>The log-softmax z_i - LogSumExp(z), written into <paramref name="result"/>. ∂/∂z_j = δ_ij - softmax(z)_j.</summary>
    /// <exception cref="ArgumentException"><paramref name="result"/> is not as long as <paramref name="z"/>.</exception>
    [Differentiable]
    public static void LogSoftmax(ReadOnlySpan<double> z, Span<double> result)
    {
        if (result.Length != z.Length)
        {
            throw new ArgumentException("Fn.LogSoftmax: the result must have the length of z.");
        }

        double lse = LogSumExp(z);
        for (int i = 0; i < z.Length; i++)
        {
            result[i] = z[i] - lse;
        }
    }

    /// <summary>The running sums y_i = Σ_(j≤i) x_j, written into <paramref name="result"/>. ∂y_i/∂x_j = 1 for j ≤ i.</summary>
    /// <exception cref="ArgumentException"><paramref name="result"/> is not as long as <paramref name="x"/>.</exception>
    [Differentiable]
    public static void CumSum(ReadOnlySpan<double> x, Span<double> result)
    {
        if (result.Length != x.Length)
        {
            throw new ArgumentException("Fn.CumSum: the result must have the length of x.");
        }

        double s = 0.0;
        for (int i = 0; i < x.Length; i++)
        {
            s += x[i];
            result[i] = s;
        }
    }

    /// <summary>
    /// The matrix-vector product y = W x of a <paramref name="rows"/> × <paramref name="cols"/> matrix stored by rows
    /// (W_ij = w[i * cols + j]), written into <paramref name="result"/> (length rows). ∂y_i/∂W_ij = x_j, ∂y_i/∂x_j = W_ij.
    /// </summary>
    /// <exception cref="ArgumentException">The lengths do not match the dimensions.</exception>
    [Differentiable]
    public static void MatVec(ReadOnlySpan<double> w, ReadOnlySpan<double> x, int rows, int cols, Span<double> result)
    {
        if (w.Length != rows * cols || x.Length != cols || result.Length != rows)
        {
            throw new ArgumentException("Fn.MatVec: w must have rows * cols elements, x cols and the result rows.");
        }

        for (int i = 0; i < rows; i++)
        {
            double s = 0.0;
            for (int j = 0; j < cols; j++)
            {
                s += w[i * cols + j] * x[j];
            }

            result[i] = s;
        }
    }

    /// <summary>
    /// The matrix product C = A B of an <paramref name="n"/> × <paramref name="k"/> and a <paramref name="k"/> × <paramref name="m"/>
    /// matrix, all stored by rows, written into <paramref name="result"/> (n × m). ∂C_ij/∂A_il = B_lj, ∂C_ij/∂B_lj = A_il.
    /// </summary>
    /// <exception cref="ArgumentException">The lengths do not match the dimensions.</exception>
    [Differentiable]
    public static void MatMul(ReadOnlySpan<double> a, ReadOnlySpan<double> b, int n, int k, int m, Span<double> result)
    {
        if (a.Length != n * k || b.Length != k * m || result.Length != n * m)
        {
            throw new ArgumentException("Fn.MatMul: a must have n * k elements, b k * m and the result n * m.");
        }

        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < m; j++)
            {
                double s = 0.0;
                for (int l = 0; l < k; l++)
                {
                    s += a[i * k + l] * b[l * m + j];
                }

                result[i * m + j] = s;
            }
        }
    }

    /// <summary>
    /// The outer product O_ij = x_i y_j, stored by rows (O_ij = result[i * y.Length + j]). ∂O_ij/∂x_i = y_j, ∂O_ij/∂y_j = x_i.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="result"/> does not have x.Length * y.Length elements.</exception>
    [Differentiable]
    public static void Outer(ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> result)
    {
        if (result.Length != x.Length * y.Length)
        {
            throw new ArgumentException("Fn.Outer: the result must have x.Length * y.Length elements.");
        }

        for (int i = 0; i < x.Length; i++)
        {
            for (int j = 0; j < y.Length; j++)
            {
                result[i * y.Length + j] = x[i] * y[j];
            }
        }
    }

    /// <summary>
    /// Each element limited to [lo, hi], min(max(x_i, lo), hi), written into <paramref name="result"/>. The derivative is
    /// 1 with respect to x_i inside the interval, else 1 with respect to the bound it is clipped to (at a bound exactly,
    /// x_i's: ties as Math.Max and Math.Min).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="result"/> is not as long as <paramref name="x"/>, or lo &gt; hi.</exception>
    [Differentiable]
    public static void Clip(ReadOnlySpan<double> x, double lo, double hi, Span<double> result)
    {
        if (result.Length != x.Length)
        {
            throw new ArgumentException("Fn.Clip: the result must have the length of x.");
        }

        if (lo > hi)
        {
            throw new ArgumentException("Fn.Clip: lo must not be greater than hi.");
        }

        for (int i = 0; i < x.Length; i++)
        {
            result[i] = Math.Min(Math.Max(x[i], lo), hi);
        }
    }

    /// <summary>
    /// Element-wise selection, numpy's where: x_i where <paramref name="condition"/>[i] is not 0, else y_i, written into
    /// <paramref name="result"/>. The derivative goes to the element selected.
    /// </summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    [Differentiable]
    public static void Where(ReadOnlySpan<int> condition, ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> result)
    {
        if (x.Length != condition.Length || y.Length != condition.Length || result.Length != condition.Length)
        {
            throw new ArgumentException("Fn.Where: the condition, x, y and the result must have one length.");
        }

        for (int i = 0; i < condition.Length; i++)
        {
            result[i] = condition[i] != 0 ? x[i] : y[i];
        }
    }

    /// <summary>
    /// The elements in ascending order (stable: equal elements keep their order), written into <paramref name="result"/>.
    /// The derivative goes through the permutation: ∂result_k/∂x_π(k) = 1.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="result"/> is not as long as <paramref name="x"/>.</exception>
    [Differentiable]
    public static void Sort(ReadOnlySpan<double> x, Span<double> result)
    {
        if (result.Length != x.Length)
        {
            throw new ArgumentException("Fn.Sort: the result must have the length of x.");
        }

        // Insertion sort of the indices (comparisons only, no derivative), then a gather.
        int n = x.Length;
        int[] order = new int[n];
        for (int i = 0; i < n; i++)
        {
            order[i] = i;
        }

        for (int i = 1; i < n; i++)
        {
            int next = order[i];
            int j = i - 1;
            while (j >= 0 && x[order[j]] > x[next])
            {
                order[j + 1] = order[j];
                j--;
            }

            order[j + 1] = next;
        }

        for (int i = 0; i < n; i++)
        {
            result[i] = x[order[i]];
        }
    }
    /// <inheritdoc cref="Softmax(ReadOnlySpan{double}, Span{double})"/>
    [Differentiable]
    public static void Softmax(ReadOnlySpan<float> z, Span<float> result)
    {
        if (result.Length != z.Length)
        {
            throw new ArgumentException("Fn.Softmax: the result must have the length of z.");
        }

        float lse = LogSumExp(z);
        for (int i = 0; i < z.Length; i++)
        {
            result[i] = MathF.Exp(z[i] - lse);
        }
    }

    /// <inheritdoc cref="LogSoftmax(ReadOnlySpan{double}, Span{double})"/>
    [Differentiable]
    public static void LogSoftmax(ReadOnlySpan<float> z, Span<float> result)
    {
        if (result.Length != z.Length)
        {
            throw new ArgumentException("Fn.LogSoftmax: the result must have the length of z.");
        }

        float lse = LogSumExp(z);
        for (int i = 0; i < z.Length; i++)
        {
            result[i] = z[i] - lse;
        }
    }

    /// <inheritdoc cref="CumSum(ReadOnlySpan{double}, Span{double})"/>
    [Differentiable]
    public static void CumSum(ReadOnlySpan<float> x, Span<float> result)
    {
        if (result.Length != x.Length)
        {
            throw new ArgumentException("Fn.CumSum: the result must have the length of x.");
        }

        float s = 0f;
        for (int i = 0; i < x.Length; i++)
        {
            s += x[i];
            result[i] = s;
        }
    }

    /// <inheritdoc cref="MatVec(ReadOnlySpan{double}, ReadOnlySpan{double}, int, int, Span{double})"/>
    [Differentiable]
    public static void MatVec(ReadOnlySpan<float> w, ReadOnlySpan<float> x, int rows, int cols, Span<float> result)
    {
        if (w.Length != rows * cols || x.Length != cols || result.Length != rows)
        {
            throw new ArgumentException("Fn.MatVec: w must have rows * cols elements, x cols and the result rows.");
        }

        for (int i = 0; i < rows; i++)
        {
            float s = 0f;
            for (int j = 0; j < cols; j++)
            {
                s += w[i * cols + j] * x[j];
            }

            result[i] = s;
        }
    }

    /// <inheritdoc cref="MatMul(ReadOnlySpan{double}, ReadOnlySpan{double}, int, int, int, Span{double})"/>
    [Differentiable]
    public static void MatMul(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int n, int k, int m, Span<float> result)
    {
        if (a.Length != n * k || b.Length != k * m || result.Length != n * m)
        {
            throw new ArgumentException("Fn.MatMul: a must have n * k elements, b k * m and the result n * m.");
        }

        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < m; j++)
            {
                float s = 0f;
                for (int l = 0; l < k; l++)
                {
                    s += a[i * k + l] * b[l * m + j];
                }

                result[i * m + j] = s;
            }
        }
    }

    /// <inheritdoc cref="Outer(ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double})"/>
    [Differentiable]
    public static void Outer(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> result)
    {
        if (result.Length != x.Length * y.Length)
        {
            throw new ArgumentException("Fn.Outer: the result must have x.Length * y.Length elements.");
        }

        for (int i = 0; i < x.Length; i++)
        {
            for (int j = 0; j < y.Length; j++)
            {
                result[i * y.Length + j] = x[i] * y[j];
            }
        }
    }

    /// <inheritdoc cref="Clip(ReadOnlySpan{double}, double, double, Span{double})"/>
    [Differentiable]
    public static void Clip(ReadOnlySpan<float> x, float lo, float hi, Span<float> result)
    {
        if (result.Length != x.Length)
        {
            throw new ArgumentException("Fn.Clip: the result must have the length of x.");
        }

        if (lo > hi)
        {
            throw new ArgumentException("Fn.Clip: lo must not be greater than hi.");
        }

        for (int i = 0; i < x.Length; i++)
        {
            result[i] = MathF.Min(MathF.Max(x[i], lo), hi);
        }
    }

    /// <inheritdoc cref="Where(ReadOnlySpan{int}, ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double})"/>
    [Differentiable]
    public static void Where(ReadOnlySpan<int> condition, ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> result)
    {
        if (x.Length != condition.Length || y.Length != condition.Length || result.Length != condition.Length)
        {
            throw new ArgumentException("Fn.Where: the condition, x, y and the result must have one length.");
        }

        for (int i = 0; i < condition.Length; i++)
        {
            result[i] = condition[i] != 0 ? x[i] : y[i];
        }
    }

    /// <inheritdoc cref="Sort(ReadOnlySpan{double}, Span{double})"/>
    [Differentiable]
    public static void Sort(ReadOnlySpan<float> x, Span<float> result)
    {
        if (result.Length != x.Length)
        {
            throw new ArgumentException("Fn.Sort: the result must have the length of x.");
        }

        // Insertion sort of the indices (comparisons only, no derivative), then a gather.
        int n = x.Length;
        int[] order = new int[n];
        for (int i = 0; i < n; i++)
        {
            order[i] = i;
        }

        for (int i = 1; i < n; i++)
        {
            int next = order[i];
            int j = i - 1;
            while (j >= 0 && x[order[j]] > x[next])
            {
                order[j + 1] = order[j];
                j--;
            }

            order[j + 1] = next;
        }

        for (int i = 0; i < n; i++)
        {
            result[i] = x[order[i]];
        }
    }
}
