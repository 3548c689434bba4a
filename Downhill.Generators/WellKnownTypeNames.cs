namespace Downhill.Generators;

/// <summary>
/// The metadata names of the runtime's types that the generator looks for, said once (as ComputeSharp's
/// <c>WellKnownTypeNames</c>): the attributes a user writes, the functions the parser reads as operations,
/// and the runtime types whose presence decides what is generated.
/// </summary>
internal static class WellKnownTypeNames
{
    /// <summary>Marks a loss: <c>[Loss]</c>.</summary>
    public const string LossAttribute = "Downhill.LossAttribute";

    /// <summary>Marks a helper that losses may call: <c>[Differentiable]</c>.</summary>
    public const string DifferentiableAttribute = "Downhill.DifferentiableAttribute";

    /// <summary>Marks a monitor of a loss: <c>[Monitor("Loss")]</c>.</summary>
    public const string MonitorAttribute = "Downhill.MonitorAttribute";

    /// <summary>Marks a trained argument: <c>[Param]</c>.</summary>
    public const string ParamAttribute = "Downhill.ParamAttribute";

    /// <summary>Marks a hyperparameter argument: <c>[Hyper]</c>.</summary>
    public const string HyperAttribute = "Downhill.HyperAttribute";

    /// <summary>The runtime's smooth functions (Sigmoid, Softplus, LogSumExp, ...), read as operations.</summary>
    public const string Fn = "Downhill.Fn";

    /// <summary>System.Math, whose functions are read as operations.</summary>
    public const string Math = "System.Math";

    /// <summary>System.MathF, whose functions are read as operations.</summary>
    public const string MathF = "System.MathF";

    /// <summary>The training options, whose settable properties become Minimize's optional arguments.</summary>
    public const string TrainingOptions = "Downhill.TrainingOptions";

    /// <summary>The trainer; with it present, Minimize is generated.</summary>
    public const string Trainer = "Downhill.Trainer";

    /// <summary>The gradient check; with it and its options present, CheckGradient is generated.</summary>
    public const string GradientCheck = "Downhill.GradientCheck";

    /// <summary>The options of the gradient check.</summary>
    public const string GradientCheckOptions = "Downhill.GradientCheckOptions";
}
