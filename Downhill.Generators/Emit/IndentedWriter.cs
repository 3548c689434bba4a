using System.Text;

namespace Downhill.Generators.Emit;

/// <summary>Writes source text line by line at a current indentation (four spaces a level, '\n' line ends).</summary>
internal sealed class IndentedWriter
{
    private readonly StringBuilder builder = new();
    private int depth;

    public void Line(string text = "")
    {
        if (text.Length > 0)
        {
            builder.Append(' ', depth * 4);
            builder.Append(text);
        }

        builder.Append('\n');
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
