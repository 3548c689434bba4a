using System.Collections.Generic;
using System.Linq;
using Downhill.Generators.Ir;
using Downhill.Generators.Model;

namespace Downhill.Generators.Emit;

/// <summary>
/// Writes a descriptor's typed hypergradient entry points (Maclaurin, Duvenaud &amp; Adams 2015): <c>Hypergradient</c>
/// with one schedule value per step and with a T × [Param] schedule, their typed result and the typed gradient of
/// the training data. The work is the runtime's <c>ReversibleLearning.Run</c>; this only converts.
/// </summary>
internal sealed class HypergradientEmitter
{
    private const string Runtime = "global::Downhill.Hypergradients";
    private readonly IndentedWriter w;
    private readonly string real;
    private readonly string name;
    private readonly List<ArgInfo> parameters;
    private readonly List<ArgInfo> hypers;
    private readonly List<ArgInfo> data;
    private readonly DescriptorNames names;
    private readonly string dataGradient;

    private HypergradientEmitter(LossGenerationSpec loss, IndentedWriter writer, DescriptorNames names)
    {
        this.names = names;
        w = writer;
        real = loss.IsFloat ? "float" : "double";
        name = loss.MethodName;
        parameters = loss.Args.Where(a => a.Kind == ArgKind.Param).ToList();
        hypers = loss.Args.Where(a => a.Kind == ArgKind.Hyper).ToList();
        data = loss.Args.Where(a => a.Kind == ArgKind.Data).ToList();

        // The class holds one member per data argument, and C# allows no member named like its class.
        dataGradient = "TrainDataGradient";
        while (data.Any(d => d.Name == dataGradient))
        {
            dataGradient += "_";
        }
    }

    /// <summary>Writes the members into the open descriptor class, spelling the data tuple and the conversion methods as the descriptor does.</summary>
    public static void Emit(LossGenerationSpec loss, IndentedWriter writer, DescriptorNames names) => new HypergradientEmitter(loss, writer, names).Emit();

    private static string E(string identifier) => LossEmitter.EscapeIdentifier(identifier);

    private static bool IsReal(ArgInfo a) => a.Type is IrType.Real or IrType.RealArray;

    private void Emit()
    {
        if (data.Count > 0)
        {
            DataGradientClass();
        }

        ResultClass();
        EntryPoint("double[]", "One value per step for every parameter.", "run.LearningRatesPerStep()", "run.MomentaPerStep()", schedule => $"{Runtime}.ReversibleLearning.Broadcast({schedule}, {parameters.Count}, nameof({schedule}))");
        EntryPoint("double[,]", $"T × {parameters.Count}: one column per [Param] argument in declaration order ({string.Join(", ", parameters.Select(p => p.Name))}).", "run.LearningRates", "run.Momenta", schedule => $"{schedule} ?? throw new global::System.ArgumentNullException(nameof({schedule}))");
        Run();
    }

    /// <summary>A property hides an <see cref="object"/> member as a field does, except Finalize, which the compiler reserves for destructors and a property does not hide.</summary>
    private static string HidesAsProperty(string member) => member == "Finalize" ? string.Empty : DescriptorEmitter.Hides(member);

    private void DataGradientClass()
    {
        w.Line($"/// <summary>The gradient of a hypergradient objective with respect to the training data of <see cref=\"{name}\"/>: one member per real data argument, shaped like its column.</summary>");
        w.Line(LossEmitter.GeneratedCode);
        w.Open($"public sealed class {dataGradient}");
        foreach (var d in data.Where(IsReal))
        {
            string type = d.Type == IrType.RealArray ? "double[,]" : "double[]";
            string empty = d.Type == IrType.RealArray ? "new double[0, 0]" : "global::System.Array.Empty<double>()";
            w.Line($"/// <summary>∂Loss/∂{d.Name}, row by row.</summary>");
            w.Line($"public {HidesAsProperty(d.Name)}{type} {E(d.Name)} {{ get; internal set; }} = {empty};");
        }

        w.Close();
        w.Line();
    }

