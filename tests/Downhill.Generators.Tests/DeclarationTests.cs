using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Downhill.Generators.Tests;

/// <summary>Declarations a new user writes by mistake (issue 8): each is a DH diagnostic at the declaration, never an error inside generated code.</summary>
public class DeclarationTests
{
    private const string Usings = "using Downhill;\n";

    /// <summary>Mistaken declarations, the diagnostic each must give (once, at the marked span) and a word its message must contain.</summary>
    public static TheoryData<string, string, string> Mistakes() => new()
    {
        { "DH0014", "[Loss] public static double [|F|](double a, double x) => a * x;", "no [Param]" },
        { "DH0014", "[Loss] public static double [|F|]([Hyper] double a, double x) => a * x;", "no [Param]" },
        { "DH0007", "[Loss] public static double F([Param] double a, [Param, Hyper] [|double|] b, double x) => a * b * x;", "not both" },
        { "DH0007", "[Loss] public static double F([Param] double a, [Hyper] [Param] [|double|] b, double x) => a * b * x;", "not both" },
        { "DH0007", "[Loss] public static double F([Param] double a, params [|double[]|] x) => a * x[0];", "'params'" },
        { "DH0007", "[Loss] public static double F([Param] double a, out [|double|] x) { x = 0; return a; }", "'out'" },
        { "DH0007", "[Loss] public static double F([Param] double a, in [|double|] x) => a * x;", "'in'" },
        { "DH0007", "[Loss] public static double F([Param] double a, ref [|double|] x) => a * x;", "'ref'" },
        { "DH0016", "[Loss] public static double F[|<T>|]([Param] double a, double x) => a * x;", "generic" },
        { "DH0015", "[Loss] public static double [|F|]([Param] double a, double x) => a * x; public static double FGradient(double a) => a;", "'FGradient'" },
        { "DH0015", "[Loss] public static double [|F|]([Param] double a, double x) => a * x; public static int FTangent;", "'FTangent'" },
        { "DH0015", "[Loss] public static double [|F|]([Param] double a, double x) => a * x; public sealed class FLoss { }", "'FLoss'" },
        { "DH0015", "[Loss] public static double [|F|]([Param] double a, double x) => a * x; public static double FHessianVectorFull => 0;", "'FHessianVectorFull'" },
        { "DH0015", "[Loss] public static double [|Sum|]([Param] double a, double x) => a * x;", "'SumLoss'" },
        { "DH0015", "[Loss] public static double F([Param] double [|Params|], double x) => Params * x;", "'Params'" },
        { "DH0015", "[Loss] public static double F([Param] double a, [Hyper] double [|Hypers|], double x) => a * Hypers * x;", "'Hypers'" },
        { "DH0013", "[Loss] public static double F([Param] double a, double x) => a * x; [Monitor(nameof(F))] public static int [|Size|](double a) => 1;", "return double" },
    };

    [Theory]
    [MemberData(nameof(Mistakes))]
    public void MistakeIsOneDiagnosticAtTheDeclarationAndNothingIsGenerated(string id, string member, string word)
    {
        var (source, span) = Harness.Markup(Usings + "public static partial class C\n{\n" + member + "\n}\n");

        var run = Harness.Run(source);

        var found = run.GeneratorDiagnostics.Where(d => d.Id == id).ToList();
        Assert.True(found.Count == 1, string.Join("\n", run.GeneratorDiagnostics));
        Assert.Equal(span, found[0].Location.SourceSpan);
        Assert.Contains(word, found[0].GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.Empty(run.Result.GeneratedSources);
        Assert.DoesNotContain(run.Output.GetDiagnostics(), d => d.Severity == DiagnosticSeverity.Error && d.Location.GetLineSpan().Path.EndsWith(".g.cs", StringComparison.Ordinal));
    }

    [Fact]
    public void OverloadedLossesAreEachReportedAndNoneIsGenerated()
    {
        const string source = Usings + """
            public static partial class C
            {
                [Loss]
                public static double F([Param] double a, double x) => a * x;

                [Loss]
                public static double F([Param] double a, double x, double y) => a * x * y;

                [Loss]
                public static double G([Param] double a, double x) => a * x;
            }
            """;

        var run = Harness.Run(source);

        Assert.Equal(2, run.GeneratorDiagnostics.Count(d => d.Id == "DH0016" && d.GetMessage(System.Globalization.CultureInfo.InvariantCulture).Contains("own name", StringComparison.Ordinal)));
        Assert.Equal(["C.G_2.g.cs"], run.Result.GeneratedSources.Select(s => s.HintName));
        Assert.Empty(run.OutputProblems());
    }

    [Fact]
    public void LossInAGenericTypeCompiles()
    {
        const string source = Usings + """
            public static partial class Outer<T>
            {
                public static partial class @class
                {
                    [Loss]
                    public static double @double([Param] ReadOnlySpan<double> @in, double @out) => @in[0] * @in[0] * @out;
                }
            }
            """;

        var run = Harness.Run(source);

        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Single(run.Result.GeneratedSources);
        Assert.Empty(run.OutputProblems());
    }

    [Fact]
    public void DescriptorListsTheLossKinksForTheRuntime()
    {
        const string source = Usings + """
            public static partial class C
            {
                [Loss]
                public static double F([Param] double a, double x)
                {
                    double e = Math.Abs(a - x);
                    return Math.Max(e, 0.5);
                }

                [Loss]
                public static double Smooth([Param] double a, double x) => a * x;
            }
            """;

        var run = Harness.Run(source);

        Assert.Empty(run.OutputProblems());
        Assert.Equal(2, run.GeneratorDiagnostics.Count(d => d.Id == "DH0012" && d.Severity == DiagnosticSeverity.Info));
        string text = run.GeneratedText();
        Assert.Contains("Kinks { get; } = new string[] { \"Math.Abs(a - x) (line 7)\", \"Math.Max(e, 0.5) (line 8)\" };", text, StringComparison.Ordinal);
        Assert.Contains("Kinks { get; } = new string[] {  };", text, StringComparison.Ordinal);
    }

    [Fact]
    public void PrivateLossWithHypersCompilesWithoutWarnings()
    {
        // Nobody outside can assign the fields of a private loss's Params and Hypers: CS0649 must not fire.
        const string source = Usings + """
            public static partial class C
            {
                [Loss]
                private static double F([Param] double a, [Hyper] double h, double x) => h * a * x;
            }
            """;

        var run = Harness.Run(source);

        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.OutputProblems());
    }

