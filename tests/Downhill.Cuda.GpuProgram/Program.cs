using System.Globalization;
using Downhill.Cuda;
using Downhill.Cuda.GpuProgram;

// The GPU checks and benchmark figures: run on a machine with an NVIDIA GPU and its driver (no .NET needed when
// published as Native AOT). Prints "N passed, N failed"; writes the figures to the file named by the first argument
// (default gpu-figures.txt). Exit code 0 when everything passed, 1 when a check failed, 2 without a GPU.
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
string figuresPath = args.Length > 0 ? args[0] : "gpu-figures.txt";
var report = new Report();
if (!CudaDevice.TryOpen(out CudaDevice? device, out string reason))
{
    Console.WriteLine($"No CUDA GPU: {reason}");
    Console.WriteLine("0 passed, 1 failed");
    return 2;
}

using (device)
{
    report.Figure($"device: {device!.Name}, compute capability {device.ComputeCapability}, {device.MultiprocessorCount} SMs, {device.TotalMemory >> 20} MiB, driver CUDA {device.DriverVersion}");
    if (!Nvrtc.IsAvailable(out string? nvrtc))
    {
        report.Fail("NVRTC", nvrtc ?? "not found");
    }
    else
    {
        report.Figure($"NVRTC {Nvrtc.Version} from {Nvrtc.Library}");
        device.Cache = new ModuleCache(Path.Combine(Path.GetTempPath(), "downhill-gpu-program-cache"));
        OptimizerChecks.Run(device, report);
        LossChecks.Run(device, report);
        LibraryChecks.Run(device, report);
        TrainingChecks.Run(device, report);
    }
}

File.WriteAllLines(figuresPath, report.Figures);
Console.WriteLine($"figures: {Path.GetFullPath(figuresPath)}");
Console.WriteLine($"{report.Passed} passed, {report.Failed} failed");
return report.Failed == 0 ? 0 : 1;
