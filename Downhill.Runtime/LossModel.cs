using System.Numerics;

namespace Downhill;

/// <summary>A trained argument of a loss: a scalar or a vector (a matrix is a vector indexed <c>w[i * cols + j]</c>).</summary>
/// <param name="Name">The argument's name in the loss.</param>
/// <param name="IsVector">True for a <c>ReadOnlySpan</c> argument, false for a scalar (stored as one element).</param>
public sealed record ParamSpec(string Name, bool IsVector);

/// <summary>A data argument of a loss: one column of the data set.</summary>
/// <param name="Name">The argument's name in the loss.</param>
/// <param name="IsRow">True for a <c>ReadOnlySpan</c> row (a 2-D column), false for a scalar per example.</param>
/// <param name="IsInteger">True for <c>int</c> data (labels, indices), never differentiated.</param>
public sealed record DataSpec(string Name, bool IsRow, bool IsInteger);

/// <summary>A monitor of a loss, reported by name.</summary>
/// <param name="Name">The name it is reported under.</param>
/// <param name="ParamsOnly">True when it is a function of the parameters alone.</param>
public sealed record MonitorSpec(string Name, bool ParamsOnly);

/// <summary>What the runtime needs to know of a generated loss: its arguments, in the loss's own order by kind.</summary>
/// <param name="Name">The loss's name, <c>Type.Method</c>.</param>
/// <param name="ElementType"><see cref="double"/> or <see cref="float"/>.</param>
/// <param name="Params">The trained arguments, in declaration order.</param>
/// <param name="Hypers">The names of the <see cref="HyperAttribute"/> arguments, in declaration order.</param>
/// <param name="Data">The data arguments, in declaration order.</param>
/// <param name="Monitors">The monitors declared for the loss.</param>
public sealed record LossSchema(
    string Name,
    Type ElementType,
    IReadOnlyList<ParamSpec> Params,
    IReadOnlyList<string> Hypers,
    IReadOnlyList<DataSpec> Data,
    IReadOnlyList<MonitorSpec> Monitors);

/// <summary>
/// A batch of examples as the generated code reads it: one array per data argument of the loss
/// (<c>T[]</c> for real columns, <c>int[]</c> for integer ones), each holding rows of <c>Widths[i]</c>
/// elements (1 for scalar columns) in row-major order. Rows <c>Offset .. Offset + Rows</c> belong to the batch.
/// </summary>
public readonly struct DataBatch
{
    /// <summary>Creates a batch view over column arrays.</summary>
    public DataBatch(Array[] columns, int[] widths, int offset, int rows)
    {
        Columns = columns;
        Widths = widths;
        Offset = offset;
        Rows = rows;
    }

    /// <summary>One array per data argument, in the loss's order.</summary>
    public Array[] Columns { get; }

    /// <summary>Elements per row of each column.</summary>
    public int[] Widths { get; }

    /// <summary>The index of the batch's first row in the column arrays.</summary>
    public int Offset { get; }

    /// <summary>The number of rows (examples) in the batch.</summary>
    public int Rows { get; }

    /// <summary>A batch of one row and no columns, for losses without data arguments.</summary>
    public static DataBatch Empty { get; } = new([], [], 0, 1);
}

/// <summary>
/// A generated loss seen by the runtime. Every method sums the per-example value over the rows
/// <c>[start, end)</c> of a batch (relative to its <see cref="DataBatch.Offset"/>) and ADDS derivative
/// sums to the output arrays, so that callers can split a batch across threads and reduce in a fixed order.
/// Parameters, gradients, tangents and products are one array per <see cref="LossSchema.Params"/> entry
/// (a scalar is one element).
/// </summary>
/// <typeparam name="T">The loss's element type, <see cref="double"/> or <see cref="float"/>.</typeparam>
public interface ILossModel<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The loss's arguments.</summary>
    LossSchema Schema { get; }

    /// <summary>The summed loss.</summary>
    double SumLoss(T[][] parameters, T[] hypers, in DataBatch batch, int start, int end);

    /// <summary>The summed loss; adds the summed gradient to <paramref name="gradient"/>.</summary>
    double SumGradient(T[][] parameters, T[] hypers, in DataBatch batch, int start, int end, T[][] gradient);

    /// <summary>The summed loss and its directional derivative along <paramref name="tangent"/>.</summary>
    (double Loss, double Tangent) SumTangent(T[][] parameters, T[] hypers, in DataBatch batch, int start, int end, T[][] tangent);

    /// <summary>The summed loss; adds the summed Hessian-vector product H·tangent to <paramref name="product"/>.</summary>
    double SumHessianVector(T[][] parameters, T[] hypers, in DataBatch batch, int start, int end, T[][] tangent, T[][] product);

    /// <summary>
    /// The summed loss; adds the gradient with respect to the parameters, the hyperparameters and every real
    /// data element. <paramref name="dataGradient"/> has one array per data argument laid out like its column
    /// (rows of the whole column, indexed like <see cref="DataBatch.Columns"/>), null for integer columns.
    /// </summary>
    double SumGradientFull(T[][] parameters, T[] hypers, in DataBatch batch, int start, int end, T[][] gradient, T[] hyperGradient, T[]?[] dataGradient);

    /// <summary>
    /// The summed loss; adds the derivative along the parameter <paramref name="tangent"/> of the full gradient:
    /// H·t for the parameters and the mixed second derivatives for hyperparameters and data.
    /// </summary>
    double SumHessianVectorFull(T[][] parameters, T[] hypers, in DataBatch batch, int start, int end, T[][] tangent, T[][] product, T[] hyperProduct, T[]?[] dataProduct);

    /// <summary>
    /// Adds each monitor's sum over the rows to <paramref name="sums"/> (in <see cref="LossSchema.Monitors"/> order);
    /// a monitor of the parameters alone adds its value times the number of rows, so dividing by rows gives means.
    /// </summary>
    void SumMonitors(T[][] parameters, T[] hypers, in DataBatch batch, int start, int end, Span<double> sums);
}
