namespace Downhill.Runtime.Tests;

/// <summary>Shared plumbing for the hand-written models: the hypergradient entry points are not used by these tests.</summary>
internal abstract class TestModel : ILossModel<double>
{
    public abstract LossSchema Schema { get; }

    public double SumLoss(double[][] parameters, double[] hypers, in DataBatch batch, int start, int end)
    {
        double s = 0;
        for (int r = start; r < end; r++)
        {
            s += Row(parameters, batch, batch.Offset + r, null, null, null);
        }

        return s;
    }

    public double SumGradient(double[][] parameters, double[] hypers, in DataBatch batch, int start, int end, double[][] gradient)
    {
        double s = 0;
        for (int r = start; r < end; r++)
        {
            s += Row(parameters, batch, batch.Offset + r, gradient, null, null);
        }

        return s;
    }

    public (double Loss, double Tangent) SumTangent(double[][] parameters, double[] hypers, in DataBatch batch, int start, int end, double[][] tangent) =>
        throw new NotSupportedException("Not used by the runtime tests.");

    public double SumHessianVector(double[][] parameters, double[] hypers, in DataBatch batch, int start, int end, double[][] tangent, double[][] product)
    {
        double s = 0;
        for (int r = start; r < end; r++)
        {
            s += Row(parameters, batch, batch.Offset + r, null, tangent, product);
        }

        return s;
    }

    public double SumGradientFull(double[][] parameters, double[] hypers, in DataBatch batch, int start, int end, double[][] gradient, double[] hyperGradient, double[]?[] dataGradient) =>
        throw new NotSupportedException("Not used by the runtime tests.");

    public double SumHessianVectorFull(double[][] parameters, double[] hypers, in DataBatch batch, int start, int end, double[][] tangent, double[][] product, double[] hyperProduct, double[]?[] dataProduct) =>
        throw new NotSupportedException("Not used by the runtime tests.");

    public virtual void SumMonitors(double[][] parameters, double[] hypers, in DataBatch batch, int start, int end, Span<double> sums)
    {
    }

    /// <summary>One row's loss; adds its gradient to <paramref name="gradient"/> and H·tangent to <paramref name="product"/> when given.</summary>
    protected abstract double Row(double[][] p, in DataBatch batch, int row, double[][]? gradient, double[][]? tangent, double[][]? product);
}

/// <summary>Rosenbrock's function (1 − x)² + 100(y − x²)² of one vector parameter "x" of 2 elements, no data.</summary>
internal sealed class Rosenbrock : TestModel
{
    public override LossSchema Schema { get; } = new("Tests.Rosenbrock", typeof(double), [new ParamSpec("x", true)], [], [], []);

    /// <summary>When set, the gradient turns NaN once x[0] exceeds this value.</summary>
    public double NaNAbove { get; init; } = double.PositiveInfinity;

    protected override double Row(double[][] p, in DataBatch batch, int row, double[][]? gradient, double[][]? tangent, double[][]? product)
    {
        double x = p[0][0], y = p[0][1];
        double a = 1 - x, b = y - (x * x);
        if (gradient is not null)
        {
            double nan = x > NaNAbove ? double.NaN : 0;
            gradient[0][0] += (-2 * a) - (400 * x * b) + nan;
            gradient[0][1] += (200 * b) + nan;
        }

        if (product is not null)
        {
            double h00 = 2 - (400 * y) + (1200 * x * x), h01 = -400 * x, h11 = 200;
            product[0][0] += (h00 * tangent![0][0]) + (h01 * tangent[0][1]);
            product[0][1] += (h01 * tangent[0][0]) + (h11 * tangent[0][1]);
        }

        return (a * a) + (100 * b * b);
    }
}

/// <summary>Linear regression (m·x + b − y)² with scalar data columns x and y and scalar parameters m and b, and a monitor "m".</summary>
internal sealed class LinearRegression : TestModel
{
    public override LossSchema Schema { get; } = new(
        "Tests.Linear", typeof(double), [new ParamSpec("m", false), new ParamSpec("b", false)], [],
        [new DataSpec("x", false, false), new DataSpec("y", false, false)], [new MonitorSpec("m", true)]);

