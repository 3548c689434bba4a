using System.Collections.Generic;
using System.Linq;
using Downhill.Generators.Ir;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Downhill.Generators.Model;

/// <summary>The role of a loss argument.</summary>
internal enum ArgKind : byte
{
    Param,
    Hyper,
    Data,
}

/// <summary>One argument of a loss.</summary>
internal sealed record ArgInfo(string Name, ArgKind Kind, IrType Type);

/// <summary>A monitor declared for a loss.</summary>
internal sealed record MonitorInfo(string Name, string MethodName, bool ParamsOnly);

/// <summary>A type that contains the loss: the keyword (class, struct, record, record struct) and the name.</summary>
internal sealed record TypeDecl(string Keyword, string Name);

/// <summary>A diagnostic, stored without Roslyn objects so that models stay equatable.</summary>
internal sealed record DiagnosticInfo(string Id, SourceLoc? Location, EquatableArray<string> Args)
{
    public Diagnostic ToDiagnostic()
    {
        var descriptor = DiagnosticDescriptors.ById(Id);
        Location location = Location is null
            ? Microsoft.CodeAnalysis.Location.None
            : Microsoft.CodeAnalysis.Location.Create(
                Location.Path,
                new TextSpan(Location.Start, Location.Length),
                new LinePositionSpan(new LinePosition(Location.StartLine, Location.StartColumn), new LinePosition(Location.EndLine, Location.EndColumn)));
        return Diagnostic.Create(descriptor, location, Args.Cast<object>().ToArray());
    }

    public static SourceLoc LocOf(SyntaxNode node) => LocOf(node.GetLocation(), node.ToString());

    public static SourceLoc LocOf(SyntaxToken token) => LocOf(token.GetLocation(), token.Text);

    public static SourceLoc LocOf(Location location, string text)
    {
        var span = location.GetLineSpan();
        return new SourceLoc(
            span.Path,
            location.SourceSpan.Start,
            location.SourceSpan.Length,
            span.StartLinePosition.Line,
            span.StartLinePosition.Character,
            span.EndLinePosition.Line,
            span.EndLinePosition.Character,
            text);
    }
}

/// <summary>
/// The source pipeline's model of a [Loss] (System.Text.Json's <c>*GenerationSpec</c>): everything the emitters
/// need, with no Roslyn objects and no source positions, so an edit elsewhere in the file (a comment above
/// the loss) leaves it equal and the derivative programs and emitted text cached. <paramref name="Kinks"/> is
/// the exception that the output itself needs: the descriptor lists each kink's source and line.
/// </summary>
internal sealed record LossGenerationSpec(
    string? Namespace,
    EquatableArray<TypeDecl> ContainingTypes,
    string MethodName,
    string Accessibility,
    bool IsFloat,
    EquatableArray<ArgInfo> Args,
    EquatableArray<MonitorInfo> Monitors,
    IrFunction? Main,
    EquatableArray<IrFunction> Helpers,
    EquatableArray<string> Kinks)
{
    /// <summary>The arguments of one kind, each with its position among all the loss's arguments (the emitters' views of the loss).</summary>
    public List<(ArgInfo Arg, int Index)> ArgsOf(ArgKind kind) => Args.Select((a, k) => (a, k)).Where(x => x.a.Kind == kind).ToList();

    /// <summary>The full name of the containing type, for hint names and schemas.</summary>
    public string TypeFullName => (Namespace is null ? string.Empty : Namespace + ".") + string.Join(".", ContainingTypes.Select(t => t.Name));

    /// <summary>The name of the generated file: unique per loss (type, name and arity).</summary>
    public string HintName => (TypeFullName + "." + MethodName + "_" + Args.Count).Replace('<', '[').Replace('>', ']').Replace("@", string.Empty) + ".g.cs";
}

/// <summary>
/// What parsing a [Loss] yields: the position-free <see cref="LossGenerationSpec"/> for the source pipeline, and
/// the diagnostics and the loss's own position for the diagnostics pipeline (System.Text.Json's generator keeps
/// the two pipelines apart the same way).
/// </summary>
internal sealed record LossParse(LossGenerationSpec Spec, EquatableArray<DiagnosticInfo> Diagnostics, SourceLoc Location);

/// <summary>The text written for one loss, or why writing it failed (an internal error, reported at the loss); <paramref name="CudaReason"/>: why it has no CUDA source (DH0017).</summary>
internal sealed record LossSource(string HintName, string? Text, string? Error, string? CudaReason = null);

/// <summary>A settable property of Downhill.TrainingOptions, which becomes an optional argument of Minimize.</summary>
internal sealed record OptionInfo(string Name, string ParameterType);

/// <summary>The options, and whether the runtime is referenced at all.</summary>
internal sealed record OptionsModel(bool HasTrainer, bool HasGradientCheck, EquatableArray<OptionInfo> Options);

/// <summary>A parsed [Differentiable] helper: only its diagnostics are reported from its own pipeline.</summary>
internal sealed record HelperModel(string Name, EquatableArray<DiagnosticInfo> Diagnostics);
