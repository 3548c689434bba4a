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

// Statements: blocks, early returns as flags, if, declarations and assignments (loops: IrParser_Loops.cs).
internal sealed partial class IrParser
{
    private sealed partial class FunctionBuilder
    {
        // ---------------------------------------------------------------- statements

        private sealed class LoopContext
        {
            public string? Break { get; set; }

            public string? Continue { get; set; }
        }

        private string EnsureReturnValue()
        {
            returnValue ??= NewLocal("__result", IrType.Real);
            return returnValue;
        }

        private string EnsureReturnFlag()
        {
            returnFlag ??= NewLocal("__returned", IrType.Bool);
            return returnFlag;
        }

        /// <summary>Lowers a statement list; returns the flags its statements may set (which skip what follows).</summary>
        private HashSet<string> LowerStatements(IReadOnlyList<StatementSyntax> statements)
        {
            var mayJump = new HashSet<string>();
            for (int k = 0; k < statements.Count; k++)
            {
                parser.cancellationToken.ThrowIfCancellationRequested();
                var flags = LowerStatement(statements[k]);
                mayJump.UnionWith(flags);
                if (flags.Count > 0 && k < statements.Count - 1)
                {
                    var guard = NoneSet(flags);
                    var rest = new List<Stmt>();
                    blocks.Push(rest);
                    mayJump.UnionWith(LowerStatements(statements.Skip(k + 1).ToList()));
                    blocks.Pop();
                    if (rest.Count > 0)
                    {
                        Current.Add(new If(guard, rest.ToEquatableArray(), EquatableArray<Stmt>.Empty));
                    }

                    break;
                }
            }

            return mayJump;
        }

        /// <summary>A bool that is true when none of the flags is set.</summary>
        private Atom NoneSet(IEnumerable<string> flags)
        {
            Atom any = default;
            bool first = true;
            foreach (var f in flags.OrderBy(f => f, StringComparer.Ordinal))
            {
                if (first)
                {
                    any = Atom.Of(f);
                    first = false;
                    continue;
                }

                var t = Temp(IrType.Bool);
                Current.Add(new Assign(t, Op.Or, Args(any, Atom.Of(f))));
                any = Atom.Of(t);
            }

            var none = Temp(IrType.Bool);
            Current.Add(new Assign(none, Op.Not, Args(any)));
            return Atom.Of(none);
        }

        private static readonly HashSet<string> NoFlags = [];

        private HashSet<string> LowerStatement(StatementSyntax statement)
        {
            switch (statement)
            {
                case BlockSyntax block:
                    return LowerStatements(block.Statements);
                case EmptyStatementSyntax:
                    return NoFlags;
                case LocalDeclarationStatementSyntax declaration:
                    LowerDeclaration(declaration);
                    return NoFlags;
                case ExpressionStatementSyntax expression:
                    LowerExpressionStatement(expression.Expression);
                    return NoFlags;
                case IfStatementSyntax ifStatement:
                    return LowerIf(ifStatement);
                case ForStatementSyntax forStatement:
                    return LowerFor(forStatement);
                case WhileStatementSyntax whileStatement:
                    return LowerLoop(null, whileStatement.Condition, whileStatement.Statement, [], isDo: false);
                case DoStatementSyntax doStatement:
                    return LowerLoop(null, doStatement.Condition, doStatement.Statement, [], isDo: true);
                case BreakStatementSyntax:
                {
                    var loop = loops.Peek();
                    loop.Break ??= NewLocal("__break" + loops.Count, IrType.Bool);
                    Current.Add(new Assign(loop.Break, Op.Copy, Args(Atom.Bool(true))));
                    return [loop.Break];
                }

                case ContinueStatementSyntax:
                {
                    var loop = loops.Peek();
                    loop.Continue ??= NewLocal("__continue" + loops.Count, IrType.Bool);
                    Current.Add(new Assign(loop.Continue, Op.Copy, Args(Atom.Bool(true))));
                    return [loop.Continue];
                }

                case ThrowStatementSyntax throwStatement:
                    LowerThrow(throwStatement);
                    return NoFlags;
                case ReturnStatementSyntax ret:
                    if (ret.Expression is null && method.ReturnsVoid)
                    {
                        // return; in a helper that writes into its Span arguments: a flag, as every early return.
                        Current.Add(new Assign(EnsureReturnFlag(), Op.Copy, Args(Atom.Bool(true))));
                        return [EnsureReturnFlag()];
                    }

                    if (ret.Expression is null)
                    {
                        Report(DiagnosticDescriptors.UnsupportedStatement, statement, "return", "a loss must return a value");
                        return NoFlags;
                    }

                    if (simpleReturn && nesting == 0 && loops.Count == 0)
                    {
                        Current.Add(new Return(LowerAs(ret.Expression, IrType.Real)));
                        return NoFlags;
                    }

                    LowerInto(EnsureReturnValue(), ret.Expression, IrType.Real);
                    Current.Add(new Assign(EnsureReturnFlag(), Op.Copy, Args(Atom.Bool(true))));
                    return [EnsureReturnFlag()];
                default:
                    Report(DiagnosticDescriptors.UnsupportedStatement, statement, Keyword(statement), "use locals, assignments, if/else, for/while/do loops, break, continue and return");
                    return NoFlags;
            }
        }

