namespace Downhill;

// Symmetric positive definite matrices stored by rows (Cholesky), written in the loss language. The generator reads this file (embedded
// in it) and differentiates these bodies with the loss in every mode (docs/stdlib.md); outside losses they are
// ordinary methods. Each has a double and a float overload (the float one has the double one's documentation).
public static partial class Fn
{
    /// <summary>The trace Σ A_ii of an <paramref name="n"/> × <paramref name="n"/> matrix stored by rows. ∂/∂A_ij = δ_ij.</summary>
    /// <exception cref="ArgumentException"><paramref name="a"/> does not have n * n elements.</exception>
    [Differentiable]
    public static double Trace(ReadOnlySpan<double> a, int n)
    {
        if (a.Length != n * n)
        {
            throw new ArgumentException("Fn.Trace: the matrix must have n * n elements.");
        }

        double s = 0.0;
        for (int i = 0; i < n; i++)
        {
            s += a[i * n + i];
        }

        return s;
    }

    /// <summary>
    /// The Cholesky factor L of a symmetric positive definite <paramref name="n"/> × <paramref name="n"/> matrix A = L Lᵀ
    /// (stored by rows; only its lower triangle, i ≥ j, is read), written into <paramref name="result"/> with zeros above
    /// the diagonal (the Cholesky–Banachiewicz order, Golub and Van Loan, Matrix Computations, Algorithm 4.2.1). The
    /// derivatives are those of this recurrence, exact in every mode.
    /// </summary>
    /// <exception cref="ArgumentException">A pivot is not positive (the matrix is not positive definite), or the lengths do not match n.</exception>
    [Differentiable]
    public static void Cholesky(ReadOnlySpan<double> a, int n, Span<double> result)
    {
        if (a.Length != n * n || result.Length != n * n)
        {
            throw new ArgumentException("Fn.Cholesky: the matrix and the result must have n * n elements.");
        }

        for (int j = 0; j < n; j++)
        {
            for (int i = 0; i < j; i++)
            {
                result[i * n + j] = 0.0;
            }

            double d = a[j * n + j];
            for (int k = 0; k < j; k++)
            {
                d -= result[j * n + k] * result[j * n + k];
            }

            if (!(d > 0.0))
            {
                throw new ArgumentException("Fn.Cholesky: the matrix is not positive definite (Fn.LogDet factors with Fn.Cholesky).");
            }

            double pivot = Math.Sqrt(d);
            result[j * n + j] = pivot;
            for (int i = j + 1; i < n; i++)
            {
                double t = a[i * n + j];
                for (int k = 0; k < j; k++)
                {
                    t -= result[i * n + k] * result[j * n + k];
                }

                result[i * n + j] = t / pivot;
            }
        }
    }

    /// <summary>
    /// The solution x of L Lᵀ x = b given the Cholesky factor L (<see cref="Cholesky(ReadOnlySpan{double}, int, Span{double})"/>),
    /// by forward then back substitution, written into <paramref name="result"/>: A⁻¹ b for A = L Lᵀ.
    /// </summary>
    /// <exception cref="ArgumentException">L has a zero on its diagonal, or the lengths do not match n.</exception>
    [Differentiable]
    public static void CholeskySolve(ReadOnlySpan<double> l, ReadOnlySpan<double> b, int n, Span<double> result)
    {
        if (l.Length != n * n || b.Length != n || result.Length != n)
        {
            throw new ArgumentException("Fn.CholeskySolve: the factor must have n * n elements, b and the result n.");
        }

        for (int i = 0; i < n; i++)
        {
            if (l[i * n + i] == 0.0)
            {
                throw new ArgumentException("Fn.CholeskySolve: the factor has a zero on its diagonal.");
            }

            double s = b[i];
            for (int k = 0; k < i; k++)
            {
                s -= l[i * n + k] * result[k];
            }

            result[i] = s / l[i * n + i];
        }

        for (int i = n - 1; i >= 0; i--)
        {
            double s = result[i];
            for (int k = i + 1; k < n; k++)
            {
                s -= l[k * n + i] * result[k];
            }

            result[i] = s / l[i * n + i];
        }
    }

