using System.Diagnostics.CodeAnalysis;
using System.Numerics;

namespace Downhill;

/// <summary>
/// The registered <see cref="IDeviceBackend"/>s and the choice <see cref="TrainingOptions.Device"/> makes. The CUDA
/// backend registers itself: when none is registered, the type <c>Downhill.Cuda.CudaBackend</c> of the assembly
/// <c>Downhill.Cuda</c> is looked up and created (present when the application references <c>Downhill.Cuda</c>);
/// without it, <see cref="Device.Auto"/> trains on the CPU and <see cref="Device.Cuda"/> is refused.
/// </summary>
public static class DeviceBackends
{
    private const string CudaBackendType = "Downhill.Cuda.CudaBackend, Downhill.Cuda";
    private static readonly Lock Gate = new();
    private static readonly List<IDeviceBackend> Backends = [];
    private static bool cudaLookedUp;

    /// <summary>Registers a backend; a later registration for the same <see cref="IDeviceBackend.Device"/> replaces it.</summary>
    public static void Register(IDeviceBackend backend)
    {
        ArgumentNullException.ThrowIfNull(backend);
        lock (Gate)
        {
            Backends.RemoveAll(b => b.Device == backend.Device);
            Backends.Add(backend);
        }
    }

    /// <summary>Forgets every registration and the lookup of <c>Downhill.Cuda</c> (for tests).</summary>
    internal static void Reset()
    {
        lock (Gate)
        {
            Backends.Clear();
            cudaLookedUp = false;
        }
    }

    /// <summary>The backend for <paramref name="device"/>, or null.</summary>
    public static IDeviceBackend? Find(Device device)
    {
        if (device == Device.Cuda)
        {
            LookUpCuda();
        }

        lock (Gate)
        {
            return Backends.FirstOrDefault(b => b.Device == device);
        }
    }

    /// <summary>
    /// The device evaluator <paramref name="options"/> ask for: null for <see cref="Device.Cpu"/>; for
    /// <see cref="Device.Cuda"/> the GPU's or an exception saying why there is none; for <see cref="Device.Auto"/>
    /// the GPU's, or null after <paramref name="log"/> gets one line saying why the CPU is used.
    /// </summary>
    /// <exception cref="InvalidOperationException"><see cref="Device.Cuda"/> cannot be had here; the message says why.</exception>
    public static IDeviceEvaluator<T>? Select<T>(ILossModel<T> model, IReadOnlyList<int> parameterSizes, TrainingOptions options, Action<string> log)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        if (options.Device == Device.Cpu)
        {
            return null;
        }

        string? reason;
        IDeviceEvaluator<T>? evaluator = null;
        if (options.Communicator is not null)
        {
            reason = "data-parallel training (a Communicator) runs on the CPU";
        }
        else if (Find(Device.Cuda) is not IDeviceBackend backend)
        {
            reason = "the CUDA backend is not part of this application (reference Downhill.Cuda)";
        }
        else
        {
            evaluator = backend.TryCreate(model, parameterSizes, options, out reason);
        }

        if (evaluator is not null)
        {
            return evaluator;
        }

        reason ??= "the backend gave no reason";
        if (options.Device == Device.Cuda)
        {
            throw new InvalidOperationException($"Device.Cuda was asked for, but {model.Schema.Name} cannot train on a GPU here: {reason}. Use Device.Auto to fall back to the CPU, or Device.Cpu.");
        }

        log($"Downhill: {model.Schema.Name} trains on the CPU (Device.Auto): {reason}.");
        return null;
    }

    [UnconditionalSuppressMessage("Trimming", "IL2057", Justification = "A constant type name: the trimmer keeps the type when its assembly is part of the application.")]
    [UnconditionalSuppressMessage("Trimming", "IL2072", Justification = "CudaBackend's public parameterless constructor is kept with the type (the GPU program roots Downhill.Cuda).")]
    private static void LookUpCuda()
    {
        lock (Gate)
        {
            if (cudaLookedUp || Backends.Any(b => b.Device == Device.Cuda))
            {
                return;
            }

            cudaLookedUp = true;
        }

        Type? type;
        try
        {
            type = Type.GetType(CudaBackendType, throwOnError: false);
        }
        catch (Exception e) when (e is IOException or BadImageFormatException)
        {
            type = null;
        }

        if (type is not null && Activator.CreateInstance(type) is IDeviceBackend backend)
        {
            Register(backend);
        }
    }
}