        private static string Keyword(StatementSyntax statement) => statement switch
        {
            ForEachStatementSyntax => "foreach",
            SwitchStatementSyntax => "switch",
            TryStatementSyntax => "try",
            ThrowStatementSyntax => "throw",
            GotoStatementSyntax => "goto",
            LocalFunctionStatementSyntax => "local function",
            UsingStatementSyntax => "using",
            LockStatementSyntax => "lock",
            CheckedStatementSyntax => "checked",
            UnsafeStatementSyntax => "unsafe",
            FixedStatementSyntax => "fixed",
            YieldStatementSyntax => "yield",
            _ => statement.GetFirstToken().Text,
        };

        private HashSet<string> LowerIf(IfStatementSyntax ifStatement)
        {
            var cond = LowerAs(ifStatement.Condition, IrType.Bool);
            nesting++;
            var thenBlock = new List<Stmt>();
            blocks.Push(thenBlock);
            var flags = new HashSet<string>(LowerStatement(ifStatement.Statement));
            blocks.Pop();
            var elseBlock = new List<Stmt>();
            if (ifStatement.Else is { } elseClause)
            {
                blocks.Push(elseBlock);
                flags.UnionWith(LowerStatement(elseClause.Statement));
                blocks.Pop();
            }

            nesting--;
            Current.Add(new If(cond, thenBlock.ToEquatableArray(), elseBlock.ToEquatableArray()));
            return flags;
        }

        private void LowerDeclaration(LocalDeclarationStatementSyntax declaration)
        {
            if (declaration.UsingKeyword != default)
            {
                Report(DiagnosticDescriptors.UnsupportedStatement, declaration, "using", "using declarations are not part of the loss language");
                return;
            }

            if (declaration.IsConst)
            {
                // Constants fold at their uses.
                return;
            }

            LowerVariables(declaration.Declaration, declaration);
        }

        private void LowerVariables(VariableDeclarationSyntax declaration, SyntaxNode statement)
        {
            foreach (var variable in declaration.Variables)
            {
                if (model.GetDeclaredSymbol(variable, parser.cancellationToken) is not ILocalSymbol symbol)
                {
                    continue;
                }

                int before = parser.diagnostics.Count;
                var type = ClassifyType(symbol.Type, declaration.Type, report: true);
                if (type is null)
                {
                    if (parser.diagnostics.Count > before)
                    {
                        // Reported at its declaration; its uses report nothing more.
                        reported.Add(symbol);
                    }

                    continue;
                }

                if (type is IrType.RealArray or IrType.IntArray)
                {
                    LowerArrayDeclaration(symbol, variable, type.Value, statement);
                    continue;
                }

                string local = NewLocal(UserName(symbol.Name), type.Value);
                symbols[symbol] = local;
                if (variable.Initializer is { } init)
                {
                    LowerInto(local, init.Value, type.Value);
                }
            }
        }

