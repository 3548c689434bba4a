using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Downhill.Generators.Ir;
using Downhill.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Downhill.Generators;

/// <summary>
/// The shape a [Loss], [Differentiable] or [Monitor] declaration must have. The analyzer reports every
/// violation as the user types; the generator asks the same questions and generates nothing for a bad shape.
/// </summary>
internal static class DeclarationRules
{
    private static bool Has(ISymbol symbol, string attribute) => symbol.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == attribute);

    public static ArgKind KindOf(IParameterSymbol p) => Has(p, WellKnownTypeNames.ParamAttribute) ? ArgKind.Param : Has(p, WellKnownTypeNames.HyperAttribute) ? ArgKind.Hyper : ArgKind.Data;

    /// <summary>The IR type of an argument type, or null when the language has none for it.</summary>
    public static IrType? TypeOf(ITypeSymbol type)
    {
        switch (type.SpecialType)
        {
            case SpecialType.System_Double:
            case SpecialType.System_Single:
                return IrType.Real;
            case SpecialType.System_Int32:
                return IrType.Int;
        }

        if (type is INamedTypeSymbol { IsGenericType: true } named && named.OriginalDefinition.ToDisplayString() == "System.ReadOnlySpan<T>")
        {
            return named.TypeArguments[0].SpecialType switch
            {
                SpecialType.System_Double or SpecialType.System_Single => IrType.RealArray,
                SpecialType.System_Int32 => IrType.IntArray,
                _ => null,
            };
        }

        return null;
    }

    /// <summary>The IR type of a <c>Span&lt;T&gt;</c> helper argument (one the helper writes into), or null.</summary>
    private static IrType? WritableSpanOf(ITypeSymbol type) =>
        type is INamedTypeSymbol { IsGenericType: true } named && named.OriginalDefinition.ToDisplayString() == "System.Span<T>"
            ? named.TypeArguments[0].SpecialType switch
            {
                SpecialType.System_Double or SpecialType.System_Single => IrType.RealArray,
                SpecialType.System_Int32 => IrType.IntArray,
                _ => null,
            }
            : null;

    private static bool IsReal(ITypeSymbol t) => t.SpecialType is SpecialType.System_Double or SpecialType.System_Single;

    private static SpecialType ElementOf(ITypeSymbol t) =>
        t is INamedTypeSymbol { IsGenericType: true } named && named.TypeArguments.Length == 1 ? named.TypeArguments[0].SpecialType : t.SpecialType;

    /// <summary>Every problem of a [Loss] declaration (empty when it is well formed).</summary>
    public static List<DiagnosticInfo> CheckLoss(IMethodSymbol method, CancellationToken cancellationToken) => Check(method, isLoss: true, cancellationToken);

    /// <summary>Every problem of a [Differentiable] declaration.</summary>
    public static List<DiagnosticInfo> CheckHelper(IMethodSymbol method, CancellationToken cancellationToken) => Check(method, isLoss: false, cancellationToken);

    private static DiagnosticInfo Info(DiagnosticDescriptor descriptor, SyntaxNode node, params string[] args) =>
        new(descriptor.Id, DiagnosticInfo.LocOf(node), new EquatableArray<string>(args));

    private static DiagnosticInfo Info(DiagnosticDescriptor descriptor, SyntaxToken token, params string[] args) =>
        new(descriptor.Id, DiagnosticInfo.LocOf(token), new EquatableArray<string>(args));

    private static List<DiagnosticInfo> Check(IMethodSymbol method, bool isLoss, CancellationToken cancellationToken)
    {
        var found = new List<DiagnosticInfo>();
        var syntax = method.DeclaringSyntaxReferences.Select(r => r.GetSyntax(cancellationToken)).OfType<MethodDeclarationSyntax>().FirstOrDefault();
        if (syntax is null)
        {
            return found;
        }

        if (!method.IsStatic)
        {
            found.Add(Info(DiagnosticDescriptors.MustBeStatic, syntax.Identifier, method.Name));
        }

        // A loss's derivatives are added to its type, so the type and every type around it must be partial.
        // The Program class of top-level statements is declared by the compilation unit; it is partial.
        for (var type = method.ContainingType; isLoss && type is not null; type = type.ContainingType)
        {
            bool partial = type.DeclaringSyntaxReferences.All(r => r.GetSyntax(cancellationToken) switch
            {
                CompilationUnitSyntax => true,
                TypeDeclarationSyntax t => t.Modifiers.Any(SyntaxKind.PartialKeyword),
                _ => false,
            });
            if (!partial)
            {
                found.Add(Info(DiagnosticDescriptors.TypeMustBePartial, syntax.Identifier, type.Name, method.Name));
                break;
            }
        }

        if (method.IsGenericMethod)
        {
            found.Add(Info(DiagnosticDescriptors.UnsupportedDeclaration, syntax.TypeParameterList ?? (SyntaxNode)syntax, method.Name, "it is generic; write it for double (or float) without type parameters"));
        }

        if (isLoss)
        {
            var overloads = method.ContainingType.GetMembers(method.Name).OfType<IMethodSymbol>().Where(m => m.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == WellKnownTypeNames.LossAttribute)).ToList();
            if (overloads.Count > 1)
            {
                found.Add(Info(DiagnosticDescriptors.UnsupportedDeclaration, syntax.Identifier, method.Name, $"{overloads.Count} [Loss] methods of '{method.ContainingType.Name}' are named '{method.Name}' and their generated members would clash; give each loss its own name"));
            }
        }

        CheckSignature(method, syntax, isLoss, found);
        return found;
    }

    private static void CheckSignature(IMethodSymbol method, MethodDeclarationSyntax syntax, bool isLoss, List<DiagnosticInfo> found)
    {
        // A helper may return nothing and write into the Span<T> arguments it is given (Fn.Softmax(z, p), say).
        bool writesOnly = !isLoss && method.ReturnsVoid;
        if (!IsReal(method.ReturnType) && !writesOnly)
        {
            found.Add(Info(DiagnosticDescriptors.UnsupportedReturnType, syntax.ReturnType, method.Name, method.ReturnType.ToDisplayString()));
            return;
        }

        bool isFloat = writesOnly
            ? method.Parameters.Select(p => IsReal(p.Type) ? p.Type.SpecialType : ElementOf(p.Type)).FirstOrDefault(t => t is SpecialType.System_Double or SpecialType.System_Single) == SpecialType.System_Single
            : method.ReturnType.SpecialType == SpecialType.System_Single;
        for (int k = 0; k < method.Parameters.Length; k++)
        {
            var p = method.Parameters[k];
            var parameterSyntax = syntax.ParameterList.Parameters[k];
            SyntaxNode location = parameterSyntax.Type ?? (SyntaxNode)parameterSyntax;
            var kind = KindOf(p);
            var type = TypeOf(p.Type) ?? (isLoss ? null : WritableSpanOf(p.Type));
            string? problem = null;
            if (p.IsParams)
            {
                problem = "'params' is not supported; take a ReadOnlySpan<double> (without params) instead";
            }
            else if (p.RefKind != RefKind.None)
            {
                problem = $"'{RefKindText(p.RefKind)}' arguments are not supported; arguments are passed by value (a span is passed as a ReadOnlySpan)";
            }
            else if (Has(p, WellKnownTypeNames.ParamAttribute) && Has(p, WellKnownTypeNames.HyperAttribute))
            {
                problem = "an argument is either a [Param] (trained) or a [Hyper] (fixed during training), not both; remove one of the attributes";
            }
            else if (type is null)
            {
                problem = "it is not a double/float scalar, an int, or a ReadOnlySpan of them";
            }
            else if (kind == ArgKind.Param && type is not (IrType.Real or IrType.RealArray))
            {
                problem = "a [Param] is a double/float scalar or a ReadOnlySpan<double>/ReadOnlySpan<float>";
            }
            else if (kind == ArgKind.Hyper && type is not IrType.Real)
            {
                problem = "a [Hyper] is a double/float scalar";
            }
            else if (!isLoss && kind != ArgKind.Data)
            {
                problem = "[Param] and [Hyper] mark a loss's arguments; a [Differentiable] helper differentiates all its real arguments";
            }

            if (problem is not null)
            {
                found.Add(Info(DiagnosticDescriptors.UnsupportedArgumentType, location, p.Name, p.Type.ToDisplayString(), problem));
                continue;
            }

            var element = type is IrType.Real ? p.Type.SpecialType : ElementOf(p.Type);
            if (element is SpecialType.System_Double or SpecialType.System_Single && (element == SpecialType.System_Single) != isFloat)
            {
                string real = isFloat ? "float" : "double";
                found.Add(Info(DiagnosticDescriptors.MixedPrecision, location, $"Argument '{p.Name}'", p.Type.ToDisplayString(), $"the {real} {(isLoss ? "loss" : "helper")}", method.Name,
                    $"declare it with {real} in place of {(isFloat ? "double" : "float")}; a {real} {(isLoss ? "loss" : "helper")} computes in {real} throughout"));
            }
        }

        if (isLoss && found.Count == 0 && !method.Parameters.Any(p => KindOf(p) == ArgKind.Param))
        {
            found.Add(Info(DiagnosticDescriptors.NoParam, syntax.Identifier, method.Name));
        }
    }

    private static string RefKindText(RefKind kind) => kind switch
    {
        RefKind.Out => "out",
        RefKind.In => "in",
        RefKind.RefReadOnlyParameter => "ref readonly",
        _ => "ref",
    };

    public static bool IsValidHelper(IMethodSymbol method, CancellationToken cancellationToken) => CheckHelper(method, cancellationToken).Count == 0;

    /// <summary>Whether a monitor takes only the [Param] arguments (true), all arguments (false), or is invalid (null).</summary>
    public static bool? MonitorShape(IMethodSymbol monitor, IMethodSymbol loss) => MonitorProblem(monitor, loss, out bool paramsOnly) is null ? paramsOnly : null;

    /// <summary>What is wrong with a monitor, or null.</summary>
    public static string? MonitorProblem(IMethodSymbol monitor, IMethodSymbol loss, out bool paramsOnly)
    {
        paramsOnly = false;
        if (!monitor.IsStatic)
        {
            return "it must be static";
        }

        if (!IsReal(monitor.ReturnType))
        {
            return "it must return double or float";
        }

        static bool Same(IParameterSymbol a, IParameterSymbol b) => SymbolEqualityComparer.Default.Equals(a.Type, b.Type);
        var all = loss.Parameters;
        var onlyParams = loss.Parameters.Where(p => KindOf(p) == ArgKind.Param).ToList();
        var mine = monitor.Parameters;
        if (mine.Length == all.Length && mine.Zip(all, Same).All(x => x))
        {
            return null;
        }

        if (mine.Length == onlyParams.Count && mine.Zip(onlyParams, Same).All(x => x))
        {
            paramsOnly = true;
            return null;
        }

        return $"its arguments must be those of '{loss.Name}' or only its [Param] arguments, in order";
    }
}
