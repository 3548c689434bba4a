using System.Collections.Generic;
using System.Linq;
using Downhill.Generators.Ir;
using Downhill.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Downhill.Generators.Parse;

// Helpers that write into a caller's scratch array (Span<T> parameters, void methods) and refused input (throw).
internal sealed partial class IrParser
{
    private sealed partial class FunctionBuilder
    {
        /// <summary>The exceptions a function may throw for bad input: a constant message is all they carry.</summary>
        private static readonly string[] Throwable = ["System.ArgumentException", "System.InvalidOperationException"];

        /// <summary>Whether <paramref name="type"/> is <c>Span&lt;T&gt;</c>: a helper parameter that the helper writes into.</summary>
        private static bool IsWritableSpan(ITypeSymbol type) =>
            type is INamedTypeSymbol { IsGenericType: true } named && named.OriginalDefinition.ToDisplayString() == "System.Span<T>";

        /// <summary>The element type of a void helper, from its first real or real-span parameter (a helper computes in one type).</summary>
        private static bool ComputesInFloat(IMethodSymbol method)
        {
            foreach (var p in method.Parameters)
            {
                var t = p.Type is INamedTypeSymbol { IsGenericType: true } named ? named.TypeArguments[0] : p.Type is IArrayTypeSymbol a ? a.ElementType : p.Type;
                if (t.SpecialType is SpecialType.System_Double or SpecialType.System_Single)
                {
                    return t.SpecialType == SpecialType.System_Single;
                }
            }

            return false;
        }

        /// <summary>Whether this function may hand <paramref name="array"/> to a callee that writes it: one of its scratch arrays or its own Span parameters.</summary>
        private bool IsWritableArray(string array) =>
            locals.Any(l => l.Name == array && l.Type is IrType.RealArray or IrType.IntArray)
            || parameters.Any(p => p.Name == array && p.Mode == ParamMode.SpanInOut);

        /// <summary>
        /// DH0002 for one array passed twice to a call that writes one of them (Fn.Softmax(p, p)): the callee's
        /// derivative reads its inputs as they were before the call, which an in-place write would change.
        /// </summary>
        private void ReportAliasedOutputs(InvocationExpressionSyntax invocation, IMethodSymbol target, List<CallArg> args)
        {
            foreach (var written in args.Where(a => a.Mode == ParamMode.SpanInOut && a.Atom.Var is not null).Select(a => a.Atom.Var!).Distinct())
            {
                if (args.Count(a => a.Atom.Var == written && a.Mode is ParamMode.Span or ParamMode.SpanInOut) > 1)
                {
                    Report(DiagnosticDescriptors.UnsupportedExpression, invocation, $"one array is passed twice to '{target.Name}', which writes into one of them; write the result into a separate scratch array");
                    return;
                }
            }
        }

        /// <summary><c>throw new ArgumentException("...")</c> (or InvalidOperationException) with a constant message: kept by every derivative.</summary>
        private void LowerThrow(ThrowStatementSyntax statement)
        {
            if (statement.Expression is ObjectCreationExpressionSyntax { ArgumentList.Arguments: { Count: 1 } arguments } creation
                && model.GetTypeInfo(creation, parser.cancellationToken).Type is INamedTypeSymbol type
                && Throwable.Contains(type.ToDisplayString())
                && model.GetConstantValue(arguments[0].Expression, parser.cancellationToken).Value is string message)
            {
                Current.Add(new Throw(type.ToDisplayString(), message));
                return;
            }

            Report(DiagnosticDescriptors.UnsupportedStatement, statement, "throw", "throw only 'new ArgumentException(\"message\")' or 'new InvalidOperationException(\"message\")' with a constant message");
        }
    }
}
