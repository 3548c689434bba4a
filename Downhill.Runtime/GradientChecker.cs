using System.Numerics;
using Downhill.Internal;

namespace Downhill;

/// <summary>
/// The state of one <see cref="GradientCheck.Run"/>: the inputs checked and copied, the seeded points and
/// directions, and the accumulated comparisons. Each mode's comparison is one method (GradientChecker.Modes.cs);
/// the differences they compare with come from one helper, <see cref="FiniteDifferences{T}"/>.
/// </summary>
/// <typeparam name="T">The loss's element type.</typeparam>
internal sealed partial class GradientChecker<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly ILossModel<T> model;
    private readonly LossSchema schema;
    private readonly GradientCheckOptions options;
    private readonly T[][] at;
    private readonly T[] hypers;
    private readonly Array[] data;
    private readonly int[] widths;
    private readonly int rows;
    private readonly DataBatch batch;
    private readonly double firstTol;
    private readonly double secondTol;
    private readonly double floor;
    private readonly Rng rng;
    private readonly List<Accumulator> accumulators = [];
    private readonly Dictionary<(GradientCheckMode, GradientCheckArgumentKind, string), Accumulator> byKey = [];
    private readonly FiniteDifferences<T> differences;

    public GradientChecker(ILossModel<T> model, T[][] at, T[] hypers, Array[] columns, GradientCheckOptions options)
    {
        this.model = model;
        schema = model.Schema;
        this.options = options;
        bool isFloat = typeof(T) == typeof(float);
        firstTol = options.FirstOrderTolerance ?? (isFloat ? GradientCheckOptions.FloatFirstOrderTolerance : GradientCheckOptions.DoubleFirstOrderTolerance);
        secondTol = options.SecondOrderTolerance ?? (isFloat ? GradientCheckOptions.FloatSecondOrderTolerance : GradientCheckOptions.DoubleSecondOrderTolerance);
        differences = new FiniteDifferences<T>(options.StepScale ?? (isFloat ? GradientCheckOptions.FloatStepScale : GradientCheckOptions.DoubleStepScale));
        floor = options.ScaleFloor ?? (isFloat ? GradientCheckOptions.FloatScaleFloor : GradientCheckOptions.DoubleScaleFloor);
        GradientCheckInputs.Validate(options);
        rng = new Rng(options.Seed);
        ArgumentChecks.Parameters(schema, at, nameof(at), "values");
        this.at = Clone(at);
        ArgumentChecks.Hypers(schema, hypers, nameof(hypers));
        this.hypers = (T[])hypers.Clone();

        if (columns.Length != schema.Data.Count)
        {
            throw new ArgumentException($"{schema.Name} has {schema.Data.Count} data column(s) but {columns.Length} were given.", nameof(columns));
        }

        data = new Array[columns.Length];
        widths = new int[columns.Length];
        rows = -1;
        for (int c = 0; c < columns.Length; c++)
        {
            var spec = schema.Data[c];
            int n;
            switch (columns[c])
            {
                case int[] ints when spec.IsInteger && !spec.IsRow:
                    data[c] = (int[])ints.Clone();
                    widths[c] = 1;
                    n = ints.Length;
                    break;
                case T[] reals when !spec.IsInteger && !spec.IsRow:
                    data[c] = (T[])reals.Clone();
                    widths[c] = 1;
                    GradientCheckInputs.Finite(reals, 1, spec.Name);
                    n = reals.Length;
                    break;
                case T[,] matrix when !spec.IsInteger && spec.IsRow:
                    n = matrix.GetLength(0);
                    widths[c] = matrix.GetLength(1);
                    var flat = new T[n * widths[c]];
                    for (int r = 0; r < n; r++)
                    {
                        for (int j = 0; j < widths[c]; j++)
                        {
                            flat[(r * widths[c]) + j] = matrix[r, j];
                        }
                    }

                    GradientCheckInputs.Finite(flat, widths[c], spec.Name);
                    data[c] = flat;
                    break;
                default:
                    string expected = spec.IsInteger ? "int[]" : spec.IsRow ? $"{typeof(T).Name}[,]" : $"{typeof(T).Name}[]";
                    throw new ArgumentException(
                        $"Data column '{spec.Name}' of {schema.Name} must be a {expected}, not {columns[c]?.GetType().Name ?? "null"}.", nameof(columns));
            }

            if (rows >= 0 && n != rows)
            {
                throw new ArgumentException($"Data column '{spec.Name}' has {n} rows but the columns before it have {rows}.", nameof(columns));
            }

            rows = n;
        }

        if (columns.Length == 0)
        {
            batch = DataBatch.Empty;
            rows = 1;
        }
        else
        {
            if (rows == 0)
            {
                throw new ArgumentException("The data has no rows.", nameof(columns));
            }

            batch = new DataBatch(data, widths, 0, rows);
        }

        GradientCheckInputs.ProbeRows(model, this.at, this.hypers, batch, rows);
    }

    public GradientCheckReport Run()
    {
        for (int point = 0; point <= options.Points; point++)
        {
            T[][] x = point == 0 ? at : Perturb(at);
            CheckPoint(point, x);
        }

        var entries = accumulators.Select(a => a.ToEntry()).ToList();
        return new GradientCheckReport(schema.Name, typeof(T), options.Points + 1, firstTol, secondTol, entries);
    }

    private void Record(GradientCheckMode mode, GradientCheckArgumentKind kind, string name, double tolerance, int point, int index, double generated, double reference, double scale, double noise, Func<bool>? kink = null)
    {
        double err = Error(generated, reference, floor * scale, noise);
        Get(mode, kind, name, tolerance).Offer(err, point, index, generated, reference, kink);
    }

    private Accumulator Get(GradientCheckMode mode, GradientCheckArgumentKind kind, string name, double tolerance)
    {
        if (!byKey.TryGetValue((mode, kind, name), out var acc))
        {
            acc = new Accumulator(mode, kind, name, tolerance);
            byKey.Add((mode, kind, name), acc);
            accumulators.Add(acc);
        }

        return acc;
    }

    private T[][] Perturb(T[][] x)
    {
        var y = new T[x.Length][];
        for (int p = 0; p < x.Length; p++)
        {
            y[p] = new T[x[p].Length];
            for (int j = 0; j < x[p].Length; j++)
            {
                double v = double.CreateChecked(x[p][j]);
                double u = (2 * rng.NextDouble()) - 1;
                y[p][j] = T.CreateChecked(v + (options.Perturbation * (Math.Abs(v) + 0.1) * u));
            }
        }

        return y;
    }

    private T[][] Direction(T[][] x)
    {
        var t = new T[x.Length][];
        for (int p = 0; p < x.Length; p++)
        {
            t[p] = new T[x[p].Length];
            for (int j = 0; j < x[p].Length; j++)
            {
                double k = (1 + rng.NextInt(8)) / 8.0;
                t[p][j] = T.CreateChecked(rng.NextDouble() < 0.5 ? -k : k);
            }
        }

        return t;
    }

    private T[]?[] DataZeros()
    {
        var result = new T[]?[data.Length];
        for (int c = 0; c < data.Length; c++)
        {
            if (data[c] is T[] column)
            {
                result[c] = new T[column.Length];
            }
        }

        return result;
    }

    private static T[][] Zeros(T[][] x) => [.. x.Select(p => new T[p.Length])];

    private static T[][] Clone(T[][] x) => [.. x.Select(p => (T[])p.Clone())];

    private static double[] ToDouble(T[] values) => [.. values.Select(double.CreateChecked)];

    private static double[] Flatten(T[][] x) => [.. x.SelectMany(p => p).Select(double.CreateChecked)];
}
