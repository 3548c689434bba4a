using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using Downhill.Generators.Emit;
using Downhill.Generators.Ir;
using Downhill.Generators.Model;
using Downhill.Generators.Parse;
using Downhill.Generators.Transform;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace Downhill.Generators;

/// <summary>
/// Writes the exact derivatives of every <c>[Loss]</c> method (reverse, forward, forward over reverse, and
/// the full variants for hypergradients) and its descriptor type. Problems in a body become diagnostics at
/// their exact span; the generator itself never throws.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class DerivativeGenerator : IIncrementalGenerator
{
    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // Two pipelines from one parse (as System.Text.Json's generator): the source pipeline carries no source
        // positions, so an edit above a loss (a comment) leaves the spec equal and everything after it cached;
        // only the diagnostics pipeline, which needs the positions, runs again.
        var parses = context.SyntaxProvider
            .ForAttributeWithMetadataName(WellKnownTypeNames.LossAttribute, static (node, _) => node is MethodDeclarationSyntax, static (ctx, ct) => BuildLoss(ctx, ct));

        var lossDiagnostics = parses
            .Select(static (parse, _) => parse.Diagnostics)
            .WithTrackingName(TrackingNames.LossDiagnostics);
        context.RegisterSourceOutput(lossDiagnostics, static (spc, diagnostics) =>
        {
            foreach (var d in diagnostics)
            {
                spc.ReportDiagnostic(d.ToDiagnostic());
            }
        });

        var losses = parses
            .Select(static (parse, _) => parse.Spec)
            .WithTrackingName(TrackingNames.LossModels);

        // [Loss] on a local function or a lambda: nothing is generated, but the user is told why.
        var misplaced = context.SyntaxProvider
            .ForAttributeWithMetadataName(WellKnownTypeNames.LossAttribute, static (node, _) => node is LocalFunctionStatementSyntax or AnonymousFunctionExpressionSyntax, static (ctx, _) => MisplacedLoss(ctx));
        context.RegisterSourceOutput(misplaced, static (spc, d) => spc.ReportDiagnostic(d.ToDiagnostic()));

        var helpers = context.SyntaxProvider
            .ForAttributeWithMetadataName(WellKnownTypeNames.DifferentiableAttribute, static (node, _) => node is MethodDeclarationSyntax, static (ctx, ct) => BuildHelper(ctx, ct))
            .WithTrackingName(TrackingNames.HelperModels);

        var options = context.CompilationProvider
            .Select(static (compilation, _) => ReadOptions(compilation))
            .WithTrackingName(TrackingNames.TrainingOptions);

        var outputs = losses.Combine(options).WithTrackingName(TrackingNames.LossOutputs);

        var sources = outputs
            .Select(static (pair, _) => Write(pair.Left, pair.Right))
            .WithTrackingName(TrackingNames.LossSources);

        context.RegisterSourceOutput(helpers, static (spc, helper) =>
        {
            foreach (var d in helper.Diagnostics)
            {
                spc.ReportDiagnostic(d.ToDiagnostic());
            }
        });

        context.RegisterSourceOutput(sources, static (spc, source) =>
        {
            if (source.Text is not null)
            {
                spc.AddSource(source.HintName, SourceText.From(source.Text, Encoding.UTF8));
            }
        });

        ReportCudaFallbacks(sources, parses, context);

        // An emitter failure (never expected) is reported at its loss: only then is a position looked up.
        var failures = sources
            .Where(static source => source.Error is not null)
            .Combine(parses.Select(static (parse, _) => (parse.Spec.HintName, parse.Spec.MethodName, parse.Location)).Collect());
        context.RegisterSourceOutput(failures, static (spc, pair) =>
        {
            foreach (var (hint, method, location) in pair.Right)
            {
                if (hint == pair.Left.HintName)
                {
                    spc.ReportDiagnostic(new DiagnosticInfo(DiagnosticDescriptors.InternalError.Id, location, new EquatableArray<string>([method, pair.Left.Error!])).ToDiagnostic());
                }
            }
        });
    }

    private static void ReportCudaFallbacks(IncrementalValuesProvider<LossSource> sources, IncrementalValuesProvider<LossParse> parses, IncrementalGeneratorInitializationContext context)
    {
        // DH0017 (info): a loss the CUDA emitter cannot express runs on the CPU; reported at the loss's name.
        var fallbacks = sources
            .Where(static source => source.CudaReason is not null)
            .Combine(parses.Select(static (parse, _) => (parse.Spec.HintName, parse.Spec.MethodName, parse.Location)).Collect());
        context.RegisterSourceOutput(fallbacks, static (spc, pair) =>
        {
            foreach (var (hint, method, location) in pair.Right)
            {
                if (hint == pair.Left.HintName)
                {
                    spc.ReportDiagnostic(new DiagnosticInfo(DiagnosticDescriptors.CudaUnavailable.Id, location, new EquatableArray<string>([method, pair.Left.CudaReason!])).ToDiagnostic());
                }
            }
        });
    }

    private static DiagnosticInfo MisplacedLoss(GeneratorAttributeSyntaxContext context)
    {
        var (where, name, what) = context.TargetNode switch
        {
            LocalFunctionStatementSyntax f => (DiagnosticInfo.LocOf(f.Identifier), f.Identifier.Text, "it is a local function (a top-level statement's function is one too)"),
            _ => (DiagnosticInfo.LocOf(context.TargetNode), "lambda", "it is a lambda"),
        };
        return new DiagnosticInfo(
            DiagnosticDescriptors.UnsupportedDeclaration.Id,
            where,
            new EquatableArray<string>([name, what + "; declare it as a static method of a partial class, for example 'static partial class Losses { [Loss] public static double " + (name == "lambda" ? "MyLoss" : name) + "(...) ... }'"]));
    }

    private static LossSource Write(LossGenerationSpec loss, OptionsModel options)
    {
        if (loss.Main is null)
        {
            return new LossSource(loss.HintName, null, null);
        }

        try
        {
            string text = LossEmitter.Emit(loss, options, out string? cudaReason);
            return new LossSource(loss.HintName, text, null, cudaReason);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return new LossSource(loss.HintName, null, ex.GetType().Name + ": " + ex.Message);
        }
    }

    private static LossParse BuildLoss(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var method = (IMethodSymbol)context.TargetSymbol;
        var syntax = (MethodDeclarationSyntax)context.TargetNode;
        var location = DiagnosticInfo.LocOf(syntax.Identifier);
        var types = ContainingTypes(method.ContainingType);
        string? ns = method.ContainingNamespace.IsGlobalNamespace ? null : method.ContainingNamespace.ToDisplayString();
        bool isFloat = method.ReturnType.SpecialType == SpecialType.System_Single;
        var empty = new LossGenerationSpec(ns, types, method.Name, Accessibility(method), isFloat, EquatableArray<ArgInfo>.Empty, EquatableArray<MonitorInfo>.Empty, null, EquatableArray<IrFunction>.Empty, EquatableArray<string>.Empty);
        try
        {
            // A declaration of the wrong shape is reported here (not by the analyzer: the compiler drops
            // analyzer diagnostics once any declaration error exists, and these explain such errors); nothing
            // is generated for it.
            var problems = DeclarationRules.CheckLoss(method, cancellationToken);
            problems.AddRange(MonitorProblems(method, cancellationToken));
            if (problems.Count == 0)
            {
                problems.AddRange(GeneratedNames.Clashes(method, syntax));
            }

            if (problems.Count > 0)
            {
                return new LossParse(empty, problems.ToEquatableArray(), location);
            }

            var args = method.Parameters.Select(p => new ArgInfo(p.Name, DeclarationRules.KindOf(p), DeclarationRules.TypeOf(p.Type)!.Value)).ToEquatableArray();
            var monitors = Monitors(method).ToEquatableArray();
            var parsed = IrParser.Parse(method, syntax, context.SemanticModel, reportHelperDiagnostics: false, cancellationToken);
            var diagnostics = parsed.Diagnostics.ToList();
            if (parsed.Main is { } main)
            {
                diagnostics.AddRange(CastWarnings(main, parsed.MainLocations, args.Select(a => a.Kind == ArgKind.Param).ToArray()));
            }

            var spec = empty with
            {
                Args = args,
                Monitors = monitors,
                Main = parsed.Main,
                Helpers = parsed.Helpers,
                Kinks = KinkSites(diagnostics).ToEquatableArray(),
            };
            return new LossParse(spec, diagnostics.ToEquatableArray(), location);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return new LossParse(
                empty,
                new EquatableArray<DiagnosticInfo>([new DiagnosticInfo(DiagnosticDescriptors.InternalError.Id, location, new EquatableArray<string>([method.Name, ex.GetType().Name + ": " + ex.Message]))]),
                location);
        }
    }

    private static HelperModel BuildHelper(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var method = (IMethodSymbol)context.TargetSymbol;
        var syntax = (MethodDeclarationSyntax)context.TargetNode;
        try
        {
            // A [Loss, Differentiable] method is checked as a loss.
            bool isLoss = method.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == WellKnownTypeNames.LossAttribute);
            var problems = isLoss ? [] : DeclarationRules.CheckHelper(method, cancellationToken);
            if (problems.Count > 0 || !DeclarationRules.IsValidHelper(method, cancellationToken))
            {
                return new HelperModel(method.Name, problems.ToEquatableArray());
            }

            var parsed = IrParser.Parse(method, syntax, context.SemanticModel, reportHelperDiagnostics: true, cancellationToken);
            string path = syntax.SyntaxTree.FilePath;
            var span = syntax.Span;

            // Only this helper's own problems: a helper it calls reports its own.
            var own = parsed.Diagnostics.Where(d => d.Location is { } l && l.Path == path && l.Start >= span.Start && l.Start < span.End && d.Id != DiagnosticDescriptors.KinkInSecondOrder.Id).ToList();
            if (parsed.Main is { } main)
            {
                own.AddRange(CastWarnings(main, parsed.MainLocations, main.Params.Select(_ => true).ToArray()));
            }

            return new HelperModel(method.Name, own.ToEquatableArray());
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return new HelperModel(method.Name, new EquatableArray<DiagnosticInfo>([new DiagnosticInfo(DiagnosticDescriptors.InternalError.Id, DiagnosticInfo.LocOf(syntax.Identifier), new EquatableArray<string>([method.Name, ex.GetType().Name + ": " + ex.Message]))]));
        }
    }

    /// <summary>The source and line of each DH0012 kink, as the descriptor's <c>Kinks</c> lists them.</summary>
    private static IEnumerable<string> KinkSites(IEnumerable<DiagnosticInfo> diagnostics) => diagnostics
        .Where(d => d.Id == DiagnosticDescriptors.KinkInSecondOrder.Id && d.Location is not null)
        .Select(d => d.Location!.Text + " (line " + (d.Location.StartLine + 1).ToString(System.Globalization.CultureInfo.InvariantCulture) + ")");

    /// <summary>DH0009 for each cast to int of a value that depends on the active arguments.</summary>
    private static IEnumerable<DiagnosticInfo> CastWarnings(IrFunction function, EquatableArray<SourceLoc> locations, bool[] mask)
    {
        var active = Activity.Analyze(function, mask);
        var found = new List<DiagnosticInfo>();
        foreach (var a in IrWalk.All(function.Body).OfType<Assign>())
        {
            if (a is { Op: Op.ToInt, Loc: >= 0 } && a.Args[0].Var is { } v && active.Contains(v))
            {
                var loc = locations[a.Loc];
                found.Add(new DiagnosticInfo(DiagnosticDescriptors.ActiveToIntegerCast.Id, loc, new EquatableArray<string>([loc.Text])));
            }
        }

        return found;
    }

    /// <summary>DH0013 for each [Monitor] of this loss whose shape does not match it.</summary>
    private static IEnumerable<DiagnosticInfo> MonitorProblems(IMethodSymbol loss, CancellationToken cancellationToken)
    {
        foreach (var member in loss.ContainingType.GetMembers().OfType<IMethodSymbol>())
        {
            foreach (var attribute in member.GetAttributes())
            {
                if (attribute.AttributeClass?.ToDisplayString() == WellKnownTypeNames.MonitorAttribute && attribute.ConstructorArguments.Length >= 1
                    && attribute.ConstructorArguments[0].Value as string == loss.Name
                    && DeclarationRules.MonitorProblem(member, loss, out _) is { } problem)
                {
                    var syntax = member.DeclaringSyntaxReferences.Select(r => r.GetSyntax(cancellationToken)).OfType<MethodDeclarationSyntax>().FirstOrDefault();
                    var where = syntax is null ? null : DiagnosticInfo.LocOf(syntax.Identifier);
                    yield return new DiagnosticInfo(DiagnosticDescriptors.InvalidMonitor.Id, where, new EquatableArray<string>([member.Name, problem]));
                }
            }
        }
    }

    private static IEnumerable<MonitorInfo> Monitors(IMethodSymbol loss)
    {
        foreach (var member in loss.ContainingType.GetMembers().OfType<IMethodSymbol>())
        {
            foreach (var attribute in member.GetAttributes())
            {
                if (attribute.AttributeClass?.ToDisplayString() != WellKnownTypeNames.MonitorAttribute || attribute.ConstructorArguments.Length < 1
                    || attribute.ConstructorArguments[0].Value as string != loss.Name)
                {
                    continue;
                }

                var shape = DeclarationRules.MonitorShape(member, loss);
                if (shape is null)
                {
                    continue;
                }

                string name = attribute.ConstructorArguments.Length > 1 && attribute.ConstructorArguments[1].Value is string n ? n : member.Name;
                yield return new MonitorInfo(name, member.Name, shape.Value);
            }
        }
    }

    private static EquatableArray<TypeDecl> ContainingTypes(INamedTypeSymbol type)
    {
        var list = new List<TypeDecl>();
        for (var t = type; t is not null; t = t.ContainingType)
        {
            string keyword = t.IsRecord ? (t.TypeKind == TypeKind.Struct ? "record struct" : "record") : t.TypeKind == TypeKind.Struct ? "struct" : t.TypeKind == TypeKind.Interface ? "interface" : "class";
            string name = Emit.LossEmitter.EscapeIdentifier(t.Name) + (t.TypeParameters.Length > 0 ? "<" + string.Join(", ", t.TypeParameters.Select(p => Emit.LossEmitter.EscapeIdentifier(p.Name))) + ">" : string.Empty);
            list.Insert(0, new TypeDecl(keyword, name));
        }

        return list.ToEquatableArray();
    }

    private static string Accessibility(IMethodSymbol method) => method.DeclaredAccessibility switch
    {
        Microsoft.CodeAnalysis.Accessibility.Public => "public",
        Microsoft.CodeAnalysis.Accessibility.Internal => "internal",
        Microsoft.CodeAnalysis.Accessibility.Protected => "protected",
        Microsoft.CodeAnalysis.Accessibility.ProtectedOrInternal => "protected internal",
        Microsoft.CodeAnalysis.Accessibility.ProtectedAndInternal => "private protected",
        _ => "private",
    };

    private static OptionsModel ReadOptions(Compilation compilation)
    {
        var type = compilation.GetTypeByMetadataName(WellKnownTypeNames.TrainingOptions);
        bool hasTrainer = compilation.GetTypeByMetadataName(WellKnownTypeNames.Trainer) is not null && type is not null;
        bool hasCheck = compilation.GetTypeByMetadataName(WellKnownTypeNames.GradientCheck) is not null && compilation.GetTypeByMetadataName(WellKnownTypeNames.GradientCheckOptions) is not null;
        var list = new List<OptionInfo>();
        if (type is not null)
        {
            foreach (var property in type.GetMembers().OfType<IPropertySymbol>())
            {
                if (property.IsStatic || property.DeclaredAccessibility != Microsoft.CodeAnalysis.Accessibility.Public
                    || property.SetMethod is not { DeclaredAccessibility: Microsoft.CodeAnalysis.Accessibility.Public, IsInitOnly: false })
                {
                    continue;
                }

                var t = property.Type;
                string display = t.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
                bool alreadyNullable = t.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T;
                list.Add(new OptionInfo(property.Name, alreadyNullable ? display : display + "?"));
            }
        }

        return new OptionsModel(hasTrainer, hasCheck, list.ToEquatableArray());
    }
}
