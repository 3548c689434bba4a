using System.Globalization;
using System.Text;

namespace Downhill;

/// <summary>What a line of a <see cref="GradientCheckReport"/> compares.</summary>
public enum GradientCheckMode
{
    /// <summary>The loss returned by every derivative method against <see cref="ILossModel{T}.SumLoss"/>.</summary>
    Value,

    /// <summary><see cref="ILossModel{T}.SumGradient"/> against finite differences of the loss, element by element.</summary>
    Gradient,

    /// <summary><see cref="ILossModel{T}.SumTangent"/> against finite differences of the loss along a random direction.</summary>
    Tangent,

    /// <summary><see cref="ILossModel{T}.SumHessianVector"/> against finite differences of the gradient along the tangent.</summary>
    HessianVector,

    /// <summary><see cref="ILossModel{T}.SumGradientFull"/> (parameters, hyperparameters, data) against finite differences of the loss.</summary>
    GradientFull,

    /// <summary><see cref="ILossModel{T}.SumHessianVectorFull"/> against finite differences of the full gradient along the tangent.</summary>
    HessianVectorFull,

    /// <summary>u·Hv against v·Hu for two random directions.</summary>
    Symmetry,
}

/// <summary>Which kind of loss argument a line of a <see cref="GradientCheckReport"/> is about.</summary>
public enum GradientCheckArgumentKind
{
    /// <summary>A [Param] argument.</summary>
    Param,

    /// <summary>A [Hyper] argument.</summary>
    Hyper,

    /// <summary>A real data argument.</summary>
    Data,

    /// <summary>A quantity of the whole parameter vector (the loss, a directional derivative, a symmetry product).</summary>
    All,
}

/// <summary>The worst disagreement found for one argument in one mode, over every checked point.</summary>
/// <param name="Mode">What was compared.</param>
/// <param name="Kind">The kind of argument.</param>
/// <param name="Argument">The argument's name, or a description for <see cref="GradientCheckArgumentKind.All"/>.</param>
/// <param name="WorstError">The largest error (see <see cref="GradientCheck"/> for the measure); +∞ when a value was not finite.</param>
/// <param name="Tolerance">The tolerance it is held to.</param>
/// <param name="Point">The point of the worst error: 0 is the given parameters, 1.. the perturbations.</param>
/// <param name="Index">The element of the worst error within the argument (flattened, row-major for data).</param>
/// <param name="Generated">The generated derivative there.</param>
/// <param name="Reference">The finite-difference (or other reference) value there.</param>
/// <param name="Compared">How many components were compared.</param>
public sealed record GradientCheckEntry(
    GradientCheckMode Mode,
    GradientCheckArgumentKind Kind,
    string Argument,
    double WorstError,
    double Tolerance,
    int Point,
    int Index,
    double Generated,
    double Reference,
    int Compared)
{
    /// <summary>True when the worst error is within the tolerance.</summary>
    public bool Passed => WorstError <= Tolerance;

    /// <summary>
    /// True when the line failed and every failing component probed lies where the loss has a kink within the
    /// difference stencil (its slopes on either side disagree: Abs at 0, Max/Min of near-equal arguments, Relu at 0,
    /// a branch), so finite differences, not the generated derivative, are what cannot be trusted there.
    /// </summary>
    public bool AtKink { get; init; }
}

/// <summary>
/// The result of <see cref="GradientCheck.Run{T}"/>: one <see cref="GradientCheckEntry"/> per mode and argument with
/// the worst error over every point, whether all are within tolerance, and a readable table (<see cref="ToString"/>).
/// </summary>
public sealed class GradientCheckReport
{
    /// <summary>Creates a report.</summary>
    /// <param name="lossName">The checked loss's <see cref="LossSchema.Name"/>.</param>
    /// <param name="elementType">The loss's element type.</param>
    /// <param name="points">How many points were checked (the given one included).</param>
    /// <param name="firstOrderTolerance">The first-order tolerance used.</param>
    /// <param name="secondOrderTolerance">The second-order tolerance used.</param>
    /// <param name="entries">The lines of the report.</param>
    public GradientCheckReport(string lossName, Type elementType, int points, double firstOrderTolerance, double secondOrderTolerance, IReadOnlyList<GradientCheckEntry> entries)
    {
        LossName = lossName;
        ElementType = elementType;
        Points = points;
        FirstOrderTolerance = firstOrderTolerance;
        SecondOrderTolerance = secondOrderTolerance;
        Entries = entries;
    }

    /// <summary>The checked loss's name.</summary>
    public string LossName { get; }

