using System.CodeDom.Compiler;
using System.Collections.Concurrent;
using System.Reflection;
using Xunit.Abstractions;

namespace Downhill.Cuda.Tests;

/// <summary>
/// Every loss in the tests and samples: its descriptor's <c>CudaSource</c> compiles with NVRTC for compute_80 and
/// compute_90 and the PTX assembles with ptxas for sm_80 and sm_90. Descriptors are found by reflection (generated
/// types implementing <see cref="ILossModel{T}"/>) in the assemblies that hold losses.
/// </summary>
public class GeneratedSourceTests(ITestOutputHelper output)
{
    /// <summary>The assemblies with [Loss] methods: the derivative corpus, the end-to-end and hypergradient tests, the samples.</summary>
    private static readonly string[] LossAssemblies =
        ["Downhill.Derivatives.Tests", "Downhill.EndToEnd.Tests", "Downhill.Hypergradients.Tests", "HousePrices", "Rosenbrock", "FashionMnist", "Hypergradients"];

    /// <summary>The generated descriptors of every loss assembly.</summary>
    internal static IReadOnlyList<Type> Descriptors { get; } = [.. LossAssemblies
        .Select(Assembly.Load)
        .SelectMany(a => a.GetTypes())
        .Where(t => t.GetCustomAttribute<GeneratedCodeAttribute>() is not null
            && t.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(ILossModel<>))
            && !IsPerExampleModel(t))
        .OrderBy(t => t.FullName, StringComparer.Ordinal)];

    /// <summary>
    /// A descriptor's nested per-example model (the CPU fallback the descriptor wraps) is an <see cref="ILossModel{T}"/>
    /// too, but not a loss of its own: counted, it would double the losses and stand in the list as "no CUDA source".
    /// </summary>
    private static bool IsPerExampleModel(Type t) =>
        t.DeclaringType is { } outer && outer.GetProperty("CudaSource", BindingFlags.Public | BindingFlags.Static) is not null
        && t.GetProperty("CudaSource", BindingFlags.Public | BindingFlags.Static) is null;

    /// <summary>Whether the generator writes <c>CudaSource</c> at all (it comes with the CUDA C emitter).</summary>
    internal static bool HaveCudaSource { get; } = Descriptors.Any(t => t.GetProperty("CudaSource", BindingFlags.Public | BindingFlags.Static) is not null);

    [Fact]
    public void The_loss_assemblies_hold_the_descriptors_of_the_corpus_and_samples()
    {
        output.WriteLine($"{Descriptors.Count} descriptors in {LossAssemblies.Length} assemblies");
        Assert.True(Descriptors.Count >= 100, $"only {Descriptors.Count} descriptors found");
        Assert.Contains(Descriptors, t => t.Assembly.GetName().Name == "HousePrices");
    }

    [CudaSourceFact]
    public void Every_generated_cuda_source_compiles_and_assembles_for_sm_80_and_sm_90()
    {
        var sources = Descriptors.Select(t => (Type: t, Source: CudaBackend.SourceOf(t, out string? why), Why: why)).ToList();
        var compiled = sources.Where(s => s.Source is not null).ToList();
        var failures = new ConcurrentBag<string>();
        int ptx = 0, cubins = 0;
        Parallel.ForEach(compiled, new ParallelOptions { MaxDegreeOfParallelism = 2 }, s =>
        {
            foreach ((string virtualArch, string realArch) in new[] { ("compute_80", "sm_80"), ("compute_90", "sm_90") })
            {
                try
                {
                    string text = Nvrtc.CompileToPtx(s.Source!, virtualArch, programName: s.Type.FullName + ".cu");
                    Interlocked.Increment(ref ptx);
                    CudaTools.Assemble(text, realArch);
                    Interlocked.Increment(ref cubins);
                }
                catch (Exception e) when (e is NvrtcException or InvalidOperationException)
                {
                    failures.Add($"{s.Type.FullName} ({virtualArch}/{realArch}): {e.Message}");
                }
            }
        });

        foreach (var s in sources.Where(s => s.Source is null))
        {
            output.WriteLine($"no CUDA source: {s.Type.FullName}: {s.Why}");
        }

        string counts = $"CUDA: {compiled.Count} of {sources.Count} losses of the tests and samples have CUDA source; {ptx} compiled by NVRTC (compute_80, compute_90), {cubins} assembled by ptxas (sm_80, sm_90)";
        output.WriteLine(counts);

        // CI prints these counts beside its pass/fail line (.ci/run sets the file).
        if (Environment.GetEnvironmentVariable("DOWNHILL_CHECK_COUNTS") is { Length: > 0 } countsFile)
        {
            File.AppendAllText(countsFile, counts + "\n");
        }

        Assert.Empty(failures);
        Assert.True(compiled.Count >= 50, $"only {compiled.Count} of {sources.Count} descriptors have CUDA source");
        Assert.Equal(4 * compiled.Count, ptx + cubins);
    }
}

/// <summary>A fact that needs NVRTC, ptxas and a generator that writes <c>CudaSource</c>; skipped with the reason otherwise.</summary>
public sealed class CudaSourceFactAttribute : FactAttribute
{
    public CudaSourceFactAttribute()
    {
        if (CudaTools.Missing is string reason)
        {
            Skip = reason;
        }
        else if (!GeneratedSourceTests.HaveCudaSource)
        {
            Skip = "the descriptors have no CudaSource property: this build's generator has no CUDA C emitter";
        }
    }
}
