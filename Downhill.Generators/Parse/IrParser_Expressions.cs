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

// Expressions: conversions, names, element access, operators, conditionals and casts, each to fresh temporaries.
internal sealed partial class IrParser
{
    private sealed partial class FunctionBuilder
    {
        // ---------------------------------------------------------------- expressions

        private static EquatableArray<Atom> Args(params Atom[] atoms) => new(atoms);

        private Atom Convert(Atom value, IrType to, SyntaxNode node)
        {
            var from = TypeOf(value);
            if (from == to)
            {
                return value;
            }

            if (value.IsConst)
            {
                return to switch
                {
                    IrType.Real when from == IrType.Int => Atom.Real(value.Value),
                    IrType.Int when from == IrType.Real => Atom.Int((int)value.Value),
                    _ => Fail(),
                };
            }

            if (from == IrType.Int && to == IrType.Real)
            {
                var t = Temp(IrType.Real);
                Current.Add(new Assign(t, Op.ToReal, Args(value)));
                return Atom.Of(t);
            }

            return Fail();

            Atom Fail()
            {
                Report(DiagnosticDescriptors.UnsupportedExpression, node, $"a {Describe(from)} cannot be used where a {Describe(to)} is expected");
                return Default(to);
            }
        }

        private static string Describe(IrType t) => t switch
        {
            IrType.Real => "real value",
            IrType.Int => "int",
            IrType.Bool => "bool",
            _ => "array",
        };

        private static Atom Default(IrType t) => t switch
        {
            IrType.Int => Atom.Int(0),
            IrType.Bool => Atom.Bool(false),
            _ => Atom.Real(0),
        };

        private Atom LowerAs(ExpressionSyntax expression, IrType type) => Convert(Lower(expression, type), type, expression);

        /// <summary>Lowers an expression and copies its value into <paramref name="target"/>.</summary>
        private void LowerInto(string target, ExpressionSyntax expression, IrType type)
        {
            int before = Current.Count;
            var value = LowerAs(expression, type);
            // Write the last operation straight into the target when it does not read the target.
            if (value.Var is { } v && Current.Count > before && Current[Current.Count - 1] is Assign last && last.Target == v
                && v.StartsWith("__t", StringComparison.Ordinal) && !last.Args.Any(a => a.Var == target))
            {
                Current[Current.Count - 1] = last with { Target = target };
                return;
            }

            Current.Add(new Assign(target, Op.Copy, Args(value)));
        }

        private Atom Emit(Op op, IrType type, params Atom[] args)
        {
            var t = Temp(type);
            Current.Add(new Assign(t, op, new EquatableArray<Atom>(args)));
            return Atom.Of(t);
        }

        /// <summary>Lowers an expression to an atom of its natural type (<paramref name="hint"/> types constants).</summary>
        private Atom Lower(ExpressionSyntax expression, IrType hint)
        {
            parser.cancellationToken.ThrowIfCancellationRequested();
            var constant = model.GetConstantValue(expression, parser.cancellationToken);
            if (constant.HasValue)
            {
                switch (constant.Value)
                {
                    case double d:
                        return Atom.Real(d);
                    case float f:
                        return Atom.Real(f);
                    case int i:
                        return hint == IrType.Real ? Atom.Real(i) : Atom.Int(i);
                    case bool b:
                        return Atom.Bool(b);
                    case long l when l is >= int.MinValue and <= int.MaxValue:
                        return hint == IrType.Real ? Atom.Real(l) : Atom.Int((int)l);
                }
            }

            switch (expression)
            {
                case ParenthesizedExpressionSyntax p:
                    return Lower(p.Expression, hint);
                case CheckedExpressionSyntax c:
                    return Lower(c.Expression, hint);
                case IdentifierNameSyntax identifier:
                    return LowerName(identifier);
                case BinaryExpressionSyntax binary:
                    return LowerBinary(binary);
                case PrefixUnaryExpressionSyntax prefix:
                    return LowerPrefix(prefix, hint);
                case ConditionalExpressionSyntax conditional:
                    return LowerConditional(conditional);
                case CastExpressionSyntax cast:
                    return LowerCast(cast);
                case InvocationExpressionSyntax invocation:
                    return LowerInvocation(invocation);
                case ElementAccessExpressionSyntax element:
                    return LowerElement(element);
                case MemberAccessExpressionSyntax member when member.Name.Identifier.Text == "Length":
                {
                    var array = LowerArrayName(member.Expression);
                    return array is null ? Atom.Int(0) : Emit(Op.Length, IrType.Int, Atom.Of(array));
                }

                default:
                    Report(DiagnosticDescriptors.UnsupportedExpression, expression, Explain(expression));
                    return Default(hint);
            }
        }

