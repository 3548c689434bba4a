namespace Downhill.Benchmarks.Derivatives;

/// <summary>
/// One loss's inputs and the four variants measured on it: the loss, the generated gradient, the hand-written
/// gradient and the generated Hessian-vector product. Each variant is available as a single call (for
/// BenchmarkDotNet) and as a loop of <c>n</c> calls over the rows (for the ratio harness).
/// </summary>
public abstract class LossCase
{
    /// <summary>How many data rows the calls cycle through (a power of two).</summary>
    public const int Rows = 8;

    protected const int RowMask = Rows - 1;

    public abstract string Name { get; }

    public abstract double Loss(int row);

    public abstract double Gradient(int row);

    public abstract double HandGradient(int row);

    public abstract double HessianVector(int row);

    public abstract double RunLoss(int n);

    public abstract double RunGradient(int n);

    public abstract double RunHandGradient(int n);

    public abstract double RunHessianVector(int n);

    /// <summary>Zeroes the gradient and Hessian-vector outputs (the generated methods add to them).</summary>
    public abstract void ClearOutputs();

    /// <summary>
    /// Checks, on every row, that each derivative method returns the loss and (<see cref="VerifyRow"/>) that the
    /// generated derivatives agree with the hand-written gradient; throws on disagreement.
    /// </summary>
    public void Verify()
    {
        for (int r = 0; r < Rows; r++)
        {
            ClearOutputs();
            double f = Loss(r);
            Agreement.Value(Name, "gradient's value", f, Gradient(r));
            Agreement.Value(Name, "hand gradient's value", f, HandGradient(r));
            Agreement.Value(Name, "Hessian-vector value", f, HessianVector(r));
            VerifyRow(r);
        }

        ClearOutputs();
    }

    /// <summary>After the derivative methods ran on <paramref name="row"/>: their outputs against the hand-written gradient.</summary>
    protected abstract void VerifyRow(int row);

    protected static double[] Uniform(Random random, int length, double low, double high)
    {
        var values = new double[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = low + (high - low) * random.NextDouble();
        }

        return values;
    }

    protected static double[][] UniformRows(Random random, int width, double low, double high)
    {
        var rows = new double[Rows][];
        for (int r = 0; r < Rows; r++)
        {
            rows[r] = Uniform(random, width, low, high);
        }

        return rows;
    }
}

public sealed class MlpCase : LossCase
{
    private const int In = Losses.MlpInputs;
    private const int Hid = Losses.MlpHidden;
    private const int Out = Losses.MlpClasses;

    private readonly double[] w1, b1, w2, b2;
    private readonly double[] tw1, tb1, tw2, tb2;
    private readonly double[] dw1 = new double[Hid * In], db1 = new double[Hid], dw2 = new double[Out * Hid], db2 = new double[Out];
    private readonly double[] hw1 = new double[Hid * In], hb1 = new double[Hid], hw2 = new double[Out * Hid], hb2 = new double[Out];
    private readonly double[] ew1 = new double[Hid * In], eb1 = new double[Hid], ew2 = new double[Out * Hid], eb2 = new double[Out];
    private readonly double[][] x;
    private readonly int[] labels = new int[Rows];

    public MlpCase()
    {
        var random = new Random(20240601);
        w1 = Uniform(random, Hid * In, -0.25, 0.25);
        b1 = Uniform(random, Hid, -0.1, 0.1);
        w2 = Uniform(random, Out * Hid, -0.4, 0.4);
        b2 = Uniform(random, Out, -0.1, 0.1);
        tw1 = Uniform(random, Hid * In, -1, 1);
        tb1 = Uniform(random, Hid, -1, 1);
        tw2 = Uniform(random, Out * Hid, -1, 1);
        tb2 = Uniform(random, Out, -1, 1);
        x = UniformRows(random, In, -1, 1);
        for (int r = 0; r < Rows; r++)
        {
            labels[r] = (3 * r + 1) % Out;
        }
    }

    public override string Name => "MLP 64-32-10";

    public override double Loss(int row) => Losses.Mlp(w1, b1, w2, b2, x[row], labels[row]);

    public override double Gradient(int row) => Losses.MlpGradient(w1, b1, w2, b2, x[row], labels[row], dw1, db1, dw2, db2);

