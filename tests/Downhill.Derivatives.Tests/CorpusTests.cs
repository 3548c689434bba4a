using System.Reflection;
using System.Text;

namespace Downhill.Derivatives.Tests;

/// <summary>
/// Every loss of the corpus, through its generated descriptor and <see cref="GradientCheck"/>: gradient, tangent,
/// Hessian-vector product, the full variants for hyperparameters and data, and Hessian symmetry, each against
/// finite differences at three samples of the loss's domain and one perturbation of each.
/// </summary>
public class CorpusTests
{
    public static TheoryData<string> Losses()
    {
        var data = new TheoryData<string>();
        foreach (string name in CorpusCases.Names.Order(StringComparer.Ordinal))
        {
            data.Add(name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Losses))]
    public void GeneratedDerivativesMatchFiniteDifferences(string loss)
    {
        var failures = new StringBuilder();
        foreach (int seed in CorpusCases.Seeds)
        {
            var report = CorpusCases.Get(loss).Check(seed);
            Assert.True(report.Entries.Count > 0);
            if (!report.Passed)
            {
                failures.AppendLine($"seed {seed}:").AppendLine(report.ToString());
            }
        }

        Assert.True(failures.Length == 0, failures.ToString());
    }

    [Fact]
    public void EveryLossOfTheCorpusHasADomainAndThereAreAtLeastSeventy()
    {
        var losses = typeof(CorpusTests).Assembly.GetTypes()
            .Where(t => t.Namespace == "Downhill.Derivatives.Tests.Corpus")
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Where(m => m.GetCustomAttribute<LossAttribute>() is not null)
            .Select(m => $"{m.DeclaringType!.Name}.{m.Name}")
            .ToList();

        Assert.True(losses.Count >= 70, $"{losses.Count} losses");
        Assert.Empty(losses.Except(CorpusCases.Names));
        Assert.Equal(losses.Count, CorpusCases.Names.Count);
    }
}
