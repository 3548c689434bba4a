using System.Numerics;

namespace Downhill.Derivatives.Tests;

/// <summary>
/// The Rosenbrock function Σ 100(x[i+1] − x[i]²)² + (1 − x[i])² over a vector parameter x, with every derivative
/// written by hand: a model of the parameters alone for testing <see cref="GradientCheck"/> itself.
/// </summary>
internal class RosenbrockModel<T> : ILossModel<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private static readonly T Hundred = T.CreateChecked(100);

    public LossSchema Schema { get; } = new("HandWritten.Rosenbrock", typeof(T), [new ParamSpec("x", true)], [], [], []);

    public double SumLoss(T[][] parameters, T[] hypers, in DataBatch batch, int start, int end) =>
        double.CreateChecked(Value(parameters[0])) * (end - start);

    public virtual double SumGradient(T[][] parameters, T[] hypers, in DataBatch batch, int start, int end, T[][] gradient)
    {
        var x = parameters[0];
        T rows = T.CreateChecked(end - start);
        for (int i = 0; i < x.Length; i++)
        {
            gradient[0][i] += rows * Gradient(x, i);
        }

        return SumLoss(parameters, hypers, batch, start, end);
    }

    public (double Loss, double Tangent) SumTangent(T[][] parameters, T[] hypers, in DataBatch batch, int start, int end, T[][] tangent)
    {
        var x = parameters[0];
        double d = 0;
        for (int i = 0; i < x.Length; i++)
        {
            d += double.CreateChecked(Gradient(x, i) * tangent[0][i]);
        }

        return (SumLoss(parameters, hypers, batch, start, end), d * (end - start));
    }

    public virtual double SumHessianVector(T[][] parameters, T[] hypers, in DataBatch batch, int start, int end, T[][] tangent, T[][] product)
    {
        var x = parameters[0];
        var v = tangent[0];
        T rows = T.CreateChecked(end - start);
        int n = x.Length;
        for (int i = 0; i < n; i++)
        {
            T diag = T.Zero;
            T off = T.Zero;
            if (i < n - 1)
            {
                diag += (T.CreateChecked(1200) * x[i] * x[i]) - (T.CreateChecked(400) * x[i + 1]) + T.CreateChecked(2);
                off += T.CreateChecked(-400) * x[i] * v[i + 1];
            }

            if (i > 0)
            {
                diag += T.CreateChecked(200);
                off += OffDiagonal(x, i) * v[i - 1];
            }

            product[0][i] += rows * ((diag * v[i]) + off);
        }

        return SumLoss(parameters, hypers, batch, start, end);
    }

    public double SumGradientFull(T[][] parameters, T[] hypers, in DataBatch batch, int start, int end, T[][] gradient, T[] hyperGradient, T[]?[] dataGradient) =>
        SumGradient(parameters, hypers, batch, start, end, gradient);

    public double SumHessianVectorFull(T[][] parameters, T[] hypers, in DataBatch batch, int start, int end, T[][] tangent, T[][] product, T[] hyperProduct, T[]?[] dataProduct) =>
        SumHessianVector(parameters, hypers, batch, start, end, tangent, product);

    public void SumMonitors(T[][] parameters, T[] hypers, in DataBatch batch, int start, int end, Span<double> sums)
    {
    }

    /// <summary>H[i, i−1] = −400 x[i−1].</summary>
    protected virtual T OffDiagonal(T[] x, int i) => T.CreateChecked(-400) * x[i - 1];

    protected static T Value(T[] x)
    {
        T f = T.Zero;
        for (int i = 0; i < x.Length - 1; i++)
        {
            T a = x[i + 1] - (x[i] * x[i]);
            T b = T.One - x[i];
            f += (Hundred * a * a) + (b * b);
        }

        return f;
    }

    protected static T Gradient(T[] x, int i)
    {
        T g = T.Zero;
        if (i < x.Length - 1)
        {
            g += (T.CreateChecked(-400) * x[i] * (x[i + 1] - (x[i] * x[i]))) - (T.CreateChecked(2) * (T.One - x[i]));
        }

        if (i > 0)
        {
            g += T.CreateChecked(200) * (x[i] - (x[i - 1] * x[i - 1]));
        }

        return g;
    }
}

/// <summary>Rosenbrock whose gradient forgets the last term's derivative 200(x[n−1] − x[n−2]²) in its last element.</summary>
internal sealed class WrongGradientRosenbrock : RosenbrockModel<double>
{
    public override double SumGradient(double[][] parameters, double[] hypers, in DataBatch batch, int start, int end, double[][] gradient)
    {
        double loss = base.SumGradient(parameters, hypers, batch, start, end, gradient);
        var x = parameters[0];
        int i = x.Length - 1;
        gradient[0][i] -= (end - start) * 200 * (x[i] - (x[i - 1] * x[i - 1]));
        return loss;
    }
}

/// <summary>Rosenbrock whose gradient is 1e-4 too large, relatively: wrong for the default tolerance, right for 1e-3.</summary>
internal sealed class SlightlyWrongRosenbrock : RosenbrockModel<double>
{
    public override double SumGradient(double[][] parameters, double[] hypers, in DataBatch batch, int start, int end, double[][] gradient)
    {
        var exact = new double[gradient.Length][];
        for (int p = 0; p < gradient.Length; p++)
        {
            exact[p] = new double[gradient[p].Length];
        }

        double loss = base.SumGradient(parameters, hypers, batch, start, end, exact);
        for (int p = 0; p < gradient.Length; p++)
        {
            for (int i = 0; i < gradient[p].Length; i++)
            {
                gradient[p][i] += exact[p][i] * (1 + 1e-4);
            }
        }

        return loss;
    }
}

