using Xunit.Abstractions;

namespace Downhill.Hypergradients.Tests;

/// <summary>
/// Hypergradients against central finite differences of the whole exact run (fourth-order stencil): the worst error
/// of each group relative to the group's largest derivative is under 1e-6. Steps on β are multiples of 2^-16 much
/// larger than it, so the rational n/d moves by exactly the step.
/// </summary>
public class FiniteDifferenceTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-6;

    public static TheoryData<string, int> Cases() => new()
    {
        { "quadratic", 0 },
        { "quadratic", 4 },
        { "logistic", 0 },
        { "logistic", 5 },
        { "logistic-no-validation", 4 },
        { "mlp", 0 },
        { "mlp", 5 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_hypergradient_matches_finite_differences_of_the_whole_run(string loss, int batchSize)
    {
        Problem problem = loss switch
        {
            "quadratic" => Problem.Quadratic(batchSize),
            "logistic" => Problem.Logistic(batchSize, withValidation: true),
            "logistic-no-validation" => Problem.Logistic(batchSize, withValidation: false),
            _ => Problem.Mlp(batchSize),
        };
        ReversedRun<double> h = problem.Run();
        int steps = problem.Alpha.GetLength(0);
        int parameters = problem.Init.Length;

        var alpha = new List<(double, double)>();
        var beta = new List<(double, double)>();
        for (int t = 0; t < steps; t++)
        {
            for (int p = 0; p < parameters; p++)
            {
                alpha.Add((h.LearningRates[t, p], Derivative(problem, (q, e) => q.Alpha[t, p] += e, 1e-2 * problem.Alpha[t, p])));
                beta.Add((h.Momenta[t, p], Derivative(problem, (q, e) => q.Beta[t, p] += e, Math.Pow(2, -8))));
            }
        }

        var init = new List<(double, double)>();
        var velocity = new List<(double, double)>();
        for (int p = 0; p < parameters; p++)
        {
            for (int i = 0; i < problem.Init[p].Length; i++)
            {
                init.Add((h.Init[p][i], Derivative(problem, (q, e) => q.Init[p][i] += e, 1e-3)));
                velocity.Add((h.InitVelocity[p][i], Derivative(problem, (q, e) => q.InitVelocity[p][i] += e, 1e-3)));
            }
        }

        var hypers = new List<(double, double)>();
        for (int k = 0; k < problem.Hypers.Length; k++)
        {
            hypers.Add((h.Hypers[k], Derivative(problem, (q, e) => q.Hypers[k] += e, 1e-3)));
        }

        var data = new List<(double, double)>();
        for (int c = 0; c < problem.Train.Length; c++)
        {
            if (h.TrainData[c] is not double[] grad)
            {
                continue;
            }

            // Every fifth element: rows from several batches and every column.
            for (int k = 0; k < grad.Length; k += 5)
            {
                data.Add((grad[k], Derivative(problem, (q, e) => Perturb(q.Train[c], k, e), 1e-3)));
            }
        }

        Check("α", alpha);
        Check("β", beta);
        Check("θ0", init);
        Check("v0", velocity);
        if (hypers.Count > 0)
        {
            Check("[Hyper]", hypers);
        }

        Check("data", data);
    }

    private void Check(string group, List<(double Exact, double Numeric)> pairs)
    {
        double scale = pairs.Max(p => Math.Abs(p.Numeric));
        double worst = pairs.Max(p => Math.Abs(p.Exact - p.Numeric)) / scale;
        output.WriteLine($"{group}: {pairs.Count} derivatives, largest {scale:G3}, worst relative error {worst:G3}");
        Assert.True(scale > 1e-8, $"{group}: every derivative is zero, the check would be empty.");
        Assert.True(worst < Tolerance, $"{group}: relative error {worst:G3} (largest derivative {scale:G3}).");
    }

    private static double Derivative(Problem problem, Action<Problem, double> perturb, double step)
    {
        double At(double e)
        {
            Problem q = problem.Copy();
            perturb(q, e);
            return q.Loss();
        }

        return ((8 * (At(step) - At(-step))) - (At(2 * step) - At(-2 * step))) / (12 * step);
    }

    private static void Perturb(Array column, int k, double e)
    {
        switch (column)
        {
            case double[] v:
                v[k] += e;
                break;
            case double[,] m:
                m[k / m.GetLength(1), k % m.GetLength(1)] += e;
                break;
            default:
                throw new ArgumentException("Only real columns are perturbed.", nameof(column));
        }
    }
}
