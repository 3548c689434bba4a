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
            if (args.FirstOrDefault(a => !a.RefKindKeyword.IsKind(SyntaxKind.None)) is { } byRef)
            {
                string keyword = byRef.RefKindKeyword.ValueText;
                string problem;
                if (byRef.RefKindKeyword.IsKind(SyntaxKind.OutKeyword))
                {
                    string result = byRef.Expression is DeclarationExpressionSyntax { Designation: SingleVariableDesignationSyntax one } ? "var " + one.Identifier.ValueText : byRef.Expression.ToString();
                    string rest = string.Join(", ", args.Where(a => a.RefKindKeyword.IsKind(SyntaxKind.None)).Select(a => a.ToString()));
                    problem = $"out arguments are not supported; a [Differentiable] method gives one result, its return value: return the value (one method per result) and assign it, '{result} = {invocation.Expression}({rest});'";
                }
                else
                {
                    problem = $"'{keyword}' arguments are not supported; arguments are passed by value: write '{byRef.Expression}' without '{keyword}'";
                }

                Report(DiagnosticDescriptors.UnsupportedExpression, byRef, problem);
                Unsupported(invocation.ArgumentList);
                return Default(OperandType(target.ReturnType) is var rt && rt != (IrType)255 ? rt : IrType.Real);
            }

            if (args.FirstOrDefault(a => a.NameColon is not null) is { } named)
            {
                Report(DiagnosticDescriptors.UnsupportedExpression, named, $"named arguments are not supported; pass the arguments in order, without '{named.NameColon!.Name}:'");
                return Atom.Real(0);
            }

            if (container is "double" or "float" && args.Count == 1 && FloatTests.Contains(target.Name))
            {
                return LowerFloatTest(invocation, target);
            }

            if (container is "double" or "float")
            {
                string known = OpInfo.All.Any(i => i.MathName == target.Name) || target.Name is "Clamp" or "FusedMultiplyAdd"
                    ? $"write {(isFloat ? "MathF" : "Math")}.{target.Name} (the loss language knows the Math/MathF functions)"
                    : $"of {container}'s methods the loss language has {string.Join(", ", FloatTests)} (as conditions); write the test with comparisons";
                Report(DiagnosticDescriptors.UnknownMethod, invocation, container + "." + target.Name, known);
                return Default(OperandType(target.ReturnType) is var dt && dt != (IrType)255 ? dt : IrType.Real);
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

        /// <summary>The double/float tests a loss may use in conditions, in the order messages list them.</summary>
        private static readonly string[] FloatTests = ["IsNaN", "IsInfinity", "IsPositiveInfinity", "IsNegativeInfinity", "IsFinite"];

        /// <summary>
        /// double.IsNaN and its siblings as comparisons (no new IR operation, no derivative): comparisons with NaN are
        /// false, so NaN is the one value not at least -infinity (not x != x, which the compiler warns about), and the
        /// infinities are the values beyond MaxValue.
        /// </summary>
        private Atom LowerFloatTest(InvocationExpressionSyntax invocation, IMethodSymbol target)
        {
            if ((target.Parameters[0].Type.SpecialType == SpecialType.System_Single) != isFloat)
            {
                ReportPrecision(invocation, $"uses {Real}.{target.Name}");
                return Atom.Bool(false);
            }

            var x = LowerAs(invocation.ArgumentList.Arguments[0].Expression, IrType.Real);
            var max = Atom.Real(isFloat ? float.MaxValue : double.MaxValue);
            var min = Atom.Real(isFloat ? float.MinValue : double.MinValue);
            return target.Name switch
            {
                "IsNaN" => Emit(Op.Not, IrType.Bool, Emit(Op.Ge, IrType.Bool, x, Atom.Real(double.NegativeInfinity))),
                "IsPositiveInfinity" => Emit(Op.Gt, IrType.Bool, x, max),
                "IsNegativeInfinity" => Emit(Op.Lt, IrType.Bool, x, min),
                "IsInfinity" => Emit(Op.Or, IrType.Bool, Emit(Op.Gt, IrType.Bool, x, max), Emit(Op.Lt, IrType.Bool, x, min)),
                _ => Emit(Op.And, IrType.Bool, Emit(Op.Ge, IrType.Bool, x, min), Emit(Op.Le, IrType.Bool, x, max)),
            };
        }

        private Atom LowerHelperCall(InvocationExpressionSyntax invocation, IMethodSymbol target)
        {
            target = target.OriginalDefinition;
            bool library = false;
            if (StandardLibrary.IsLibraryFunction(target) && StandardLibrary.SourceOf(parser.compilation, target) is { } source)
            {
                // Fn's span functions: their bodies come from the runtime's source, embedded in the generator.
                target = source;
                library = true;
            }

            string helper = parser.HelperName(target, out bool isNew);
            if (isNew)
            {
                var declaration = target.DeclaringSyntaxReferences.Select(r => r.GetSyntax(parser.cancellationToken)).OfType<MethodDeclarationSyntax>().FirstOrDefault();
                if (declaration is null || !target.IsStatic || !target.ReturnsVoid && target.ReturnType.SpecialType is not (SpecialType.System_Double or SpecialType.System_Single))
                {
                    string why = target.MethodKind == MethodKind.LocalFunction
                        ? "it is a local function; declare it as a static [Differentiable] method of a class instead"
                        : declaration is null
                            ? "its source is not in this project (it comes from a referenced assembly); write the helper in this project"
                            : "a [Differentiable] helper must be static and return double, float or void";
                    Report(DiagnosticDescriptors.UnknownMethod, invocation, target.MethodKind == MethodKind.LocalFunction ? target.Name : target.ContainingType.Name + "." + target.Name, why);
                    return Atom.Real(0);
                }

                if (!target.ReturnsVoid && (target.ReturnType.SpecialType == SpecialType.System_Single) != isFloat)
                {
                    ReportPrecision(invocation, $"'{invocation}'", $"a [Differentiable] helper called from {LossKind} returns {Real}; declare '{target.Name}' to return {Real}");
                    return Atom.Real(0);
                }

                var helperModel = StandardLibrary.Holding(parser.compilation, declaration.SyntaxTree).GetSemanticModel(declaration.SyntaxTree);
                int errorsBefore = parser.diagnostics.Count(d => DiagnosticDescriptors.ById(d.Info.Id).DefaultSeverity == DiagnosticSeverity.Error);
                var builder = new FunctionBuilder(parser, target, declaration, helperModel, helper, isMain: false);
                var function = builder.Build();
                int errorsAfter = parser.diagnostics.Count(d => DiagnosticDescriptors.ById(d.Info.Id).DefaultSeverity == DiagnosticSeverity.Error);
                if (errorsAfter > errorsBefore)
                {
                    parser.HelperFailed = true;
                    if (library)
                    {
                        // The user cannot fix the library's source: say so where it is called.
                        Report(DiagnosticDescriptors.InternalError, invocation, method.Name, $"the library function 'Fn.{target.Name}' could not be read as a differentiable method");
                    }
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
                    bool writes = IsWritableSpan(parametersOfTarget[k].Type);
                    if (writes && array is not null && !IsWritableArray(array))
                    {
                        Report(DiagnosticDescriptors.UnsupportedExpression, arguments[k], $"'{arguments[k]}' is passed to the parameter '{parametersOfTarget[k].Name}' of '{target.Name}', which writes into it; pass a local scratch array ('new {Real}[n]' or 'stackalloc {Real}[n]')");
                    }

                    args.Add(new CallArg(array is null ? Atom.Real(0) : Atom.Of(array), writes ? ParamMode.SpanInOut : ParamMode.Span));
                }
                else if (pt is { } scalar)
                {
                    args.Add(new CallArg(LowerAs(arguments[k].Expression, scalar), ParamMode.In));
                }
            }

            ReportAliasedOutputs(invocation, target, args);
            if (target.ReturnsVoid)
            {
                Current.Add(new Call(null, helper, args.ToEquatableArray()));
                return Atom.Real(0);
            }

            var result = Temp(IrType.Real);
            Current.Add(new Call(result, helper, args.ToEquatableArray()));
            return Atom.Of(result);
        }
    }

    /// <summary>
    /// A user's expression rewritten in the loss's real type, for DH0011's fix: casts to the other type dropped,
    /// constants given the loss's suffix, Math/MathF and double/float members switched (where the target has them).
    /// </summary>
    private sealed class Retype(bool toFloat, Func<string, bool> mathFHas) : CSharpSyntaxRewriter
    {
        public override SyntaxNode? VisitCastExpression(CastExpressionSyntax node) =>
            node.Type is PredefinedTypeSyntax t && t.Keyword.IsKind(toFloat ? SyntaxKind.DoubleKeyword : SyntaxKind.FloatKeyword)
                ? Visit(node.Expression)!.WithTriviaFrom(node)
                : base.VisitCastExpression(node);

        public override SyntaxNode? VisitLiteralExpression(LiteralExpressionSyntax node)
        {
            string text = node.Token.Text;
            if (!node.IsKind(SyntaxKind.NumericLiteralExpression))
            {
                return node;
            }

            if (toFloat && node.Token.Value is double)
            {
                return node.WithToken(SyntaxFactory.ParseToken(text.TrimEnd('d', 'D') + "f").WithTriviaFrom(node.Token));
            }

            if (!toFloat && node.Token.Value is float)
            {
                return node.WithToken(SyntaxFactory.ParseToken(text.TrimEnd('f', 'F')).WithTriviaFrom(node.Token));
            }

            return node;
        }

        public override SyntaxNode? VisitMemberAccessExpression(MemberAccessExpressionSyntax node)
        {
            string name = node.Name.Identifier.ValueText;
            string? container = node.Expression switch
            {
                IdentifierNameSyntax id => id.Identifier.ValueText,
                PredefinedTypeSyntax p => p.Keyword.ValueText,
                _ => null,
            };
            string? replacement = (container, toFloat) switch
            {
                ("Math", true) when mathFHas(name) => "MathF",
                ("MathF", false) => "Math",
                ("double", true) => "float",
                ("float", false) => "double",
                _ => null,
            };
            return replacement is null
                ? base.VisitMemberAccessExpression(node)
                : node.WithExpression(SyntaxFactory.ParseExpression(replacement).WithTriviaFrom(node.Expression));
        }
    }
}