/// <summary>Rosenbrock whose Hessian has the wrong sign on its lower off-diagonal (so it is not even symmetric).</summary>
internal sealed class WrongHessianRosenbrock : RosenbrockModel<double>
{
    protected override double OffDiagonal(double[] x, int i) => 400 * x[i - 1];
}

/// <summary>
/// A weighted ridge regression with every kind of argument: per row, k·e²/2 + λ·|w|²/2 with e = w·xs + b − y,
/// parameters w (vector) and b, hyperparameter λ, data xs (a row), y (a scalar) and k (an int weight).
/// </summary>
internal class RidgeModel : ILossModel<double>
{
    public LossSchema Schema { get; } = new(
        "HandWritten.Ridge",
        typeof(double),
        [new ParamSpec("w", true), new ParamSpec("b", false)],
        ["lambda"],
        [new DataSpec("xs", true, false), new DataSpec("y", false, false), new DataSpec("k", false, true)],
        []);

    /// <summary>Set by tests to make the data gradient of y wrong by a sign.</summary>
    public bool WrongDataGradient { get; init; }

    public double SumLoss(double[][] parameters, double[] hypers, in DataBatch batch, int start, int end)
    {
        double sum = 0;
        for (int r = start; r < end; r++)
        {
            var (e, k, _) = Row(parameters, batch, r);
            sum += (k * e * e / 2) + (hypers[0] * Dot(parameters[0], parameters[0]) / 2);
        }

        return sum;
    }

    public double SumGradient(double[][] parameters, double[] hypers, in DataBatch batch, int start, int end, double[][] gradient) =>
        SumGradientFull(parameters, hypers, batch, start, end, gradient, new double[1], new double[]?[3]);

    public (double Loss, double Tangent) SumTangent(double[][] parameters, double[] hypers, in DataBatch batch, int start, int end, double[][] tangent)
    {
        var w = parameters[0];
        double sum = 0;
        for (int r = start; r < end; r++)
        {
            var (e, k, xs) = Row(parameters, batch, r);
            double de = Dot(tangent[0], xs) + tangent[1][0];
            sum += (k * e * de) + (hypers[0] * Dot(w, tangent[0]));
        }

        return (SumLoss(parameters, hypers, batch, start, end), sum);
    }

    public double SumHessianVector(double[][] parameters, double[] hypers, in DataBatch batch, int start, int end, double[][] tangent, double[][] product) =>
        SumHessianVectorFull(parameters, hypers, batch, start, end, tangent, product, new double[1], new double[]?[3]);

    public double SumGradientFull(double[][] parameters, double[] hypers, in DataBatch batch, int start, int end, double[][] gradient, double[] hyperGradient, double[]?[] dataGradient)
    {
        var w = parameters[0];
        double lam = hypers[0];
        int n = w.Length;
        for (int r = start; r < end; r++)
        {
            var (e, k, xs) = Row(parameters, batch, r);
            int row = batch.Offset + r;
            for (int j = 0; j < n; j++)
            {
                gradient[0][j] += (k * e * xs[j]) + (lam * w[j]);
                if (dataGradient[0] is { } dxs)
                {
                    dxs[(row * n) + j] += k * e * w[j];
                }
            }

            gradient[1][0] += k * e;
            hyperGradient[0] += Dot(w, w) / 2;
            if (dataGradient[1] is { } dy)
            {
                dy[row] += (WrongDataGradient ? 1 : -1) * k * e;
            }
        }

        return SumLoss(parameters, hypers, batch, start, end);
    }

    public double SumHessianVectorFull(double[][] parameters, double[] hypers, in DataBatch batch, int start, int end, double[][] tangent, double[][] product, double[] hyperProduct, double[]?[] dataProduct)
    {
        var w = parameters[0];
        var tw = tangent[0];
        double lam = hypers[0];
        int n = w.Length;
        for (int r = start; r < end; r++)
        {
            var (e, k, xs) = Row(parameters, batch, r);
            double de = Dot(tw, xs) + tangent[1][0];
            int row = batch.Offset + r;
            for (int j = 0; j < n; j++)
            {
                product[0][j] += (k * de * xs[j]) + (lam * tw[j]);
                if (dataProduct[0] is { } dxs)
                {
                    dxs[(row * n) + j] += k * ((de * w[j]) + (e * tw[j]));
                }
            }

            product[1][0] += k * de;
            hyperProduct[0] += Dot(w, tw);
            if (dataProduct[1] is { } dy)
            {
                dy[row] += -k * de;
            }
        }

        return SumLoss(parameters, hypers, batch, start, end);
    }

    public void SumMonitors(double[][] parameters, double[] hypers, in DataBatch batch, int start, int end, Span<double> sums)
    {
    }

    private static (double E, int K, double[] Xs) Row(double[][] parameters, in DataBatch batch, int r)
    {
        var w = parameters[0];
        int row = batch.Offset + r;
        int n = batch.Widths[0];
        var xs = ((double[])batch.Columns[0]).AsSpan(row * n, n).ToArray();
        double y = ((double[])batch.Columns[1])[row];
        int k = ((int[])batch.Columns[2])[row];
        return (Dot(w, xs) + parameters[1][0] - y, k, xs);
    }

    private static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++)
        {
            s += a[i] * b[i];
        }

        return s;
    }
}
