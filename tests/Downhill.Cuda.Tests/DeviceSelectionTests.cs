using Downhill.Cuda.Training;
using Downhill.EndToEnd.Tests;

namespace Downhill.Cuda.Tests;

/// <summary>Device selection with Downhill.Cuda in the application, on whatever machine runs the tests; and the GPU evaluator's host side.</summary>
public class DeviceSelectionTests
{
    private static (double[] X, double[] Y) Data()
    {
        var rng = new Random(2);
        double[] x = [.. Enumerable.Range(0, 200).Select(_ => 5 + (30 * rng.NextDouble()))];
        return (x, [.. x.Select(v => (0.3 * v) + 20)]);
    }

    [Fact]
    public void The_runtime_finds_the_cuda_backend_by_name()
    {
        Assert.IsType<CudaBackend>(DeviceBackends.Find(Device.Cuda));
    }

    [Fact]
    public void Without_a_gpu_cuda_is_refused_before_training_with_the_reason()
    {
        if (CudaDevice.IsAvailable(out _))
        {
            return;
        }

        (double[] x, double[] y) = Data();
        CudaDevice.IsAvailable(out string why);

        var e = Assert.Throws<InvalidOperationException>(() => Losses.LineLoss.Minimize(train: (x, y), maxUpdates: 2, device: Device.Cuda));

        Assert.StartsWith($"Device.Cuda was asked for, but Downhill.EndToEnd.Tests.Losses.Line cannot train on a GPU here: {why}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_gpu_auto_trains_on_the_cpu_as_cpu_does()
    {
        if (CudaDevice.IsAvailable(out _))
        {
            return;
        }

        (double[] x, double[] y) = Data();
        TextWriter saved = Console.Error;
        var error = new StringWriter();
        Console.SetError(error);
        MinimizeResult<Losses.LineLoss.Params> auto, cpu;
        try
        {
            auto = Losses.LineLoss.Minimize(train: (x, y), algo: Algo.RmsProp, learningRate: 0.03, maxUpdates: 3, threads: 1, device: Device.Auto);
            cpu = Losses.LineLoss.Minimize(train: (x, y), algo: Algo.RmsProp, learningRate: 0.03, maxUpdates: 3, threads: 1, device: Device.Cpu);
        }
        finally
        {
            Console.SetError(saved);
        }

        Assert.StartsWith("Downhill: Downhill.EndToEnd.Tests.Losses.Line trains on the CPU (Device.Auto): no CUDA driver", error.ToString(), StringComparison.Ordinal);
        Assert.Equal((cpu.Params.m, cpu.Params.b), (auto.Params.m, auto.Params.b));
    }

    [Fact]
    public void A_hand_written_model_has_no_cuda_source()
    {
        Assert.Null(CudaBackend.SourceOf(typeof(DeviceSelectionTests), out string? reason));
        Assert.Equal("Downhill.Cuda.Tests.DeviceSelectionTests has no CudaSource (it is not a descriptor the generator wrote with CUDA C)", reason);
    }

    [Theory]
    [InlineData("Sample.Sequence.Recurrence", "dh_Sample_Sequence_Recurrence")]
    [InlineData("Ns.My_Type.Loss2", "dh_Ns_My_1Type_Loss2")]
    [InlineData("Ns.Größe", "dh_Ns_Gr_x00f6_x00dfe")]
    public void Kernel_prefixes_are_the_mangled_schema_name(string schemaName, string prefix)
    {
        Assert.Equal(prefix, CudaEvaluator<double>.KernelPrefix(schemaName));
    }

    [Fact]
    public void Batches_are_laid_out_lane_major()
    {
        // Three rows of width 2 starting at row 1: element j of row r goes to j * rows + r.
        int[] column = [0, 1, 10, 11, 20, 21, 30, 31];
        int[] laid = new int[6];

        DeviceBatch.LaneMajor(column, 2, 1, 3, laid);

        Assert.Equal([10, 20, 30, 11, 21, 31], laid);
    }
}
