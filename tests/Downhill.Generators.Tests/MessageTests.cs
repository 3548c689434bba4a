using System.Globalization;

namespace Downhill.Generators.Tests;

/// <summary>Messages name, in the user's words, what is not supported and what to write instead (issue 8, item 15).</summary>
public class MessageTests
{
    private const string Usings = "using Downhill;\n";

    /// <summary>A loss body (over [Param] double a and ReadOnlySpan&lt;double&gt; x), the diagnostic it must give, and a phrase of its message.</summary>
    public static TheoryData<string, string, string> Cases() => new()
    {
        { "return a switch { > 0 => a, _ => -a };", "DH0002", "switch expressions are not supported" },
        { "return a is > 0 ? a : -a;", "DH0002", "'is' patterns are not supported" },
        { "var t = (a, a); return a;", "DH0002", "'(double, double)' are not part" },
        { "return x[^1] * a;", "DH0002", "'^' (from the end)" },
        { "return Other(a, 2.0);", "DH0003", "mark it [Loss, Differentiable]" },
        { "return Local(a); static double Local(double v) => v * v;", "DH0003", "local function" },
        { "return double.IsNaN(a) ? 0.0 : a;", "DH0003", "mark it [Differentiable]" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void MessageSaysWhatToWriteInstead(string body, string id, string phrase)
    {
        string source = Usings + $$"""
            public static partial class C
            {
                [Loss]
                public static double Other([Param] double a, double y) => a * y;

                [Loss]
                public static double F([Param] double a, ReadOnlySpan<double> x)
                {
                    {{body}}
                }
            }
            """;

        var run = Harness.Run(source);

        var messages = run.GeneratorDiagnostics.Where(d => d.Id == id).Select(d => d.GetMessage(CultureInfo.InvariantCulture)).ToList();
        Assert.True(messages.Any(m => m.Contains(phrase, StringComparison.Ordinal)), string.Join("\n", run.GeneratorDiagnostics));

        // No Roslyn node kind leaks into a message.
        Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.GetMessage(CultureInfo.InvariantCulture).Contains("Expression'", StringComparison.Ordinal));
    }
}