        private void LowerArrayDeclaration(ILocalSymbol symbol, VariableDeclaratorSyntax variable, IrType type, SyntaxNode statement)
        {
            var init = variable.Initializer?.Value;
            while (init is ParenthesizedExpressionSyntax p)
            {
                init = p.Expression;
            }

            ExpressionSyntax? length = init switch
            {
                ArrayCreationExpressionSyntax { Initializer: null } creation when creation.Type.RankSpecifiers.Count == 1 && creation.Type.RankSpecifiers[0].Sizes.Count == 1 => creation.Type.RankSpecifiers[0].Sizes[0],
                StackAllocArrayCreationExpressionSyntax { Initializer: null, Type: ArrayTypeSyntax arrayType } when arrayType.RankSpecifiers.Count == 1 && arrayType.RankSpecifiers[0].Sizes.Count == 1 => arrayType.RankSpecifiers[0].Sizes[0],
                _ => null,
            };

            if (length is not null)
            {
                if (nesting > 0)
                {
                    Report(DiagnosticDescriptors.UnsupportedStatement, statement, "array allocation", "allocate scratch arrays at the top level of the method, outside loops and branches");
                    return;
                }

                string local = NewLocal(UserName(symbol.Name), type);
                symbols[symbol] = local;
                Current.Add(new Alloc(local, LowerAs(length, IrType.Int)));
                return;
            }

            // A span local that names another array (an alias, e.g. ReadOnlySpan<double> row = xs).
            if (init is not null && model.GetSymbolInfo(init, parser.cancellationToken).Symbol is { } target && symbols.TryGetValue(target, out var existing)
                && types[existing] == type && !IsReassigned(symbol))
            {
                symbols[symbol] = existing;
                return;
            }

            Report(DiagnosticDescriptors.UnsupportedExpression, (SyntaxNode?)init ?? variable, "a local array is created with 'new T[n]' or 'stackalloc T[n]', or names another array");
        }

        private bool IsReassigned(ILocalSymbol symbol) =>
            syntax.DescendantNodes().OfType<AssignmentExpressionSyntax>().Any(a =>
                a.Left is IdentifierNameSyntax && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(a.Left, parser.cancellationToken).Symbol, symbol));

        private void LowerExpressionStatement(ExpressionSyntax expression)
        {
            switch (expression)
            {
                case AssignmentExpressionSyntax assignment:
                    LowerAssignment(assignment);
                    return;
                case PostfixUnaryExpressionSyntax postfix when postfix.IsKind(SyntaxKind.PostIncrementExpression) || postfix.IsKind(SyntaxKind.PostDecrementExpression):
                    LowerIncrement(postfix.Operand, postfix.IsKind(SyntaxKind.PostIncrementExpression), postfix);
                    return;
                case PrefixUnaryExpressionSyntax prefix when prefix.IsKind(SyntaxKind.PreIncrementExpression) || prefix.IsKind(SyntaxKind.PreDecrementExpression):
                    LowerIncrement(prefix.Operand, prefix.IsKind(SyntaxKind.PreIncrementExpression), prefix);
                    return;
                case InvocationExpressionSyntax invocation when model.GetSymbolInfo(invocation, parser.cancellationToken).Symbol is IMethodSymbol { ReturnsVoid: true }:
                    // A [Differentiable] method that writes into the scratch arrays it is given (Fn.Softmax(z, p)).
                    LowerInvocation(invocation);
                    return;
                default:
                    Report(DiagnosticDescriptors.UnsupportedStatement, expression, "expression", "only assignments, ++, -- and calls of void [Differentiable] methods may stand as statements (a call's result must be used)");
                    return;
            }
        }