    public override double HandGradient(int row) => HandGradients.Mlp(w1, b1, w2, b2, x[row], labels[row], ew1, eb1, ew2, eb2);

    public override double HessianVector(int row) =>
        Losses.MlpHessianVector(w1, b1, w2, b2, x[row], labels[row], tw1, tb1, tw2, tb2, hw1, hb1, hw2, hb2);

    public override double RunLoss(int n)
    {
        double acc = 0;
        for (int i = 0; i < n; i++)
        {
            int r = i & RowMask;
            acc += Losses.Mlp(w1, b1, w2, b2, x[r], labels[r]);
        }

        return acc;
    }

    public override double RunGradient(int n)
    {
        double acc = 0;
        for (int i = 0; i < n; i++)
        {
            int r = i & RowMask;
            acc += Losses.MlpGradient(w1, b1, w2, b2, x[r], labels[r], dw1, db1, dw2, db2);
        }

        return acc;
    }

    public override double RunHandGradient(int n)
    {
        double acc = 0;
        for (int i = 0; i < n; i++)
        {
            int r = i & RowMask;
            acc += HandGradients.Mlp(w1, b1, w2, b2, x[r], labels[r], ew1, eb1, ew2, eb2);
        }

        return acc;
    }

    public override double RunHessianVector(int n)
    {
        double acc = 0;
        for (int i = 0; i < n; i++)
        {
            int r = i & RowMask;
            acc += Losses.MlpHessianVector(w1, b1, w2, b2, x[r], labels[r], tw1, tb1, tw2, tb2, hw1, hb1, hw2, hb2);
        }

        return acc;
    }

    public override void ClearOutputs()
    {
        foreach (var a in new[] { dw1, db1, dw2, db2, hw1, hb1, hw2, hb2, ew1, eb1, ew2, eb2 })
        {
            Array.Clear(a);
        }
    }

    protected override void VerifyRow(int row)
    {
        Agreement.Relative(Name, "dW1", ew1, dw1);
        Agreement.Relative(Name, "db1", eb1, db1);
        Agreement.Relative(Name, "dW2", ew2, dw2);
        Agreement.Relative(Name, "db2", eb2, db2);

        // H·t against a central difference of the hand-written gradient along t.
        double[][] p = [w1, b1, w2, b2];
        double[][] t = [tw1, tb1, tw2, tb2];
        double[][] h = [hw1, hb1, hw2, hb2];
        Agreement.HessianVector(Name, p, t, h, (q, g) => HandGradients.Mlp(q[0], q[1], q[2], q[3], x[row], labels[row], g[0], g[1], g[2], g[3]));
    }
}

public sealed class LogisticCase : LossCase
{
    private const int N = Losses.LogisticFeatures;

    private readonly double[] w;
    private readonly double b;
    private readonly double[] tw;
    private readonly double tb;
    private readonly double[] dw = new double[N], hw = new double[N], ew = new double[N];
    private double db, hb, eb;
    private readonly double[][] x;
    private readonly int[] labels = [1, 0, 0, 1, 1, 1, 0, 1];

    public LogisticCase()
    {
        var random = new Random(20240602);
        w = Uniform(random, N, -0.2, 0.2);
        b = 0.1;
        tw = Uniform(random, N, -1, 1);
        tb = 0.5;
        x = UniformRows(random, N, -1, 1);
    }

    public override string Name => "logistic regression (100)";

    public override double Loss(int row) => Losses.Logistic(w, b, x[row], labels[row]);

    public override double Gradient(int row) => Losses.LogisticGradient(w, b, x[row], labels[row], dw, ref db);

    public override double HandGradient(int row) => HandGradients.Logistic(w, b, x[row], labels[row], ew, ref eb);

    public override double HessianVector(int row) => Losses.LogisticHessianVector(w, b, x[row], labels[row], tw, tb, hw, ref hb);

    public override double RunLoss(int n)
    {
        double acc = 0;
        for (int i = 0; i < n; i++)
        {
            int r = i & RowMask;
            acc += Losses.Logistic(w, b, x[r], labels[r]);
        }

        return acc;
    }

