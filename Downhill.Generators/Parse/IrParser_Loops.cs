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

// Loops: for, while and do become IR loops whose header only computes the condition; counted loops for intrinsics.
internal sealed partial class IrParser
{
    private sealed partial class FunctionBuilder
    {
        private HashSet<string> LowerFor(ForStatementSyntax forStatement)
        {
            if (forStatement.Declaration is { } declaration)
            {
                LowerVariables(declaration, forStatement);
            }

            foreach (var init in forStatement.Initializers)
            {
                LowerExpressionStatement(init);
            }

            return LowerLoop(forStatement, forStatement.Condition, forStatement.Statement, forStatement.Incrementors, isDo: false);
        }

        private HashSet<string> LowerLoop(SyntaxNode? owner, ExpressionSyntax? condition, StatementSyntax bodySyntax, IReadOnlyList<ExpressionSyntax> steps, bool isDo)
        {
            var context = new LoopContext();
            loops.Push(context);
            nesting++;
            var body = new List<Stmt>();
            blocks.Push(body);
            var flags = new HashSet<string>(LowerStatement(bodySyntax));
            blocks.Pop();

            // The step runs unless the body broke out or returned.
            var stepBlock = new List<Stmt>();
            blocks.Push(stepBlock);
            foreach (var step in steps)
            {
                LowerExpressionStatement(step);
            }

            blocks.Pop();
            nesting--;
            loops.Pop();

            var exits = flags.Where(f => f != context.Continue).ToList();
            var iteration = new List<Stmt>();
            if (context.Continue is not null)
            {
                iteration.Add(new Assign(context.Continue, Op.Copy, Args(Atom.Bool(false))));
            }

            string? first = null;
            if (isDo)
            {
                first = NewLocal("__first" + (loops.Count + 1), IrType.Bool);
                iteration.Add(new Assign(first, Op.Copy, Args(Atom.Bool(false))));
            }

            iteration.AddRange(body);
            if (stepBlock.Count > 0)
            {
                if (exits.Count > 0)
                {
                    blocks.Push(iteration);
                    var guard = NoneSet(exits);
                    blocks.Pop();
                    iteration.Add(new If(guard, stepBlock.ToEquatableArray(), EquatableArray<Stmt>.Empty));
                }
                else
                {
                    iteration.AddRange(stepBlock);
                }
            }

            // Header: stop when a flag is set, else (do: on the first pass, go on) test the condition.
            var header = new List<Stmt>();
            blocks.Push(header);
            var go = Temp(IrType.Bool);
            var evaluate = new List<Stmt>();
            blocks.Push(evaluate);
            if (first is not null)
            {
                var rest = new List<Stmt>();
                blocks.Push(rest);
                if (condition is not null)
                {
                    LowerInto(go, condition, IrType.Bool);
                }
                else
                {
                    rest.Add(new Assign(go, Op.Copy, Args(Atom.Bool(true))));
                }

                blocks.Pop();
                evaluate.Add(new Assign(go, Op.Copy, Args(Atom.Bool(true))));
                var notFirst = Temp(IrType.Bool);
                evaluate.Add(new Assign(notFirst, Op.Not, Args(Atom.Of(first))));
                evaluate.Add(new If(Atom.Of(notFirst), rest.ToEquatableArray(), EquatableArray<Stmt>.Empty));
            }
            else if (condition is not null)
            {
                LowerInto(go, condition, IrType.Bool);
            }
            else
            {
                evaluate.Add(new Assign(go, Op.Copy, Args(Atom.Bool(true))));
            }

            blocks.Pop();
            if (exits.Count > 0)
            {
                var guard = NoneSet(exits);
                header.Add(new If(guard, evaluate.ToEquatableArray(), new EquatableArray<Stmt>([new Assign(go, Op.Copy, Args(Atom.Bool(false)))])));
            }
            else
            {
                header.AddRange(evaluate);
            }

            blocks.Pop();

            if (context.Break is not null)
            {
                Current.Add(new Assign(context.Break, Op.Copy, Args(Atom.Bool(false))));
            }

            if (first is not null)
            {
                Current.Add(new Assign(first, Op.Copy, Args(Atom.Bool(true))));
            }

            Current.Add(new Loop(header.ToEquatableArray(), Atom.Of(go), iteration.ToEquatableArray()));
            flags.Remove(context.Continue ?? string.Empty);
            flags.Remove(context.Break ?? string.Empty);
            return flags;
        }

        private Loop CountedLoop(string counter, Atom end, Action<List<Stmt>> body)
        {
            var go = Temp(IrType.Bool);
            var header = new EquatableArray<Stmt>([new Assign(go, Op.Lt, Args(Atom.Of(counter), end))]);
            var statements = new List<Stmt>();
            body(statements);
            statements.Add(new Assign(counter, Op.Add, Args(Atom.Of(counter), Atom.Int(1))));
            return new Loop(header, Atom.Of(go), statements.ToEquatableArray());
        }
    }
}
