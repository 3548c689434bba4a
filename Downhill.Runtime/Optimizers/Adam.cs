using System.Numerics;

namespace Downhill.Optimizers;

/// <summary>
/// Adam (Kingma &amp; Ba 2015, Algorithm 1), bias-corrected as in downhill HEAD (downhill.md table row Adam):
/// t ← t+1; m ← β1·m + (1−β1)g; v ← β2·v + (1−β2)g²; D = α·(m/(1−β1ᵗ)) / (√(v/(1−β2ᵗ)) + ε).
/// β1 and β2 default to downhill's halflives of 7 and 69 steps (0.9057236643, 0.9900046773).
/// </summary>
public class Adam : Optimizer
{
    /// <summary>Creates Adam.</summary>
    public Adam(TrainingOptions options)
        : base(options)
    {
        Beta1 = options.Beta1 ?? DecayForHalflife(options.Beta1Halflife);
        Beta2 = options.Beta2 ?? DecayForHalflife(options.Beta2Halflife);
        Epsilon = options.RmsRegularizer;
    }

    /// <summary>β1, the first-moment decay.</summary>
    public double Beta1 { get; }

    /// <summary>β2, the second-moment decay.</summary>
    public double Beta2 { get; }

    /// <summary>ε added outside the root (default 1e-8).</summary>
    public double Epsilon { get; }

    /// <inheritdoc/>
    protected override int StateSlots => 2;

    /// <summary>The bias-corrected Adam step above.</summary>
    protected override void ComputeDelta<T>(int index, ReadOnlySpan<T> parameter, Span<T> gradientToDelta)
    {
        Span<T> m = State<T>(index, 0);
        Span<T> v = State<T>(index, 1);
        T b1 = T.CreateTruncating(Beta1);
        T r1 = T.CreateTruncating(1 - Beta1);
        T b2 = T.CreateTruncating(Beta2);
        T r2 = T.CreateTruncating(1 - Beta2);
        T lr = T.CreateTruncating(LearningRate);
        T eps = T.CreateTruncating(Epsilon);
        T c1 = T.CreateTruncating(1 / (1 - Math.Pow(Beta1, Steps)));
        T c2 = T.CreateTruncating(1 / (1 - Math.Pow(Beta2, Steps)));
        int j = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            // The same operations lane by lane (IEEE, no contraction), so results equal the scalar loop's bit for bit.
            Vector<T> vb1 = new(b1), vr1 = new(r1), vb2 = new(b2), vr2 = new(r2), vlr = new(lr), veps = new(eps), vc1 = new(c1), vc2 = new(c2);
            for (; j <= gradientToDelta.Length - Vector<T>.Count; j += Vector<T>.Count)
            {
                Vector<T> g = new(gradientToDelta[j..]);
                Vector<T> mj = (vb1 * new Vector<T>(m[j..])) + (vr1 * g);
                Vector<T> vj = (vb2 * new Vector<T>(v[j..])) + (vr2 * g * g);
                mj.CopyTo(m[j..]);
                vj.CopyTo(v[j..]);
                (vlr * (mj * vc1) / (Vector.SquareRoot(vj * vc2) + veps)).CopyTo(gradientToDelta[j..]);
            }
        }

        for (; j < gradientToDelta.Length; j++)
        {
            T g = gradientToDelta[j];
            T mj = (b1 * m[j]) + (r1 * g);
            T vj = (b2 * v[j]) + (r2 * g * g);
            m[j] = mj;
            v[j] = vj;
            gradientToDelta[j] = lr * (mj * c1) / (T.Sqrt(vj * c2) + eps);
        }

        AfterDelta(parameter, gradientToDelta);
    }

    /// <summary>Lets a subclass amend D after the Adam step (AdamW adds its decay).</summary>
    protected virtual void AfterDelta<T>(ReadOnlySpan<T> parameter, Span<T> delta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
    }
}
