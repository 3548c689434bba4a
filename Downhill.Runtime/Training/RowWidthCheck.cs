using System.Globalization;
using System.Numerics;
using System.Text;

namespace Downhill;

/// <summary>
/// Turns an <see cref="IndexOutOfRangeException"/> from a generated loss into an error that says which data
/// column is too narrow and how wide its rows must be. A loss cannot declare the width of its span rows (it
/// reads <c>x[i]</c> up to bounds set by its parameters), so the check evaluates the loss: first on one row
/// of each data set before training, then again on any batch that throws during training. It finds the
/// failing row, then pads each span column of that row with zeros until the loss stops throwing.
/// </summary>
internal static class RowWidthCheck
{
    /// <summary>The widest padding tried: any loss that reads further than this is not short of data.</summary>
    private const int MaxExtra = 1 << 16;

    /// <summary>Evaluates the loss on the first row of <paramref name="batch"/> and throws a clear error if it reads past the data.</summary>
    public static void Probe<T>(ILossModel<T> model, T[][] parameters, T[] hypers, in DataBatch batch, string dataset)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (batch.Rows == 0)
        {
            return;
        }

        try
        {
            model.SumLoss(parameters, hypers, batch, 0, 1);
        }
        catch (IndexOutOfRangeException e)
        {
            // The probe's batch is the data set's row 0.
            throw Explain(model, parameters, hypers, batch, dataset, static row => row, e);
        }
    }

    /// <summary>
    /// The error to throw for <paramref name="error"/>, raised while evaluating <paramref name="batch"/>: names
    /// the row, the column and the width the loss needs when a wider row fixes it, and otherwise the parameter
    /// shapes and integer values that may be out of range. <paramref name="dataSetRow"/> maps a row of the batch to
    /// the data set's row, which the message names (a streamed or row-shuffled batch is not a slice of the data).
    /// </summary>
    public static Exception Explain<T>(ILossModel<T> model, T[][] parameters, T[] hypers, DataBatch batch, string dataset, Func<int, int> dataSetRow, IndexOutOfRangeException error)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        LossSchema schema = model.Schema;
        int row = FailingRow(model, parameters, hypers, batch);
        if (row < 0)
        {
            return error;
        }

        var rowColumns = Enumerable.Range(0, schema.Data.Count).Where(c => schema.Data[c].IsRow).ToArray();
        int[] needed = new int[schema.Data.Count];
        var culprits = new List<int>();
        foreach (int c in rowColumns)
        {
            int widened = c;
            if (Runs(model, parameters, hypers, OneRow<T>(batch, row, k => k == widened ? batch.Widths[k] + MaxExtra : batch.Widths[k])))
            {
                culprits.Add(c);
            }
        }

        if (culprits.Count == 0 && rowColumns.Length > 1
            && Runs(model, parameters, hypers, OneRow<T>(batch, row, k => rowColumns.Contains(k) ? batch.Widths[k] + MaxExtra : batch.Widths[k])))
        {
            culprits.AddRange(rowColumns);
        }

        var text = new StringBuilder();
        string where = $"row {dataSetRow(row).ToString(CultureInfo.InvariantCulture)} of data set '{dataset}'";
        if (culprits.Count > 0)
        {
            foreach (int c in culprits)
            {
                needed[c] = MinimalWidth(model, parameters, hypers, batch, row, c, culprits);
            }

            var narrow = culprits.Where(c => needed[c] > batch.Widths[c]).ToList();
            text.Append(CultureInfo.InvariantCulture, $"The loss {schema.Name} reads past the end of the data on {where}: ");
            text.Append(string.Join("; ", narrow.Select(c =>
                $"column '{schema.Data[c].Name}' has rows of {batch.Widths[c]} element{(batch.Widths[c] == 1 ? string.Empty : "s")} but the loss reads {needed[c]}")));
            text.Append(". Give the column wider rows, or check the parameter shapes that bound the loss's loops (");
            text.Append(Shapes(schema, parameters)).Append(").");
            return new ArgumentException(text.ToString(), schema.Data[narrow.Count > 0 ? narrow[0] : culprits[0]].Name, error);
        }

        text.Append(CultureInfo.InvariantCulture, $"The loss {schema.Name} reads past the end of an array on {where}, and wider data rows do not help: ");
        text.Append("a parameter may be shorter than the loss reads (").Append(Shapes(schema, parameters)).Append(')');
        var ints = Enumerable.Range(0, schema.Data.Count).Where(c => schema.Data[c].IsInteger && !schema.Data[c].IsRow).ToList();
        if (ints.Count > 0)
        {
            text.Append(", or an integer column holds an index out of range (");
            text.Append(string.Join(", ", ints.Select(c => $"{schema.Data[c].Name} = {((int[])batch.Columns[c])[batch.Offset + row]}")));
            text.Append(')');
        }

        text.Append('.');
        return new ArgumentException(text.ToString(), "parameters", error);
    }

    private static string Shapes<T>(LossSchema schema, T[][] parameters) =>
        string.Join(", ", schema.Params.Select((p, i) => p.IsVector ? $"{p.Name}[{parameters[i].Length}]" : p.Name + " (scalar)"));

    private static int FailingRow<T>(ILossModel<T> model, T[][] parameters, T[] hypers, in DataBatch batch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int r = 0; r < batch.Rows; r++)
        {
            try
            {
                model.SumLoss(parameters, hypers, batch, r, r + 1);
            }
            catch (IndexOutOfRangeException)
            {
                return r;
            }
        }

        return -1;
    }

    private static bool Runs<T>(ILossModel<T> model, T[][] parameters, T[] hypers, in DataBatch batch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        try
        {
            model.SumLoss(parameters, hypers, batch, 0, 1);
            return true;
        }
        catch (IndexOutOfRangeException)
        {
            return false;
        }
        catch (ArithmeticException)
        {
            // Zero padding may divide by zero; the reads got past the data, which is what is asked.
            return true;
        }
    }

    /// <summary>The smallest width of column <paramref name="column"/> at which the row evaluates (others padded fully).</summary>
    private static int MinimalWidth<T>(ILossModel<T> model, T[][] parameters, T[] hypers, DataBatch batch, int row, int column, List<int> padded)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int low = batch.Widths[column];
        int high = batch.Widths[column] + MaxExtra;
        while (low < high)
        {
            int mid = low + ((high - low) / 2);
            var widths = batch.Widths;
            var candidate = OneRow<T>(batch, row, k => k == column ? mid : padded.Contains(k) ? widths[k] + MaxExtra : widths[k]);
            if (Runs(model, parameters, hypers, candidate))
            {
                high = mid;
            }
            else
            {
                low = mid + 1;
            }
        }

        return low;
    }

    /// <summary>A one-row batch holding row <paramref name="row"/> of <paramref name="batch"/>, each column zero-padded (or cut) to <paramref name="widthOf"/>.</summary>
    private static DataBatch OneRow<T>(in DataBatch batch, int row, Func<int, int> widthOf)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = batch.Columns.Length;
        var columns = new Array[n];
        var widths = new int[n];
        for (int c = 0; c < n; c++)
        {
            int w = batch.Widths[c];
            widths[c] = widthOf(c);
            int from = (batch.Offset + row) * w;
            columns[c] = batch.Columns[c] switch
            {
                T[] reals => Copy(reals, from, w, widths[c]),
                int[] integers => Copy(integers, from, w, widths[c]),
                _ => batch.Columns[c],
            };
        }

        return new DataBatch(columns, widths, 0, 1);
    }

    private static TElement[] Copy<TElement>(TElement[] source, int from, int width, int target)
    {
        var copy = new TElement[Math.Max(target, 0)];
        Array.Copy(source, from, copy, 0, Math.Min(width, target));
        return copy;
    }
}
