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

/// <summary>The IR of a method and of every [Differentiable] helper it reaches, with the diagnostics found.</summary>
internal sealed record ParsedProgram(IrFunction? Main, EquatableArray<IrFunction> Helpers, EquatableArray<DiagnosticInfo> Diagnostics);

/// <summary>
/// Reads a method body into the IR. Structured control flow only comes out: break, continue and early
/// return become flags that guard the statements after them, so every transformation sees if/loop trees.
/// Every operation writes a fresh temporary (user variables receive copies), so no real operation reads
/// the variable it writes: the reverse sweep may then use an operation's result in its partials.
/// </summary>
internal sealed class IrParser
{
    private const string DifferentiableAttribute = "Downhill.DifferentiableAttribute";

    private readonly Compilation compilation;
    private readonly CancellationToken cancellationToken;
    private readonly Dictionary<IMethodSymbol, string> helperNames = new(SymbolEqualityComparer.Default);
    private readonly List<IrFunction> helpers = [];
    private readonly List<Pending> diagnostics = [];
    private readonly HashSet<string> usedHelperNames = [];

    private readonly string rootName;

    private IrParser(Compilation compilation, string rootName, CancellationToken cancellationToken)
    {
        this.rootName = rootName;
        this.compilation = compilation;
        this.cancellationToken = cancellationToken;
    }

    /// <summary>Parses a loss or helper and everything it calls.</summary>
    /// <param name="reportHelperDiagnostics">False for losses: helpers report their own body's problems.</param>
    public static ParsedProgram Parse(IMethodSymbol method, MethodDeclarationSyntax syntax, SemanticModel model, bool reportHelperDiagnostics, CancellationToken cancellationToken)
    {
        var parser = new IrParser(model.Compilation, method.Name, cancellationToken);
        IrFunction? main;
        bool helperFailed;
        try
        {
            var builder = new FunctionBuilder(parser, method, syntax, model, "__dh_" + method.Name, isMain: true);
            main = builder.Build();
            helperFailed = parser.HelperFailed;
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception ex)
        {
            parser.diagnostics.Add(new Pending(
                new DiagnosticInfo(
                    DiagnosticDescriptors.InternalError.Id,
                    DiagnosticInfo.LocOf(syntax.Identifier),
                    new EquatableArray<string>([method.Name, ex.GetType().Name + ": " + ex.Message])),
                fromHelper: false));
            return new ParsedProgram(null, EquatableArray<IrFunction>.Empty, parser.diagnostics.Select(d => d.Info).ToEquatableArray());
        }

        var reported = reportHelperDiagnostics ? parser.diagnostics : parser.diagnostics.Where(d => !d.FromHelper).ToList();
        bool hasErrors = parser.diagnostics.Any(d => DiagnosticDescriptors.ById(d.Info.Id).DefaultSeverity == DiagnosticSeverity.Error) || helperFailed;
        return new ParsedProgram(
            hasErrors ? null : main,
            parser.helpers.ToEquatableArray(),
            reported.Select(d => d.Info).ToEquatableArray());
    }

    private bool HelperFailed { get; set; }

    private readonly struct Pending(DiagnosticInfo info, bool fromHelper)
    {
        public DiagnosticInfo Info { get; } = info;

        public bool FromHelper { get; } = fromHelper;
    }

    private string HelperName(IMethodSymbol method, out bool isNew)
    {
        if (helperNames.TryGetValue(method, out var existing))
        {
            isNew = false;
            return existing;
        }

        // Scoped by the loss: two losses of one type that call the same helper each get their own copies.
        string baseName = "__dh_" + rootName + "_" + method.ContainingType.Name + "_" + method.Name;
        string name = baseName;
        for (int k = 2; !usedHelperNames.Add(name); k++)
        {
            name = baseName + "_" + k;
        }

        helperNames[method] = name;
        isNew = true;
        return name;
    }

