using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Downhill.Generators.Ir;
using Downhill.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Downhill.Generators.Parse;

// Calls: which method an invocation names, and calls of [Differentiable] helpers (parsed once per loss).
internal sealed partial class IrParser
{
    private sealed partial class FunctionBuilder
    {
        // ---------------------------------------------------------------- calls

        private Atom LowerInvocation(InvocationExpressionSyntax invocation)
        {
            if (model.GetSymbolInfo(invocation, parser.cancellationToken).Symbol is not IMethodSymbol target)
            {
                Report(DiagnosticDescriptors.UnknownMethod, invocation, invocation.Expression.ToString(), "it is neither a Math/MathF/Fn function the generator knows nor a static method marked [Differentiable]; mark it [Differentiable] or use a known function");
                return Atom.Real(0);
            }

            string container = target.ContainingType?.ToDisplayString() ?? string.Empty;
            var args = invocation.ArgumentList.Arguments;
            if (args.Any(a => !a.RefKindKeyword.IsKind(SyntaxKind.None) || a.NameColon is not null))
            {
                Report(DiagnosticDescriptors.UnsupportedExpression, invocation, "arguments are passed by value and in order");
                return Atom.Real(0);
            }

            if (container is WellKnownTypeNames.Math or WellKnownTypeNames.MathF or WellKnownTypeNames.Fn)
            {
                var result = LowerIntrinsic(invocation, target, container);
                if (result is { } r)
                {
                    return r;
                }
            }

            if (target.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == WellKnownTypeNames.DifferentiableAttribute))
            {
                return LowerHelperCall(invocation, target);
            }

            string why = target.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == WellKnownTypeNames.LossAttribute)
                ? "it is a [Loss]; to call it from another loss, mark it [Loss, Differentiable]"
                : target.MethodKind == MethodKind.LocalFunction
                    ? "it is a local function; declare it as a static [Differentiable] method of a class instead"
                    : "it is neither a Math/MathF/Fn function the generator knows nor a static method marked [Differentiable]; mark it [Differentiable] or use a known function";
            Report(DiagnosticDescriptors.UnknownMethod, invocation, target.ContainingType is null || target.MethodKind == MethodKind.LocalFunction ? target.Name : target.ContainingType.Name + "." + target.Name, why);
            return Atom.Real(0);
        }

        private Atom LowerHelperCall(InvocationExpressionSyntax invocation, IMethodSymbol target)
        {
            target = target.OriginalDefinition;
            string helper = parser.HelperName(target, out bool isNew);
            if (isNew)
            {
                var declaration = target.DeclaringSyntaxReferences.Select(r => r.GetSyntax(parser.cancellationToken)).OfType<MethodDeclarationSyntax>().FirstOrDefault();
                if (declaration is null || !target.IsStatic || target.ReturnType.SpecialType is not (SpecialType.System_Double or SpecialType.System_Single))
                {
                    string why = target.MethodKind == MethodKind.LocalFunction
                        ? "it is a local function; declare it as a static [Differentiable] method of a class instead"
                        : declaration is null
                            ? "its source is not in this project (it comes from a referenced assembly); write the helper in this project"
                            : "a [Differentiable] helper must be static and return double or float";
                    Report(DiagnosticDescriptors.UnknownMethod, invocation, target.MethodKind == MethodKind.LocalFunction ? target.Name : target.ContainingType.Name + "." + target.Name, why);
                    return Atom.Real(0);
                }

                if ((target.ReturnType.SpecialType == SpecialType.System_Single) != isFloat)
                {
                    Report(DiagnosticDescriptors.MixedPrecision, invocation, invocation.ToString(), target.ReturnType.ToDisplayString(), method.Name, method.ReturnType.ToDisplayString());
                    return Atom.Real(0);
                }

                var helperModel = parser.compilation.GetSemanticModel(declaration.SyntaxTree);
                int errorsBefore = parser.diagnostics.Count(d => DiagnosticDescriptors.ById(d.Info.Id).DefaultSeverity == DiagnosticSeverity.Error);
                var builder = new FunctionBuilder(parser, target, declaration, helperModel, helper, isMain: false);
                var function = builder.Build();
                int errorsAfter = parser.diagnostics.Count(d => DiagnosticDescriptors.ById(d.Info.Id).DefaultSeverity == DiagnosticSeverity.Error);
                if (errorsAfter > errorsBefore)
                {
                    parser.HelperFailed = true;
                }

                parser.helpers.Add(function);
            }

            var args = new List<CallArg>();
            var parametersOfTarget = target.Parameters;
            var arguments = invocation.ArgumentList.Arguments;
            if (arguments.Count != parametersOfTarget.Length)
            {
                Report(DiagnosticDescriptors.UnsupportedExpression, invocation, "call [Differentiable] methods with every argument (optional and params arguments are not supported)");
                return Atom.Real(0);
            }

            for (int k = 0; k < arguments.Count; k++)
            {
                var pt = ClassifyType(parametersOfTarget[k].Type, arguments[k], report: true);
                if (pt is IrType.RealArray or IrType.IntArray)
                {
                    var array = LowerArrayName(arguments[k].Expression);
                    args.Add(new CallArg(array is null ? Atom.Real(0) : Atom.Of(array), ParamMode.Span));
                }
                else if (pt is { } scalar)
                {
                    args.Add(new CallArg(LowerAs(arguments[k].Expression, scalar), ParamMode.In));
                }
            }

            var result = Temp(IrType.Real);
            Current.Add(new Call(result, helper, args.ToEquatableArray()));
            return Atom.Of(result);
        }
    }
}