    private void ResultClass()
    {
        w.Line($"/// <summary>Exact hypergradients of a training run of <see cref=\"{name}\"/> (reversible learning): the objective at θ_T, θ_T, and its gradient with respect to every input of the run.</summary>");
        w.Line("/// <typeparam name=\"TSchedule\">The shape of the schedules: <c>double[]</c> (per step) or <c>double[,]</c> (per step and [Param]).</typeparam>");
        w.Line(LossEmitter.GeneratedCode);
        w.Open("public sealed class HypergradientResult<TSchedule>");
        w.Line("/// <summary>The objective at θ_T: the mean loss over the validation data (the training data when there is none) with the validation hypers.</summary>");
        w.Line("public double Loss { get; internal set; }");
        w.Line("/// <summary>θ_T.</summary>");
        w.Line("public Params Params { get; internal set; } = new Params();");
        w.Line("/// <summary>∂Loss/∂α_t, shaped like the learning-rate schedule.</summary>");
        w.Line("public TSchedule LearningRates { get; internal set; } = default!;");
        w.Line("/// <summary>∂Loss/∂β_t, shaped like the momentum schedule.</summary>");
        w.Line("public TSchedule Momenta { get; internal set; } = default!;");
        w.Line("/// <summary>∂Loss/∂θ0.</summary>");
        w.Line("public Params Init { get; internal set; } = new Params();");
        w.Line("/// <summary>∂Loss/∂v0.</summary>");
        w.Line("public Params InitVelocity { get; internal set; } = new Params();");
        if (hypers.Count > 0)
        {
            w.Line("/// <summary>∂Loss/∂(the [Hyper] values used in training).</summary>");
            w.Line("public Hypers Hypers { get; internal set; } = new Hypers();");
        }

        if (data.Count > 0)
        {
            w.Line("/// <summary>∂Loss/∂(training data).</summary>");
            w.Line($"public {dataGradient} TrainData {{ get; internal set; }} = new {dataGradient}();");
        }

        w.Line("/// <summary>The information the exact multiply kept, in bits.</summary>");
        w.Line("public double BufferBits { get; internal set; }");
        w.Line("/// <summary>The memory the information buffer held, in bytes.</summary>");
        w.Line("public long BufferBytes { get; internal set; }");
        w.Close();
        w.Line();
    }

    private List<string> Arguments(string schedule)
    {
        var args = new List<string>();
        if (data.Count > 0)
        {
            args.Add($"{names.DataType} train");
            args.Add($"{names.DataType}? valid = null");
        }

        args.Add("Params? init = null");
        args.Add($"{schedule}? learningRates = null");
        args.Add($"{schedule}? momenta = null");
        if (hypers.Count > 0)
        {
            args.Add("Hypers? hypers = null");
            args.Add("Hypers? validHypers = null");
        }

        args.Add("Params? initVelocity = null");
        args.Add("int batchSize = 0");
        args.Add("long seed = 0");
        args.Add("int? threads = null");
        args.Add($"global::System.IProgress<{Runtime}.HypergradientProgress>? progress = null");
        args.Add("global::System.Threading.CancellationToken cancellationToken = default");
        return args;
    }

    private string Forwarded(string lr, string mom)
    {
        var args = new List<string>();
        if (data.Count > 0)
        {
            args.Add("train");
            args.Add("valid");
        }

        args.Add("init");
        args.Add(lr);
        args.Add(mom);
        if (hypers.Count > 0)
        {
            args.Add("hypers");
            args.Add("validHypers");
        }

        args.AddRange(["initVelocity", "batchSize", "seed", "threads", "progress", "cancellationToken"]);
        return string.Join(", ", args);
    }

