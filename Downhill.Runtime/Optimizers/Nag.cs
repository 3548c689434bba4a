namespace Downhill.Optimizers;

/// <summary>
/// Nesterov's accelerated gradient (Nesterov 1983; Sutskever et al. 2013): SGD with Nesterov momentum forced on,
/// in downhill's HEAD form v ← μ²v − (1+μ)·α·g; p ← p + v, one gradient per step. The momentum still defaults to 0.
/// </summary>
public sealed class Nag : Sgd
{
    /// <summary>Creates NAG; <see cref="TrainingOptions.Nesterov"/> is ignored (always on).</summary>
    public Nag(TrainingOptions options)
        : base(options)
    {
        Nesterov = true;
    }
}
