using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Downhill.Generators;

/// <summary>Reports a [Monitor] that names no [Loss] of its type (the generator reports every other declaration problem).</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class LossDeclarationAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.InvalidMonitor);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterSymbolAction(Analyze, SymbolKind.Method);
    }

    // The shapes of [Loss] and [Differentiable] declarations, and of monitors of an existing loss, are reported
    // by the generator: the compiler drops analyzer diagnostics once any declaration error exists. Only a
    // monitor that names no loss is left here, since no loss's pipeline sees it.
    private static void Analyze(SymbolAnalysisContext context)
    {
        var monitor = (IMethodSymbol)context.Symbol;
        foreach (var attribute in monitor.GetAttributes())
        {
            if (attribute.AttributeClass?.ToDisplayString() != WellKnownTypeNames.MonitorAttribute)
            {
                continue;
            }

            string? lossName = attribute.ConstructorArguments.Length > 0 ? attribute.ConstructorArguments[0].Value as string : null;
            bool found = monitor.ContainingType.GetMembers(lossName ?? string.Empty).OfType<IMethodSymbol>()
                .Any(m => m.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == WellKnownTypeNames.LossAttribute));
            if (!found)
            {
                var location = monitor.DeclaringSyntaxReferences.Select(r => r.GetSyntax(context.CancellationToken)).OfType<MethodDeclarationSyntax>().FirstOrDefault()?.Identifier.GetLocation()
                    ?? monitor.Locations.FirstOrDefault();
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InvalidMonitor, location, monitor.Name, $"no [Loss] method named '{lossName}' in '{monitor.ContainingType.Name}'"));
            }
        }
    }
}