    /// <summary>
    /// log det A of a symmetric positive definite <paramref name="n"/> × <paramref name="n"/> matrix, 2 Σ log L_ii through
    /// its Cholesky factor (only the lower triangle is read). ∂/∂A = A⁻¹ (on the lower triangle, as the factor reads it).
    /// </summary>
    /// <exception cref="ArgumentException">The matrix is not positive definite (the message names Fn.Cholesky), or a.Length is not n * n.</exception>
    [Differentiable]
    public static double LogDet(ReadOnlySpan<double> a, int n)
    {
        if (a.Length != n * n)
        {
            throw new ArgumentException("Fn.LogDet: the matrix must have n * n elements.");
        }

        double[] l = new double[n * n];
        Cholesky(a, n, l);
        double s = 0.0;
        for (int i = 0; i < n; i++)
        {
            s += Math.Log(l[i * n + i]);
        }

        return 2.0 * s;
    }

    /// <inheritdoc cref="Trace(ReadOnlySpan{double}, int)"/>
    [Differentiable]
    public static float Trace(ReadOnlySpan<float> a, int n)
    {
        if (a.Length != n * n)
        {
            throw new ArgumentException("Fn.Trace: the matrix must have n * n elements.");
        }

        float s = 0f;
        for (int i = 0; i < n; i++)
        {
            s += a[i * n + i];
        }

        return s;
    }

    /// <inheritdoc cref="Cholesky(ReadOnlySpan{double}, int, Span{double})"/>
    [Differentiable]
    public static void Cholesky(ReadOnlySpan<float> a, int n, Span<float> result)
    {
        if (a.Length != n * n || result.Length != n * n)
        {
            throw new ArgumentException("Fn.Cholesky: the matrix and the result must have n * n elements.");
        }

        for (int j = 0; j < n; j++)
        {
            for (int i = 0; i < j; i++)
            {
                result[i * n + j] = 0f;
            }

            float d = a[j * n + j];
            for (int k = 0; k < j; k++)
            {
                d -= result[j * n + k] * result[j * n + k];
            }

            if (!(d > 0f))
            {
                throw new ArgumentException("Fn.Cholesky: the matrix is not positive definite (Fn.LogDet factors with Fn.Cholesky).");
            }

            float pivot = MathF.Sqrt(d);
            result[j * n + j] = pivot;
            for (int i = j + 1; i < n; i++)
            {
                float t = a[i * n + j];
                for (int k = 0; k < j; k++)
                {
                    t -= result[i * n + k] * result[j * n + k];
                }

                result[i * n + j] = t / pivot;
            }
        }
    }

    /// <inheritdoc cref="CholeskySolve(ReadOnlySpan{double}, ReadOnlySpan{double}, int, Span{double})"/>
    [Differentiable]
    public static void CholeskySolve(ReadOnlySpan<float> l, ReadOnlySpan<float> b, int n, Span<float> result)
    {
        if (l.Length != n * n || b.Length != n || result.Length != n)
        {
            throw new ArgumentException("Fn.CholeskySolve: the factor must have n * n elements, b and the result n.");
        }

        for (int i = 0; i < n; i++)
        {
            if (l[i * n + i] == 0f)
            {
                throw new ArgumentException("Fn.CholeskySolve: the factor has a zero on its diagonal.");
            }

            float s = b[i];
            for (int k = 0; k < i; k++)
            {
                s -= l[i * n + k] * result[k];
            }

            result[i] = s / l[i * n + i];
        }

        for (int i = n - 1; i >= 0; i--)
        {
            float s = result[i];
            for (int k = i + 1; k < n; k++)
            {
                s -= l[k * n + i] * result[k];
            }

            result[i] = s / l[i * n + i];
        }
    }

    /// <inheritdoc cref="LogDet(ReadOnlySpan{double}, int)"/>
    [Differentiable]
    public static float LogDet(ReadOnlySpan<float> a, int n)
    {
        if (a.Length != n * n)
        {
            throw new ArgumentException("Fn.LogDet: the matrix must have n * n elements.");
        }

        float[] l = new float[n * n];
        Cholesky(a, n, l);
        float s = 0f;
        for (int i = 0; i < n; i++)
        {
            s += MathF.Log(l[i * n + i]);
        }

        return 2f * s;
    }
}
