using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Downhill.Generators.Tests;

/// <summary>
/// Names the generator must write into its own code: every C# keyword and every name the generator itself uses,
/// as a [Param], [Hyper], data and local name. All of them compile without a diagnostic, except the two a C# class
/// cannot hold (a [Param] named Params, a [Hyper] named Hypers), which are DH0015 at the argument.
/// </summary>
public class NameTests
{
    private const string Usings = "using Downhill;\n";

    /// <summary>Every reserved and contextual keyword of C#.</summary>
    private static IEnumerable<string> Keywords() =>
        SyntaxFacts.GetKeywordKinds().Concat(SyntaxFacts.GetContextualKeywordKinds())
            .Select(SyntaxFacts.GetText)
            .Where(t => t.Length > 0 && t.All(c => char.IsLetter(c) || c == '_'))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal);

    /// <summary>The names the generated code uses: members, locals and arguments of the entry points and the descriptor, IR names, tuple and object members.</summary>
    private static readonly string[] GeneratedNames =
    [
        "FGradient", "FTangent", "FHessianVector", "FGradientFull", "FHessianVectorFull", "FLoss", "F",
        "Instance", "Schema", "SchemaValue", "ToArrays", "FromArrays", "ToArray", "SumLoss", "SumGradient", "SumTangent",
        "SumHessianVector", "SumGradientFull", "SumHessianVectorFull", "SumMonitors", "Minimize", "Check", "Columns",
        "__tape", "__state", "__unused", "__tangent", "__value", "__seed", "__t0", "__t1", "__r0", "__result", "__returned",
        "x__adj", "a__adj", "a__tan", "__out__tan", "__unused__tan", "__scratch", "__dh_F", "__lse_max", "__more0", "__cond0", "__d0", "__f0",
        "parameters", "hypers", "batch", "start", "end", "gradient", "tangent", "product", "hyperGradient", "dataGradient",
        "hyperProduct", "dataProduct", "sums", "sum", "along", "value", "slope", "r", "p0", "c0", "w0", "g0", "set", "argument",
        "train", "valid", "init", "options", "result", "v", "at", "data", "values", "dpa", "tpa", "hpa", "dpo", "dew", "tew", "hew", "pa__adj", "pa__tan", "el",
        "Item1", "Item2", "Item3", "Item8", "Rest", "ToString", "Equals", "GetHashCode", "GetType", "CompareTo", "Deconstruct",
        "MemberwiseClone", "ReferenceEquals", "Finalize", "Params", "Hypers", "System", "global", "Downhill", "Names",
        "Hypergradient", "HypergradientResult", "TrainDataGradient", "TrainData", "RunReversed", "Fill", "run", "LearningRates",
        "Momenta", "InitVelocity", "BufferBits", "BufferBytes", "Loss", "learningRates", "momenta", "validHypers", "initVelocity",
        "batchSize", "seed", "threads", "progress", "cancellationToken",
    ];

    private const int GroupSize = 24;

    /// <summary>
    /// Four losses over a group of names: all of them as [Param] arguments (vectors and scalars), as [Hyper]
    /// arguments, as data arguments (a tuple of up to eight elements, so positions and Rest are exercised) and as locals.
    /// </summary>
    private static string LossesNaming(IReadOnlyList<string> names, int g)
    {
        var e = names.Select(n => "@" + n).ToList();
        bool Vector(int k) => k % 2 == 0;
        string paramArgs = string.Join(", ", e.Select((n, k) => Vector(k) ? $"[Param] ReadOnlySpan<double> {n}" : $"[Param] double {n}"));
        string paramUse = string.Join(" + ", e.Select((n, k) => Vector(k) ? $"{n}[0] * {n}[0] * pr[{k}]" : $"{n} * {n} * pr[{k}]"));
        string hyperArgs = string.Join(", ", e.Select(n => $"[Hyper] double {n}"));
        string dataArgs = string.Join(", ", e.Select((n, k) => Vector(k) ? $"ReadOnlySpan<double> {n}" : $"double {n}"));
        string dataUse = string.Join(" + ", e.Select((n, k) => Vector(k) ? $"{n}[0]" : n));
        string locals = string.Concat(e.Select((n, k) => $"        double {n} = pa * ({k} + px);\n        ps += {n} * {n};\n"));
        return $$"""
            [Loss]
            public static double P{{g}}({{paramArgs}}, ReadOnlySpan<double> pr) => {{paramUse}};

            [Loss]
            public static double H{{g}}([Param] double pa, {{hyperArgs}}, double px) => pa * pa * px * ({{string.Join(" + ", e)}});

            [Loss]
            public static double D{{g}}([Param] double pa, {{dataArgs}}) => pa * pa * ({{dataUse}});

            [Loss]
            public static double L{{g}}([Param] double pa, double px)
            {
                double ps = 0;
            {{locals}}
                return ps;
            }

            """;
    }

    [Fact]
    public void EveryKeywordAndEveryGeneratedNameWorksAsParamHyperDataAndLocal()
    {
        var names = Keywords().Concat(GeneratedNames).Distinct(StringComparer.Ordinal).ToList();
        Assert.True(names.Count > 200, $"{names.Count} names");
        var source = new System.Text.StringBuilder(Usings).Append("public static partial class Names\n{\n");
        var groups = names.Chunk(GroupSize).ToList();
        for (int g = 0; g < groups.Count; g++)
        {
            source.Append(LossesNaming(groups[g], g));
        }

        source.Append("}\n");
        var run = Harness.Run(source.ToString());

        // Only the two names a class cannot hold are refused, each at its argument.
        var refused = run.GeneratorDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        string Text(Diagnostic d) => run.Input.SyntaxTrees.Single(t => t.FilePath == d.Location.GetLineSpan().Path).GetText().ToString(d.Location.SourceSpan);
        Assert.True(refused.All(d => d.Id == "DH0015"), string.Join("\n", refused.Take(20).Select(d => d + " at '" + Text(d) + "'")));
        Assert.Equal(["@Hypers", "@Params"], refused.Select(Text).Order(StringComparer.Ordinal));

        var problems = run.OutputProblems();
        Assert.True(problems.Count == 0, string.Join("\n", problems.Take(30).Select(d => d.ToString())));
        Assert.Equal((4 * groups.Count) - 2, run.Result.GeneratedSources.Length);
    }
}
