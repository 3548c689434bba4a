using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Downhill.Generators.Tests;

/// <summary>
/// An edit that does not touch a loss re-runs nothing: every tracked generation step's outputs are cached or
/// unchanged (only the diagnostics pipeline, which holds source positions, may run again).
/// </summary>
public class IncrementalityTests
{
    private const string Losses = """
        using Downhill;

        public static partial class House
        {
            [Loss]
            public static double Squared([Param] double m, [Param] double b, double x, double y)
            {
                double e = m * x + b - y;
                return Helpers.Sq(e);
            }

            [Loss]
            public static double Ridge([Param] ReadOnlySpan<double> w, [Hyper] double lambda, ReadOnlySpan<double> x)
            {
                double s = 0.0;
                for (int i = 0; i < 2; i++)
                {
                    s += w[i] * x[i] + lambda * w[i] * w[i];
                }

                return s;
            }
        }

        public static class Helpers
        {
            [Differentiable]
            public static double Sq(double v) => v * v;
        }
        """;

    private const string Other = """
        // An unrelated file.
        public static class Unrelated
        {
            public static int Answer() => 42;
        }
        """;

    private static readonly string[] TrackedSteps = [TrackingNames.LossModels, TrackingNames.HelperModels, TrackingNames.TrainingOptions, TrackingNames.LossOutputs, TrackingNames.LossSources];

    private static (GeneratorRun First, CSharpCompilation Compilation, SyntaxTree Other) FirstRun()
    {
        var other = Harness.Parse(Other, "Other.cs");
        var compilation = Harness.Compile([Harness.Parse(Losses, "Losses.cs"), other]);
        var first = Harness.Run(compilation);
        Assert.Empty(first.GeneratorDiagnostics.Where(d => d.Severity > DiagnosticSeverity.Info));
        Assert.NotEmpty(first.Result.GeneratedSources);
        return (first, compilation, other);
    }

    [Fact]
    public void FirstRunTracksEveryNamedStep()
    {
        var (first, _, _) = FirstRun();

        foreach (string step in TrackedSteps)
        {
            Assert.True(first.Result.TrackedSteps.ContainsKey(step), $"step {step} is not tracked; tracked: {string.Join(", ", first.Result.TrackedSteps.Keys)}");
        }

        Assert.Equal(2, first.Result.TrackedSteps[TrackingNames.LossModels].SelectMany(s => s.Outputs).Count());
    }

    [Fact]
    public void AddingAnUnrelatedFileReRunsNothing()
    {
        var (first, compilation, _) = FirstRun();
        var edited = compilation.AddSyntaxTrees(Harness.Parse("public static class AlsoUnrelated { }", "New.cs"));

        var second = Harness.Run(edited, first.Driver);

        AssertAllCachedOrUnchanged(second);
        Assert.Equal(first.GeneratedText(), second.GeneratedText());
    }

    [Fact]
    public void EditingACommentInAnotherFileReRunsNothing()
    {
        var (first, compilation, other) = FirstRun();
        var edited = compilation.ReplaceSyntaxTree(other, Harness.Parse(Other.Replace("An unrelated file.", "An unrelated file, edited.", StringComparison.Ordinal), "Other.cs"));

        var second = Harness.Run(edited, first.Driver);

        AssertAllCachedOrUnchanged(second);
    }

    [Fact]
    public void AddingACommentAboveALossInTheSameFileReRunsNothing()
    {
        // As ComputeSharp's AddedComment_DoesNotModifyOutput: every position below the comment moves, yet no
        // model holds a position, so parsing yields equal specs and the derivative programs are not rebuilt.
        var (first, compilation, _) = FirstRun();
        var losses = compilation.SyntaxTrees.Single(t => t.FilePath == "Losses.cs");
        string commented = Losses.Replace("    [Loss]\n    public static double Squared", "    // A comment above the loss.\n    [Loss]\n    public static double Squared", StringComparison.Ordinal);
        Assert.NotEqual(Losses, commented);
        var edited = compilation.ReplaceSyntaxTree(losses, Harness.Parse(commented, "Losses.cs"));

        var second = Harness.Run(edited, first.Driver);

        AssertAllCachedOrUnchanged(second);
        Assert.Equal(first.GeneratedText(), second.GeneratedText());
    }

    [Fact]
    public void ACommentAboveALossMovesItsDiagnosticsWithIt()
    {
        // The positions live only in the diagnostics pipeline, which does run again: a warning follows its code.
        const string Source = """
            using Downhill;

            public static partial class Cast
            {
                [Loss]
                public static double Floor([Param] double w, double x)
                {
                    int k = (int)(w * x);
                    return w * k;
                }
            }
            """;
        var tree = Harness.Parse(Source, "Cast.cs");
        var compilation = Harness.Compile([tree]);
        var first = Harness.Run(compilation);
        var edited = compilation.ReplaceSyntaxTree(tree, Harness.Parse("// A comment.\n" + Source, "Cast.cs"));

        var second = Harness.Run(edited, first.Driver);

        var before = Assert.Single(first.GeneratorDiagnostics, d => d.Id == "DH0009");
        var after = Assert.Single(second.GeneratorDiagnostics, d => d.Id == "DH0009");
        Assert.Equal(before.Location.GetLineSpan().StartLinePosition.Line + 1, after.Location.GetLineSpan().StartLinePosition.Line);
        Assert.Equal(before.GetMessage(System.Globalization.CultureInfo.InvariantCulture), after.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void EditingALossReRunsItsModel()
    {
        var (first, compilation, _) = FirstRun();
        var losses = compilation.SyntaxTrees.Single(t => t.FilePath == "Losses.cs");
        var edited = compilation.ReplaceSyntaxTree(losses, Harness.Parse(Losses.Replace("return Helpers.Sq(e);", "return Helpers.Sq(e) * 0.5;", StringComparison.Ordinal), "Losses.cs"));

        var second = Harness.Run(edited, first.Driver);

        var reasons = second.Result.TrackedSteps[TrackingNames.LossModels].SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();
        Assert.Contains(IncrementalStepRunReason.Modified, reasons);
        Assert.NotEqual(first.GeneratedText(), second.GeneratedText());
    }

    private static void AssertAllCachedOrUnchanged(GeneratorRun run)
    {
        foreach (string step in TrackedSteps)
        {
            Assert.True(run.Result.TrackedSteps.TryGetValue(step, out var steps), $"step {step} is not tracked");
            foreach (var output in steps.SelectMany(s => s.Outputs))
            {
                Assert.True(
                    output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
                    $"step {step} output {output.Value} was {output.Reason}");
            }
        }
    }
}
