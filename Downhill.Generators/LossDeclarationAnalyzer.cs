using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Downhill.Generators;

/// <summary>Checks the shape of [Loss], [Differentiable] and [Monitor] declarations as the user types.</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class LossDeclarationAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.MustBeStatic,
        DiagnosticDescriptors.TypeMustBePartial,
        DiagnosticDescriptors.UnsupportedReturnType,
        DiagnosticDescriptors.UnsupportedArgumentType,
        DiagnosticDescriptors.MixedPrecision,
        DiagnosticDescriptors.InvalidMonitor);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterSymbolAction(Analyze, SymbolKind.Method);
    }

    private static void Analyze(SymbolAnalysisContext context)
    {
        var method = (IMethodSymbol)context.Symbol;
        foreach (var attribute in method.GetAttributes())
        {
            switch (attribute.AttributeClass?.ToDisplayString())
            {
                case "Downhill.LossAttribute":
                    foreach (var d in DeclarationRules.CheckLoss(method, context.CancellationToken))
                    {
                        context.ReportDiagnostic(d);
                    }

                    break;
                case "Downhill.DifferentiableAttribute":
                    if (!method.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "Downhill.LossAttribute"))
                    {
                        foreach (var d in DeclarationRules.CheckHelper(method, context.CancellationToken))
                        {
                            context.ReportDiagnostic(d);
                        }
                    }

                    break;
                case "Downhill.MonitorAttribute":
                    CheckMonitor(context, method, attribute);
                    break;
            }
        }
    }

    private static void CheckMonitor(SymbolAnalysisContext context, IMethodSymbol monitor, AttributeData attribute)
    {
        var location = monitor.DeclaringSyntaxReferences.Select(r => r.GetSyntax(context.CancellationToken)).OfType<MethodDeclarationSyntax>().FirstOrDefault()?.Identifier.GetLocation()
            ?? monitor.Locations.FirstOrDefault();
        string? lossName = attribute.ConstructorArguments.Length > 0 ? attribute.ConstructorArguments[0].Value as string : null;
        var loss = monitor.ContainingType.GetMembers(lossName ?? string.Empty).OfType<IMethodSymbol>()
            .FirstOrDefault(m => m.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "Downhill.LossAttribute"));
        string? problem = loss is null
            ? $"no [Loss] method named '{lossName}' in '{monitor.ContainingType.Name}'"
            : DeclarationRules.MonitorProblem(monitor, loss, out _);
        if (problem is not null)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InvalidMonitor, location, monitor.Name, problem));
        }
    }
}
