using System.Numerics;

namespace Downhill;

/// <summary>
/// A place other than the CPU where batches can be evaluated (the GPU of <c>Downhill.Cuda</c>), registered with
/// <see cref="DeviceBackends.Register"/>. The runtime knows backends only through this interface, so it loads and
/// runs where no GPU library exists.
/// </summary>
public interface IDeviceBackend
{
    /// <summary>The device it serves.</summary>
    Device Device { get; }

    /// <summary>
    /// An evaluator of <paramref name="model"/> on the device, or null with the reason it cannot be had (no driver,
    /// no device, a loss without CUDA source). Throws only for faults of a present device.
    /// </summary>
    /// <param name="model">The loss.</param>
    /// <param name="parameterSizes">Each parameter's length, in schema order.</param>
    /// <param name="options">The run's options (reduction, seed, ...).</param>
    /// <param name="reason">Why there is no evaluator (null when there is one).</param>
    IDeviceEvaluator<T>? TryCreate<T>(ILossModel<T> model, IReadOnlyList<int> parameterSizes, TrainingOptions options, out string? reason)
        where T : unmanaged, IFloatingPointIeee754<T>;
}

/// <summary>
/// Evaluates a loss's batches on a device, as <see cref="BatchEvaluator{T}"/> does on the CPU: the mean (or, with
/// <see cref="Reduction.Sum"/>, the sum) over the batch's rows; gradients and products are written, not added.
/// </summary>
/// <typeparam name="T">The loss's element type.</typeparam>
public interface IDeviceEvaluator<T> : IDisposable
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>A description of the device for messages and logs (<c>CUDA device 0: NVIDIA H200</c>).</summary>
    string Description { get; }

    /// <summary>The batch loss.</summary>
    double Loss(T[][] parameters, T[] hypers, in DataBatch batch);

    /// <summary>The batch loss; writes the batch gradient to <paramref name="gradient"/>.</summary>
    double LossAndGradient(T[][] parameters, T[] hypers, in DataBatch batch, T[][] gradient);

    /// <summary>The batch loss; writes the batch Hessian-vector product H·<paramref name="tangent"/> to <paramref name="product"/>.</summary>
    double HessianVectorProduct(T[][] parameters, T[] hypers, in DataBatch batch, T[][] tangent, T[][] product);
}
