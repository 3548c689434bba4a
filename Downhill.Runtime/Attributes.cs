namespace Downhill;

/// <summary>
/// Marks a static method in a partial type as the loss of one example. The generator writes its
/// exact derivatives (<c>FGradient</c>, <c>FTangent</c>, <c>FHessianVector</c>, ...) and a descriptor
/// type (<c>FLoss</c>) with typed <c>Minimize</c> entry points. See the README, "The loss language".
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class LossAttribute : Attribute
{
}

/// <summary>Marks an argument of a <see cref="LossAttribute"/> method as a trained parameter (a scalar or a <c>ReadOnlySpan</c> vector).</summary>
[AttributeUsage(AttributeTargets.Parameter, Inherited = false)]
public sealed class ParamAttribute : Attribute
{
}

/// <summary>
/// Marks a scalar argument as a hyperparameter: not trained, but differentiated (its adjoint and the
/// mixed second derivatives are generated for hypergradients).
/// </summary>
[AttributeUsage(AttributeTargets.Parameter, Inherited = false)]
public sealed class HyperAttribute : Attribute
{
}

/// <summary>
/// Marks a static helper method that losses may call. Its body is differentiated with the loss, in every
/// mode; it may live in another type or file and may be recursive.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class DifferentiableAttribute : Attribute
{
}

/// <summary>
/// Marks a static method as a monitor of a loss in the same type: a value reported by name during training.
/// Its arguments are the loss's arguments (a per-example monitor, averaged over the batch) or only its
/// <see cref="ParamAttribute"/> arguments (a monitor of the parameters alone).
/// </summary>
/// <param name="loss">The name of the loss method, e.g. <c>nameof(Squared)</c>.</param>
/// <param name="name">The name the monitor is reported under; defaults to the method's name.</param>
[AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = true)]
public sealed class MonitorAttribute(string loss, string? name = null) : Attribute
{
    /// <summary>The loss this monitor belongs to.</summary>
    public string Loss { get; } = loss;

    /// <summary>The name the monitor is reported under, or null for the method's name.</summary>
    public string? Name { get; } = name;
}