    /// <summary>The loss's element type, <see cref="double"/> or <see cref="float"/>.</summary>
    public Type ElementType { get; }

    /// <summary>How many points were checked, the given one included.</summary>
    public int Points { get; }

    /// <summary>The tolerance of first-order modes.</summary>
    public double FirstOrderTolerance { get; }

    /// <summary>The tolerance of second-order modes.</summary>
    public double SecondOrderTolerance { get; }

    /// <summary>One line per mode and argument, in the order checked.</summary>
    public IReadOnlyList<GradientCheckEntry> Entries { get; }

    /// <summary>True when every line is within its tolerance.</summary>
    public bool Passed => Entries.All(e => e.Passed);

    /// <summary>The lines that are not within their tolerance.</summary>
    public IEnumerable<GradientCheckEntry> Failures => Entries.Where(e => !e.Passed);

    /// <summary>The largest error of a mode (over every argument), or 0 when the mode was not checked.</summary>
    public double WorstError(GradientCheckMode mode) =>
        Entries.Where(e => e.Mode == mode).Select(e => e.WorstError).DefaultIfEmpty(0).Max();

    /// <summary>The line of a mode and argument, or null when there is none.</summary>
    public GradientCheckEntry? Find(GradientCheckMode mode, string argument) =>
        Entries.FirstOrDefault(e => e.Mode == mode && e.Argument == argument);

    /// <summary>Throws a <see cref="GradientCheckException"/> holding this report unless <see cref="Passed"/>.</summary>
    /// <returns>This report, for chaining.</returns>
    public GradientCheckReport EnsurePassed()
    {
        if (!Passed)
        {
            throw new GradientCheckException(this);
        }

        return this;
    }

    /// <summary>A table of every line: mode, argument, worst error, tolerance, where, the two values, and a verdict.</summary>
    public override string ToString()
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append(c, $"Gradient check of {LossName} ({ElementType.Name}, {Points} point{(Points == 1 ? "" : "s")}, ");
        sb.Append(c, $"tolerance {FirstOrderTolerance:G3} first order, {SecondOrderTolerance:G3} second order): ");
        sb.AppendLine(Passed ? "PASSED" : $"FAILED ({Failures.Count()} of {Entries.Count})");

        string[] header = ["mode", "kind", "argument", "worst error", "tolerance", "at", "generated", "reference", "n", ""];
        var rows = new List<string[]> { header };
        foreach (var e in Entries)
        {
            rows.Add(
            [
                e.Mode.ToString(),
                e.Kind.ToString().ToLowerInvariant(),
                e.Argument,
                e.WorstError.ToString("E2", c),
                e.Tolerance.ToString("G3", c),
                e.Kind == GradientCheckArgumentKind.All ? $"point {e.Point}" : $"point {e.Point} [{e.Index}]",
                e.Generated.ToString("G10", c),
                e.Reference.ToString("G10", c),
                e.Compared.ToString(c),
                e.Passed ? "ok" : e.AtKink ? "FAIL (kink)" : "FAIL",
            ]);
        }

        int[] widths = new int[header.Length];
        foreach (var row in rows)
        {
            for (int i = 0; i < row.Length; i++)
            {
                widths[i] = Math.Max(widths[i], row[i].Length);
            }
        }

        foreach (var row in rows)
        {
            for (int i = 0; i < row.Length; i++)
            {
                bool numeric = i is 3 or 4 or 6 or 7 or 8;
                string cell = numeric ? row[i].PadLeft(widths[i]) : row[i].PadRight(widths[i]);
                sb.Append(cell);
                if (i < row.Length - 1)
                {
                    sb.Append("  ");
                }
            }

            sb.Length = sb.ToString().TrimEnd().Length;
            sb.AppendLine();
        }

        if (Failures.Any(e => e.AtKink))
        {
            sb.AppendLine("FAIL (kink): the loss has a kink here (Abs at 0, Max or Min of near-equal arguments, Relu at 0, or a branch):");
            sb.AppendLine("its one-sided finite differences disagree, so differences cannot check the derivative at this point. Check at points away from kinks.");
        }

        return sb.ToString();
    }
}

/// <summary>Thrown by <see cref="GradientCheckReport.EnsurePassed"/>: a loss's generated derivatives disagree with finite differences.</summary>
public sealed class GradientCheckException : Exception
{
    /// <summary>Creates the exception for a failed report; the message is the report's table.</summary>
    public GradientCheckException(GradientCheckReport report)
        : base("The generated derivatives disagree with finite differences." + Environment.NewLine + report)
    {
        Report = report;
    }

    /// <summary>The failed report.</summary>
    public GradientCheckReport Report { get; }
}
