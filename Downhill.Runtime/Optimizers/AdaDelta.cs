using System.Numerics;

namespace Downhill.Optimizers;

/// <summary>
/// ADADELTA (Zeiler 2012, Algorithm 1; downhill.md table row ADADELTA): G ← γG + (1−γ)g²;
/// D = g·√(X + ε)/√(G + ε) with the old X; then X ← γX + (1−γ)D². It ignores the learning rate.
/// </summary>
public sealed class AdaDelta : Optimizer
{
    /// <summary>Creates ADADELTA.</summary>
    public AdaDelta(TrainingOptions options)
        : base(options)
    {
        Decay = DecayForHalflife(options.RmsHalflife);
        Epsilon = options.RmsRegularizer;
    }

    /// <summary>γ = exp(−ln2 / halflife).</summary>
    public double Decay { get; }

    /// <summary>ε under both roots (default 1e-8).</summary>
    public double Epsilon { get; }

    /// <inheritdoc/>
    protected override int StateSlots => 2;

    /// <summary>The ADADELTA update above.</summary>
    protected override void ComputeDelta<T>(int index, ReadOnlySpan<T> parameter, Span<T> gradientToDelta)
    {
        Span<T> g2 = State<T>(index, 0);
        Span<T> x2 = State<T>(index, 1);
        T gamma = T.CreateTruncating(Decay);
        T rest = T.CreateTruncating(1 - Decay);
        T eps = T.CreateTruncating(Epsilon);
        for (int j = 0; j < gradientToDelta.Length; j++)
        {
            T g = gradientToDelta[j];
            T gj = (gamma * g2[j]) + (rest * g * g);
            g2[j] = gj;
            T d = g * T.Sqrt(x2[j] + eps) / T.Sqrt(gj + eps);
            x2[j] = (gamma * x2[j]) + (rest * d * d);
            gradientToDelta[j] = d;
        }
    }
}
