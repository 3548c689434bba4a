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

// Intrinsics: Math, MathF and Fn functions read through the op table (Ir/OpInfo.cs), and their compositions.
internal sealed partial class IrParser
{
    private sealed partial class FunctionBuilder
    {
        private Atom? LowerIntrinsic(InvocationExpressionSyntax invocation, IMethodSymbol target, string container)
        {
            var args = invocation.ArgumentList.Arguments;
            string n = target.Name;
            bool isInt = target.ReturnType.SpecialType == SpecialType.System_Int32 && n is not "Sign";
            var valueType = isInt ? IrType.Int : IrType.Real;
            if (!isInt && target.Parameters.Any(p => p.Type.SpecialType is SpecialType.System_Double or SpecialType.System_Single && (p.Type.SpecialType == SpecialType.System_Single) != isFloat))
            {
                ReportPrecision(invocation, container == WellKnownTypeNames.Fn ? $"calls Fn with {Real} values" : $"uses the {(isFloat ? "MathF" : "Math")} ({Real}) functions");
                return Atom.Real(0);
            }

            if (!isInt && target.Parameters.Any(p => p.Type.SpecialType is not (SpecialType.System_Double or SpecialType.System_Single)) && !(container == WellKnownTypeNames.Fn && n == "LogSumExp"))
            {
                return null;
            }

            // Which Math/MathF/Fn functions are operations, and their arities, is the op table's (Ir/OpInfo.cs).
            var mathOp = container != WellKnownTypeNames.Fn ? OpInfo.FromMath(n, args.Count) : null;
            var fnOp = container == WellKnownTypeNames.Fn ? OpInfo.FromFn(n, args.Count) : null;
            if (args.Count == 1 && mathOp is { } unary)
            {
                if (isInt && unary is not (Op.Abs or Op.Sign))
                {
                    return null;
                }

                var a = LowerAs(args[0].Expression, valueType);
                KinkNote(unary, invocation);
                return Emit(unary, unary == Op.Sign ? IrType.Int : valueType, a);
            }

            if (args.Count == 1 && fnOp is { } fnUnary)
            {
                var a = LowerAs(args[0].Expression, IrType.Real);
                KinkNote(fnUnary, invocation);
                return Emit(fnUnary, IrType.Real, a);
            }

            if (args.Count == 2 && mathOp is { } binary)
            {
                if (isInt && binary is not (Op.Max or Op.Min))
                {
                    return null;
                }

                var a = LowerAs(args[0].Expression, valueType);
                var b = LowerAs(args[1].Expression, valueType);
                KinkNote(binary, invocation);
                return Emit(binary, valueType, a, b);
            }

            if (n == "Log" && args.Count == 2 && container != WellKnownTypeNames.Fn)
            {
                // log_b(a) = ln a / ln b.
                var a = Emit(Op.Log, IrType.Real, LowerAs(args[0].Expression, IrType.Real));
                var b = Emit(Op.Log, IrType.Real, LowerAs(args[1].Expression, IrType.Real));
                return Emit(Op.Div, IrType.Real, a, b);
            }

            if (n == "Clamp" && args.Count == 3 && container != WellKnownTypeNames.Fn)
            {
                var x = LowerAs(args[0].Expression, valueType);
                var lo = LowerAs(args[1].Expression, valueType);
                var hi = LowerAs(args[2].Expression, valueType);
                KinkNote(Op.Max, invocation);
                return Emit(Op.Min, valueType, Emit(Op.Max, valueType, x, lo), hi);
            }

            if (n == "FusedMultiplyAdd" && args.Count == 3 && !isInt)
            {
                var a = LowerAs(args[0].Expression, IrType.Real);
                var b = LowerAs(args[1].Expression, IrType.Real);
                var c = LowerAs(args[2].Expression, IrType.Real);
                return Emit(Op.Add, IrType.Real, Emit(Op.Mul, IrType.Real, a, b), c);
            }

            if (args.Count == 2 && fnOp is { } fnBinary)
            {
                var a = LowerAs(args[0].Expression, IrType.Real);
                var b = LowerAs(args[1].Expression, IrType.Real);
                return Emit(fnBinary, IrType.Real, a, b);
            }

            if (container == WellKnownTypeNames.Fn && n == "LogSumExp" && args.Count == 1)
            {
                var array = LowerArrayName(args[0].Expression);
                return array is null ? Atom.Real(0) : LogSumExpOfArray(array);
            }

            return null;
        }

        private void KinkNote(Op op, SyntaxNode node)
        {
            if (OpInfo.Of(op).Kink && isMain)
            {
                Report(DiagnosticDescriptors.KinkInSecondOrder, node, node.ToString(), method.Name);
            }
        }

        /// <summary>log Σ e^z as IR loops: m = max z; m + log Σ e^(z - m). Differentiating this is exact.</summary>
        private Atom LogSumExpOfArray(string array)
        {
            var n = Emit(Op.Length, IrType.Int, Atom.Of(array));
            var m = NewLocal("__lse_max", IrType.Real);
            Current.Add(new Assign(m, Op.Load, Args(Atom.Of(array), Atom.Int(0))));
            var i = NewLocal("__lse_i", IrType.Int);
            Current.Add(new Assign(i, Op.Copy, Args(Atom.Int(1))));
            Current.Add(CountedLoop(i, n, body =>
            {
                var zi = Temp(IrType.Real);
                body.Add(new Assign(zi, Op.Load, Args(Atom.Of(array), Atom.Of(i))));
                var larger = Temp(IrType.Real);
                body.Add(new Assign(larger, Op.Max, Args(Atom.Of(m), Atom.Of(zi))));
                body.Add(new Assign(m, Op.Copy, Args(Atom.Of(larger))));
            }));
            var s = NewLocal("__lse_sum", IrType.Real);
            Current.Add(new Assign(s, Op.Copy, Args(Atom.Real(0))));
            var j = NewLocal("__lse_j", IrType.Int);
            Current.Add(new Assign(j, Op.Copy, Args(Atom.Int(0))));
            Current.Add(CountedLoop(j, n, body =>
            {
                var zj = Temp(IrType.Real);
                body.Add(new Assign(zj, Op.Load, Args(Atom.Of(array), Atom.Of(j))));
                var d = Temp(IrType.Real);
                body.Add(new Assign(d, Op.Sub, Args(Atom.Of(zj), Atom.Of(m))));
                var e = Temp(IrType.Real);
                body.Add(new Assign(e, Op.Exp, Args(Atom.Of(d))));
                var sum = Temp(IrType.Real);
                body.Add(new Assign(sum, Op.Add, Args(Atom.Of(s), Atom.Of(e))));
                body.Add(new Assign(s, Op.Copy, Args(Atom.Of(sum))));
            }));
            var log = Emit(Op.Log, IrType.Real, Atom.Of(s));
            return Emit(Op.Add, IrType.Real, Atom.Of(m), log);
        }
    }
}
