using BenchmarkDotNet.Attributes;

namespace Downhill.Benchmarks.Derivatives;

/// <summary>The four variants of one loss as BenchmarkDotNet methods, the loss itself as the baseline.</summary>
[MemoryDiagnoser]
[ShortRunJob]
public abstract class DerivativeBenchmarks
{
    private readonly LossCase lossCase;
    private int row;

    protected DerivativeBenchmarks(LossCase lossCase) => this.lossCase = lossCase;

    // Outputs are cleared once: an IterationSetup would force one call per iteration, too coarse for these timings.
    // The generated methods add to them, which over a run only grows them linearly.
    [GlobalSetup]
    public void ClearOutputs() => lossCase.ClearOutputs();

    [Benchmark(Baseline = true)]
    public double F() => lossCase.Loss(row = (row + 1) & (LossCase.Rows - 1));

    [Benchmark]
    public double Gradient() => lossCase.Gradient(row = (row + 1) & (LossCase.Rows - 1));

    [Benchmark]
    public double HandGradient() => lossCase.HandGradient(row = (row + 1) & (LossCase.Rows - 1));

    [Benchmark]
    public double HessianVector() => lossCase.HessianVector(row = (row + 1) & (LossCase.Rows - 1));
}

public class MlpBenchmarks() : DerivativeBenchmarks(new MlpCase());

public class LogisticBenchmarks() : DerivativeBenchmarks(new LogisticCase());

public class RecurrenceBenchmarks() : DerivativeBenchmarks(new RecurrenceCase());
