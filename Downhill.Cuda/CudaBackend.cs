using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Reflection;
using Downhill.Cuda.Training;

namespace Downhill.Cuda;

/// <summary>
/// The GPU behind <see cref="Device.Cuda"/> and <see cref="Device.Auto"/>: the runtime finds this type by name when
/// the application references <c>Downhill.Cuda</c> (or <see cref="Register"/> adds it). It opens GPU 0 once per
/// process and evaluates a loss with the kernels of its descriptor's <c>CudaSource</c>.
/// </summary>
public sealed class CudaBackend : IDeviceBackend
{
    private static readonly Lazy<(CudaDevice? Device, string Reason)> Gpu = new(() =>
        CudaDevice.TryOpen(out CudaDevice? device, out string reason) ? (device, "") : (null, reason));

    /// <inheritdoc/>
    public Device Device => Device.Cuda;

    /// <summary>Registers this backend with the runtime (the runtime also finds it by itself when this assembly is present).</summary>
    public static void Register() => DeviceBackends.Register(new CudaBackend());

    /// <summary>
    /// The CUDA source of a loss's descriptor: its static <c>CudaSource</c> property, or null with the reason
    /// (the descriptor's <c>CudaUnavailableReason</c>, or that it has none, e.g. a hand-written <c>ILossModel</c>).
    /// </summary>
    /// <param name="descriptor">The descriptor type (the <c>ILossModel</c> implementation the generator writes).</param>
    /// <param name="reason">Why there is no source.</param>
    public static string? SourceOf([DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] Type descriptor, out string? reason)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        PropertyInfo? source = descriptor.GetProperty("CudaSource", BindingFlags.Public | BindingFlags.Static);
        if (source is null || source.PropertyType != typeof(string))
        {
            reason = $"{descriptor.FullName} has no CudaSource (it is not a descriptor the generator wrote with CUDA C)";
            return null;
        }

        if (source.GetValue(null) is string text)
        {
            reason = null;
            return text;
        }

        reason = descriptor.GetProperty("CudaUnavailableReason", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) as string
            ?? "its CudaSource is null";
        return null;
    }

    /// <inheritdoc/>
    [UnconditionalSuppressMessage("Trimming", "IL2072", Justification = "Descriptors are generated types whose static properties the application keeps (the AOT GPU program roots its loss assemblies).")]
    public IDeviceEvaluator<T>? TryCreate<T>(ILossModel<T> model, IReadOnlyList<int> parameterSizes, TrainingOptions options, out string? reason)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(parameterSizes);
        ArgumentNullException.ThrowIfNull(options);
        // The most common reason first: a machine without a GPU.
        (CudaDevice? device, string why) = Gpu.Value;
        if (device is null)
        {
            reason = why;
            return null;
        }

        if (SourceOf(model.GetType(), out reason) is not string source)
        {
            return null;
        }

        if (!Nvrtc.IsAvailable(out string? nvrtc))
        {
            reason = $"NVRTC is not available: {nvrtc}";
            return null;
        }

        reason = null;
        return new CudaEvaluator<T>(device, model, source, parameterSizes, options.Reduction);
    }
}
