using System.Numerics;

namespace Downhill.Optimizers;

/// <summary>
/// RMSProp in Graves's centered form (Graves 2013, "Generating Sequences with Recurrent Neural Networks",
/// eq. 38–41 without its momentum; downhill.md table row RMSProp): f ← γf + (1−γ)g; G ← γG + (1−γ)g²;
/// D = α·g/√(G − f² + ε), with γ = exp(−ln2 / <see cref="TrainingOptions.RmsHalflife"/>).
/// </summary>
public sealed class RmsProp : Optimizer
{
    /// <summary>Creates RMSProp.</summary>
    public RmsProp(TrainingOptions options)
        : base(options)
    {
        Decay = DecayForHalflife(options.RmsHalflife);
        Epsilon = options.RmsRegularizer;
    }

    /// <summary>γ, the decay of the running averages (0.9516951530 for the default halflife 14).</summary>
    public double Decay { get; }

    /// <summary>ε under the root (default 1e-8).</summary>
    public double Epsilon { get; }

    /// <inheritdoc/>
    protected override int StateSlots => 2;

    /// <summary>The centered update above.</summary>
    protected override void ComputeDelta<T>(int index, ReadOnlySpan<T> parameter, Span<T> gradientToDelta)
    {
        Span<T> f = State<T>(index, 0);
        Span<T> sq = State<T>(index, 1);
        T lr = T.CreateTruncating(LearningRate);
        T gamma = T.CreateTruncating(Decay);
        T rest = T.CreateTruncating(1 - Decay);
        T eps = T.CreateTruncating(Epsilon);
        for (int j = 0; j < gradientToDelta.Length; j++)
        {
            T g = gradientToDelta[j];
            T fj = (gamma * f[j]) + (rest * g);
            T gj = (gamma * sq[j]) + (rest * g * g);
            f[j] = fj;
            sq[j] = gj;
            gradientToDelta[j] = lr * g / T.Sqrt(gj - (fj * fj) + eps);
        }
    }
}