    /// <summary>Builds one function's IR.</summary>
    private sealed class FunctionBuilder
    {
        private readonly IrParser parser;
        private readonly IMethodSymbol method;
        private readonly MethodDeclarationSyntax syntax;
        private readonly SemanticModel model;
        private readonly string name;
        private readonly bool isMain;
        private readonly bool isFloat;
        private readonly List<IrParam> parameters = [];
        private readonly List<IrLocal> locals = [];
        private readonly Dictionary<string, IrType> types = [];
        private readonly Dictionary<ISymbol, string> symbols = new(SymbolEqualityComparer.Default);
        private readonly HashSet<string> argumentNames = [];
        private readonly HashSet<ISymbol> reported = new(SymbolEqualityComparer.Default);
        private readonly List<SourceLoc> locations = [];
        private readonly Stack<List<Stmt>> blocks = new();
        private readonly Stack<LoopContext> loops = new();
        private int temps;
        private int nesting;
        private bool simpleReturn;
        private string? returnFlag;
        private string? returnValue;

        public FunctionBuilder(IrParser parser, IMethodSymbol method, MethodDeclarationSyntax syntax, SemanticModel model, string name, bool isMain)
        {
            this.parser = parser;
            this.method = method;
            this.syntax = syntax;
            this.model = model;
            this.name = name;
            this.isMain = isMain;
            isFloat = method.ReturnType.SpecialType == SpecialType.System_Single;
        }

        private List<Stmt> Current => blocks.Peek();

        public IrFunction Build()
        {
            foreach (var p in method.Parameters)
            {
                var t = ClassifyType(p.Type, p.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(parser.cancellationToken) ?? syntax, report: true);
                if (t is null)
                {
                    continue;
                }

                string pname = Unique(UserName(p.Name));
                symbols[p] = pname;
                argumentNames.Add(pname);
                types[pname] = t.Value;
                bool isArray = t.Value is IrType.RealArray or IrType.IntArray;
                parameters.Add(new IrParam(pname, t.Value, isArray ? ParamMode.Span : ParamMode.In));
            }

            var body = new List<Stmt>();
            blocks.Push(body);
            if (syntax.ExpressionBody is { } arrow)
            {
                var value = LowerAs(arrow.Expression, IrType.Real);
                body.Add(new Return(value));
            }
            else if (syntax.Body is { } block)
            {
                var statements = block.Statements;
                int returns = block.DescendantNodes(n => n is not LocalFunctionStatementSyntax and not AnonymousFunctionExpressionSyntax).OfType<ReturnStatementSyntax>().Count();
                simpleReturn = returns == 1 && statements.Count > 0 && statements[statements.Count - 1] is ReturnStatementSyntax;
                LowerStatements(statements);
                if (!simpleReturn)
                {
                    body.Add(new Return(Atom.Of(EnsureReturnValue())));
                }
            }
            else
            {
                Report(DiagnosticDescriptors.UnsupportedStatement, syntax.Identifier, "extern", "the method has no body");
            }

            blocks.Pop();
            return new IrFunction(name, isFloat, parameters.ToEquatableArray(), locals.ToEquatableArray(), body.ToEquatableArray(), locations.ToEquatableArray());
        }

        // ---------------------------------------------------------------- names and types

        private string Unique(string baseName)
        {
            string n = baseName;
            for (int k = 1; types.ContainsKey(n) || n.StartsWith("__", StringComparison.Ordinal) && !baseName.StartsWith("__", StringComparison.Ordinal); k++)
            {
                n = baseName + "_" + k;
            }

            types[n] = IrType.Real;
            return n;
        }

        /// <summary>
        /// The IR name of a user's argument or local: every name the generator makes up contains "__", so a user's
        /// run of underscores becomes one; a C# keyword (an argument named <c>@in</c>) keeps its '@'.
        /// </summary>
        private static string UserName(string name)
        {
            var sb = new System.Text.StringBuilder(name.Length);
            foreach (char c in name)
            {
                if (c != '_' || sb.Length == 0 || sb[sb.Length - 1] != '_')
                {
                    sb.Append(c);
                }
            }

            string n = sb.ToString();
            return Microsoft.CodeAnalysis.CSharp.SyntaxFacts.GetKeywordKind(n) != Microsoft.CodeAnalysis.CSharp.SyntaxKind.None ? "@" + n : n;
        }