        private static string Explain(ExpressionSyntax expression) => expression switch
        {
            AssignmentExpressionSyntax => "assignments cannot be nested in expressions; write them as statements",
            PostfixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.PostIncrementExpression or (int)SyntaxKind.PostDecrementExpression }
                or PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.PreIncrementExpression or (int)SyntaxKind.PreDecrementExpression } => "++ and -- can only stand as statements",
            PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.PointerIndirectionExpression or (int)SyntaxKind.AddressOfExpression } => "pointers are not part of the loss language; take a ReadOnlySpan and index it",
            PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.BitwiseNotExpression } => "'~' is not part of the loss language",
            PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.IndexExpression } => "'^' (from the end) is not supported; index with x.Length - 1",
            PostfixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.SuppressNullableWarningExpression } => "'!' (null-forgiving) is not needed: loss values are never null",
            SwitchExpressionSyntax => "switch expressions are not supported; use ?: or if/else",
            IsPatternExpressionSyntax => "'is' patterns are not supported; compare with ==, !=, <, > and combine with && and ||",
            TupleExpressionSyntax => "tuples are not supported; use one local per value",
            DeclarationExpressionSyntax => "out variables are not supported; a [Differentiable] helper returns one value",
            ThrowExpressionSyntax => "throw is not supported in a loss",
            RangeExpressionSyntax => "ranges are not supported; index the span element by element",
            ArrayCreationExpressionSyntax or ImplicitArrayCreationExpressionSyntax or CollectionExpressionSyntax or StackAllocArrayCreationExpressionSyntax => "arrays are created only by a local declaration at the top of the method, 'double[] s = new double[n];'",
            ConditionalAccessExpressionSyntax => "'?.' is not needed: loss values are never null",
            DefaultExpressionSyntax => "write the constant (0, 0.0, false) instead of default",
            TypeOfExpressionSyntax or SizeOfExpressionSyntax => "typeof and sizeof are not part of the loss language",
            LambdaExpressionSyntax or AnonymousMethodExpressionSyntax => "lambdas are not part of the loss language",
            InterpolatedStringExpressionSyntax or LiteralExpressionSyntax => "only numeric and bool constants are values of the loss language",
            ObjectCreationExpressionSyntax or ImplicitObjectCreationExpressionSyntax => "objects cannot be created in a loss",
            MemberAccessExpressionSyntax m => $"'{m}' is not a local, an argument, a constant or a Length",
            _ => $"'{expression}' is not part of the loss language",
        };

        private Atom LowerName(IdentifierNameSyntax identifier)
        {
            var symbol = model.GetSymbolInfo(identifier, parser.cancellationToken).Symbol;
            if (symbol is not null && symbols.TryGetValue(symbol, out var name))
            {
                if (types[name] is IrType.RealArray or IrType.IntArray)
                {
                    Report(DiagnosticDescriptors.UnsupportedExpression, identifier, $"the array '{identifier}' can only be indexed, measured with .Length, or passed to a [Differentiable] method");
                    return Atom.Real(0);
                }

                return Atom.Of(name);
            }

            if (symbol is ILocalSymbol declaredBadly && reported.Contains(declaredBadly))
            {
                // Its declaration has an error already; the function is not generated.
                var type = OperandType(declaredBadly.Type);
                return Default(type == (IrType)255 ? IrType.Real : type);
            }

            Report(DiagnosticDescriptors.UnsupportedExpression, identifier, symbol is IFieldSymbol or IPropertySymbol
                ? $"'{identifier}' is a field or property; only constants, locals and arguments can be read"
                : $"'{identifier}' is not a local or an argument");
            return Atom.Real(0);
        }

        private string? LowerArrayName(ExpressionSyntax expression)
        {
            while (expression is ParenthesizedExpressionSyntax p)
            {
                expression = p.Expression;
            }

            var symbol = model.GetSymbolInfo(expression, parser.cancellationToken).Symbol;
            if (symbol is not null && symbols.TryGetValue(symbol, out var name) && types[name] is IrType.RealArray or IrType.IntArray)
            {
                return name;
            }

            Report(DiagnosticDescriptors.UnsupportedExpression, expression, "an array here must be an argument or a local array");
            return null;
        }

        private Atom LowerElement(ElementAccessExpressionSyntax element)
        {
            var array = LowerArrayName(element.Expression);
            if (array is null || element.ArgumentList.Arguments.Count != 1)
            {
                return Atom.Real(0);
            }

            var index = LowerAs(element.ArgumentList.Arguments[0].Expression, IrType.Int);
            return Emit(Op.Load, types[array] == IrType.RealArray ? IrType.Real : IrType.Int, Atom.Of(array), index);
        }

        private IrType OperandType(ITypeSymbol? type) => type?.SpecialType switch
        {
            SpecialType.System_Double or SpecialType.System_Single => IrType.Real,
            SpecialType.System_Int32 => IrType.Int,
            SpecialType.System_Boolean => IrType.Bool,
            _ => (IrType)255,
        };

        private Atom LowerBinary(BinaryExpressionSyntax binary)
        {
            var kind = binary.Kind();
            if (kind is SyntaxKind.LogicalAndExpression or SyntaxKind.LogicalOrExpression)
            {
                // Short-circuit: the right side runs only when needed (it may index out of range otherwise).
                var result = Temp(IrType.Bool);
                LowerInto(result, binary.Left, IrType.Bool);
                var rest = new List<Stmt>();
                blocks.Push(rest);
                LowerInto(result, binary.Right, IrType.Bool);
                blocks.Pop();
                var test = Atom.Of(result);
                if (kind == SyntaxKind.LogicalOrExpression)
                {
                    test = Emit(Op.Not, IrType.Bool, test);
                }
                else
                {
                    test = Emit(Op.Copy, IrType.Bool, test);
                }

                Current.Add(new If(test, rest.ToEquatableArray(), EquatableArray<Stmt>.Empty));
                return Atom.Of(result);
            }

            var op = model.GetSymbolInfo(binary, parser.cancellationToken).Symbol as IMethodSymbol;
            if (op is null || op.Parameters.Length != 2)
            {
                Report(DiagnosticDescriptors.UnsupportedExpression, binary, $"the operator '{binary.OperatorToken.Text}' is not part of the loss language");
                return Atom.Real(0);
            }

            var leftType = OperandType(op.Parameters[0].Type);
            var rightType = OperandType(op.Parameters[1].Type);
            var resultType = OperandType(op.ReturnType);
            if (leftType == (IrType)255 || rightType == (IrType)255 || resultType == (IrType)255)
            {
                Report(DiagnosticDescriptors.UnsupportedExpression, binary, $"the operator '{binary.OperatorToken.Text}' on these types is not part of the loss language");
                return Atom.Real(0);
            }

            if ((op.Parameters[0].Type.SpecialType == SpecialType.System_Single) != isFloat && leftType == IrType.Real)
            {
                ReportPrecision(binary, $"computes in {Real} throughout");
                return Atom.Real(0);
            }

            var a = LowerAs(binary.Left, leftType);
            var b = LowerAs(binary.Right, rightType);
            Op irOp;
            switch (kind)
            {
                case SyntaxKind.AddExpression: irOp = Op.Add; break;
                case SyntaxKind.SubtractExpression: irOp = Op.Sub; break;
                case SyntaxKind.MultiplyExpression: irOp = Op.Mul; break;
                case SyntaxKind.DivideExpression: irOp = Op.Div; break;
                case SyntaxKind.ModuloExpression when resultType == IrType.Int: irOp = Op.Rem; break;
                case SyntaxKind.LessThanExpression: irOp = Op.Lt; break;
                case SyntaxKind.LessThanOrEqualExpression: irOp = Op.Le; break;
                case SyntaxKind.GreaterThanExpression: irOp = Op.Gt; break;
                case SyntaxKind.GreaterThanOrEqualExpression: irOp = Op.Ge; break;
                case SyntaxKind.EqualsExpression: irOp = Op.Eq; break;
                case SyntaxKind.NotEqualsExpression: irOp = Op.Ne; break;
                case SyntaxKind.BitwiseAndExpression when resultType == IrType.Bool: irOp = Op.And; break;
                case SyntaxKind.BitwiseOrExpression when resultType == IrType.Bool: irOp = Op.Or; break;
                default:
                    Report(DiagnosticDescriptors.UnsupportedExpression, binary, kind == SyntaxKind.ModuloExpression
                        ? "'%' on real values has no derivative here; use it on int values"
                        : $"the operator '{binary.OperatorToken.Text}' is not part of the loss language");
                    return Default(resultType);
            }

            return Emit(irOp, resultType, a, b);
        }

        private Atom LowerPrefix(PrefixUnaryExpressionSyntax prefix, IrType hint)
        {
            switch (prefix.Kind())
            {
                case SyntaxKind.UnaryPlusExpression:
                    return Lower(prefix.Operand, hint);
                case SyntaxKind.UnaryMinusExpression:
                {
                    var type = OperandType(model.GetTypeInfo(prefix, parser.cancellationToken).Type);
                    var a = LowerAs(prefix.Operand, type);
                    return Emit(Op.Neg, type, a);
                }

                case SyntaxKind.LogicalNotExpression:
                    return Emit(Op.Not, IrType.Bool, LowerAs(prefix.Operand, IrType.Bool));
                default:
                    Report(DiagnosticDescriptors.UnsupportedExpression, prefix, Explain(prefix));
                    return Default(hint);
            }
        }

        private Atom LowerConditional(ConditionalExpressionSyntax conditional)
        {
            var type = OperandType(model.GetTypeInfo(conditional, parser.cancellationToken).Type);
            if (type == (IrType)255)
            {
                Report(DiagnosticDescriptors.UnsupportedExpression, conditional, "?: must produce a number or a bool");
                return Atom.Real(0);
            }

            var cond = LowerAs(conditional.Condition, IrType.Bool);
            var result = Temp(type);
            var whenTrue = new List<Stmt>();
            blocks.Push(whenTrue);
            LowerInto(result, conditional.WhenTrue, type);
            blocks.Pop();
            var whenFalse = new List<Stmt>();
            blocks.Push(whenFalse);
            LowerInto(result, conditional.WhenFalse, type);
            blocks.Pop();
            Current.Add(new If(cond, whenTrue.ToEquatableArray(), whenFalse.ToEquatableArray()));
            return Atom.Of(result);
        }

        private Atom LowerCast(CastExpressionSyntax cast)
        {
            var to = model.GetTypeInfo(cast.Type, parser.cancellationToken).Type;
            var from = model.GetTypeInfo(cast.Expression, parser.cancellationToken).Type;
            var toType = OperandType(to);
            var fromType = OperandType(from);
            if (toType == (IrType)255 || fromType == (IrType)255)
            {
                Report(DiagnosticDescriptors.UnsupportedExpression, cast, "only casts between int and the loss's real type are supported");
                return Atom.Real(0);
            }

            if (toType == IrType.Real && to!.SpecialType == SpecialType.System_Single != isFloat)
            {
                ReportPrecision(cast, $"computes in {Real} throughout");
                return Atom.Real(0);
            }

            var value = LowerAs(cast.Expression, fromType);
            if (fromType == toType)
            {
                return value;
            }

            if (fromType == IrType.Real && toType == IrType.Int)
            {
                var t = Temp(IrType.Int);
                Current.Add(new Assign(t, Op.ToInt, Args(value), Location(cast)));
                return Atom.Of(t);
            }

            return Convert(value, toType, cast);
        }
    }
}
