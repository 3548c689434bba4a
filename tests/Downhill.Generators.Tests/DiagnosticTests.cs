using System.Reflection;
using Microsoft.CodeAnalysis;

namespace Downhill.Generators.Tests;

/// <summary>
/// Every diagnostic descriptor, triggered by the smallest source that should trigger it, at the span marked with
/// <c>[|...|]</c>: the declaration's (DH0004–DH0007, DH0011, DH0013–DH0016) and the body's (the others), all reported by the
/// generator (the compiler drops analyzer diagnostics once any declaration error exists).
/// </summary>
public class DiagnosticTests
{
    private const string Usings = "using Downhill;\n";

    /// <summary>The declaration cases: ID and marked source.</summary>
    public static TheoryData<string, string> DeclarationCases() => new()
    {
        {
            "DH0014", Usings + """
            public static partial class C
            {
                [Loss]
                public static double [|F|](double a, double x) => a * x;
            }
            """
        },
        {
            "DH0015", Usings + """
            public static partial class C
            {
                [Loss]
                public static double [|F|]([Param] double a, double x) => a * x;

                public static double FGradient(double a) => a;
            }
            """
        },
        {
            "DH0016", Usings + """
            public static partial class C
            {
                [Loss]
                public static double F[|<T>|]([Param] double a, double x) => a * x;
            }
            """
        },
        {
            "DH0004", Usings + """
            public partial class C
            {
                [Loss]
                public double [|F|]([Param] double a, double x) => a * x;
            }
            """
        },
        {
            "DH0005", Usings + """
            public static class C
            {
                [Loss]
                public static double [|F|]([Param] double a, double x) => a * x;
            }
            """
        },
        {
            "DH0006", Usings + """
            public static partial class C
            {
                [Loss]
                public static [|int|] F([Param] double a, double x) => (int)x;
            }
            """
        },
        {
            "DH0007", Usings + """
            public static partial class C
            {
                [Loss]
                public static double F([Param] double a, [Param] [|int|] k, double x) => a * x * k;
            }
            """
        },
        {
            "DH0011", Usings + """
            public static partial class C
            {
                [Loss]
                public static double F([Param] double a, [|float|] x) => a * x;
            }
            """
        },
        {
            "DH0013", Usings + """
            public static partial class C
            {
                [Loss]
                public static double F([Param] double a, double x) => a * x;

                [Monitor(nameof(F))]
                public static double [|Wrong|](double a, double x, double extra) => a + extra;
            }
            """
        },
    };

    /// <summary>The generator's cases: ID and marked source.</summary>
    public static TheoryData<string, string> GeneratorCases() => new()
    {
        {
            "DH0001", Usings + """
            public static partial class C
            {
                [Loss]
                public static double F([Param] ReadOnlySpan<double> w, double x)
                {
                    double s = 0.0;
                    [|foreach (double v in w)
                    {
                        s += v * x;
                    }|]

                    return s;
                }
            }
            """
        },
        {
            "DH0002", Usings + """
            public static partial class C
            {
                [Loss]
                public static double F([Param] double a, int label)
                {
                    double s = [|label switch { 0 => a, _ => -a }|];
                    return s * s;
                }
            }
            """
        },
        {
            "DH0003", Usings + """
            public static partial class C
            {
                private static double Twice(double v) => 2 * v;

                [Loss]
                public static double F([Param] double a, double x)
                {
                    return [|Twice(a)|] * x;
                }
            }
            """
        },
        {
            "DH0008", Usings + """
            public static partial class C
            {
                [Loss]
                public static double F([Param] double a, double x)
                {
                    [|x|] = x * 2.0;
                    return a * x;
                }
            }
            """
        },
        {
            "DH0009", Usings + """
            public static partial class C
            {
                [Loss]
                public static double F([Param] double a, ReadOnlySpan<double> x)
                {
                    int i = [|(int)(a * 2.0)|];
                    return a * x[i];
                }
            }
            """
        },
        {
            "DH0012", Usings + """
            public static partial class C
            {
                [Loss]
                public static double F([Param] double a, double x)
                {
                    return [|Math.Abs(a - x)|];
                }
            }
            """
        },
        {
            // The reverse sweep's tape grows with n, a data value: no bound for the GPU's workspace, so CPU only.
            "DH0017", Usings + """
            public static partial class C
            {
                [Loss]
                public static double [|F|]([Param] double a, int n)
                {
                    double s = 1.0;
                    for (int i = 0; i < n; i++)
                    {
                        s = Math.Sin(s * a);
                    }

                    return s;
                }
            }
            """
        },
    };

