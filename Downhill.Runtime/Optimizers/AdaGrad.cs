using System.Numerics;

namespace Downhill.Optimizers;

/// <summary>
/// AdaGrad (Duchi, Hazan &amp; Singer 2011, eq. 1 diagonal form; downhill.md table row AdaGrad):
/// G ← G + g²; D = α·g/√(G + ε), ε = <see cref="TrainingOptions.RmsRegularizer"/>.
/// </summary>
public sealed class AdaGrad : Optimizer
{
    /// <summary>Creates AdaGrad.</summary>
    public AdaGrad(TrainingOptions options)
        : base(options)
    {
        Epsilon = options.RmsRegularizer;
    }

    /// <summary>ε under the root (default 1e-8).</summary>
    public double Epsilon { get; }

    /// <inheritdoc/>
    protected override int StateSlots => 1;

    /// <summary>G ← G + g²; D = α·g/√(G + ε).</summary>
    protected override void ComputeDelta<T>(int index, ReadOnlySpan<T> parameter, Span<T> gradientToDelta)
    {
        Span<T> sum = State<T>(index, 0);
        T lr = T.CreateTruncating(LearningRate);
        T eps = T.CreateTruncating(Epsilon);
        for (int j = 0; j < gradientToDelta.Length; j++)
        {
            T g = gradientToDelta[j];
            T s = sum[j] + (g * g);
            sum[j] = s;
            gradientToDelta[j] = lr * g / T.Sqrt(s + eps);
        }
    }
}