        private void LowerIncrement(ExpressionSyntax operand, bool increment, SyntaxNode node)
        {
            var one = Atom.Int(1);
            LowerCompound(operand, increment ? Op.Add : Op.Sub, null, one, node);
        }

        private void LowerAssignment(AssignmentExpressionSyntax assignment)
        {
            Op? op = assignment.Kind() switch
            {
                SyntaxKind.SimpleAssignmentExpression => null,
                SyntaxKind.AddAssignmentExpression => Op.Add,
                SyntaxKind.SubtractAssignmentExpression => Op.Sub,
                SyntaxKind.MultiplyAssignmentExpression => Op.Mul,
                SyntaxKind.DivideAssignmentExpression => Op.Div,
                SyntaxKind.ModuloAssignmentExpression => Op.Rem,
                _ => (Op)255,
            };
            if (op == (Op)255)
            {
                Report(DiagnosticDescriptors.UnsupportedExpression, assignment, $"the operator '{assignment.OperatorToken.Text}' is not part of the loss language");
                return;
            }

            if (assignment.Left is TupleExpressionSyntax or DeclarationExpressionSyntax)
            {
                Report(DiagnosticDescriptors.UnsupportedExpression, assignment, Deconstruction(assignment));
                Unsupported(assignment.Left);
                return;
            }

            if (op is null)
            {
                if (!ResolveTarget(assignment.Left, out var target, out var index))
                {
                    return;
                }

                if (index is null)
                {
                    LowerInto(target!, assignment.Right, types[target!]);
                }
                else
                {
                    var elementType = types[target!] == IrType.RealArray ? IrType.Real : IrType.Int;
                    var value = LowerAs(assignment.Right, elementType);
                    Current.Add(new Store(target!, index.Value, value));
                }

                return;
            }

            LowerCompound(assignment.Left, op.Value, assignment.Right, null, assignment);
        }

        /// <summary>DH0002's text for <c>(p, q) = (a, b)</c> and <c>var (p, q) = ...</c>: one assignment per value instead.</summary>
        private static string Deconstruction(AssignmentExpressionSyntax assignment)
        {
            // The assigned places, each with "var " where the deconstruction declares it.
            var left = assignment.Left switch
            {
                DeclarationExpressionSyntax { Designation: ParenthesizedVariableDesignationSyntax d } => d.Variables.Select(v => "var " + v).ToList(),
                TupleExpressionSyntax t => t.Arguments.Select(a => a.Expression is DeclarationExpressionSyntax { Designation: SingleVariableDesignationSyntax one } ? "var " + one.Identifier.ValueText : a.Expression.ToString()).ToList(),
                _ => [],
            };
            const string Head = "tuple deconstruction is not supported; ";
            if (assignment.Right is not TupleExpressionSyntax right || right.Arguments.Count != left.Count || left.Count == 0)
            {
                return Head + "assign each value to its own local with a separate assignment";
            }

            // A right side that reads a place assigned before it (a swap) goes through temporaries.
            var assigned = new HashSet<string>(assignment.Left.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>().Select(i => i.Identifier.ValueText), StringComparer.Ordinal);
            bool readsAssigned = right.Arguments.Any(a => a.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>().Any(i => assigned.Contains(i.Identifier.ValueText)));
            if (readsAssigned && left.Count == 2)
            {
                return Head + $"to swap, go through a temporary: 'var t = {left[0]}; {left[0]} = {left[1]}; {left[1]} = t;'";
            }

            if (readsAssigned)
            {
                return Head + "copy the values the right side reads into temporaries, then assign each place separately";
            }

            return Head + "assign each value separately: '" + string.Join(" ", left.Select((l, k) => $"{l} = {right.Arguments[k].Expression};")) + "'";
        }

