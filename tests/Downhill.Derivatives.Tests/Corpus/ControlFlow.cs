using Downhill;

namespace Downhill.Derivatives.Tests.Corpus;

/// <summary>Losses that exercise control flow: early returns, break/continue, while loops, ?:, compound assignment, index arithmetic.</summary>
public static partial class Flow
{
    /// <summary>Returns from inside the loop once the partial sum passes a threshold.</summary>
    [Loss]
    public static double EarlyReturn([Param] ReadOnlySpan<double> w, ReadOnlySpan<double> x)
    {
        double s = 0.0;
        for (int i = 0; i < 6; i++)
        {
            s += Math.Exp(w[i]) * x[i];
            if (s > 4.0)
            {
                return s * s + w[i];
            }
        }

        return Math.Sin(s);
    }

    /// <summary>Skips negative data with continue and stops at the first large one with break.</summary>
    [Loss]
    public static double BreakContinue([Param] ReadOnlySpan<double> w, ReadOnlySpan<double> x)
    {
        double s = 1.0;
        for (int i = 0; i < 8; i++)
        {
            if (x[i] < 0.0)
            {
                continue;
            }

            if (x[i] > 0.9)
            {
                break;
            }

            s *= 1.0 + w[i] * x[i];
        }

        return Math.Log(s * s + 1.0);
    }

    /// <summary>A while loop with its own counter.</summary>
    [Loss]
    public static double WhileLoop([Param] ReadOnlySpan<double> w, double x)
    {
        double s = 0.0;
        int i = 0;
        while (i < 5)
        {
            s = s * x + w[i];
            i++;
        }

        return s * s;
    }

    /// <summary>A while loop whose trip count depends on data (a countdown by 2).</summary>
    [Loss]
    public static double WhileCountdown([Param] double a, int n)
    {
        double p = 1.0;
        int k = n;
        while (k > 0)
        {
            p = p * a + Math.Sin(p);
            k -= 2;
        }

        return p;
    }

    /// <summary>Nested conditional expressions choosing among three smooth pieces.</summary>
    [Loss]
    public static double NestedTernary([Param] double a, [Param] double b, double x)
    {
        double t = x < -0.5 ? a * a * x : x > 0.5 ? Math.Exp(b * x) : (a < b ? a * b : a + b * b);
        return t + (a > 0 ? a : -a) * x;
    }

    /// <summary>Every compound assignment on active values.</summary>
    [Loss]
    public static double CompoundAssignments([Param] double a, [Param] double b, double x)
    {
        double s = a;
        s += b * x;
        s *= a + 2.0;
        s -= Math.Sin(b);
        s /= 1.5 + b * b;
        double t = x;
        t *= s;
        t += s * s;
        t -= a;
        t /= 2.0 + x * x;
        return t;
    }

    /// <summary>An if/else chain on data and on active values, with else-if.</summary>
    [Loss]
    public static double BranchOnDataAndParams([Param] double a, [Param] double b, double x)
    {
        double r;
        if (x > 0.3)
        {
            r = a * x + Math.Cos(b);
        }
        else if (x > -0.3)
        {
            r = a * b * x;
        }
        else
        {
            r = Math.Exp(a * x) - b;
        }

        if (r > 0.0)
        {
            r = r * r;
        }

        return r + a * b;
    }

    /// <summary>Prefix sums into a scratch array, read back in reverse order.</summary>
    [Loss]
    public static double PrefixSums([Param] ReadOnlySpan<double> w, ReadOnlySpan<double> x)
    {
        double[] prefix = new double[5];
        double s = 0.0;
        for (int i = 0; i < 5; i++)
        {
            s += w[i] * x[i];
            prefix[i] = s;
        }

        double total = 0.0;
        for (int i = 4; i >= 0; i--)
        {
            total += prefix[i] * prefix[i] * (i + 1);
        }

        return total;
    }

    /// <summary>A scratch array overwritten in place several times (tests that the tape keeps overwritten values).</summary>
    [Loss]
    public static double InPlaceUpdates([Param] ReadOnlySpan<double> w, double x)
    {
        Span<double> v = stackalloc double[4];
        for (int i = 0; i < 4; i++)
        {
            v[i] = w[i];
        }

        for (int step = 0; step < 3; step++)
        {
            for (int i = 0; i < 4; i++)
            {
                v[i] = Math.Sin(v[i] * x) + v[(i + 1) % 4] * 0.5;
            }
        }

        return v[0] * v[1] + v[2] * v[3];
    }