        private string NewLocal(string baseName, IrType type)
        {
            string n = Unique(baseName);
            types[n] = type;
            locals.Add(new IrLocal(n, type));
            return n;
        }

        private string Temp(IrType type) => NewLocal("__t" + temps++, type);

        private IrType TypeOf(Atom a) => a.Var is null ? a.ConstType : types[a.Var];

        private IrType? ClassifyType(ITypeSymbol type, SyntaxNode where, bool report)
        {
            switch (type.SpecialType)
            {
                case SpecialType.System_Double:
                case SpecialType.System_Single:
                    if ((type.SpecialType == SpecialType.System_Single) != isFloat)
                    {
                        if (report)
                        {
                            string subject = where switch
                            {
                                ParameterSyntax p => $"Argument '{p.Identifier.ValueText}'",
                                TypeSyntax { Parent: VariableDeclarationSyntax v } => $"Local '{string.Join("', '", v.Variables.Select(x => x.Identifier.ValueText))}'",
                                ArgumentSyntax a => $"The parameter that '{a}' is passed to",
                                _ => $"'{where}'",
                            };
                            ReportPrecision(where, subject, $"declare it with {Real} in place of {Other}; {LossKind} computes in {Real} throughout");
                        }

                        return null;
                    }

                    return IrType.Real;
                case SpecialType.System_Int32:
                    return IrType.Int;
                case SpecialType.System_Boolean:
                    return IrType.Bool;
            }

            ITypeSymbol? element = type switch
            {
                IArrayTypeSymbol { Rank: 1 } array => array.ElementType,
                INamedTypeSymbol { IsGenericType: true } named when named.OriginalDefinition.ToDisplayString() is "System.ReadOnlySpan<T>" or "System.Span<T>" => named.TypeArguments[0],
                _ => null,
            };
            if (element is not null)
            {
                var inner = ClassifyType(element, where, report);
                return inner switch
                {
                    IrType.Real => IrType.RealArray,
                    IrType.Int => IrType.IntArray,
                    _ => null,
                };
            }

            if (report)
            {
                Report(DiagnosticDescriptors.UnsupportedExpression, where, $"values of type '{type.ToDisplayString()}' are not part of the loss language");
            }

            return null;
        }

        // ---------------------------------------------------------------- diagnostics

        private void Report(DiagnosticDescriptor descriptor, SyntaxNode node, params string[] args) =>
            parser.diagnostics.Add(new Pending(new DiagnosticInfo(descriptor.Id, DiagnosticInfo.LocOf(node), new EquatableArray<string>(args)), !isMain));

        private void Report(DiagnosticDescriptor descriptor, SyntaxToken token, params string[] args) =>
            parser.diagnostics.Add(new Pending(new DiagnosticInfo(descriptor.Id, DiagnosticInfo.LocOf(token), new EquatableArray<string>(args)), !isMain));

        private string Real => isFloat ? "float" : "double";

        private string Other => isFloat ? "double" : "float";

        private string LossKind => $"a {Real} {(isMain ? "loss" : "helper")}";

        /// <summary>DH0011: <paramref name="subject"/> (quoted by the caller) is of the other real type; <paramref name="advice"/> says what to write.</summary>
        private void ReportPrecision(SyntaxNode node, string subject, string advice) =>
            Report(DiagnosticDescriptors.MixedPrecision, node, subject, Other, $"the {Real} {(isMain ? "loss" : "helper")}", method.Name, advice);