        /// <summary>Locals declared inside a construct already reported (deconstruction, out var): their uses report nothing more.</summary>
        private void Unsupported(SyntaxNode declaring)
        {
            foreach (var designation in declaring.DescendantNodesAndSelf().OfType<SingleVariableDesignationSyntax>())
            {
                if (model.GetDeclaredSymbol(designation, parser.cancellationToken) is { } local)
                {
                    reported.Add(local);
                }
            }
        }

        private void LowerCompound(ExpressionSyntax left, Op op, ExpressionSyntax? right, Atom? rightAtom, SyntaxNode node)
        {
            if (!ResolveTarget(left, out var target, out var index))
            {
                return;
            }

            var targetType = index is null ? types[target!] : types[target!] == IrType.RealArray ? IrType.Real : IrType.Int;
            if (targetType == IrType.Bool)
            {
                Report(DiagnosticDescriptors.UnsupportedExpression, node, "arithmetic on bool");
                return;
            }

            var rhs = rightAtom is { } ra ? Convert(ra, targetType, node) : LowerAs(right!, targetType);
            if (op == Op.Rem && targetType == IrType.Real)
            {
                Report(DiagnosticDescriptors.UnsupportedExpression, node, "'%' on real values has no derivative here; use it on int values");
                return;
            }

            if (index is null)
            {
                if (targetType == IrType.Int && (op is Op.Add or Op.Sub) && rhs.IsConst)
                {
                    // In place, so the reverse sweep can invert it instead of storing the old value.
                    Current.Add(new Assign(target!, op, Args(Atom.Of(target!), rhs)));
                    return;
                }

                var t = Temp(targetType);
                Current.Add(new Assign(t, op, Args(Atom.Of(target!), rhs)));
                Current.Add(new Assign(target!, Op.Copy, Args(Atom.Of(t))));
                return;
            }

            var old = Temp(targetType);
            Current.Add(new Assign(old, Op.Load, Args(Atom.Of(target!), index.Value)));
            var sum = Temp(targetType);
            Current.Add(new Assign(sum, op, Args(Atom.Of(old), rhs)));
            Current.Add(new Store(target!, index.Value, Atom.Of(sum)));
        }

        /// <summary>Resolves an assignable place: a local, or an element of a local scratch array.</summary>
        private bool ResolveTarget(ExpressionSyntax left, out string? target, out Atom? index)
        {
            target = null;
            index = null;
            while (left is ParenthesizedExpressionSyntax p)
            {
                left = p.Expression;
            }

            if (left is ElementAccessExpressionSyntax element && element.ArgumentList.Arguments.Count == 1)
            {
                var symbol = model.GetSymbolInfo(element.Expression, parser.cancellationToken).Symbol;
                if (symbol is null || !symbols.TryGetValue(symbol, out var array))
                {
                    Report(DiagnosticDescriptors.UnsupportedExpression, element.Expression, "only local arrays can be written");
                    return false;
                }

                if (argumentNames.Contains(array))
                {
                    Report(DiagnosticDescriptors.WriteToArgument, left, element.Expression.ToString());
                    return false;
                }

                target = array;
                index = LowerAs(element.ArgumentList.Arguments[0].Expression, IrType.Int);
                return true;
            }

            var local = model.GetSymbolInfo(left, parser.cancellationToken).Symbol;
            if (local is not null && reported.Contains(local))
            {
                return false;
            }

            if (local is IParameterSymbol parameter)
            {
                Report(DiagnosticDescriptors.WriteToArgument, left, parameter.Name);
                return false;
            }

            if (local is null || !symbols.TryGetValue(local, out var name) || types[name] is IrType.RealArray or IrType.IntArray)
            {
                Report(DiagnosticDescriptors.UnsupportedExpression, left, "only locals and elements of local arrays can be assigned");
                return false;
            }

            target = name;
            return true;
        }
    }
}
