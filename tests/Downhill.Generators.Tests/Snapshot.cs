using System.Runtime.CompilerServices;
using System.Text;
using Xunit.Sdk;

namespace Downhill.Generators.Tests;

/// <summary>
/// A small approval helper: compares text with <c>Snapshots/NAME.verified.cs</c> beside the test sources. With
/// DOWNHILL_UPDATE_SNAPSHOTS=1 it writes the file instead; otherwise a difference writes <c>NAME.received.cs</c>
/// (ignored by git) and fails with the first differing lines.
/// </summary>
internal static class Snapshot
{
    public static void Verify(string name, string actual, [CallerFilePath] string callerPath = "", string extension = ".cs")
    {
        string dir = Path.Combine(Path.GetDirectoryName(callerPath)!, "Snapshots");
        string verified = Path.Combine(dir, name + ".verified" + extension);
        string received = Path.Combine(dir, name + ".received" + extension);
        actual = actual.ReplaceLineEndings("\n");

        if (Environment.GetEnvironmentVariable("DOWNHILL_UPDATE_SNAPSHOTS") == "1")
        {
            Directory.CreateDirectory(dir);
            File.WriteAllText(verified, actual);
            File.Delete(received);
            return;
        }

        if (!File.Exists(verified))
        {
            File.WriteAllText(received, actual);
            throw new XunitException($"No snapshot {name}.verified{extension}; the output was written to {name}.received{extension}. Run with DOWNHILL_UPDATE_SNAPSHOTS=1 to accept it.");
        }

        string expected = File.ReadAllText(verified).ReplaceLineEndings("\n");
        if (expected == actual)
        {
            File.Delete(received);
            return;
        }

        File.WriteAllText(received, actual);
        throw new XunitException($"The generated code differs from {name}.verified{extension} (written to {name}.received{extension}):\n{DiffExcerpt(expected, actual)}");
    }

    /// <summary>The lines around the first difference, expected (-) against actual (+).</summary>
    internal static string DiffExcerpt(string expected, string actual, int context = 3)
    {
        string[] e = expected.Split('\n');
        string[] a = actual.Split('\n');
        int first = 0;
        while (first < e.Length && first < a.Length && e[first] == a[first])
        {
            first++;
        }

        var sb = new StringBuilder();
        sb.Append("first difference at line ").Append(first + 1).Append('\n');
        for (int i = Math.Max(0, first - context); i < first; i++)
        {
            sb.Append("  ").Append(e[i]).Append('\n');
        }

        for (int i = first; i < Math.Min(e.Length, first + context + 1); i++)
        {
            sb.Append("- ").Append(e[i]).Append('\n');
        }

        for (int i = first; i < Math.Min(a.Length, first + context + 1); i++)
        {
            sb.Append("+ ").Append(a[i]).Append('\n');
        }

        sb.Append("(expected ").Append(e.Length).Append(" lines, got ").Append(a.Length).Append(')');
        return sb.ToString();
    }
}