        /// <summary>DH0011 at an expression of the other real type, with the expression rewritten in the loss's type as the fix.</summary>
        private void ReportPrecision(ExpressionSyntax expression, string uses)
        {
            bool casts = expression.DescendantNodesAndSelf().OfType<CastExpressionSyntax>().Any(c => c.Type is PredefinedTypeSyntax t && t.Keyword.IsKind(isFloat ? SyntaxKind.DoubleKeyword : SyntaxKind.FloatKeyword));
            var mathF = parser.compilation.GetTypeByMetadataName("System.MathF");
            string fixedText = new Retype(isFloat, name => mathF is not null && mathF.GetMembers(name).Length > 0).Visit(expression)!.ToString();
            string advice = $"{LossKind} {uses}{(casts ? $", and the cast to {Other} is not supported" : string.Empty)}";
            ReportPrecision(expression, $"'{expression}'", fixedText == expression.ToString() ? advice : $"{advice}; write {fixedText}");
        }

        private int Location(SyntaxNode node)
        {
            locations.Add(DiagnosticInfo.LocOf(node));
            return locations.Count - 1;
        }

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

                case ReturnStatementSyntax ret:
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
                default:
                    Report(DiagnosticDescriptors.UnsupportedStatement, expression, "expression", "only assignments, ++ and -- may stand as statements (a call's result must be used)");
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

        // ---------------------------------------------------------------- calls

        private static readonly Dictionary<string, Op> Unary = new()
        {
            ["Exp"] = Op.Exp, ["Log"] = Op.Log, ["Log2"] = Op.Log2, ["Log10"] = Op.Log10, ["Sqrt"] = Op.Sqrt, ["Cbrt"] = Op.Cbrt,
            ["Sin"] = Op.Sin, ["Cos"] = Op.Cos, ["Tan"] = Op.Tan, ["Asin"] = Op.Asin, ["Acos"] = Op.Acos, ["Atan"] = Op.Atan,
            ["Sinh"] = Op.Sinh, ["Cosh"] = Op.Cosh, ["Tanh"] = Op.Tanh, ["Asinh"] = Op.Asinh, ["Acosh"] = Op.Acosh, ["Atanh"] = Op.Atanh,
            ["Abs"] = Op.Abs, ["Floor"] = Op.Floor, ["Ceiling"] = Op.Ceiling, ["Round"] = Op.Round, ["Truncate"] = Op.Truncate, ["Sign"] = Op.Sign,
        };

        private static readonly Dictionary<string, Op> FnUnary = new()
        {
            ["Sigmoid"] = Op.Sigmoid, ["LogSigmoid"] = Op.LogSigmoid, ["Softplus"] = Op.Softplus, ["Relu"] = Op.Relu,
            ["Square"] = Op.Square, ["Log1P"] = Op.Log1P, ["Expm1"] = Op.Expm1,
        };

        private static readonly Dictionary<string, Op> Binary = new()
        {
            ["Pow"] = Op.Pow, ["Atan2"] = Op.Atan2, ["Max"] = Op.Max, ["Min"] = Op.Min,
        };

        private static readonly HashSet<Op> Kinks = [Op.Abs, Op.Max, Op.Min, Op.Relu, Op.Floor, Op.Ceiling, Op.Round, Op.Truncate];

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
                string known = Unary.ContainsKey(target.Name) || Binary.ContainsKey(target.Name) || target.Name is "Clamp" or "FusedMultiplyAdd"
                    ? $"write {(isFloat ? "MathF" : "Math")}.{target.Name} (the loss language knows the Math/MathF functions)"
                    : $"of {container}'s methods the loss language has {string.Join(", ", FloatTests)} (as conditions); write the test with comparisons";
                Report(DiagnosticDescriptors.UnknownMethod, invocation, container + "." + target.Name, known);
                return Default(OperandType(target.ReturnType) is var dt && dt != (IrType)255 ? dt : IrType.Real);
            }

            if (container is "System.Math" or "System.MathF" or "Downhill.Fn")
            {
                var result = LowerIntrinsic(invocation, target, container);
                if (result is { } r)
                {
                    return r;
                }
            }

