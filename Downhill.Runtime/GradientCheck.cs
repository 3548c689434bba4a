using System.Numerics;
using Downhill.Internal;

namespace Downhill;

/// <summary>
/// Checks a loss's generated derivatives against finite differences of its own values: the user-facing proof that
/// a loss is differentiated correctly (every generated descriptor's <c>Check</c> calls it).
/// </summary>
/// <remarks>
/// <para>
/// At the given parameters and at <see cref="GradientCheckOptions.Points"/> seeded random perturbations of them, it
/// compares, summed over every row of the data: the loss returned by each derivative method with
/// <see cref="ILossModel{T}.SumLoss"/>; <see cref="ILossModel{T}.SumGradient"/> with differences of the loss element
/// by element; <see cref="ILossModel{T}.SumTangent"/> with differences of the loss along a random direction;
/// <see cref="ILossModel{T}.SumHessianVector"/> with differences of the gradient along that direction;
/// <see cref="ILossModel{T}.SumGradientFull"/> for parameters, hyperparameters and every real data element with
/// differences of the loss; <see cref="ILossModel{T}.SumHessianVectorFull"/> with differences of the full gradient
/// along the direction; and u·Hv with v·Hu for two random directions.
/// </para>
/// <para>
/// Differences: an element x is stepped by h, the power of two nearest to
/// <see cref="GradientCheckOptions.StepScale"/> · max(|x|, 0.1) (powers of two keep x ± h exact in float), and the
/// derivative is the Richardson extrapolation (16·D(h/2) − D(h)) / 15 of the five-point central difference
/// D(h) = (f(x−2h) − 8f(x−h) + 8f(x+h) − f(x+2h)) / 12h, whose error is O(h⁶); a direction t is stepped the same way
/// with h taken from the largest |x|, and t's elements are ±k/8, k = 1..8, so that x + h·t stays exact too.
/// In double this reaches about 1e-11 relative on smooth functions.
/// </para>
/// <para>
/// Error measure: a generated component a and its reference b disagree by max(0, |a − b| − N) / max(|a|, |b|, F · S).
/// N is the rounding noise of the difference, 8ε · max|f| · 3.3 / h (ε the machine epsilon of the loss's type,
/// max|f| the largest magnitude among the six differenced values, 3.3/h the sum of the stencil's weights): in double
/// it is negligible, in float it keeps differences of a large loss from failing on a tiny gradient component. S is
/// the largest |a| or |b| over every component compared in the same mode at the same point (for a directional
/// derivative, Σ|∂ᵢf·tᵢ|; for symmetry, Σ|uᵢ(Hv)ᵢ|) and F is <see cref="GradientCheckOptions.ScaleFloor"/>
/// (1e-5 in double, 1e-3 in float). So components of the size of the gradient are compared relatively, and
/// components tiny next to it are compared absolutely against F · S: two components both below F · S · tolerance / 2
/// always agree. A non-finite value on either side is an error of +∞.
/// </para>
/// <para>
/// Tolerances: first order 1e-6 (double) or 2e-3 (float); second order 1e-5 (double) or 2e-2 (float).
/// Near a kink (Abs at 0, a branch, Max of near-equal arguments) finite differences are meaningless: every failing
/// component is probed for one (see <see cref="GradientCheckEntry.AtKink"/>), and the report says so; check at
/// points away from kinks.
/// </para>
/// </remarks>
public static class GradientCheck
{
    /// <summary>Checks a loss's derivatives at <paramref name="at"/> and at random perturbations of it.</summary>
    /// <typeparam name="T">The loss's element type.</typeparam>
    /// <param name="model">The loss (a generated descriptor's <c>Instance</c>).</param>
    /// <param name="at">The parameters, one array per <see cref="LossSchema.Params"/> entry (one element for a scalar).</param>
    /// <param name="hypers">The hyperparameters in <see cref="LossSchema.Hypers"/> order (empty when there are none).</param>
    /// <param name="columns">
    /// The data, one array per <see cref="LossSchema.Data"/> entry: <c>T[]</c> for a scalar column, <c>int[]</c> for an
    /// integer column, <c>T[,]</c> for a span column (one row per example, the span's width as second dimension).
    /// Empty for a loss without data. Not modified.
    /// </param>
    /// <param name="options">Points, seed, steps and tolerances; null for the defaults.</param>
    /// <returns>The report; call <see cref="GradientCheckReport.EnsurePassed"/> to throw when it failed.</returns>
    /// <exception cref="ArgumentException">The parameters, hyperparameters or data do not match the loss's schema.</exception>
    public static GradientCheckReport Run<T>(ILossModel<T> model, T[][] at, T[] hypers, Array[] columns, GradientCheckOptions? options = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(at);
        hypers ??= [];
        columns ??= [];
        return new Checker<T>(model, at, hypers, columns, options ?? new GradientCheckOptions()).Run();
    }

