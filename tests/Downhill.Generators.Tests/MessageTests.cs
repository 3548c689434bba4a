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
        { "return double.IsNormal(a) ? 0.0 : a;", "DH0003", "the loss language has IsNaN, IsInfinity, IsPositiveInfinity, IsNegativeInfinity, IsFinite (as conditions)" },
        { "return double.Sqrt(a);", "DH0003", "write Math.Sqrt" },
        { "double[] p = new double[2]; Fn.Softmax(p, p); return a * p[0];", "DH0002", "one array is passed twice to 'Softmax', which writes into one of them" },
        { "if (a > 1) { throw new NotSupportedException(\"big\"); } return a;", "DH0001", "throw only 'new ArgumentException(\"message\")'" },
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

    /// <summary>
    /// A marked source (loss <c>F</c> over double, <c>G</c> over float, helpers <c>Split</c> with an out
    /// argument and <c>Bump</c> with a ref one), the
    /// diagnostic it must give at the mark, and its message's fix. The fix names what is not supported and what to write.
    /// </summary>
    public static TheoryData<string, string, string, string> MarkedCases() => new()
    {
        // Float in a double loss and double in a float loss: say which functions the loss uses and what the cast breaks.
        { "F", "DH0011", "return [|MathF.Sin((float)a)|];", "'MathF.Sin((float)a)' is float in the double loss 'F': a double loss uses the Math (double) functions, and the cast to float is not supported; write Math.Sin(a)" },
        { "F", "DH0011", "double t = [|(float)a|]; return t * t;", "a double loss computes in double throughout, and the cast to float is not supported; write a" },
        { "F", "DH0011", "return [|(float)a * 2.5f|];", "is float in the double loss 'F': a double loss computes in double throughout, and the cast to float is not supported; write a * 2.5" },
        { "F", "DH0011", "return [|Fn.Sigmoid((float)a)|];", "a double loss calls Fn with double values, and the cast to float is not supported; write Fn.Sigmoid(a)" },
        { "F", "DH0011", "[|float|] t = 1f; return a * t;", "Local 't' is float in the double loss 'F': declare it with double in place of float" },
        { "G", "DH0011", "return (float)[|Math.Sin(a)|];", "'Math.Sin(a)' is double in the float loss 'G': a float loss uses the MathF (float) functions; write MathF.Sin(a)" },
        { "G", "DH0011", "return (float)[|Math.Exp((double)a)|];", "a float loss uses the MathF (float) functions, and the cast to double is not supported; write MathF.Exp(a)" },
        { "G", "DH0011", "return (float)[|Math.Max(a, 0.5)|];", "write MathF.Max(a, 0.5f)" },
        { "G", "DH0011", "return (float)([|(double)a * 0.5|]);", "a float loss computes in float throughout, and the cast to double is not supported; write a * 0.5f" },
        { "G", "DH0011", "return [|double.IsNaN(a)|] ? 0f : a;", "a float loss uses float.IsNaN; write float.IsNaN(a)" },

        // Deconstruction and out arguments: what is not supported and the assignments to write, with no follow-up about the locals.
        { "F", "DH0002", "[|var (p, q) = (a, 2.0)|]; return p * q;", "tuple deconstruction is not supported; assign each value separately: 'var p = a; var q = 2.0;'" },
        { "F", "DH0002", "[|(double p, double q) = (a, x[0])|]; return p * q;", "tuple deconstruction is not supported; assign each value separately: 'var p = a; var q = x[0];'" },
        { "F", "DH0002", "double p = a, q = 1.0; [|(p, q) = (q, p)|]; return p - q;", "tuple deconstruction is not supported; to swap, go through a temporary: 'var t = p; p = q; q = t;'" },
        { "F", "DH0002", "double p = a; double q = 0.0; [|(p, q) = (2.0 * a, 3.0)|]; return p * q;", "assign each value separately: 'p = 2.0 * a; q = 3.0;'" },
        { "F", "DH0002", "double r = Split(a, [|out var q|]); return r * q;", "out arguments are not supported; a [Differentiable] method gives one result, its return value: return the value (one method per result) and assign it, 'var q = Split(a);'" },
        { "F", "DH0002", "double q = 0.0; double r = Split(a, [|out q|]); q = q + 1.0; return r * q;", "assign it, 'q = Split(a);'" },
        { "F", "DH0002", "double s = a; return Bump([|ref s|]);", "'ref' arguments are not supported; arguments are passed by value: write 's' without 'ref'" },
        { "F", "DH0002", "return Twice([|v: a|]);", "named arguments are not supported; pass the arguments in order, without 'v:'" },
    };

    [Theory]
    [MemberData(nameof(MarkedCases))]
    public void MessageAtTheExactSpanSaysWhatToWrite(string loss, string id, string body, string phrase)
    {
        string real = loss == "F" ? "double" : "float";
        var (source, span) = Harness.Markup(Usings + $$"""
            public static partial class C
            {
                [Differentiable]
                public static double Split(double v, out double rest)
                {
                    rest = v;
                    return v;
                }

                [Differentiable]
                public static double Twice(double v) => 2.0 * v;

                [Differentiable]
                public static double Bump(ref double v) => v + 1.0;

                [Loss]
                public static {{real}} {{loss}}([Param] {{real}} a, ReadOnlySpan<{{real}}> x)
                {
                    {{body}}
                }
            }
            """);

        var run = Harness.Run(source);

        // Only the loss's own diagnostics (Split's out argument is reported on Split): exactly the one at the mark.
        var inLoss = run.GeneratorDiagnostics.Where(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error && d.Location.SourceSpan.Start > source.IndexOf("[Loss]", StringComparison.Ordinal)).ToList();
        string seen = string.Join("\n", run.GeneratorDiagnostics.Select(d => $"{d.Id} {d.Location.SourceSpan} {d.GetMessage(CultureInfo.InvariantCulture)}"));
        Assert.True(inLoss.Count == 1, seen);
        Assert.Equal(id, inLoss[0].Id);
        Assert.Equal(span, inLoss[0].Location.SourceSpan);
        Assert.Contains(phrase, inLoss[0].GetMessage(CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Fact]
    public void ArgumentOfTheOtherRealTypeSaysWhatToDeclare()
    {
        var run = Harness.Run(Usings + """
            public static partial class C
            {
                [Loss]
                public static double F([Param] double a, float x) => a * x;
            }
            """);

        var d = Assert.Single(run.GeneratorDiagnostics, d => d.Id == "DH0011");
        Assert.Equal("Argument 'x' is float in the double loss 'F': declare it with double in place of float; a double loss computes in double throughout", d.GetMessage(CultureInfo.InvariantCulture));
    }

    /// <summary>double.IsNaN and its siblings are conditions of the loss language: no diagnostic, and the generated code compiles.</summary>
    [Theory]
    [InlineData("double")]
    [InlineData("float")]
    public void FloatingPointTestsAreConditions(string real)
    {
        var run = Harness.Run(Usings + $$"""
            public static partial class C
            {
                [Loss]
                public static {{real}} F([Param] {{real}} a, {{real}} x)
                {
                    if ({{real}}.IsNaN(x) || {{real}}.IsInfinity(a * x))
                    {
                        return 0;
                    }

                    bool finite = {{real}}.IsFinite(a) && !{{real}}.IsPositiveInfinity(a) && !{{real}}.IsNegativeInfinity(-a);
                    return finite ? a * x : a;
                }
            }
            """);

        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.OutputProblems());
        Assert.Contains("FGradient", run.GeneratedText(), StringComparison.Ordinal);
    }

    [Fact]
    public void BranchOnAConstantLeavesNoWarningInGeneratedCode()
    {
        var run = Harness.Run(Usings + """
            public static partial class C
            {
                private const bool Debug = false;

                [Loss]
                public static double F([Param] double a, double x)
                {
                    double s = a * x;
                    if (Debug)
                    {
                        s = s + a;
                    }

                    return s * s;
                }
            }
            """);

        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Contains("FGradient", run.GeneratedText(), StringComparison.Ordinal);

        // The user's own branch may warn in the user's file; the generated files must not.
        var generated = run.OutputProblems().Where(d => d.Location.SourceTree?.FilePath.EndsWith(".g.cs", StringComparison.Ordinal) == true).ToList();
        Assert.True(generated.Count == 0, string.Join("\n", generated));
    }
}
