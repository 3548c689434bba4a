namespace Downhill;

/// <summary>Where a loss is evaluated during training (<see cref="TrainingOptions.Device"/>, the typed <c>Minimize</c>'s <c>device:</c>).</summary>
public enum Device
{
    /// <summary>Every CPU core (the default): deterministic whatever the thread count.</summary>
    Cpu,

    /// <summary>
    /// An NVIDIA GPU through the <c>Downhill.Cuda</c> backend (reference that project or package). Refused before
    /// training, with the reason, when the backend is not referenced, there is no driver or device, or the loss has
    /// no CUDA source.
    /// </summary>
    Cuda,

    /// <summary>The GPU when <see cref="Cuda"/> would work, else the CPU with one line on standard error saying why.</summary>
    Auto,
}
