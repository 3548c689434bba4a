using Microsoft.CodeAnalysis;

namespace Downhill.Generators.Tests;

/// <summary>The derivative tests' whole corpus through the generator in memory: it compiles cleanly, without diagnostics above Info.</summary>
public class CorpusCompilationTests
{
    private static string[] CorpusFiles()
    {
        string dir = Path.Combine(AppContext.BaseDirectory, "Corpus");
        var files = Directory.GetFiles(dir, "*.cs").Order(StringComparer.Ordinal).ToArray();
        Assert.True(files.Length >= 5, $"corpus files in {dir}: {files.Length}");
        return files;
    }

    [Fact]
    public void WholeCorpusGeneratesCodeThatCompilesWithoutErrorsOrWarnings()
    {
        var trees = CorpusFiles().Select(f => Harness.Parse(File.ReadAllText(f), Path.GetFileName(f)));
        var run = Harness.Run(Harness.Compile(trees));

        var loud = run.GeneratorDiagnostics.Where(d => d.Severity > DiagnosticSeverity.Info).ToList();
        Assert.True(loud.Count == 0, string.Join("\n", loud.Select(d => d.ToString())));

        var problems = run.OutputProblems();
        Assert.True(problems.Count == 0, string.Join("\n", problems.Take(30).Select(d => d.ToString())));

        // Every [Loss] of the corpus has its methods and its descriptor.
        var losses = run.Output.GetSymbolsWithName(_ => true, SymbolFilter.Member)
            .OfType<IMethodSymbol>()
            .Where(m => m.GetAttributes().Any(a => a.AttributeClass?.Name == "LossAttribute"))
            .ToList();
        Assert.True(losses.Count >= 70, $"{losses.Count} losses");
        foreach (var loss in losses)
        {
            var type = loss.ContainingType;
            foreach (string suffix in new[] { "Gradient", "Tangent", "HessianVector", "GradientFull", "HessianVectorFull" })
            {
                Assert.True(type.GetMembers(loss.Name + suffix).Length > 0, $"{type.Name}.{loss.Name}{suffix} was not generated");
            }

            var descriptor = type.GetTypeMembers(loss.Name + "Loss").SingleOrDefault();
            Assert.True(descriptor is not null, $"{type.Name}.{loss.Name}Loss was not generated");
            Assert.Contains(descriptor!.AllInterfaces, i => i.Name == "ILossModel");
        }
    }

    [Fact]
    public void WholeCorpusHasNoAnalyzerDiagnostics()
    {
        var sources = CorpusFiles().Select(File.ReadAllText).ToArray();

        var diagnostics = Harness.Analyze(sources);

        Assert.True(diagnostics.IsEmpty, string.Join("\n", diagnostics.Select(d => d.ToString())));
    }
}
