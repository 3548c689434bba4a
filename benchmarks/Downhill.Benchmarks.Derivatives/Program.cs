using BenchmarkDotNet.Running;
using Downhill.Benchmarks.Derivatives;

LossCase[] cases = [new MlpCase(), new LogisticCase(), new RecurrenceCase()];
try
{
    foreach (LossCase c in cases)
    {
        c.Verify();
    }
}
catch (InvalidOperationException e)
{
    Console.Error.WriteLine($"DISAGREEMENT: {e.Message}");
    return 1;
}

Console.WriteLine($"Generated gradients agree with the hand-written ones to {Agreement.GradientTolerance:E0} relative; H·t agrees with central differences.");

if (args.Contains("--ratios"))
{
    RatioHarness.Run(cases, Console.Out);
    return 0;
}

BenchmarkSwitcher.FromAssembly(typeof(LossCase).Assembly).Run(args);
return 0;