    public override void SumMonitors(double[][] parameters, double[] hypers, in DataBatch batch, int start, int end, Span<double> sums) =>
        sums[0] += parameters[0][0] * (end - start);

    protected override double Row(double[][] p, in DataBatch batch, int row, double[][]? gradient, double[][]? tangent, double[][]? product)
    {
        double x = ((double[])batch.Columns[0])[row], y = ((double[])batch.Columns[1])[row];
        double e = (p[0][0] * x) + p[1][0] - y;
        if (gradient is not null)
        {
            gradient[0][0] += 2 * e * x;
            gradient[1][0] += 2 * e;
        }

        if (product is not null)
        {
            double tm = tangent![0][0], tb = tangent[1][0];
            product[0][0] += 2 * x * ((x * tm) + tb);
            product[1][0] += 2 * ((x * tm) + tb);
        }

        return e * e;
    }
}

/// <summary>
/// downhill's matrix factorization test: u (100×10) · v (10×100) fitting a target, one example per target row:
/// an int column "i" (the row index) and a 2-D column "x" (the target row of 100). Monitor "u&lt;0.1": the share of u below 0.1.
/// </summary>
internal sealed class Factorization : TestModel
{
    public const int N = 100, K = 10;

    public override LossSchema Schema { get; } = new(
        "Tests.Factor", typeof(double), [new ParamSpec("u", true), new ParamSpec("v", true)], [],
        [new DataSpec("i", false, true), new DataSpec("x", true, false)], [new MonitorSpec("u<0.1", true)]);

    public override void SumMonitors(double[][] parameters, double[] hypers, in DataBatch batch, int start, int end, Span<double> sums) =>
        sums[0] += parameters[0].Count(u => u < 0.1) / (double)parameters[0].Length * (end - start);

    protected override double Row(double[][] p, in DataBatch batch, int row, double[][]? gradient, double[][]? tangent, double[][]? product)
    {
        double[] u = p[0], v = p[1];
        int i = ((int[])batch.Columns[0])[row];
        int w = batch.Widths[1];
        ReadOnlySpan<double> x = ((double[])batch.Columns[1]).AsSpan(row * w, w);
        double loss = 0;
        for (int j = 0; j < N; j++)
        {
            double pred = 0;
            for (int k = 0; k < K; k++)
            {
                pred += u[(i * K) + k] * v[(k * N) + j];
            }

            double r = pred - x[j];
            loss += r * r;
            if (gradient is not null)
            {
                for (int k = 0; k < K; k++)
                {
                    gradient[0][(i * K) + k] += 2 * r * v[(k * N) + j];
                    gradient[1][(k * N) + j] += 2 * r * u[(i * K) + k];
                }
            }

            if (product is not null)
            {
                double[] tu = tangent![0], tv = tangent[1];
                double dr = 0;
                for (int k = 0; k < K; k++)
                {
                    dr += (tu[(i * K) + k] * v[(k * N) + j]) + (u[(i * K) + k] * tv[(k * N) + j]);
                }

                for (int k = 0; k < K; k++)
                {
                    product[0][(i * K) + k] += 2 * ((dr * v[(k * N) + j]) + (r * tv[(k * N) + j]));
                    product[1][(k * N) + j] += 2 * ((dr * u[(i * K) + k]) + (r * tu[(i * K) + k]));
                }
            }
        }

        return loss;
    }

    /// <summary>u = arange(1000)/1000 as 100×10, v = 0.2.</summary>
    public static double[][] Init() => [[.. Enumerable.Range(0, N * K).Select(k => k / 1000.0)], [.. Enumerable.Repeat(0.2, K * N)]];

    /// <summary>Row indices and a fixed random target of rank ≤ 10.</summary>
    public static Array[] Data(int seed)
    {
        var rng = new Random(seed);
        var target = new double[N, N];
        for (int a = 0; a < N; a++)
        {
            for (int b = 0; b < N; b++)
            {
                target[a, b] = rng.NextDouble();
            }
        }

        return [Enumerable.Range(0, N).ToArray(), target];
    }
}
