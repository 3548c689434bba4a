using System.Numerics;

namespace Downhill.Optimizers;

/// <summary>
/// Resilient backpropagation, iRprop− (Igel &amp; Hüsken 2000, Fig. 1; downhill.md table row RProp):
/// s = g·g_prev; step′ = step·(1 if s = 0, η₊ if s &gt; 0, η₋ if s &lt; 0) clamped to [min, max];
/// g̃ = g with elements where s &lt; 0 zeroed; D = sign(g̃)·step′; g_prev ← g̃. The initial step is the learning rate.
/// </summary>
public sealed class RProp : Optimizer
{
    private const int Step = 0;
    private const int Previous = 1;

    /// <summary>Creates RProp with η₊ = <see cref="TrainingOptions.RPropIncrease"/>, η₋ = <see cref="TrainingOptions.RPropDecrease"/> and the step bounds.</summary>
    public RProp(TrainingOptions options)
        : base(options)
    {
        Increase = options.RPropIncrease;
        Decrease = options.RPropDecrease;
        MinStep = options.RPropMinStep;
        MaxStep = options.RPropMaxStep;
    }

    /// <summary>η₊, the growth of a step whose gradient keeps its sign (default 1.01).</summary>
    public double Increase { get; }

    /// <summary>η₋, the shrink of a step whose gradient changes sign (default 0.99).</summary>
    public double Decrease { get; }

    /// <summary>The smallest step (default 0).</summary>
    public double MinStep { get; }

    /// <summary>The largest step (default 100).</summary>
    public double MaxStep { get; }

    /// <inheritdoc/>
    protected override int StateSlots => 2;

    /// <summary>Every element's step starts at the learning rate.</summary>
    protected override void InitializeState<T>()
    {
        T lr = T.CreateTruncating(LearningRate);
        for (int i = 0; i < ParameterSizes!.Count; i++)
        {
            State<T>(i, Step).Fill(lr);
        }
    }

    /// <summary>The iRprop− update above.</summary>
    protected override void ComputeDelta<T>(int index, ReadOnlySpan<T> parameter, Span<T> gradientToDelta)
    {
        Span<T> step = State<T>(index, Step);
        Span<T> prev = State<T>(index, Previous);
        T up = T.CreateTruncating(Increase);
        T down = T.CreateTruncating(Decrease);
        T lo = T.CreateTruncating(MinStep);
        T hi = T.CreateTruncating(MaxStep);
        for (int j = 0; j < gradientToDelta.Length; j++)
        {
            T g = gradientToDelta[j];
            T s = g * prev[j];
            T factor = s > T.Zero ? up : s < T.Zero ? down : T.One;
            T st = T.Clamp(step[j] * factor, lo, hi);
            step[j] = st;
            T gt = s < T.Zero ? T.Zero : g;
            prev[j] = gt;
            gradientToDelta[j] = gt > T.Zero ? st : gt < T.Zero ? -st : T.Zero;
        }
    }
}