    private void EntryPoint(string schedule, string shape, string lrResult, string momResult, System.Func<string, string> toMatrix)
    {
        w.Line($"/// <summary>Exact hypergradients of <paramref name=\"learningRates\"/>.Length steps of SGD with momentum on <see cref=\"{name}\"/> (Maclaurin, Duvenaud &amp; Adams 2015): θ and v in exact fixed point, the run reversed bit for bit. Schedules: {shape} Batch t's rows come from (seed, t) alone; <paramref name=\"batchSize\"/> 0 is the whole set.</summary>");
        w.Line("/// <returns>The objective at θ_T, θ_T, and the gradient of the objective with respect to α, β, θ0, v0, the training hypers and the training data.</returns>");
        w.Line(LossEmitter.GeneratedCode);
        w.Open($"public static HypergradientResult<{schedule}> Hypergradient({string.Join(", ", Arguments(schedule))})");
        w.Line($"var run = RunReversed({Forwarded(toMatrix("learningRates"), toMatrix("momenta"))});");
        w.Line($"var result = new HypergradientResult<{schedule}> {{ LearningRates = {lrResult}, Momenta = {momResult} }};");
        w.Line("Fill(result, run);");
        w.Line("return result;");
        w.Close();
        w.Line();
    }

    private void Run()
    {
        // The same arguments without defaults; the schedules are no longer null here.
        var args = Arguments("double[,]").Select(a => a.Split(new[] { " = " }, System.StringSplitOptions.None)[0])
            .Select(a => a.EndsWith(" learningRates", System.StringComparison.Ordinal) || a.EndsWith(" momenta", System.StringComparison.Ordinal) ? a.Replace("double[,]?", "double[,]") : a).ToList();
        string run = $"{Runtime}.ReversedRun<{real}>";
        w.Line(LossEmitter.GeneratedCode);
        w.Open($"private static {run} RunReversed({string.Join(", ", args)})");
        string hyperValues = hypers.Count > 0 ? $"hypers?.{names.ToArray}()" : "null";
        string validHyperValues = hypers.Count > 0 ? $"validHypers?.{names.ToArray}()" : "null";
        w.Line($"var options = new {Runtime}.HypergradientOptions {{ BatchSize = batchSize, Seed = seed, Threads = threads, Progress = progress, CancellationToken = cancellationToken }};");
        w.Line($"return {Runtime}.ReversibleLearning.Run<{real}>(Instance, {names.TrainColumns}, {names.ValidColumns}, (init ?? new Params()).{names.ToArrays}(), initVelocity?.{names.ToArrays}(), learningRates, momenta, {hyperValues}, {validHyperValues}, options);");
        w.Close();
        w.Line();

        w.Line(LossEmitter.GeneratedCode);
        w.Open($"private static void Fill<TSchedule>(HypergradientResult<TSchedule> result, {run} run)");
        w.Line("result.Loss = run.Loss;");
        w.Line($"result.Params = Params.{names.FromArrays}(run.Parameters);");
        w.Line($"result.Init = Params.{names.FromArrays}({run}.ToModel(run.Init));");
        w.Line($"result.InitVelocity = Params.{names.FromArrays}({run}.ToModel(run.InitVelocity));");
        if (hypers.Count > 0)
        {
            w.Line("var hyperGradient = run.HypersAsModel();");
            w.Line($"result.Hypers = new Hypers {{ {string.Join(", ", hypers.Select((h, k) => $"{E(h.Name)} = hyperGradient[{k}]"))} }};");
        }

        if (data.Count > 0)
        {
            var members = data.Select((d, k) => (d, k)).Where(x => IsReal(x.d))
                .Select(x => $"{E(x.d.Name)} = run.{(x.d.Type == IrType.RealArray ? "DataMatrix" : "DataVector")}({x.k})");
            w.Line($"result.TrainData = new {dataGradient} {{ {string.Join(", ", members)} }};");
        }

        w.Line("result.BufferBits = run.BufferBits;");
        w.Line("result.BufferBytes = run.BufferBytes;");
        w.Close();
        w.Line();
    }
}

/// <summary>How the descriptor spells what the hypergradient entry points share with it: the data tuple, the conversion of the train and valid arguments to columns, and the conversion methods of Params and Hypers (renamed when an argument takes their name).</summary>
internal sealed record DescriptorNames(string DataType, string TrainColumns, string ValidColumns, string ToArrays, string FromArrays, string ToArray);