    public override double RunGradient(int n)
    {
        double acc = 0;
        for (int i = 0; i < n; i++)
        {
            int r = i & RowMask;
            acc += Losses.LogisticGradient(w, b, x[r], labels[r], dw, ref db);
        }

        return acc;
    }

    public override double RunHandGradient(int n)
    {
        double acc = 0;
        for (int i = 0; i < n; i++)
        {
            int r = i & RowMask;
            acc += HandGradients.Logistic(w, b, x[r], labels[r], ew, ref eb);
        }

        return acc;
    }

    public override double RunHessianVector(int n)
    {
        double acc = 0;
        for (int i = 0; i < n; i++)
        {
            int r = i & RowMask;
            acc += Losses.LogisticHessianVector(w, b, x[r], labels[r], tw, tb, hw, ref hb);
        }

        return acc;
    }

    public override void ClearOutputs()
    {
        Array.Clear(dw);
        Array.Clear(hw);
        Array.Clear(ew);
        db = hb = eb = 0;
    }

    protected override void VerifyRow(int row)
    {
        Agreement.Relative(Name, "dw", ew, dw);
        Agreement.Relative(Name, "db", [eb], [db]);

        double[][] p = [w, [b]];
        double[][] t = [tw, [tb]];
        double[][] h = [hw, [hb]];
        Agreement.HessianVector(Name, p, t, h, (q, g) => HandGradients.Logistic(q[0], q[1][0], x[row], labels[row], g[0], ref g[1][0]));
    }
}

public sealed class RecurrenceCase : LossCase
{
    private const int N = Losses.RecurrenceSteps;

    private readonly double[] w;
    private readonly double s0;
    private readonly double[] tw;
    private readonly double ts0;
    private readonly double[] dw = new double[N], hw = new double[N], ew = new double[N];
    private double ds0, hs0, es0;
    private readonly double[][] x;

    public RecurrenceCase()
    {
        var random = new Random(20240603);
        w = Uniform(random, N, -0.5, 0.5);
        s0 = 0.3;
        tw = Uniform(random, N, -1, 1);
        ts0 = -0.7;
        x = UniformRows(random, N, 0.8, 1.2);
    }

    public override string Name => "tanh recurrence (50)";

    public override double Loss(int row) => Losses.Recurrence(w, s0, x[row]);

    public override double Gradient(int row) => Losses.RecurrenceGradient(w, s0, x[row], dw, ref ds0);

    public override double HandGradient(int row) => HandGradients.Recurrence(w, s0, x[row], ew, ref es0);

    public override double HessianVector(int row) => Losses.RecurrenceHessianVector(w, s0, x[row], tw, ts0, hw, ref hs0);

    public override double RunLoss(int n)
    {
        double acc = 0;
        for (int i = 0; i < n; i++)
        {
            acc += Losses.Recurrence(w, s0, x[i & RowMask]);
        }

        return acc;
    }

    public override double RunGradient(int n)
    {
        double acc = 0;
        for (int i = 0; i < n; i++)
        {
            acc += Losses.RecurrenceGradient(w, s0, x[i & RowMask], dw, ref ds0);
        }

        return acc;
    }

    public override double RunHandGradient(int n)
    {
        double acc = 0;
        for (int i = 0; i < n; i++)
        {
            acc += HandGradients.Recurrence(w, s0, x[i & RowMask], ew, ref es0);
        }

        return acc;
    }

    public override double RunHessianVector(int n)
    {
        double acc = 0;
        for (int i = 0; i < n; i++)
        {
            acc += Losses.RecurrenceHessianVector(w, s0, x[i & RowMask], tw, ts0, hw, ref hs0);
        }

        return acc;
    }

    public override void ClearOutputs()
    {
        Array.Clear(dw);
        Array.Clear(hw);
        Array.Clear(ew);
        ds0 = hs0 = es0 = 0;
    }

    protected override void VerifyRow(int row)
    {
        Agreement.Relative(Name, "dw", ew, dw);
        Agreement.Relative(Name, "ds0", [es0], [ds0]);

        double[][] p = [w, [s0]];
        double[][] t = [tw, [ts0]];
        double[][] h = [hw, [hs0]];
        Agreement.HessianVector(Name, p, t, h, (q, g) => HandGradients.Recurrence(q[0], q[1][0], x[row], g[0], ref g[1][0]));
    }
}
