using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Downhill.Generators.Ir;
using Downhill.Generators.Transform;

namespace Downhill.Generators.Emit.Cuda;

/// <summary>
/// The throw statements of a loss's device functions (docs/cuda.md, Errors): each distinct exception type and
/// message gets a number from 1 in the order the functions are written, and the functions that can throw
/// (their own throw statement or one of a function they call) are known, so that a caller checks for an
/// error only after a call that can raise one: a loss without throw statements is written as before.
/// </summary>
internal sealed class CudaErrors
{
    /// <summary>The largest number a message can have: the error record keeps it in 16 bits beside the row.</summary>
    public const int MaxMessages = 0xFFFF;

    private readonly Dictionary<(string Type, string Message), int> numbers = [];
    private readonly HashSet<string> throwing = [];

    private CudaErrors()
    {
    }

    /// <summary>No throw statements (declarations do not need the table).</summary>
    public static CudaErrors None { get; } = new();

    /// <summary>The distinct (exception type, message) pairs, message number k at index k - 1.</summary>
    public List<(string Type, string Message)> Messages { get; } = [];

    /// <summary>Numbers the throw statements of <paramref name="functions"/> and finds which functions can throw.</summary>
    public static CudaErrors Of(IReadOnlyList<IrFunction> functions)
    {
        var errors = new CudaErrors();
        foreach (var f in functions)
        {
            foreach (var t in IrWalk.All(f.Body).OfType<Throw>())
            {
                if (!errors.numbers.ContainsKey((t.ExceptionType, t.Message)))
                {
                    if (errors.Messages.Count == MaxMessages)
                    {
                        throw new CudaUnsupportedException($"more than {MaxMessages} distinct throw statements");
                    }

                    errors.Messages.Add((t.ExceptionType, t.Message));
                    errors.numbers[(t.ExceptionType, t.Message)] = errors.Messages.Count;
                }

                errors.throwing.Add(f.Name);
            }
        }

        // A caller of a function that can throw can throw: grow the set until it stops changing.
        var calls = functions.ToDictionary(f => f.Name, f => DerivativeProgram.Calls(f.Body).ToList());
        for (bool changed = errors.throwing.Count > 0; changed;)
        {
            changed = false;
            foreach (var f in functions)
            {
                if (!errors.throwing.Contains(f.Name) && calls[f.Name].Any(errors.throwing.Contains))
                {
                    errors.throwing.Add(f.Name);
                    changed = true;
                }
            }
        }

        return errors;
    }

    /// <summary>The number of a throw statement's message.</summary>
    public int Number(Throw t) => numbers[(t.ExceptionType, t.Message)];

    /// <summary>Whether calling <paramref name="function"/> can stop the example.</summary>
    public bool CanThrow(string function) => throwing.Contains(function);

    /// <summary>
    /// A C string literal of <paramref name="text"/> that the host reads back exactly: printable ASCII as it is
    /// (with <c>\\</c>, <c>\"</c> and <c>\?</c> escaped), every other UTF-16 unit as its UTF-8 bytes in
    /// three-digit octal escapes, so neither a C compiler nor the host's reader can take an escape for more or less.
    /// </summary>
    public static string CLiteral(string text)
    {
        var sb = new StringBuilder("\"");
        foreach (byte b in Encoding.UTF8.GetBytes(text))
        {
            char c = (char)b;
            if (c is '\\' or '"' or '?')
            {
                sb.Append('\\').Append(c);
            }
            else if (b >= 0x20 && b < 0x7F)
            {
                sb.Append(c);
            }
            else
            {
                sb.Append('\\').Append(System.Convert.ToString(b, 8).PadLeft(3, '0'));
            }
        }

        return sb.Append('"').ToString();
    }

    /// <summary>The table's line of message <paramref name="k"/> (docs/cuda.md, Errors: the host parses exactly this form).</summary>
    public string TableLine(int k) =>
        $"if (k == {k.ToString(CultureInfo.InvariantCulture)}) {{ return part == 0 ? {CLiteral(Messages[k - 1].Type)} : {CLiteral(Messages[k - 1].Message)}; }}";
}
