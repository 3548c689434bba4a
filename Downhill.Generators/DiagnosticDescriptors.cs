using Microsoft.CodeAnalysis;

namespace Downhill.Generators;

/// <summary>Every diagnostic the generator and the analyzer report. IDs are stable; each links to the README section that explains it.</summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "Downhill";
    private const string HelpBase = "docs/diagnostics.md#";

    /// <summary>DH0001: a statement the loss language does not have.</summary>
    public static readonly DiagnosticDescriptor UnsupportedStatement = Create(
        "DH0001",
        "Statement not supported in a differentiable method",
        "'{0}' statements cannot be differentiated: {1}",
        "Losses and [Differentiable] helpers may use locals, assignments, if/else, for/while loops with break/continue, return and expression statements. Rewrite the statement with those.",
        DiagnosticSeverity.Error);

    /// <summary>DH0002: an expression the loss language does not have.</summary>
    public static readonly DiagnosticDescriptor UnsupportedExpression = Create(
        "DH0002",
        "Expression not supported in a differentiable method",
        "This expression cannot be differentiated: {0}",
        "Losses may use arithmetic, comparisons, ?:, Math/MathF functions, Fn helpers, element access on spans and local arrays, and calls to [Differentiable] methods.",
        DiagnosticSeverity.Error);

    /// <summary>DH0003: a call to a method with no known derivative.</summary>
    public static readonly DiagnosticDescriptor UnknownMethod = Create(
        "DH0003",
        "Method has no known derivative",
        "'{0}' has no known derivative: {1}",
        "Mark the method [Differentiable] (it must be static, with a body the generator can read), or use a Math/MathF/Fn function.",
        DiagnosticSeverity.Error);

    /// <summary>DH0004: a [Loss] or [Differentiable] method that is not static.</summary>
    public static readonly DiagnosticDescriptor MustBeStatic = Create(
        "DH0004",
        "Differentiable method must be static",
        "'{0}' must be static to be differentiated",
        "Add the static modifier: losses compute one example from their arguments alone.",
        DiagnosticSeverity.Error);

    /// <summary>DH0005: a [Loss] outside a partial type.</summary>
    public static readonly DiagnosticDescriptor TypeMustBePartial = Create(
        "DH0005",
        "Loss must be declared in a partial type",
        "Type '{0}' must be partial so that the derivatives of '{1}' can be added to it",
        "Add the partial modifier to the type and to every type that contains it.",
        DiagnosticSeverity.Error);

    /// <summary>DH0006: a [Loss] or [Differentiable] method with an unsupported return type.</summary>
    public static readonly DiagnosticDescriptor UnsupportedReturnType = Create(
        "DH0006",
        "Unsupported return type",
        "'{0}' returns '{1}'; a loss returns double or float",
        "Return the example's loss as a double or a float.",
        DiagnosticSeverity.Error);

    /// <summary>DH0007: an argument of a type the loss language does not have.</summary>
    public static readonly DiagnosticDescriptor UnsupportedArgumentType = Create(
        "DH0007",
        "Unsupported argument type",
        "Argument '{0}' of type '{1}' is not supported: {2}",
        "[Param] arguments are double/float scalars or ReadOnlySpan<double>/ReadOnlySpan<float>; [Hyper] arguments are scalars; data arguments are scalars, int, or ReadOnlySpan rows.",
        DiagnosticSeverity.Error);

    /// <summary>DH0008: an assignment to an argument.</summary>
    public static readonly DiagnosticDescriptor WriteToArgument = Create(
        "DH0008",
        "Arguments are read-only in a differentiable method",
        "'{0}' is an argument and cannot be assigned",
        "Copy the argument into a local and change the local.",
        DiagnosticSeverity.Error);

    /// <summary>DH0009: an active value cast to an integer (its derivative is lost).</summary>
    public static readonly DiagnosticDescriptor ActiveToIntegerCast = Create(
        "DH0009",
        "Cast of a differentiated value to an integer",
        "Casting '{0}' to an integer drops its derivative; the result is treated as a constant",
        "This is usually intended (bucketing, indexing). Cast a value that does not depend on parameters to silence it.",
        DiagnosticSeverity.Warning);

    /// <summary>DH0010: the generator failed on a method; the message says how.</summary>
    public static readonly DiagnosticDescriptor InternalError = Create(
        "DH0010",
        "The derivative generator failed",
        "Derivatives of '{0}' could not be generated: {1}",
        "This is a bug in Downhill's generator; please report it with the method. Other methods are unaffected.",
        DiagnosticSeverity.Error);

    /// <summary>DH0011: a loss that mixes float and double (an argument, a local, a cast, a call or an operation of the other type).</summary>
    /// <remarks>Arguments: what is of the other type (quoted by the caller), that type, "the double loss" (or helper), its name, what to write instead.</remarks>
    public static readonly DiagnosticDescriptor MixedPrecision = Create(
        "DH0011",
        "Loss mixes float and double",
        "{0} is {1} in {2} '{3}': {4}",
        "Use one element type throughout a loss: all double, or all float.",
        DiagnosticSeverity.Error);

    /// <summary>DH0012: an operation whose second derivative is undefined at its kink (Hessian-vector products hold only away from it).</summary>
    public static readonly DiagnosticDescriptor KinkInSecondOrder = Create(
        "DH0012",
        "Second derivative undefined at a kink",
        "'{0}' has no second derivative where it is not smooth; Hessian-vector products of '{1}' are exact only away from that point",
        "Gradients are fine (a one-sided choice is made). For second-order methods (ESGD, hypergradients) prefer a smooth form such as Fn.Softplus instead of Relu/Max, or sqrt(x*x + eps) instead of Abs.",
        DiagnosticSeverity.Info);

    /// <summary>DH0013: a [Monitor] whose shape does not match its loss.</summary>
    public static readonly DiagnosticDescriptor InvalidMonitor = Create(
        "DH0013",
        "Invalid monitor",
        "Monitor '{0}' is invalid: {1}",
        "A monitor is a static method in the loss's type returning double or float, whose arguments are either exactly the loss's arguments or exactly its [Param] arguments.",
        DiagnosticSeverity.Error);

    /// <summary>DH0014: a [Loss] with no [Param] argument (nothing to train or differentiate).</summary>
    public static readonly DiagnosticDescriptor NoParam = Create(
        "DH0014",
        "Loss has no [Param] argument",
        "Loss '{0}' has no [Param] argument, so there is nothing to train",
        "Mark the arguments that training should change with [Param], for example '[Param] ReadOnlySpan<double> w'.",
        DiagnosticSeverity.Error);

    /// <summary>DH0015: a name the generator must write is already taken, or cannot be written where the generated code needs it.</summary>
    public static readonly DiagnosticDescriptor NameClash = Create(
        "DH0015",
        "Generated name clashes",
        "The derivatives of '{0}' cannot be generated: {1}",
        "Rename the member or argument that the message names; the generator adds <loss>Gradient, <loss>Tangent, <loss>HessianVector, <loss>GradientFull, <loss>HessianVectorFull and the descriptor <loss>Loss (with nested Params and Hypers) to the loss's type.",
        DiagnosticSeverity.Error);

    /// <summary>DH0016: [Loss] on something that cannot have generated derivatives (generic, overloaded, local function, lambda).</summary>
    public static readonly DiagnosticDescriptor UnsupportedDeclaration = Create(
        "DH0016",
        "Unsupported loss declaration",
        "'{0}' cannot be a loss: {1}",
        "A loss is a static, non-generic method of a partial type, with a name no other [Loss] method of that type has.",
        DiagnosticSeverity.Error);

    /// <summary>DH0017: the CUDA emitter cannot express the loss (an unbounded tape, say), so it runs on the CPU only.</summary>
    public static readonly DiagnosticDescriptor CudaUnavailable = Create(
        "DH0017",
        "Loss runs on the CPU only",
        "'{0}' has no CUDA kernels and runs on the CPU: {1}",
        "The GPU's reverse sweep keeps its tape in a per-thread workspace whose size the generator computes from the code: give loops that run inside the derivative a limit that is a constant or an array's Length (for (int i = 0; i < x.Length; i++)) and avoid recursion, or train this loss on the CPU (Device.Cpu).",
        DiagnosticSeverity.Info);

    private static readonly DiagnosticDescriptor[] All =
    [
        UnsupportedStatement, UnsupportedExpression, UnknownMethod, MustBeStatic, TypeMustBePartial, UnsupportedReturnType,
        UnsupportedArgumentType, WriteToArgument, ActiveToIntegerCast, InternalError, MixedPrecision, KinkInSecondOrder, InvalidMonitor,
        NoParam, NameClash, UnsupportedDeclaration, CudaUnavailable,
    ];

    /// <summary>The descriptor with this ID.</summary>
    public static DiagnosticDescriptor ById(string id)
    {
        foreach (var d in All)
        {
            if (d.Id == id)
            {
                return d;
            }
        }

        return InternalError;
    }

    private static DiagnosticDescriptor Create(string id, string title, string message, string description, DiagnosticSeverity severity) =>
        new(id, title, message, Category, severity, isEnabledByDefault: true, description: description, helpLinkUri: HelpBase + id.ToLowerInvariant());
}

/// <summary>Names of the pipeline steps, for incrementality tests.</summary>
internal static class TrackingNames
{
    /// <summary>The position-free spec of each [Loss] method (with the IR of the helpers it calls).</summary>
    public const string LossModels = "LossModels";

    /// <summary>The diagnostics of each [Loss] method: the only step after parsing that holds source positions.</summary>
    public const string LossDiagnostics = "LossDiagnostics";

    /// <summary>The parsed model of each [Differentiable] method.</summary>
    public const string HelperModels = "HelperModels";

    /// <summary>The settable properties of Downhill.TrainingOptions, which become Minimize's optional arguments.</summary>
    public const string TrainingOptions = "TrainingOptions";

    /// <summary>Loss models joined with the options, ready to emit.</summary>
    public const string LossOutputs = "LossOutputs";

    /// <summary>The text written for each loss (or why writing it failed).</summary>
    public const string LossSources = "LossSources";
}