    [Theory]
    [MemberData(nameof(DeclarationCases))]
    public void GeneratorReportsDeclarationProblemsAtTheExactSpan(string id, string markup)
    {
        var (source, span) = Harness.Markup(markup);
        var run = Harness.Run(source);

        AssertOneAt(id, span, run.GeneratorDiagnostics);
        Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Id == "DH0010");

        // Nothing is generated for a bad declaration, and the analyzer does not report it a second time.
        Assert.Empty(run.Result.GeneratedSources);
        Assert.DoesNotContain(Harness.Analyze(source), d => d.Id == id);
    }

    [Theory]
    [MemberData(nameof(GeneratorCases))]
    public void GeneratorReportsAtTheExactSpan(string id, string markup)
    {
        var (source, span) = Harness.Markup(markup);
        var run = Harness.Run(source);

        AssertOneAt(id, span, run.GeneratorDiagnostics);

        // A diagnostic never crashes the generator: no internal error comes with it.
        Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Id == "DH0010");
    }

    [Fact]
    public void ValidLossHasNoAnalyzerOrGeneratorDiagnostics()
    {
        const string source = Usings + """
            public static partial class C
            {
                [Loss]
                public static double F([Param] double a, double x)
                {
                    return Math.Exp(a * x);
                }

                [Monitor(nameof(F))]
                public static double Size(double a) => a * a;
            }
            """;

        Assert.Empty(Harness.Analyze(source));
        var run = Harness.Run(source);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.OutputProblems());
    }

    [Fact]
    public void GeneratorErrorStillLetsOtherLossesBeGenerated()
    {
        const string source = Usings + """
            public static partial class C
            {
                [Loss]
                public static double Bad([Param] double a, int label) => label switch { 0 => a, _ => -a };

                [Loss]
                public static double Good([Param] double a, double x) => a * x;
            }
            """;

        var run = Harness.Run(source);

        Assert.Contains(run.GeneratorDiagnostics, d => d.Id == "DH0002");
        Assert.Contains("GoodGradient", run.GeneratedText(), StringComparison.Ordinal);
        Assert.DoesNotContain(run.Output.GetDiagnostics(), d => d.Severity == DiagnosticSeverity.Error && d.Location.GetLineSpan().Path != "Source0.cs");
    }

    [Fact]
    public void EveryDescriptorHasACaseAndAStableShape()
    {
        var descriptors = typeof(DiagnosticDescriptors)
            .GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => (DiagnosticDescriptor)f.GetValue(null)!)
            .ToList();

        var covered = DeclarationCases().Select(row => (string)row[0])
            .Concat(GeneratorCases().Select(row => (string)row[0]))
            .Append(DiagnosticDescriptors.InternalError.Id)
            .ToHashSet();

        Assert.Equal(17, descriptors.Count);
        foreach (var d in descriptors)
        {
            Assert.Contains(d.Id, covered);
            Assert.Equal("Downhill", d.Category);
            Assert.True(d.IsEnabledByDefault);
            Assert.EndsWith("#" + d.Id.ToLowerInvariant(), d.HelpLinkUri, StringComparison.Ordinal);
        }

        Assert.Equal(DiagnosticSeverity.Warning, DiagnosticDescriptors.ActiveToIntegerCast.DefaultSeverity);
        Assert.Equal(DiagnosticSeverity.Info, DiagnosticDescriptors.KinkInSecondOrder.DefaultSeverity);
        Assert.Equal(DiagnosticSeverity.Error, DiagnosticDescriptors.InternalError.DefaultSeverity);
        Assert.Equal(17, descriptors.Select(d => d.Id).Distinct().Count());
        Assert.Equal(DiagnosticSeverity.Info, DiagnosticDescriptors.CudaUnavailable.DefaultSeverity);
    }

    private static void AssertOneAt(string id, Microsoft.CodeAnalysis.Text.TextSpan span, IEnumerable<Diagnostic> diagnostics)
    {
        var all = diagnostics.ToList();
        var matching = all.Where(d => d.Id == id).ToList();
        string seen = string.Join("\n", all.Select(d => $"{d.Id} {d.Location.SourceSpan} {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}"));
        Assert.True(matching.Count == 1, $"expected one {id} at {span}; got:\n{seen}");
        Assert.Equal(span, matching[0].Location.SourceSpan);
        // The generator re-creates its locations from equatable models: they carry the file path, not the tree.
        Assert.Equal("Source0.cs", matching[0].Location.GetLineSpan().Path);
    }
}
