using System.Numerics;

namespace Downhill.Optimizers;

/// <summary>Stochastic gradient descent (Robbins &amp; Monro 1951): D = α·g (downhill.md, table row SGD).</summary>
public class Sgd : Optimizer
{
    /// <summary>Creates SGD with the learning rate, momentum and clipping of <paramref name="options"/>.</summary>
    public Sgd(TrainingOptions options)
        : base(options)
    {
    }

    /// <summary>D = α·g.</summary>
    protected override void ComputeDelta<T>(int index, ReadOnlySpan<T> parameter, Span<T> gradientToDelta)
    {
        T lr = T.CreateTruncating(LearningRate);
        for (int j = 0; j < gradientToDelta.Length; j++)
        {
            gradientToDelta[j] *= lr;
        }
    }
}
