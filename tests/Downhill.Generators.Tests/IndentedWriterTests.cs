using Downhill.Generators.Emit;

namespace Downhill.Generators.Tests;

/// <summary>The writer owns indentation: every line of a multi-line text and of an indented block gets it, so no emitter pads by hand.</summary>
public class IndentedWriterTests
{
    [Fact]
    public void EveryLineOfAMultiLineTextIsIndented()
    {
        var w = new IndentedWriter();
        w.Open("class C");
        w.Line("int a;\n\nint b;");
        w.Close();

        Assert.Equal("class C\n{\n    int a;\n\n    int b;\n}\n", w.ToString());
    }

    [Fact]
    public void AnIndentedBlockIsOneLevelDeeperAndTheLevelIsRestored()
    {
        var w = new IndentedWriter();
        w.Line("f(");
        w.Indented(() => w.Line("x,\ny);"));
        w.Line("g();");

        Assert.Equal("f(\n    x,\n    y);\ng();\n", w.ToString());
    }
}
