using System;
using System.Text;

namespace Downhill.Generators.Emit;

/// <summary>Writes source text line by line at a current indentation (four spaces a level, '\n' line ends).</summary>
internal sealed class IndentedWriter
{
    private readonly StringBuilder builder = new();
    private int depth;

    /// <summary>Writes <paramref name="text"/> at the current indentation; each line of a multi-line text is indented (empty lines stay empty).</summary>
    public void Line(string text = "")
    {
        foreach (string line in text.Split('\n'))
        {
            if (line.Length > 0)
            {
                builder.Append(' ', depth * 4);
                builder.Append(line);
            }

            builder.Append('\n');
        }
    }

    /// <summary>Appends <paramref name="text"/> as it is, with no indentation (the inside of a verbatim string literal).</summary>
    public void Raw(string text) => builder.Append(text);

    /// <summary>Writes what <paramref name="body"/> writes one level deeper (continuation lines, initializer elements).</summary>
    public void Indented(Action body)
    {
        depth++;
        body();
        depth--;
    }

    public void Open(string header)
    {
        Line(header);
        Line("{");
        depth++;
    }

    public void Open()
    {
        Line("{");
        depth++;
    }

    public void Close(string suffix = "")
    {
        depth--;
        Line("}" + suffix);
    }

    public override string ToString() => builder.ToString();
}