    /// <summary>
    /// Semi-Lagrangian advection of a 1-D periodic field over a grid: each step moves the field by a velocity
    /// (a parameter, a Courant number in (0, 1)) and interpolates between the two upwind cells, with index arithmetic (i + n - 1) % n.
    /// The loss is the squared distance of the final field to a target row.
    /// </summary>
    [Loss]
    public static double Advection([Param] ReadOnlySpan<double> u0, [Param] double velocity, ReadOnlySpan<double> target)
    {
        int n = 8;
        double[] u = new double[n];
        double[] next = new double[n];
        for (int i = 0; i < n; i++)
        {
            u[i] = u0[i];
        }

        for (int step = 0; step < 4; step++)
        {
            double frac = velocity * 0.5;
            for (int i = 0; i < n; i++)
            {
                int left = (i + n - 1) % n;
                next[i] = (1.0 - frac) * u[i] + frac * u[left];
            }

            for (int i = 0; i < n; i++)
            {
                u[i] = next[i] + 0.01 * (u[(i + 1) % n] - 2.0 * u[i] + u[(i + n - 1) % n]);
            }
        }

        double loss = 0.0;
        for (int i = 0; i < n; i++)
        {
            double d = u[i] - target[i];
            loss += d * d;
        }

        return loss;
    }

    /// <summary>A loop whose bound is an int data argument, stepping by 2, with a nested inner loop.</summary>
    [Loss]
    public static double NestedLoops([Param] ReadOnlySpan<double> w, ReadOnlySpan<double> x, int m)
    {
        double s = 0.0;
        for (int i = 0; i < m; i += 2)
        {
            double inner = 0.0;
            for (int j = 0; j <= i; j++)
            {
                inner += w[j] * x[i - j];
            }

            s += Math.Tanh(inner);
        }

        return s * s;
    }

    /// <summary>
    /// Counted loops whose counters outlive them: the inner counter is declared outside, reset by the outer loop
    /// and read (at its exit value) by active code after the loop and after the outer loop; a down-counting loop
    /// steps by 3. The reverse sweep runs these loops by their counters, not by stored iteration counts.
    /// </summary>
    [Loss]
    public static double CountersReadAfterTheirLoops([Param] ReadOnlySpan<double> w, ReadOnlySpan<double> x)
    {
        double total = 0.0;
        int i = 0;
        for (int r = 0; r < 3; r++)
        {
            double s = 0.0;
            for (i = 1; i < 4; i++)
            {
                s += w[i] * x[i - r + 2];
            }

            total += s * s * i + w[r] * i * x[r];
        }

        int k;
        for (k = 7; k > 0; k -= 3)
        {
            total += Math.Sin(w[k % 4] * x[k - 1]);
        }

        return total + i * k * w[0];
    }

    /// <summary>Unary minus and subtraction chains, locals declared without initializers.</summary>
    [Loss]
    public static double UnaryAndLocals([Param] double a, [Param] double b, double x)
    {
        double p;
        double q;
        p = -a * x;
        q = -(b - p);
        double r = -q * -p;
        return r - -a;
    }

    /// <summary>
    /// double.IsNaN and its siblings as conditions: a negative datum's log is NaN (a missing feature, replaced by a·a),
    /// and k ∈ {-1, 0, 1} makes s = k·e^(1000k²) -infinity, 0 or +infinity; each test picks another branch.
    /// </summary>
    [Loss]
    public static double NonFiniteTests([Param] double a, [Param] double b, double x, int k)
    {
        double f = Math.Log(x);
        double g = double.IsNaN(f) ? a * a : a * f + b;
        double s = k * Math.Exp(1000.0 * k * k);
        if (double.IsFinite(s))
        {
            return g * g;
        }

        if (double.IsInfinity(s) && double.IsPositiveInfinity(s))
        {
            return g * b;
        }

        return double.IsNegativeInfinity(s) ? g - b : 0;
    }

    /// <summary>
    /// A branch on the data inside a loop that overwrites what it assigns: lanes take different sides in the same
    /// iteration, so the batched reverse sweep must restore the taped values side by side in the right order.
    /// </summary>
    [Loss]
    public static double VaryingBranchInLoop([Param] ReadOnlySpan<double> w, ReadOnlySpan<double> x, int pick)
    {
        double total = 0;
        double t = 0;
        for (int j = 0; j < 3; j++)
        {
            double s = w[j] * x[j];
            if (pick == j)
            {
                t = -s;
            }
            else
            {
                t = Math.Tanh(s);
            }

            total += t * t + t;
        }

        return total;
    }
}
