namespace Downhill;

// General square matrices stored by rows (Gaussian elimination), written in the loss language. The generator reads this file (embedded
// in it) and differentiates these bodies with the loss in every mode (docs/stdlib.md); outside losses they are
// ordinary methods. Each has a double and a float overload (the float one has the double one's documentation).
public static partial class Fn
{
    /// <summary>
    /// The solution x of A x = b for a general <paramref name="n"/> × <paramref name="n"/> matrix stored by rows, by
    /// Gaussian elimination with partial pivoting (Golub and Van Loan, Algorithm 3.4.1), written into <paramref name="result"/>.
    /// The pivot choice is a comparison (no derivative); the derivatives are those of the elimination, exact where the pivot
    /// order does not change: ∂x/∂b = A⁻¹, ∂x/∂A_ij = -A⁻¹ e_i x_j.
    /// </summary>
    /// <exception cref="ArgumentException">A pivot is exactly 0 (the matrix is singular, as LAPACK's getrf reports it), or the lengths do not match n.</exception>
    [Differentiable]
    public static void Solve(ReadOnlySpan<double> a, ReadOnlySpan<double> b, int n, Span<double> result)
    {
        if (a.Length != n * n || b.Length != n || result.Length != n)
        {
            throw new ArgumentException("Fn.Solve: the matrix must have n * n elements, b and the result n.");
        }

        double[] lu = new double[n * n];
        for (int i = 0; i < n * n; i++)
        {
            lu[i] = a[i];
        }

        for (int i = 0; i < n; i++)
        {
            result[i] = b[i];
        }

        for (int k = 0; k < n; k++)
        {
            int p = k;
            double largest = Math.Abs(lu[k * n + k]);
            for (int i = k + 1; i < n; i++)
            {
                double v = Math.Abs(lu[i * n + k]);
                if (v > largest)
                {
                    largest = v;
                    p = i;
                }
            }

            if (largest == 0.0)
            {
                throw new ArgumentException("Fn.Solve: the matrix is singular.");
            }

            if (p != k)
            {
                for (int j = 0; j < n; j++)
                {
                    double t = lu[k * n + j];
                    lu[k * n + j] = lu[p * n + j];
                    lu[p * n + j] = t;
                }

                double tb = result[k];
                result[k] = result[p];
                result[p] = tb;
            }

            for (int i = k + 1; i < n; i++)
            {
                double f = lu[i * n + k] / lu[k * n + k];
                for (int j = k + 1; j < n; j++)
                {
                    lu[i * n + j] -= f * lu[k * n + j];
                }

                result[i] -= f * result[k];
            }
        }

        for (int i = n - 1; i >= 0; i--)
        {
            double s = result[i];
            for (int j = i + 1; j < n; j++)
            {
                s -= lu[i * n + j] * result[j];
            }

            result[i] = s / lu[i * n + i];
        }
    }

    /// <summary>
    /// The determinant of a general <paramref name="n"/> × <paramref name="n"/> matrix stored by rows: the product of the
    /// pivots of Gaussian elimination with partial pivoting, with the sign of the row exchanges; 0 for a singular matrix.
    /// ∂/∂A = det(A) A⁻ᵀ where A is invertible.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="a"/> does not have n * n elements.</exception>
    [Differentiable]
    public static double Det(ReadOnlySpan<double> a, int n)
    {
        if (a.Length != n * n)
        {
            throw new ArgumentException("Fn.Det: the matrix must have n * n elements.");
        }

        double[] lu = new double[n * n];
        for (int i = 0; i < n * n; i++)
        {
            lu[i] = a[i];
        }

        double det = 1.0;
        bool singular = false;
        for (int k = 0; k < n && !singular; k++)
        {
            int p = k;
            double largest = Math.Abs(lu[k * n + k]);
            for (int i = k + 1; i < n; i++)
            {
                double v = Math.Abs(lu[i * n + k]);
                if (v > largest)
                {
                    largest = v;
                    p = i;
                }
            }

            if (largest == 0.0)
            {
                singular = true;
            }
            else
            {
                if (p != k)
                {
                    for (int j = 0; j < n; j++)
                    {
                        double t = lu[k * n + j];
                        lu[k * n + j] = lu[p * n + j];
                        lu[p * n + j] = t;
                    }

                    det = -det;
                }

                det *= lu[k * n + k];
                for (int i = k + 1; i < n; i++)
                {
                    double f = lu[i * n + k] / lu[k * n + k];
                    for (int j = k + 1; j < n; j++)
                    {
                        lu[i * n + j] -= f * lu[k * n + j];
                    }
                }
            }
        }

        return singular ? 0.0 : det;
    }

