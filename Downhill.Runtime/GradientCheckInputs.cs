using System.Numerics;

namespace Downhill;

/// <summary>
/// The input checks of <see cref="GradientCheck.Run{T}"/>, the same as training makes: options in range, every
/// parameter present (a vector with at least one element), every hyperparameter given and finite, data finite, and
/// rows wide enough for what the loss reads; each refused by name before any derivative is compared.
/// </summary>
internal static class GradientCheckInputs
{
    /// <summary>Throws if an option is out of its range; <c>ParamName</c> names the option.</summary>
    public static void Validate(GradientCheckOptions options)
    {
        Check(options.Points >= 0, options.Points, nameof(options.Points), "must be 0 or more");
        Check(double.IsFinite(options.Perturbation) && options.Perturbation >= 0, options.Perturbation, nameof(options.Perturbation), "must be a finite number >= 0");
        Optional(options.FirstOrderTolerance, nameof(options.FirstOrderTolerance), v => v >= 0, "must be a finite number >= 0 when set");
        Optional(options.SecondOrderTolerance, nameof(options.SecondOrderTolerance), v => v >= 0, "must be a finite number >= 0 when set");
        Optional(options.StepScale, nameof(options.StepScale), v => v > 0 && v < 1, "must be a finite number in (0, 1) when set");
        Optional(options.ScaleFloor, nameof(options.ScaleFloor), v => v >= 0, "must be a finite number >= 0 when set");
    }

    /// <summary>Throws if a real column holds NaN or an infinity, naming the column, the row and the element.</summary>
    public static void Finite<T>(T[] flat, int width, string column)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int bad = Array.FindIndex(flat, x => !T.IsFinite(x));
        if (bad >= 0)
        {
            string what = T.IsNaN(flat[bad]) ? "NaN" : "an infinity";
            string element = width > 1 ? $", element {bad % width}" : string.Empty;
            throw new ArgumentException($"Data column '{column}' holds {what} at row {bad / width}{element}; finite differences of a non-finite loss check nothing.", "columns");
        }
    }

    /// <summary>Evaluates the loss on every row once, so that a row narrower than the loss reads fails by column and width.</summary>
    public static void ProbeRows<T>(ILossModel<T> model, T[][] at, T[] hypers, DataBatch batch, int rows)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        try
        {
            model.SumLoss(at, hypers, batch, 0, rows);
        }
        catch (IndexOutOfRangeException e)
        {
            throw RowWidthCheck.Explain(model, at, hypers, batch, "data", static row => row, e);
        }
    }

    private static void Optional(double? value, string name, Func<double, bool> ok, string rule)
    {
        if (value is double v)
        {
            Check(double.IsFinite(v) && ok(v), v, name, rule);
        }
    }

    private static void Check(bool ok, object value, string name, string rule)
    {
        if (!ok)
        {
            throw new ArgumentOutOfRangeException(name, value, $"GradientCheckOptions.{name} {rule}; got {value}.");
        }
    }
}
