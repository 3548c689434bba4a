namespace Downhill;

/// <summary>
/// Settings of <see cref="GradientCheck.Run{T}"/>. Every property has a default suited to the loss's element type;
/// a null tolerance, step or floor means "the default for <see cref="double"/> or <see cref="float"/>".
/// </summary>
public sealed class GradientCheckOptions
{
    /// <summary>The default first-order tolerance of <see cref="double"/> losses: 1e-6.</summary>
    public const double DoubleFirstOrderTolerance = 1e-6;

    /// <summary>The default second-order tolerance of <see cref="double"/> losses: 1e-5.</summary>
    public const double DoubleSecondOrderTolerance = 1e-5;

    /// <summary>
    /// The default first-order tolerance of <see cref="float"/> losses: 2e-3. A float loss rounds every
    /// evaluation to about 6e-8 relative, and finite differences of such values cannot resolve more than a few
    /// significant digits of the derivative.
    /// </summary>
    public const double FloatFirstOrderTolerance = 2e-3;

    /// <summary>The default second-order tolerance of <see cref="float"/> losses: 2e-2 (differences of float gradients).</summary>
    public const double FloatSecondOrderTolerance = 2e-2;

    /// <summary>The default relative step of <see cref="double"/> losses: 1e-2 (the stencil is sixth order, see <see cref="GradientCheck"/>).</summary>
    public const double DoubleStepScale = 1e-2;

    /// <summary>The default relative step of <see cref="float"/> losses: 3e-2.</summary>
    public const double FloatStepScale = 3e-2;

    /// <summary>The default scale floor of <see cref="double"/> losses: 1e-5.</summary>
    public const double DoubleScaleFloor = 1e-5;

    /// <summary>The default scale floor of <see cref="float"/> losses: 1e-3.</summary>
    public const double FloatScaleFloor = 1e-3;

    /// <summary>
    /// How many random perturbations of the given parameters are checked besides the parameters themselves (default 2).
    /// 0 checks only the given point.
    /// </summary>
    public int Points { get; init; } = 2;

    /// <summary>The seed of the perturbations and of the random tangent directions (default 1); a seed gives the same check every run.</summary>
    public long Seed { get; init; } = 1;

    /// <summary>
    /// The size of the random perturbations: each element x becomes x + Perturbation · (|x| + 0.1) · u with u uniform
    /// in [-1, 1) (default 0.05, small enough to stay inside the domain of most functions around a valid point).
    /// </summary>
    public double Perturbation { get; init; } = 0.05;

    /// <summary>Tolerance of the first-order checks (value, gradient, tangent, full gradient); null for the element type's default.</summary>
    public double? FirstOrderTolerance { get; init; }

    /// <summary>Tolerance of the second-order checks (Hessian-vector products, full ones, symmetry); null for the element type's default.</summary>
    public double? SecondOrderTolerance { get; init; }

    /// <summary>
    /// The relative finite-difference step: an element x is stepped by the power of two nearest to
    /// StepScale · max(|x|, 0.1); null for the element type's default.
    /// </summary>
    public double? StepScale { get; init; }

    /// <summary>
    /// The scale floor of the error measure: components are compared by |a − b| / max(|a|, |b|, ScaleFloor · S), where S
    /// is the largest magnitude among all components checked in the same mode at the same point; null for the element type's default.
    /// </summary>
    public double? ScaleFloor { get; init; }

    /// <summary>Whether the derivatives with respect to data elements are checked (default true).</summary>
    public bool CheckData { get; init; } = true;

    /// <summary>Whether the second-order methods are checked (default true).</summary>
    public bool CheckSecondOrder { get; init; } = true;
}