    [Fact]
    public void DeclarationErrorsOfOneLossDoNotHideThoseOfAnother()
    {
        // CS0708 (an instance member of a static class) is a declaration error: the compiler then drops every
        // analyzer diagnostic, so the generator reports the declarations' problems itself.
        const string source = Usings + """
            public static partial class C
            {
                [Loss]
                public double NotStatic([Param] double a, double x) => a * x;

                [Loss]
                public static double BadParam([Param] double a, [Param] int k) => a * k;

                [Loss]
                public static double NoParam(double a) => a;

                [Loss]
                public static double Good([Param] double a, double x) => a * x;
            }
            """;

        var run = Harness.Run(source);

        Assert.Contains(run.Input.GetDeclarationDiagnostics(), d => d.Id == "CS0708");
        Assert.Equal(["DH0004", "DH0007", "DH0014"], run.GeneratorDiagnostics.Select(d => d.Id).Order(StringComparer.Ordinal));
        Assert.Equal(["C.Good_2.g.cs"], run.Result.GeneratedSources.Select(s => s.HintName));
    }

    [Fact]
    public void LossBesideTopLevelStatementsIsPartialAndALocalLossIsReported()
    {
        const string source = Usings + """
            var w = new double[] { 1.0 };
            var g = new double[1];
            System.Console.WriteLine(Program.SquaredGradient(w, 2.0, g));

            [Loss]
            static double Local([Param] double a, double x) => a * x;

            partial class Program
            {
                [Loss]
                public static double Squared([Param] ReadOnlySpan<double> w, double x) => (w[0] - x) * (w[0] - x);
            }
            """;
        var compilation = Harness.Compile([Harness.Parse(source, "Source0.cs")]).WithOptions(new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));

        var run = Harness.Run(compilation);

        var d = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("DH0016", d.Id);
        Assert.Contains("local function", d.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.Equal(source.IndexOf("Local(", StringComparison.Ordinal), d.Location.SourceSpan.Start);
        Assert.Equal(["Program.Squared_2.g.cs"], run.Result.GeneratedSources.Select(s => s.HintName));
        Assert.DoesNotContain(run.Output.GetDiagnostics(), x => x.Severity == DiagnosticSeverity.Error);
    }

    [Fact]
    public void LossOnALambdaIsReported()
    {
        const string source = Usings + """
            public static class C
            {
                public static Func<double, double> Make() => [Loss] (double a) => a * a;
            }
            """;

        var run = Harness.Run(source);

        Assert.Contains(run.GeneratorDiagnostics, d => d.Id == "DH0016" && d.GetMessage(System.Globalization.CultureInfo.InvariantCulture).Contains("lambda", StringComparison.Ordinal));
    }

    [Fact]
    public void MonitorNamingNoLossIsReportedByTheAnalyzer()
    {
        var (source, span) = Harness.Markup(Usings + """
            public static partial class C
            {
                [Monitor("Missing")]
                public static double [|Size|](double a) => a;
            }
            """);

        var d = Assert.Single(Harness.Analyze(source));

        Assert.Equal("DH0013", d.Id);
        Assert.Equal(span, d.Location.SourceSpan);
        Assert.Contains("'Missing'", d.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }
}