    private sealed class Checker<T>
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
        private readonly double stepScale;
        private readonly double floor;
        private readonly Rng rng;
        private readonly List<Accumulator> accumulators = [];
        private readonly Dictionary<(GradientCheckMode, GradientCheckArgumentKind, string), Accumulator> byKey = [];

        public Checker(ILossModel<T> model, T[][] at, T[] hypers, Array[] columns, GradientCheckOptions options)
        {
            this.model = model;
            schema = model.Schema;
            this.options = options;
            bool isFloat = typeof(T) == typeof(float);
            firstTol = options.FirstOrderTolerance ?? (isFloat ? GradientCheckOptions.FloatFirstOrderTolerance : GradientCheckOptions.DoubleFirstOrderTolerance);
            secondTol = options.SecondOrderTolerance ?? (isFloat ? GradientCheckOptions.FloatSecondOrderTolerance : GradientCheckOptions.DoubleSecondOrderTolerance);
            stepScale = options.StepScale ?? (isFloat ? GradientCheckOptions.FloatStepScale : GradientCheckOptions.DoubleStepScale);
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

        private void CheckPoint(int point, T[][] x)
        {
            double loss = model.SumLoss(x, hypers, batch, 0, rows);

            // First order: the gradient, element by element, against differences of the loss.
            var g = Zeros(x);
            double gLoss = model.SumGradient(x, hypers, batch, 0, rows, g);
            var fdParams = new double[x.Length][];
            var noiseParams = new double[x.Length][];
            for (int p = 0; p < x.Length; p++)
            {
                fdParams[p] = new double[x[p].Length];
                noiseParams[p] = new double[x[p].Length];
                for (int j = 0; j < x[p].Length; j++)
                {
                    T saved = x[p][j];
                    var param = x[p];
                    int jj = j;
                    (fdParams[p][j], noiseParams[p][j]) = Derivative(double.CreateChecked(saved), s =>
                    {
                        param[jj] = saved + T.CreateChecked(s);
                        double v = model.SumLoss(x, hypers, batch, 0, rows);
                        param[jj] = saved;
                        return v;
                    });
                }
            }

            var group = new Group(this, GradientCheckMode.Gradient, firstTol, point);
            for (int p = 0; p < x.Length; p++)
            {
                int pp = p;
                group.Add(GradientCheckArgumentKind.Param, schema.Params[p].Name, ToDouble(g[p]), fdParams[p], noiseParams[p], j => KinkAt(x[pp], j, () => model.SumLoss(x, hypers, batch, 0, rows)));
            }

            group.Commit();

            // The full gradient: parameters, hyperparameters and real data elements.
            var gf = Zeros(x);
            var gh = new T[hypers.Length];
            var gd = DataZeros();
            double gfLoss = model.SumGradientFull(x, hypers, batch, 0, rows, gf, gh, gd);
            var fdHypers = new double[hypers.Length];
            var noiseHypers = new double[hypers.Length];
            for (int k = 0; k < hypers.Length; k++)
            {
                T saved = hypers[k];
                int kk = k;
                (fdHypers[k], noiseHypers[k]) = Derivative(double.CreateChecked(saved), s =>
                {
                    hypers[kk] = saved + T.CreateChecked(s);
                    double v = model.SumLoss(x, hypers, batch, 0, rows);
                    hypers[kk] = saved;
                    return v;
                });
            }

            var fdData = new double[data.Length][];
            var noiseData = new double[data.Length][];
            if (options.CheckData)
            {
                for (int c = 0; c < data.Length; c++)
                {
                    if (data[c] is not T[] column)
                    {
                        continue;
                    }

                    fdData[c] = new double[column.Length];
                    noiseData[c] = new double[column.Length];
                    for (int e = 0; e < column.Length; e++)
                    {
                        // Rows are independent: only the element's own row changes.
                        int row = e / widths[c];
                        T saved = column[e];
                        int ee = e;
                        (fdData[c][e], noiseData[c][e]) = Derivative(double.CreateChecked(saved), s =>
                        {
                            column[ee] = saved + T.CreateChecked(s);
                            double v = model.SumLoss(x, hypers, batch, row, row + 1);
                            column[ee] = saved;
                            return v;
                        });
                    }
                }
            }

            group = new Group(this, GradientCheckMode.GradientFull, firstTol, point);
            for (int p = 0; p < x.Length; p++)
            {
                int pp = p;
                group.Add(GradientCheckArgumentKind.Param, schema.Params[p].Name, ToDouble(gf[p]), fdParams[p], noiseParams[p], j => KinkAt(x[pp], j, () => model.SumLoss(x, hypers, batch, 0, rows)));
            }

            for (int k = 0; k < hypers.Length; k++)
            {
                int kk = k;
                group.Add(GradientCheckArgumentKind.Hyper, schema.Hypers[k], [double.CreateChecked(gh[k])], [fdHypers[k]], [noiseHypers[k]], _ => KinkAt(hypers, kk, () => model.SumLoss(x, hypers, batch, 0, rows)));
            }

            for (int c = 0; c < data.Length; c++)
            {
                if (fdData[c] is { } fd && gd[c] is { } generated && data[c] is T[] column)
                {
                    int width = widths[c];
                    group.Add(GradientCheckArgumentKind.Data, schema.Data[c].Name, ToDouble(generated), fd, noiseData[c], e => KinkAt(column, e, () => model.SumLoss(x, hypers, batch, e / width, (e / width) + 1)));
                }
            }

            group.Commit();

            // Forward mode along a random direction.
            var t = Direction(x);
            var (tLoss, tangent) = model.SumTangent(x, hypers, batch, 0, rows, t);
            var fdTangent = DirectionalDerivative(x, t, y => [model.SumLoss(y, hypers, batch, 0, rows)]);
            double tangentScale = 0;
            for (int p = 0; p < x.Length; p++)
            {
                for (int j = 0; j < x[p].Length; j++)
                {
                    tangentScale += Math.Abs(fdParams[p][j] * double.CreateChecked(t[p][j]));
                }
            }

            Record(GradientCheckMode.Tangent, GradientCheckArgumentKind.All, "along t", firstTol, point, 0, tangent, fdTangent.Value[0], tangentScale, fdTangent.Noise[0],
                () => KinkAlong(x, t, y => [model.SumLoss(y, hypers, batch, 0, rows)], 0));

            double hvLoss = loss;
            double hvfLoss = loss;
            if (options.CheckSecondOrder)
            {
                // Hessian-vector product against differences of the gradient along t.
                var hv = Zeros(x);
                hvLoss = model.SumHessianVector(x, hypers, batch, 0, rows, t, hv);
                Func<T[][], double[]> gradientAt = y =>
                {
                    var gy = Zeros(y);
                    model.SumGradient(y, hypers, batch, 0, rows, gy);
                    return Flatten(gy);
                };
                var fdHv = DirectionalDerivative(x, t, gradientAt);
                group = new Group(this, GradientCheckMode.HessianVector, secondTol, point);
                int offset = 0;
                for (int p = 0; p < x.Length; p++)
                {
                    int first = offset;
                    group.Add(GradientCheckArgumentKind.Param, schema.Params[p].Name, ToDouble(hv[p]), fdHv.Slice(offset, x[p].Length), fdHv.NoiseSlice(offset, x[p].Length), j => KinkAlong(x, t, gradientAt, first + j));
                    offset += x[p].Length;
                }

                group.Commit();

                // Full Hessian-vector product against differences of the full gradient along t.
                var hp = Zeros(x);
                var hh = new T[hypers.Length];
                var hd = DataZeros();
                hvfLoss = model.SumHessianVectorFull(x, hypers, batch, 0, rows, t, hp, hh, hd);
                Func<T[][], double[]> fullGradientAt = y =>
                {
                    var gy = Zeros(y);
                    var ghy = new T[hypers.Length];
                    var gdy = DataZeros();
                    model.SumGradientFull(y, hypers, batch, 0, rows, gy, ghy, gdy);
                    var all = new List<double>(Flatten(gy));
                    all.AddRange(ghy.Select(double.CreateChecked));
                    foreach (var col in gdy)
                    {
                        if (col is not null)
                        {
                            all.AddRange(col.Select(double.CreateChecked));
                        }
                    }

                    return [.. all];
                };
                var fdFull = DirectionalDerivative(x, t, fullGradientAt);
                group = new Group(this, GradientCheckMode.HessianVectorFull, secondTol, point);
                offset = 0;
                for (int p = 0; p < x.Length; p++)
                {
                    int first = offset;
                    group.Add(GradientCheckArgumentKind.Param, schema.Params[p].Name, ToDouble(hp[p]), fdFull.Slice(offset, x[p].Length), fdFull.NoiseSlice(offset, x[p].Length), j => KinkAlong(x, t, fullGradientAt, first + j));
                    offset += x[p].Length;
                }

                for (int k = 0; k < hypers.Length; k++)
                {
                    int first = offset;
                    group.Add(GradientCheckArgumentKind.Hyper, schema.Hypers[k], [double.CreateChecked(hh[k])], fdFull.Slice(offset, 1), fdFull.NoiseSlice(offset, 1), _ => KinkAlong(x, t, fullGradientAt, first));
                    offset++;
                }

                for (int c = 0; c < data.Length; c++)
                {
                    if (hd[c] is { } generated)
                    {
                        if (options.CheckData)
                        {
                            int first = offset;
                            group.Add(GradientCheckArgumentKind.Data, schema.Data[c].Name, ToDouble(generated), fdFull.Slice(offset, generated.Length), fdFull.NoiseSlice(offset, generated.Length), e => KinkAlong(x, t, fullGradientAt, first + e));
                        }

                        offset += generated.Length;
                    }
                }

                group.Commit();

                // Symmetry of the Hessian: u·Hv = v·Hu.
                var u = Direction(x);
                var v = Direction(x);
                var hu = Zeros(x);
                var hvv = Zeros(x);
                model.SumHessianVector(x, hypers, batch, 0, rows, u, hu);
                model.SumHessianVector(x, hypers, batch, 0, rows, v, hvv);
                double uHv = 0, vHu = 0, symScale = 0;
                for (int p = 0; p < x.Length; p++)
                {
                    for (int j = 0; j < x[p].Length; j++)
                    {
                        double a = double.CreateChecked(u[p][j]) * double.CreateChecked(hvv[p][j]);
                        double b = double.CreateChecked(v[p][j]) * double.CreateChecked(hu[p][j]);
                        uHv += a;
                        vHu += b;
                        symScale += Math.Max(Math.Abs(a), Math.Abs(b));
                    }
                }

                Record(GradientCheckMode.Symmetry, GradientCheckArgumentKind.All, "u·Hv vs v·Hu", secondTol, point, 0, uHv, vHu, symScale, 0);
            }

            // Every method returns the loss itself.
            double worst = 0;
            double worstValue = loss;
            double[] returned = [gLoss, gfLoss, tLoss, hvLoss, hvfLoss];
            foreach (double other in returned)
            {
                double err = Error(other, loss, 0, 0);
                if (!(err <= worst))
                {
                    worst = err;
                    worstValue = other;
                }
            }

            Record(GradientCheckMode.Value, GradientCheckArgumentKind.All, "loss", firstTol, point, 0, worstValue, loss, 0, 0);
        }

        private static double Error(double generated, double reference, double scaleFloor, double noise)
        {
            if (!double.IsFinite(generated) || !double.IsFinite(reference))
            {
                return double.PositiveInfinity;
            }

            double diff = Math.Abs(generated - reference) - noise;
            if (diff <= 0)
            {
                return 0;
            }

            return diff / Math.Max(Math.Max(Math.Abs(generated), Math.Abs(reference)), scaleFloor);
        }

        private void Record(GradientCheckMode mode, GradientCheckArgumentKind kind, string name, double tolerance, int point, int index, double generated, double reference, double scale, double noise, Func<bool>? kink = null)
        {
            double err = Error(generated, reference, floor * scale, noise);
            Get(mode, kind, name, tolerance).Offer(err, point, index, generated, reference, kink);
        }

        /// <summary>Whether the loss has a kink within the difference stencil of element <paramref name="j"/> of <paramref name="values"/>.</summary>
        private bool KinkAt(T[] values, int j, Func<double> evaluate)
        {
            T saved = values[j];
            double h = PowerOfTwo(stepScale * Math.Max(Math.Abs(double.CreateChecked(saved)), 0.1));
            return GradientCheckKinks.Straddles(
                s =>
                {
                    values[j] = saved + T.CreateChecked(s);
                    try
                    {
                        return [evaluate()];
                    }
                    finally
                    {
                        values[j] = saved;
                    }
                },
                h,
                0,
                Epsilon);
        }

        /// <summary>Whether component <paramref name="component"/> of <paramref name="f"/> has a kink within the stencil along <paramref name="t"/>.</summary>
        private bool KinkAlong(T[][] x, T[][] t, Func<T[][], double[]> f, int component)
        {
            double h = DirectionalStep(x);
            return GradientCheckKinks.Straddles(s => f(Shifted(x, t, s)), h, component, Epsilon);
        }

        private double DirectionalStep(T[][] x)
        {
            double largest = 0;
            foreach (var p in x)
            {
                foreach (var e in p)
                {
                    largest = Math.Max(largest, Math.Abs(double.CreateChecked(e)));
                }
            }

            return PowerOfTwo(stepScale * Math.Max(largest, 0.1));
        }

        private static T[][] Shifted(T[][] x, T[][] t, double s)
        {
            var y = new T[x.Length][];
            for (int p = 0; p < x.Length; p++)
            {
                y[p] = new T[x[p].Length];
                for (int j = 0; j < x[p].Length; j++)
                {
                    y[p][j] = x[p][j] + (T.CreateChecked(s) * t[p][j]);
                }
            }

            return y;
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

        private (double Value, double Noise) Derivative(double x0, Func<double, double> f)
        {
            double h = PowerOfTwo(stepScale * Math.Max(Math.Abs(x0), 0.1));
            var d = Combine(h, s => [f(s)]);
            return (d.Value[0], d.Noise[0]);
        }

        private Differences DirectionalDerivative(T[][] x, T[][] t, Func<T[][], double[]> f) =>
            Combine(DirectionalStep(x), s => f(Shifted(x, t, s)));

        /// <summary>
        /// (16·D(h/2) − D(h)) / 15 with D the five-point central difference, and its rounding noise: the stencil's
        /// weights sum to 3.3/h in magnitude, and each value carries a rounding error of a few ε·|f|.
        /// </summary>
        private static Differences Combine(double h, Func<double, double[]> f)
        {
            double[] m2 = f(-2 * h), m1 = f(-h), mh = f(-h / 2), ph = f(h / 2), p1 = f(h), p2 = f(2 * h);
            var result = new double[m2.Length];
            var noise = new double[m2.Length];
            for (int i = 0; i < result.Length; i++)
            {
                double full = (m2[i] - (8 * m1[i]) + (8 * p1[i]) - p2[i]) / (12 * h);
                double half = (m1[i] - (8 * mh[i]) + (8 * ph[i]) - p1[i]) / (6 * h);
                result[i] = ((16 * half) - full) / 15;
                double magnitude = Math.Max(Math.Max(Math.Max(Math.Abs(m2[i]), Math.Abs(m1[i])), Math.Max(Math.Abs(mh[i]), Math.Abs(ph[i]))), Math.Max(Math.Abs(p1[i]), Math.Abs(p2[i])));
                noise[i] = NoiseUlps * Epsilon * magnitude * 3.3 / h;
            }

            return new Differences(result, noise);
        }

        /// <summary>How many rounding errors of a value the noise estimate allows for.</summary>
        private const double NoiseUlps = 8;

        /// <summary>The machine epsilon of <typeparamref name="T"/>.</summary>
        private static readonly double Epsilon = double.CreateChecked(T.BitIncrement(T.One) - T.One);

        /// <summary>Finite differences of a vector function and the rounding noise of each.</summary>
        private readonly record struct Differences(double[] Value, double[] Noise)
        {
            public double[] Slice(int offset, int length) => Value.AsSpan(offset, length).ToArray();

            public double[] NoiseSlice(int offset, int length) => Noise.AsSpan(offset, length).ToArray();
        }

        private static double PowerOfTwo(double v) => Math.Pow(2, Math.Round(Math.Log2(v)));

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

        /// <summary>The components of one mode at one point, so that their common scale is known before errors are measured.</summary>
        private sealed class Group(Checker<T> owner, GradientCheckMode mode, double tolerance, int point)
        {
            private readonly List<(GradientCheckArgumentKind Kind, string Name, double[] Generated, double[] Reference, double[] Noise, Func<int, bool> Kink)> items = [];

            public void Add(GradientCheckArgumentKind kind, string name, double[] generated, double[] reference, double[] noise, Func<int, bool> kink) =>
                items.Add((kind, name, generated, reference, noise, kink));

            public void Commit()
            {
                double scale = 0;
                foreach (var item in items)
                {
                    for (int i = 0; i < item.Generated.Length; i++)
                    {
                        scale = Math.Max(scale, Math.Max(Abs(item.Generated[i]), Abs(item.Reference[i])));
                    }
                }

                foreach (var item in items)
                {
                    var acc = owner.Get(mode, item.Kind, item.Name, tolerance);
                    for (int i = 0; i < item.Generated.Length; i++)
                    {
                        double err = Error(item.Generated[i], item.Reference[i], owner.floor * scale, item.Noise[i]);
                        int component = i;
                        acc.Offer(err, point, i, item.Generated[i], item.Reference[i], () => item.Kink(component));
                    }
                }
            }

            private static double Abs(double v) => double.IsFinite(v) ? Math.Abs(v) : 0;
        }

        private sealed class Accumulator(GradientCheckMode mode, GradientCheckArgumentKind kind, string name, double tolerance)
        {
            private double worst = -1;
            private int point;
            private int index;
            private double generated;
            private double reference;
            private int compared;
            private int failed;
            private int probed;
            private bool allFailuresAtKinks = true;

            /// <summary>Records a comparison; a failing one is probed for a kink (up to <see cref="MaxKinkProbes"/>, until one is not at a kink).</summary>
            public void Offer(double err, int atPoint, int atIndex, double gen, double refValue, Func<bool>? kink)
            {
                compared++;
                if (!(err <= tolerance))
                {
                    failed++;
                    if (kink is null)
                    {
                        allFailuresAtKinks = false;
                    }
                    else if (allFailuresAtKinks && probed < MaxKinkProbes)
                    {
                        probed++;
                        allFailuresAtKinks = kink();
                    }
                }

                if (err > worst || double.IsNaN(err))
                {
                    worst = double.IsNaN(err) ? double.PositiveInfinity : err;
                    point = atPoint;
                    index = atIndex;
                    generated = gen;
                    reference = refValue;
                }
            }

            /// <summary>Failing components probed for kinks at most (each probe evaluates the loss nine times).</summary>
            private const int MaxKinkProbes = 64;

            public GradientCheckEntry ToEntry() =>
                new(mode, kind, name, Math.Max(worst, 0), tolerance, point, index, generated, reference, compared)
                {
                    AtKink = failed > 0 && allFailuresAtKinks,
                };
        }
    }
}
