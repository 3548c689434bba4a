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
/// <remarks><paramref name="MainLocations"/> are the positions that <see cref="Assign.Loc"/> of <paramref name="Main"/> indexes; they stay out of the IR.</remarks>
internal sealed record ParsedProgram(IrFunction? Main, EquatableArray<IrFunction> Helpers, EquatableArray<DiagnosticInfo> Diagnostics, EquatableArray<SourceLoc> MainLocations);

/// <summary>
/// Reads a method body into the IR. Structured control flow only comes out: break, continue and early
/// return become flags that guard the statements after them, so every transformation sees if/loop trees.
/// Every operation writes a fresh temporary (user variables receive copies), so no real operation reads
/// the variable it writes: the reverse sweep may then use an operation's result in its partials.
/// </summary>
internal sealed partial class IrParser
{
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
        EquatableArray<SourceLoc> mainLocations;
        bool helperFailed;
        try
        {
            var builder = new FunctionBuilder(parser, method, syntax, model, "__dh_" + method.Name, isMain: true);
            main = builder.Build();
            mainLocations = builder.Locations;
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
            return new ParsedProgram(null, EquatableArray<IrFunction>.Empty, parser.diagnostics.Select(d => d.Info).ToEquatableArray(), EquatableArray<SourceLoc>.Empty);
        }

        var reported = reportHelperDiagnostics ? parser.diagnostics : parser.diagnostics.Where(d => !d.FromHelper).ToList();
        bool hasErrors = parser.diagnostics.Any(d => DiagnosticDescriptors.ById(d.Info.Id).DefaultSeverity == DiagnosticSeverity.Error) || helperFailed;
        return new ParsedProgram(
            hasErrors ? null : main,
            parser.helpers.ToEquatableArray(),
            reported.Select(d => d.Info).ToEquatableArray(),
            mainLocations);
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
    private sealed partial class FunctionBuilder
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
            isFloat = method.ReturnsVoid ? ComputesInFloat(method) : method.ReturnType.SpecialType == SpecialType.System_Single;
        }

        private List<Stmt> Current => blocks.Peek();

        /// <summary>The positions that the built function's <see cref="Assign.Loc"/> values index.</summary>
        public EquatableArray<SourceLoc> Locations => locations.ToEquatableArray();

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
                types[pname] = t.Value;
                bool isArray = t.Value is IrType.RealArray or IrType.IntArray;
                bool writable = isArray && IsWritableSpan(p.Type);
                if (!writable)
                {
                    argumentNames.Add(pname);
                }

                parameters.Add(new IrParam(pname, t.Value, writable ? ParamMode.SpanInOut : isArray ? ParamMode.Span : ParamMode.In));
            }

            var body = new List<Stmt>();
            blocks.Push(body);
            if (syntax.ExpressionBody is { } arrow && method.ReturnsVoid)
            {
                // A helper that writes into its Span arguments; its IR function returns 0, which callers ignore.
                LowerExpressionStatement(arrow.Expression);
                body.Add(new Return(Atom.Real(0)));
            }
            else if (syntax.ExpressionBody is { } valueArrow)
            {
                var value = LowerAs(valueArrow.Expression, IrType.Real);
                body.Add(new Return(value));
            }
            else if (syntax.Body is { } block)
            {
                var statements = block.Statements;
                int returns = block.DescendantNodes(n => n is not LocalFunctionStatementSyntax and not AnonymousFunctionExpressionSyntax).OfType<ReturnStatementSyntax>().Count();
                simpleReturn = !method.ReturnsVoid && returns == 1 && statements.Count > 0 && statements[statements.Count - 1] is ReturnStatementSyntax;
                LowerStatements(statements);
                if (!simpleReturn)
                {
                    body.Add(new Return(method.ReturnsVoid ? Atom.Real(0) : Atom.Of(EnsureReturnValue())));
                }
            }
            else
            {
                Report(DiagnosticDescriptors.UnsupportedStatement, syntax.Identifier, "extern", "the method has no body");
            }

            blocks.Pop();
            return new IrFunction(name, isFloat, parameters.ToEquatableArray(), locals.ToEquatableArray(), body.ToEquatableArray());
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
            var mathF = parser.compilation.GetTypeByMetadataName(WellKnownTypeNames.MathF);
            string fixedText = new Retype(isFloat, name => mathF is not null && mathF.GetMembers(name).Length > 0).Visit(expression)!.ToString();
            string advice = $"{LossKind} {uses}{(casts ? $", and the cast to {Other} is not supported" : string.Empty)}";
            ReportPrecision(expression, $"'{expression}'", fixedText == expression.ToString() ? advice : $"{advice}; write {fixedText}");
        }

        private int Location(SyntaxNode node)
        {
            locations.Add(DiagnosticInfo.LocOf(node));
            return locations.Count - 1;
        }
    }
}
