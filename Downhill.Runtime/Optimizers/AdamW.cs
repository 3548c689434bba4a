using System.Numerics;

namespace Downhill.Optimizers;

/// <summary>
/// AdamW (Loshchilov &amp; Hutter 2019, Algorithm 2 with schedule multiplier 1): Adam with decoupled weight decay,
/// D = D_Adam + α·λ·p, so that p ← p − α·λ·p − D_Adam (the decay does not pass through the moment estimates),
/// λ = <see cref="TrainingOptions.WeightDecay"/>.
/// </summary>
public sealed class AdamW : Adam
{
    /// <summary>Creates AdamW.</summary>
    public AdamW(TrainingOptions options)
        : base(options)
    {
        WeightDecay = options.WeightDecay;
    }

    /// <summary>λ, the decoupled weight decay (default 0.01).</summary>
    public double WeightDecay { get; }

    /// <summary>Adds α·λ·p to the Adam step.</summary>
    protected override void AfterDelta<T>(ReadOnlySpan<T> parameter, Span<T> delta)
    {
        T decay = T.CreateTruncating(LearningRate * WeightDecay);
        for (int j = 0; j < delta.Length; j++)
        {
            delta[j] += decay * parameter[j];
        }
    }
}
