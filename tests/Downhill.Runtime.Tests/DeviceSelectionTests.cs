using System.Numerics;

namespace Downhill.Runtime.Tests;

/// <summary>
/// TrainingOptions.Device without Downhill.Cuda in the application (this test project does not reference it):
/// Auto trains on the CPU with one line on standard error, Cuda is refused before training, and a registered
/// backend's evaluator is the one training uses. One class, so the tests that register backends run one at a time.
/// </summary>
public sealed class DeviceSelectionTests : IDisposable
{
    public DeviceSelectionTests() => DeviceBackends.Reset();

    public void Dispose() => DeviceBackends.Reset();

    private static (double[] X, double[] Y) Data()
    {
        var rng = new Random(5);
        double[] x = [.. Enumerable.Range(0, 120).Select(_ => rng.NextDouble() * 4 - 2)];
        double[] y = [.. x.Select(v => (3 * v) - 1)];
        return (x, y);
    }

    private static TrainingOptions Options(Device device) =>
        new() { Algo = Algo.Adam, LearningRate = 0.05, BatchSize = 20, MaxUpdates = 5, Threads = 2, Device = device };

    private static (TrainingResult<double> Result, string Error) Train(Device device)
    {
        (double[] x, double[] y) = Data();
        TextWriter saved = Console.Error;
        var error = new StringWriter();
        Console.SetError(error);
        try
        {
            return (Trainer.Minimize(new LinearRegression(), [x, y], null, [[0], [0]], [], Options(device)), error.ToString());
        }
        finally
        {
            Console.SetError(saved);
        }
    }

    [Fact]
    public void Auto_without_the_cuda_backend_trains_on_the_cpu_with_one_line_saying_why()
    {
        (TrainingResult<double> auto, string log) = Train(Device.Auto);
        (TrainingResult<double> cpu, string quiet) = Train(Device.Cpu);

        Assert.Equal(
            "Downhill: Tests.Linear trains on the CPU (Device.Auto): the CUDA backend is not part of this application (reference Downhill.Cuda)." + Environment.NewLine,
            log);
        Assert.Equal("", quiet);
        Assert.Equal(cpu.Parameters, auto.Parameters);
    }

    [Fact]
    public void Cuda_without_the_backend_is_refused_before_training()
    {
        (double[] x, double[] y) = Data();
        var options = Options(Device.Cuda);
        int epochs = 0;
        options.Progress = new Progress<EpochReport>(_ => epochs++);

        var e = Assert.Throws<InvalidOperationException>(() => Trainer.Minimize(new LinearRegression(), [x, y], null, [[0], [0]], [], options));

        Assert.Equal(
            "Device.Cuda was asked for, but Tests.Linear cannot train on a GPU here: the CUDA backend is not part of this application (reference Downhill.Cuda). Use Device.Auto to fall back to the CPU, or Device.Cpu.",
            e.Message);
        Assert.Equal(0, epochs);
    }

    [Fact]
    public void A_registered_backend_evaluates_the_batches()
    {
        var backend = new CpuAsDevice();
        DeviceBackends.Register(backend);

        (TrainingResult<double> device, string log) = Train(Device.Cuda);
        (TrainingResult<double> cpu, _) = Train(Device.Cpu);

        Assert.Equal("", log);
        Assert.True(backend.Gradients >= 5 * 5, $"{backend.Gradients} gradient batches on the device");
        Assert.True(backend.Losses > 0);
        Assert.True(backend.Disposed);
        Assert.Equal(cpu.Parameters, device.Parameters);
    }

    [Fact]
    public void A_backend_that_declines_gives_its_reason()
    {
        DeviceBackends.Register(new CpuAsDevice { Decline = "no device in this test" });

        (TrainingResult<double> auto, string log) = Train(Device.Auto);
        var e = Assert.Throws<InvalidOperationException>(() => Train(Device.Cuda));

        Assert.Contains("trains on the CPU (Device.Auto): no device in this test.", log, StringComparison.Ordinal);
        Assert.Contains("cannot train on a GPU here: no device in this test.", e.Message, StringComparison.Ordinal);
        Assert.Equal(5, auto.Epochs);
    }

    [Fact]
    public void Cuda_with_a_communicator_is_refused_and_an_unknown_device_is_out_of_range()
    {
        DeviceBackends.Register(new CpuAsDevice());
        (double[] x, double[] y) = Data();
        var distributed = Options(Device.Cuda);
        distributed.Communicator = SingleRankCommunicator.Instance;
        var unknown = Options((Device)7);

        var e = Assert.Throws<InvalidOperationException>(() => Trainer.Minimize(new LinearRegression(), [x, y], null, [[0], [0]], [], distributed));
        var range = Assert.Throws<ArgumentOutOfRangeException>(() => Trainer.Minimize(new LinearRegression(), [x, y], null, [[0], [0]], [], unknown));

        Assert.Contains("data-parallel training (a Communicator) runs on the CPU", e.Message, StringComparison.Ordinal);
        Assert.Equal("Device", range.ParamName);
    }

    /// <summary>A "device" that evaluates on the CPU and counts what it was asked.</summary>
    private sealed class CpuAsDevice : IDeviceBackend
    {
        public int Losses;
        public int Gradients;
        public bool Disposed;

        public string? Decline { get; init; }

        public Device Device => Device.Cuda;

        public IDeviceEvaluator<T>? TryCreate<T>(ILossModel<T> model, IReadOnlyList<int> parameterSizes, TrainingOptions options, out string? reason)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            reason = Decline;
            return Decline is null ? new Evaluator<T>(this, new BatchEvaluator<T>(model, parameterSizes, 1, options.Reduction)) : null;
        }

        private sealed class Evaluator<T>(CpuAsDevice owner, BatchEvaluator<T> cpu) : IDeviceEvaluator<T>
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            public string Description => "the CPU, as a device";

            public double Loss(T[][] parameters, T[] hypers, in DataBatch batch)
            {
                owner.Losses++;
                return cpu.Loss(parameters, hypers, batch);
            }

            public double LossAndGradient(T[][] parameters, T[] hypers, in DataBatch batch, T[][] gradient)
            {
                owner.Gradients++;
                return cpu.LossAndGradient(parameters, hypers, batch, gradient);
            }

            public double HessianVectorProduct(T[][] parameters, T[] hypers, in DataBatch batch, T[][] tangent, T[][] product) =>
                cpu.HessianVectorProduct(parameters, hypers, batch, tangent, product);

            public void Dispose()
            {
                owner.Disposed = true;
                cpu.Dispose();
            }
        }
    }
}
