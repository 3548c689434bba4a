using System.Numerics;
using Downhill.Internal;

namespace Downhill;

/// <summary>
/// Checks a loss's generated derivatives against finite differences of its own values: the user-facing proof that
/// a loss is differentiated correctly (every generated descriptor's <c>Check</c> calls it).
/// </summary>
/// <remarks>
/// <para>
/// At the given parameters and at <see cref="GradientCheckOptions.Points"/> seeded random perturbations of them, it
/// compares, summed over every row of the data: the loss returned by each derivative method with
/// <see cref="ILossModel{T}.SumLoss"/>; <see cref="ILossModel{T}.SumGradient"/> with differences of the loss element
/// by element; <see cref="ILossModel{T}.SumTangent"/> with differences of the loss along a random direction;
/// <see cref="ILossModel{T}.SumHessianVector"/> with differences of the gradient along that direction;
/// <see cref="ILossModel{T}.SumGradientFull"/> for parameters, hyperparameters and every real data element with
/// differences of the loss; <see cref="ILossModel{T}.SumHessianVectorFull"/> with differences of the full gradient
/// along the direction; and u·Hv with v·Hu for two random directions.
/// </para>
/// <para>
/// Differences: an element x is stepped by h, the power of two nearest to
/// <see cref="GradientCheckOptions.StepScale"/> · max(|x|, 0.1) (powers of two keep x ± h exact in float), and the
/// derivative is the Richardson extrapolation (16·D(h/2) − D(h)) / 15 of the five-point central difference
/// D(h) = (f(x−2h) − 8f(x−h) + 8f(x+h) − f(x+2h)) / 12h, whose error is O(h⁶); a direction t is stepped the same way
/// with h taken from the largest |x|, and t's elements are ±k/8, k = 1..8, so that x + h·t stays exact too.
/// In double this reaches about 1e-11 relative on smooth functions.
/// </para>
/// <para>
/// Error measure: a generated component a and its reference b disagree by max(0, |a − b| − N) / max(|a|, |b|, F · S).
/// N is the rounding noise of the difference, 8ε · max|f| · 3.3 / h (ε the machine epsilon of the loss's type,
/// max|f| the largest magnitude among the six differenced values, 3.3/h the sum of the stencil's weights): in double
/// it is negligible, in float it keeps differences of a large loss from failing on a tiny gradient component. S is
/// the largest |a| or |b| over every component compared in the same mode at the same point (for a directional
/// derivative, Σ|∂ᵢf·tᵢ|; for symmetry, Σ|uᵢ(Hv)ᵢ|) and F is <see cref="GradientCheckOptions.ScaleFloor"/>
/// (1e-5 in double, 1e-3 in float). So components of the size of the gradient are compared relatively, and
/// components tiny next to it are compared absolutely against F · S: two components both below F · S · tolerance / 2
/// always agree. A non-finite value on either side is an error of +∞.
/// </para>
/// <para>
/// Tolerances: first order 1e-6 (double) or 2e-3 (float); second order 1e-5 (double) or 2e-2 (float).
/// Near a kink (Abs at 0, a branch, Max of near-equal arguments) finite differences are meaningless: every failing
/// component is probed for one (see <see cref="GradientCheckEntry.AtKink"/>), and the report says so; check at
/// points away from kinks.
/// </para>
/// </remarks>
public static class GradientCheck
{
    /// <summary>Checks a loss's derivatives at <paramref name="at"/> and at random perturbations of it.</summary>
    /// <typeparam name="T">The loss's element type.</typeparam>
    /// <param name="model">The loss (a generated descriptor's <c>Instance</c>).</param>
    /// <param name="at">The parameters, one array per <see cref="LossSchema.Params"/> entry (one element for a scalar).</param>
    /// <param name="hypers">The hyperparameters in <see cref="LossSchema.Hypers"/> order (empty when there are none).</param>
    /// <param name="columns">
    /// The data, one array per <see cref="LossSchema.Data"/> entry: <c>T[]</c> for a scalar column, <c>int[]</c> for an
    /// integer column, <c>T[,]</c> for a span column (one row per example, the span's width as second dimension).
    /// Empty for a loss without data. Not modified.
    /// </param>
    /// <param name="options">Points, seed, steps and tolerances; null for the defaults.</param>
    /// <returns>The report; call <see cref="GradientCheckReport.EnsurePassed"/> to throw when it failed.</returns>
    /// <exception cref="ArgumentException">The parameters, hyperparameters or data do not match the loss's schema.</exception>
    public static GradientCheckReport Run<T>(ILossModel<T> model, T[][] at, T[] hypers, Array[] columns, GradientCheckOptions? options = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(at);
        hypers ??= [];
        columns ??= [];
        return new GradientChecker<T>(model, at, hypers, columns, options ?? new GradientCheckOptions()).Run();
    }
}
