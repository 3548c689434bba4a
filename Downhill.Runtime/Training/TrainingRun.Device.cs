namespace Downhill;

/// <summary>
/// Training on a device (<see cref="TrainingOptions.Device"/>): the loss, gradient and Hessian-vector products of
/// the batches come from the backend's <see cref="IDeviceEvaluator{T}"/>; monitors, the optimizer and everything
/// else stay as on the CPU.
/// </summary>
internal sealed partial class TrainingRun<T>
{
    private readonly IDeviceEvaluator<T>? onDevice;

    /// <summary>The device evaluator the options ask for (null: the CPU); disposes the CPU evaluator when the choice throws.</summary>
    private IDeviceEvaluator<T>? CreateDeviceEvaluator()
    {
        try
        {
            return DeviceBackends.Select(model, [.. parameters.Select(p => p.Length)], options, line =>
            {
                if (IsLeader)
                {
                    Console.Error.WriteLine(line);
                }
            });
        }
        catch
        {
            evaluator.Dispose();
            throw;
        }
    }
}
