using System.Numerics;
using Downhill.Internal;

namespace Downhill.Optimizers;

/// <summary>
/// Equilibrated SGD (Dauphin, de Vries &amp; Bengio 2015, Algorithm 1, with downhill's running average;
/// downhill.md table row ESGD): r ~ N(0, 1) drawn fresh every step; Hv = H·r on the batch;
/// D_ ← γD_ + (1−γ)(Hv)²; D = α·g/(√D_ + ε). The random vectors come from <see cref="TrainingOptions.Seed"/>.
/// </summary>
public sealed class Esgd : Optimizer
{
    private readonly Rng rng;
    private Array? tangent;
    private Array? product;

    /// <summary>Creates ESGD.</summary>
    public Esgd(TrainingOptions options)
        : base(options)
    {
        Decay = DecayForHalflife(options.RmsHalflife);
        Epsilon = options.RmsRegularizer;
        rng = new Rng(unchecked(options.Seed + 0x5EED_E56DL));
    }

    /// <summary>γ = exp(−ln2 / halflife).</summary>
    public double Decay { get; }

    /// <summary>ε added to the root of the equilibration preconditioner (default 1e-8).</summary>
    public double Epsilon { get; }

    /// <inheritdoc/>
    public override bool NeedsHessianVector => true;

    /// <inheritdoc/>
    protected override int StateSlots => 1;

    /// <summary>Draws r ~ N(0, 1) and takes H·r on the batch.</summary>
    protected override void BeginStep<T>(T[][] parameters, HessianVectorProduct<T>? hessianVector)
    {
        if (hessianVector is null)
        {
            throw new ArgumentNullException(nameof(hessianVector), "ESGD needs the loss's Hessian-vector product every step.");
        }

        if (tangent is not T[][] r || product is not T[][] hv)
        {
            r = new T[parameters.Length][];
            hv = new T[parameters.Length][];
            for (int i = 0; i < parameters.Length; i++)
            {
                r[i] = new T[parameters[i].Length];
                hv[i] = new T[parameters[i].Length];
            }

            tangent = r;
            product = hv;
        }

        foreach (T[] ri in r)
        {
            for (int j = 0; j < ri.Length; j++)
            {
                ri[j] = T.CreateTruncating(rng.NextGaussian());
            }
        }

        hessianVector(r, hv);
    }

    /// <summary>D_ ← γD_ + (1−γ)(Hv)²; D = α·g/(√D_ + ε).</summary>
    protected override void ComputeDelta<T>(int index, ReadOnlySpan<T> parameter, Span<T> gradientToDelta)
    {
        Span<T> avg = State<T>(index, 0);
        ReadOnlySpan<T> hv = ((T[][])product!)[index];
        T lr = T.CreateTruncating(LearningRate);
        T gamma = T.CreateTruncating(Decay);
        T rest = T.CreateTruncating(1 - Decay);
        T eps = T.CreateTruncating(Epsilon);
        for (int j = 0; j < gradientToDelta.Length; j++)
        {
            T a = (gamma * avg[j]) + (rest * hv[j] * hv[j]);
            avg[j] = a;
            gradientToDelta[j] = lr * gradientToDelta[j] / (T.Sqrt(a) + eps);
        }
    }

    /// <summary>Saves the random generator's state.</summary>
    protected override void WriteExtraState(BinaryWriter writer) => rng.Write(writer);

    /// <summary>Restores the random generator's state.</summary>
    protected override void ReadExtraState(BinaryReader reader) => rng.Read(reader);
}