    /// <summary>
    /// The inverse of a general <paramref name="n"/> × <paramref name="n"/> matrix stored by rows, by Gauss–Jordan
    /// elimination with partial pivoting, written into <paramref name="result"/>. ∂A⁻¹ = -A⁻¹ (∂A) A⁻¹.
    /// </summary>
    /// <exception cref="ArgumentException">A pivot is exactly 0 (the matrix is singular), or the lengths do not match n.</exception>
    [Differentiable]
    public static void Inverse(ReadOnlySpan<double> a, int n, Span<double> result)
    {
        if (a.Length != n * n || result.Length != n * n)
        {
            throw new ArgumentException("Fn.Inverse: the matrix and the result must have n * n elements.");
        }

        double[] lu = new double[n * n];
        for (int i = 0; i < n * n; i++)
        {
            lu[i] = a[i];
            result[i] = 0.0;
        }

        for (int i = 0; i < n; i++)
        {
            result[i * n + i] = 1.0;
        }

        for (int k = 0; k < n; k++)
        {
            int p = k;
            double largest = Math.Abs(lu[k * n + k]);
            for (int i = k + 1; i < n; i++)
            {
                double v = Math.Abs(lu[i * n + k]);
                if (v > largest)
                {
                    largest = v;
                    p = i;
                }
            }

            if (largest == 0.0)
            {
                throw new ArgumentException("Fn.Inverse: the matrix is singular.");
            }

            if (p != k)
            {
                for (int j = 0; j < n; j++)
                {
                    double t = lu[k * n + j];
                    lu[k * n + j] = lu[p * n + j];
                    lu[p * n + j] = t;
                    double u = result[k * n + j];
                    result[k * n + j] = result[p * n + j];
                    result[p * n + j] = u;
                }
            }

            double d = lu[k * n + k];
            for (int j = 0; j < n; j++)
            {
                lu[k * n + j] /= d;
                result[k * n + j] /= d;
            }

            for (int i = 0; i < n; i++)
            {
                if (i != k)
                {
                    double f = lu[i * n + k];
                    for (int j = 0; j < n; j++)
                    {
                        lu[i * n + j] -= f * lu[k * n + j];
                        result[i * n + j] -= f * result[k * n + j];
                    }
                }
            }
        }
    }
    /// <inheritdoc cref="Solve(ReadOnlySpan{double}, ReadOnlySpan{double}, int, Span{double})"/>
    [Differentiable]
    public static void Solve(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int n, Span<float> result)
    {
        if (a.Length != n * n || b.Length != n || result.Length != n)
        {
            throw new ArgumentException("Fn.Solve: the matrix must have n * n elements, b and the result n.");
        }

        float[] lu = new float[n * n];
        for (int i = 0; i < n * n; i++)
        {
            lu[i] = a[i];
        }

        for (int i = 0; i < n; i++)
        {
            result[i] = b[i];
        }

        for (int k = 0; k < n; k++)
        {
            int p = k;
            float largest = MathF.Abs(lu[k * n + k]);
            for (int i = k + 1; i < n; i++)
            {
                float v = MathF.Abs(lu[i * n + k]);
                if (v > largest)
                {
                    largest = v;
                    p = i;
                }
            }

            if (largest == 0f)
            {
                throw new ArgumentException("Fn.Solve: the matrix is singular.");
            }

            if (p != k)
            {
                for (int j = 0; j < n; j++)
                {
                    float t = lu[k * n + j];
                    lu[k * n + j] = lu[p * n + j];
                    lu[p * n + j] = t;
                }

                float tb = result[k];
                result[k] = result[p];
                result[p] = tb;
            }

            for (int i = k + 1; i < n; i++)
            {
                float f = lu[i * n + k] / lu[k * n + k];
                for (int j = k + 1; j < n; j++)
                {
                    lu[i * n + j] -= f * lu[k * n + j];
                }

                result[i] -= f * result[k];
            }
        }

        for (int i = n - 1; i >= 0; i--)
        {
            float s = result[i];
            for (int j = i + 1; j < n; j++)
            {
                s -= lu[i * n + j] * result[j];
            }

            result[i] = s / lu[i * n + i];
        }
    }