            if (target.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == DifferentiableAttribute))
            {
                return LowerHelperCall(invocation, target);
            }

            string why = target.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "Downhill.LossAttribute")
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

        private Atom? LowerIntrinsic(InvocationExpressionSyntax invocation, IMethodSymbol target, string container)
        {
            var args = invocation.ArgumentList.Arguments;
            string n = target.Name;
            bool isInt = target.ReturnType.SpecialType == SpecialType.System_Int32 && n is not "Sign";
            var valueType = isInt ? IrType.Int : IrType.Real;
            if (!isInt && target.Parameters.Any(p => p.Type.SpecialType is SpecialType.System_Double or SpecialType.System_Single && (p.Type.SpecialType == SpecialType.System_Single) != isFloat))
            {
                ReportPrecision(invocation, container == "Downhill.Fn" ? $"calls Fn with {Real} values" : $"uses the {(isFloat ? "MathF" : "Math")} ({Real}) functions");
                return Atom.Real(0);
            }

            if (!isInt && target.Parameters.Any(p => p.Type.SpecialType is not (SpecialType.System_Double or SpecialType.System_Single)) && !(container == "Downhill.Fn" && n == "LogSumExp"))
            {
                return null;
            }

            Op op;
            if (args.Count == 1 && container != "Downhill.Fn" && Unary.TryGetValue(n, out op))
            {
                if (isInt && op is not (Op.Abs or Op.Sign))
                {
                    return null;
                }

                var a = LowerAs(args[0].Expression, valueType);
                KinkNote(op, invocation);
                return Emit(op, op == Op.Sign ? IrType.Int : valueType, a);
            }

            if (args.Count == 1 && container == "Downhill.Fn" && FnUnary.TryGetValue(n, out op))
            {
                var a = LowerAs(args[0].Expression, IrType.Real);
                KinkNote(op, invocation);
                return Emit(op, IrType.Real, a);
            }

            if (args.Count == 2 && container != "Downhill.Fn" && Binary.TryGetValue(n, out op))
            {
                if (isInt && op is not (Op.Max or Op.Min))
                {
                    return null;
                }

                var a = LowerAs(args[0].Expression, valueType);
                var b = LowerAs(args[1].Expression, valueType);
                KinkNote(op, invocation);
                return Emit(op, valueType, a, b);
            }

            if (n == "Log" && args.Count == 2 && container != "Downhill.Fn")
            {
                // log_b(a) = ln a / ln b.
                var a = Emit(Op.Log, IrType.Real, LowerAs(args[0].Expression, IrType.Real));
                var b = Emit(Op.Log, IrType.Real, LowerAs(args[1].Expression, IrType.Real));
                return Emit(Op.Div, IrType.Real, a, b);
            }

            if (n == "Clamp" && args.Count == 3 && container != "Downhill.Fn")
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

            if (container == "Downhill.Fn" && n == "LogSumExp" && args.Count == 2)
            {
                var a = LowerAs(args[0].Expression, IrType.Real);
                var b = LowerAs(args[1].Expression, IrType.Real);
                return Emit(Op.LogSumExp2, IrType.Real, a, b);
            }

            if (container == "Downhill.Fn" && n == "LogSumExp" && args.Count == 1)
            {
                var array = LowerArrayName(args[0].Expression);
                return array is null ? Atom.Real(0) : LogSumExpOfArray(array);
            }

            return null;
        }

        private void KinkNote(Op op, SyntaxNode node)
        {
            if (Kinks.Contains(op) && isMain)
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

        private Loop CountedLoop(string counter, Atom end, Action<List<Stmt>> body)
        {
            var go = Temp(IrType.Bool);
            var header = new EquatableArray<Stmt>([new Assign(go, Op.Lt, Args(Atom.Of(counter), end))]);
            var statements = new List<Stmt>();
            body(statements);
            statements.Add(new Assign(counter, Op.Add, Args(Atom.Of(counter), Atom.Int(1))));
            return new Loop(header, Atom.Of(go), statements.ToEquatableArray());
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
                    ReportPrecision(invocation, $"'{invocation}'", $"a [Differentiable] helper called from {LossKind} returns {Real}; declare '{target.Name}' to return {Real}");
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
