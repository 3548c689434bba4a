using System.Collections.Immutable;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace Downhill.Generators.Tests;

/// <summary>The result of running the generator over an in-memory compilation.</summary>
/// <param name="Driver">The driver after the run (run it again for incrementality).</param>
/// <param name="Input">The compilation the generator saw.</param>
/// <param name="Output">The compilation with the generated sources added.</param>
/// <param name="GeneratorDiagnostics">What the generator reported.</param>
/// <param name="Result">The generator's own run result: generated sources and tracked steps.</param>
internal sealed record GeneratorRun(
    GeneratorDriver Driver,
    CSharpCompilation Input,
    Compilation Output,
    ImmutableArray<Diagnostic> GeneratorDiagnostics,
    GeneratorRunResult Result)
{
    /// <summary>Every generated source, in hint-name order, each under a header line with its hint name.</summary>
    public string GeneratedText()
    {
        var sb = new StringBuilder();
        foreach (var source in Result.GeneratedSources.OrderBy(s => s.HintName, StringComparer.Ordinal))
        {
            sb.Append("// ---- ").Append(source.HintName).Append(" ----\n");
            sb.Append(source.SourceText.ToString().ReplaceLineEndings("\n"));
            if (sb[^1] != '\n')
            {
                sb.Append('\n');
            }
        }

        return sb.ToString();
    }

    /// <summary>Errors and warnings of the output compilation.</summary>
    public IReadOnlyList<Diagnostic> OutputProblems() =>
        [.. Output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning)];
}

/// <summary>Compiles sources in memory against the .NET reference set and Downhill.Runtime, and runs the generator or the analyzer.</summary>
internal static class Harness
{
    /// <summary>What the SDK's implicit usings give a project, so that test sources read like user code.</summary>
    private const string GlobalUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Threading;
        global using System.Threading.Tasks;
        """;

    public static CSharpParseOptions ParseOptions { get; } = new(LanguageVersion.Latest);

    private static readonly ImmutableArray<MetadataReference> References = LoadReferences();

    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        // The framework's assemblies (from the trusted platform list, only those of the shared framework) and the runtime.
        string frameworkDir = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var tpa = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        var paths = tpa.Where(p => string.Equals(Path.GetDirectoryName(p), frameworkDir, StringComparison.Ordinal))
            .Where(p => !Path.GetFileName(p).StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal))
            .Append(typeof(LossAttribute).Assembly.Location);
        return [.. paths.Distinct().Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))];
    }

    /// <summary>A syntax tree of a source, with a path so that diagnostics name it.</summary>
    public static SyntaxTree Parse(string source, string path = "Test.cs") =>
        CSharpSyntaxTree.ParseText(source, ParseOptions, path: path);

    /// <summary>A library compilation of the trees (plus the global usings) with nullable enabled and unsafe allowed.</summary>
    public static CSharpCompilation Compile(IEnumerable<SyntaxTree> trees) =>
        CSharpCompilation.Create(
            "Downhill.GeneratorTests.Input",
            trees.Prepend(Parse(GlobalUsings, "GlobalUsings.g.cs")),
            References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, allowUnsafe: true));

    /// <summary>A driver of the derivative generator that tracks its incremental steps.</summary>
    public static GeneratorDriver CreateDriver() =>
        CSharpGeneratorDriver.Create(
            [new DerivativeGenerator().AsSourceGenerator()],
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs the generator over a compilation, with a given driver (a later run of an earlier one) or a new one.</summary>
    public static GeneratorRun Run(CSharpCompilation compilation, GeneratorDriver? driver = null)
    {
        driver = (driver ?? CreateDriver()).RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        var result = driver.GetRunResult().Results.Single();
        return new GeneratorRun(driver, compilation, output, diagnostics, result);
    }

    /// <summary>Runs the generator over sources.</summary>
    public static GeneratorRun Run(params string[] sources) =>
        Run(Compile(sources.Select((s, i) => Parse(s, $"Source{i}.cs"))));

    /// <summary>The analyzer's diagnostics over sources.</summary>
    public static ImmutableArray<Diagnostic> Analyze(params string[] sources)
    {
        var compilation = Compile(sources.Select((s, i) => Parse(s, $"Source{i}.cs")));
        var withAnalyzers = compilation.WithAnalyzers([new LossDeclarationAnalyzer()]);
        return withAnalyzers.GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
    }

    /// <summary>Removes <c>[|</c> and <c>|]</c> from a source and returns where they were (the expected span).</summary>
    public static (string Source, TextSpan Span) Markup(string markup)
    {
        int start = markup.IndexOf("[|", StringComparison.Ordinal);
        int end = markup.IndexOf("|]", StringComparison.Ordinal);
        if (start < 0 || end < start)
        {
            throw new ArgumentException("The source must mark one span with [| and |].", nameof(markup));
        }

        string source = markup.Remove(end, 2).Remove(start, 2);
        return (source, TextSpan.FromBounds(start, end - 2));
    }
}
