using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Downhill.Cuda.Training;

/// <summary>
/// The throw statements of a generated CUDA source (docs/cuda.md, Errors): the table of messages the source's
/// <c>P_host_error</c> holds, read back from the source text, and the error record a launch leaves (the row and
/// message number of the lowest row that threw), turned into the exception the C# per-example path throws.
/// </summary>
public sealed partial class KernelErrors
{
    /// <summary>The record's value when no example threw.</summary>
    public const ulong NoError = ulong.MaxValue;

    private readonly (string Type, string Message)[] messages;

    private KernelErrors((string Type, string Message)[] messages) => this.messages = messages;

    /// <summary>The number of distinct throw statements (message k at index k - 1).</summary>
    public int Count => messages.Length;

    /// <summary>Message <paramref name="number"/> (from 1): its exception type's full name and its text.</summary>
    public (string Type, string Message) this[int number] => messages[number - 1];

    /// <summary>Reads the table from the lines <c>if (k == N) { return part == 0 ? "Type" : "Message"; }</c> of <paramref name="cudaSource"/>.</summary>
    public static KernelErrors Parse(string cudaSource)
    {
        ArgumentNullException.ThrowIfNull(cudaSource);
        var found = new List<(string, string)>();
        foreach (Match m in TableLine().Matches(cudaSource))
        {
            int k = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            if (k != found.Count + 1)
            {
                throw new FormatException($"The CUDA source's error table has message {k} where {found.Count + 1} was expected.");
            }

            found.Add((Unescape(m.Groups[2].Value), Unescape(m.Groups[3].Value)));
        }

        return new KernelErrors([.. found]);
    }

    /// <summary>
    /// The exception for an error record, or null when it is <see cref="NoError"/>: the same type and message as the
    /// C# path's throw statement; <see cref="Exception.Data"/>'s <c>"Row"</c> holds the row (of the data set: the
    /// batch's first row is <paramref name="firstRow"/>) of the lowest example of the batch that threw.
    /// </summary>
    public Exception? ToException(ulong record, long firstRow)
    {
        if (record == NoError)
        {
            return null;
        }

        int number = (int)(record & 0xFFFF);
        long row = firstRow + (long)(record >> 16);
        if (number < 1 || number > messages.Length)
        {
            return new CudaException($"A kernel reported error {number} at row {row}, which its source's table of {messages.Length} messages does not have.");
        }

        (string type, string message) = messages[number - 1];
        Exception e = type switch
        {
            "System.InvalidOperationException" => new InvalidOperationException(message),
            _ => new ArgumentException(message),
        };
        e.Data["Row"] = row;
        return e;
    }

    /// <summary>Undoes the generator's C escapes: <c>\\</c>, <c>\"</c>, <c>\?</c> and three-digit octal UTF-8 bytes.</summary>
    internal static string Unescape(string literal)
    {
        var bytes = new List<byte>(literal.Length);
        for (int i = 0; i < literal.Length; i++)
        {
            char c = literal[i];
            if (c != '\\')
            {
                bytes.Add((byte)c);
            }
            else if (i + 3 < literal.Length && char.IsAsciiDigit(literal[i + 1]))
            {
                bytes.Add(Convert.ToByte(literal.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                bytes.Add((byte)literal[++i]);
            }
        }

        return Encoding.UTF8.GetString([.. bytes]);
    }

    [GeneratedRegex("""^\s*if \(k == (\d+)\) \{ return part == 0 \? "((?:[^"\\]|\\.)*)" : "((?:[^"\\]|\\.)*)"; \}\s*$""", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex TableLine();
}