    /// <inheritdoc cref="Det(ReadOnlySpan{double}, int)"/>
    [Differentiable]
    public static float Det(ReadOnlySpan<float> a, int n)
    {
        if (a.Length != n * n)
        {
            throw new ArgumentException("Fn.Det: the matrix must have n * n elements.");
        }

        float[] lu = new float[n * n];
        for (int i = 0; i < n * n; i++)
        {
            lu[i] = a[i];
        }

        float det = 1f;
        bool singular = false;
        for (int k = 0; k < n && !singular; k++)
        {
            int p = k;
            float largest = MathF.Abs(lu[k * n + k]);
            for (int i = k + 1; i < n; i++)
            {
                float v = MathF.Abs(lu[i * n + k]);
                if (v > largest)
                {
                    largest = v;
                    p = i;
                }
            }

            if (largest == 0f)
            {
                singular = true;
            }
            else
            {
                if (p != k)
                {
                    for (int j = 0; j < n; j++)
                    {
                        float t = lu[k * n + j];
                        lu[k * n + j] = lu[p * n + j];
                        lu[p * n + j] = t;
                    }

                    det = -det;
                }

                det *= lu[k * n + k];
                for (int i = k + 1; i < n; i++)
                {
                    float f = lu[i * n + k] / lu[k * n + k];
                    for (int j = k + 1; j < n; j++)
                    {
                        lu[i * n + j] -= f * lu[k * n + j];
                    }
                }
            }
        }

        return singular ? 0f : det;
    }

    /// <inheritdoc cref="Inverse(ReadOnlySpan{double}, int, Span{double})"/>
    [Differentiable]
    public static void Inverse(ReadOnlySpan<float> a, int n, Span<float> result)
    {
        if (a.Length != n * n || result.Length != n * n)
        {
            throw new ArgumentException("Fn.Inverse: the matrix and the result must have n * n elements.");
        }

        float[] lu = new float[n * n];
        for (int i = 0; i < n * n; i++)
        {
            lu[i] = a[i];
            result[i] = 0f;
        }

        for (int i = 0; i < n; i++)
        {
            result[i * n + i] = 1f;
        }

        for (int k = 0; k < n; k++)
        {
            int p = k;
            float largest = MathF.Abs(lu[k * n + k]);
            for (int i = k + 1; i < n; i++)
            {
                float v = MathF.Abs(lu[i * n + k]);
                if (v > largest)
                {
                    largest = v;
                    p = i;
                }
            }

            if (largest == 0f)
            {
                throw new ArgumentException("Fn.Inverse: the matrix is singular.");
            }

            if (p != k)
            {
                for (int j = 0; j < n; j++)
                {
                    float t = lu[k * n + j];
                    lu[k * n + j] = lu[p * n + j];
                    lu[p * n + j] = t;
                    float u = result[k * n + j];
                    result[k * n + j] = result[p * n + j];
                    result[p * n + j] = u;
                }
            }

            float d = lu[k * n + k];
            for (int j = 0; j < n; j++)
            {
                lu[k * n + j] /= d;
                result[k * n + j] /= d;
            }

            for (int i = 0; i < n; i++)
            {
                if (i != k)
                {
                    float f = lu[i * n + k];
                    for (int j = 0; j < n; j++)
                    {
                        lu[i * n + j] -= f * lu[k * n + j];
                        result[i * n + j] -= f * result[k * n + j];
                    }
                }
            }
        }
    }
}
