using Downhill.Generators.Parse;
using Microsoft.CodeAnalysis;

namespace Downhill.Generators.Tests;

/// <summary>The span functions' source, embedded in the generator: compiled once per process, complete and without errors.</summary>
public class StandardLibraryTests
{
    [Fact]
    public void LibraryIsCompiledOncePerProcessAndHoldsTheSourceOfEveryDifferentiableFunctionOfFn()
    {
        var first = Harness.Compile([Harness.Parse("public static class A { }")]);
        var second = Harness.Compile([Harness.Parse("public static class B { }")]);

        var library = StandardLibrary.CompilationFor(first);

        Assert.NotNull(library);
        Assert.Same(library, StandardLibrary.CompilationFor(second));
        var errors = library!.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors));

        // Every [Differentiable] function of the runtime's Fn (metadata in a user's compilation) has its declaration there.
        var fn = first.GetTypeByMetadataName("Downhill.Fn")!;
        var functions = fn.GetMembers().OfType<IMethodSymbol>()
            .Where(m => m.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "Downhill.DifferentiableAttribute"))
            .ToList();
        Assert.True(functions.Count >= 50, $"{functions.Count} functions");
        foreach (var function in functions)
        {
            Assert.True(StandardLibrary.IsLibraryFunction(function), function.ToDisplayString());
            var source = StandardLibrary.SourceOf(first, function);
            Assert.True(source is not null && source.DeclaringSyntaxReferences.Length == 1, function.ToDisplayString());
        }
    }
}
