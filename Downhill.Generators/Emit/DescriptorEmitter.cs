using System.Collections.Generic;
using System.Linq;
using Downhill.Generators.Ir;
using Downhill.Generators.Model;
using Downhill.Generators.Transform;

namespace Downhill.Generators.Emit;

/// <summary>
/// Writes the descriptor of a loss (<c>SquaredLoss</c> for <c>Squared</c>): the runtime's view of it
/// (<c>ILossModel</c>: schema and batch sums over the generated derivatives), its typed parameters, and the
/// typed <c>Minimize</c> and <c>Check</c> entry points.
/// </summary>
internal sealed partial class DescriptorEmitter
{
    private readonly LossGenerationSpec loss;
    private readonly OptionsModel options;
    private readonly IndentedWriter w;
    private readonly string real;
    private readonly string name;
    private readonly List<(ArgInfo Arg, int Index)> parameters;
    private readonly List<(ArgInfo Arg, int Index)> hypers;
    private readonly List<(ArgInfo Arg, int Index)> data;

    /// <summary>The loss's type, fully qualified: the descriptor's members (Check, SumGradient, ...) must not capture a call of a loss or monitor of that name.</summary>
    private readonly string owner;
    private readonly string toArrays;
    private readonly string fromArrays;
    private readonly string toArray;

    /// <summary>The programs the batched sums run over SIMD lanes (see <see cref="CSharp.LaneSumsEmitter"/>).</summary>
    private readonly LanePlan lanes;

    private DescriptorEmitter(LossGenerationSpec loss, OptionsModel options, IndentedWriter writer, LanePlan lanes)
    {
        this.loss = loss;
        this.lanes = lanes;
        this.options = options;
        w = writer;
        real = loss.IsFloat ? "float" : "double";
        name = loss.MethodName;
        parameters = loss.ArgsOf(ArgKind.Param);
        hypers = loss.ArgsOf(ArgKind.Hyper);
        data = loss.ArgsOf(ArgKind.Data);
        owner = "global::" + string.Join(".", (loss.Namespace is null ? [] : loss.Namespace.Split('.').Select(E)).Concat(loss.ContainingTypes.Select(t => t.Name)));

        // Params and Hypers hold one field per argument: a conversion method keeps its name unless an argument took it.
        string Free(string method, List<(ArgInfo Arg, int Index)> fields)
        {
            while (fields.Any(f => f.Arg.Name == method))
            {
                method += "_";
            }

            return method;
        }

        toArrays = Free("ToArrays", parameters);
        fromArrays = Free("FromArrays", parameters);
        toArray = Free("ToArray", hypers);
    }

    /// <summary>The names of <see cref="object"/>'s members: a field of that name hides one, and says so with <c>new</c>.</summary>
    private static readonly HashSet<string> ObjectMembers = ["Equals", "GetHashCode", "ToString", "GetType", "MemberwiseClone", "ReferenceEquals", "Finalize"];

    internal static string Hides(string field) => ObjectMembers.Contains(field) ? "new " : string.Empty;

    /// <summary>A call of a method of the loss's type (the loss, its derivatives, a monitor), qualified.</summary>
    private string Own(string method) => owner + "." + E(method);

    public static void Emit(LossGenerationSpec loss, OptionsModel options, IndentedWriter writer, LanePlan lanes, Cuda.CudaResult? cuda = null) => new DescriptorEmitter(loss, options, writer, lanes) { cuda = cuda }.Emit();

    private Cuda.CudaResult? cuda;

    private static string E(string identifier) => LossEmitter.EscapeIdentifier(identifier);

    private string DescriptorName => name + "Loss";

    private void Emit()
    {
        string model = $"global::Downhill.ILossModel<{real}>";
        w.Line($"/// <summary>The descriptor of <see cref=\"{name}\"/>: its schema, batch evaluation and typed entry points.</summary>");
        w.Line(LossEmitter.GeneratedCode);
        w.Open($"{loss.Accessibility} sealed class {DescriptorName} : {model}");
        w.Line($"private {DescriptorName}()");
        w.Open();
        w.Close();
        w.Line();
        w.Line("/// <summary>The one instance, for the runtime's lower-level API (<c>Trainer</c>, <c>GradientCheck</c>).</summary>");
        w.Line($"public static {DescriptorName} Instance {{ get; }} = new();");
        w.Line();
        Schema();
        Kinks();
        CudaMembers();
        ParamsClass();
        if (hypers.Count > 0)
        {
            HypersClass();
        }

        PerExampleModel();
        BatchedSums();
        if (options.HasTrainer)
        {
            Minimize();
        }

        if (options.HasGradientCheck)
        {
            Check();
        }

        if (options.HasTrainer)
        {
            HypergradientEmitter.Emit(loss, w, new DescriptorNames(DataType(), TrainColumns(), ValidColumns(), toArrays, fromArrays, toArray));
        }

        ColumnsHelper();
        w.Close();
    }

    private void Schema()
    {
        string Bool(bool b) => b ? "true" : "false";
        var monitors = loss.Monitors.Select(m => $"new global::Downhill.MonitorSpec(\"{m.Name}\", {Bool(m.ParamsOnly)})");
        w.Line("private static readonly global::Downhill.LossSchema SchemaValue = new(");
        w.Indented(() =>
        {
            w.Line($"\"{loss.TypeFullName}.{name}\",");
            w.Line($"typeof({real}),");
            w.Line($"new global::Downhill.ParamSpec[] {{ {string.Join(", ", parameters.Select(p => $"new(\"{p.Arg.Name}\", {Bool(p.Arg.Type == IrType.RealArray)})"))} }},");
            w.Line($"new string[] {{ {string.Join(", ", hypers.Select(h => $"\"{h.Arg.Name}\""))} }},");
            w.Line($"new global::Downhill.DataSpec[] {{ {string.Join(", ", data.Select(d => $"new(\"{d.Arg.Name}\", {Bool(d.Arg.Type is IrType.RealArray or IrType.IntArray)}, {Bool(d.Arg.Type is IrType.Int or IrType.IntArray)})"))} }},");
            w.Line($"new global::Downhill.MonitorSpec[] {{ {string.Join(", ", monitors)} }});");
        });
        w.Line();
        w.Line("/// <inheritdoc/>");
        w.Line("public global::Downhill.LossSchema Schema => SchemaValue;");
        w.Line();
    }

    /// <summary>
    /// The loss's own operations with a kink (those DH0012 reports, at info severity): a gradient check or a
    /// Hessian-vector product near one may disagree with finite differences, and a report can say so.
    /// </summary>
    private void Kinks()
    {
        var kinks = loss.Kinks.Select(k => Microsoft.CodeAnalysis.CSharp.SymbolDisplay.FormatLiteral(k, quote: true));
        w.Line("/// <summary>Where the loss is not smooth (Abs, Max, Min, Clamp, Relu, rounding; diagnostic DH0012): the source of each such operation and its line. Gradient checks and Hessian-vector products are exact only away from these points.</summary>");
        w.Line($"public global::System.Collections.Generic.IReadOnlyList<string> Kinks {{ get; }} = new string[] {{ {string.Join(", ", kinks)} }};");
        w.Line();
    }

    /// <summary>The CUDA translation unit (docs/cuda.md), or why there is none (DH0017).</summary>
    private void CudaMembers()
    {
        if (cuda is null)
        {
            return;
        }

        string Literal(string? text) => text is null ? "null" : "@\"" + text.Replace("\"", "\"\"") + "\"";
        w.Line("/// <summary>The CUDA C translation unit of the loss's kernels (ABI: docs/cuda.md), or null when the loss runs on the CPU only (see <see cref=\"CudaUnavailableReason\"/>).</summary>");
        w.Line("public static string? CudaSource { get; } = " + (cuda.Source is null ? "null;" : string.Empty));
        if (cuda.Source is not null)
        {
            w.Raw(Literal(cuda.Source) + ";\n");
        }

        w.Line();
        w.Line("/// <summary>Why <see cref=\"CudaSource\"/> is null (diagnostic DH0017), or null when it is set.</summary>");
        w.Line($"public static string? CudaUnavailableReason {{ get; }} = {Literal(cuda.Reason)};");
        w.Line();
    }

    private void ParamsClass()
    {
        w.Line($"/// <summary>The trained arguments of <see cref=\"{name}\"/>; a vector's length is its shape.</summary>");
        w.Line(LossEmitter.GeneratedCode);
        w.Open("public sealed class Params");
        foreach (var (p, _) in parameters)
        {
            w.Line($"/// <summary>The argument <c>{p.Name}</c>.</summary>");
            w.Line(p.Type == IrType.RealArray ? $"public {Hides(p.Name)}{real}[] {E(p.Name)} = global::System.Array.Empty<{real}>();" : $"public {Hides(p.Name)}{real} {E(p.Name)};");
        }

        w.Line();
        w.Line("/// <summary>The values as the runtime holds them: one array per argument, a scalar as one element (copies).</summary>");
        w.Open($"public {real}[][] {toArrays}()");
        w.Line($"return new {real}[][] {{ {string.Join(", ", parameters.Select(p => p.Arg.Type == IrType.RealArray ? $"({real}[])this.{E(p.Arg.Name)}.Clone()" : $"new {real}[] {{ this.{E(p.Arg.Name)} }}"))} }};");
        w.Close();
        w.Line();
        w.Line("/// <summary>Parameters from the runtime's arrays (vectors are copied).</summary>");
        w.Open($"public static Params {fromArrays}({real}[][] values)");
        w.Line("global::System.ArgumentNullException.ThrowIfNull(values);");
        w.Open($"if (values.Length != {parameters.Count})");
        w.Line($"throw new global::System.ArgumentException(\"Expected {parameters.Count} parameter arrays, got \" + values.Length + \".\", nameof(values));");
        w.Close();
        w.Line();
        w.Line("var result = new Params();");
        for (int k = 0; k < parameters.Count; k++)
        {
            var p = parameters[k].Arg;
            w.Line(p.Type == IrType.RealArray ? $"result.{E(p.Name)} = ({real}[])values[{k}].Clone();" : $"result.{E(p.Name)} = values[{k}][0];");
        }

        w.Line("return result;");
        w.Close();
        w.Close();
        w.Line();
    }

    private void HypersClass()
    {
        w.Line($"/// <summary>The [Hyper] arguments of <see cref=\"{name}\"/>: not trained, but differentiated.</summary>");
        w.Line(LossEmitter.GeneratedCode);
        w.Open("public sealed class Hypers");

        // Each value remembers whether it was set, so that an omitted [Hyper] is an error naming it, not a silent 0.
        // The private fields take a prefix no [Hyper] name starts with, so they never clash with one.
        string prefix = "__hyper";
        while (hypers.Any(h => h.Arg.Name.StartsWith(prefix, System.StringComparison.Ordinal)))
        {
            prefix = "_" + prefix;
        }

        for (int k = 0; k < hypers.Count; k++)
        {
            var h = hypers[k].Arg;
            w.Line($"private {real} {prefix}Value{k};");
            w.Line($"private bool {prefix}Set{k};");
            w.Line();
            w.Line($"/// <summary>The argument <c>{h.Name}</c>; required (training and checking refuse a [Hyper] left unset).</summary>");
            w.Line($"public {Hides(h.Name)}{real} {E(h.Name)} {{ get => {prefix}Value{k}; set {{ {prefix}Value{k} = value; {prefix}Set{k} = true; }} }}");
            w.Line();
        }

        w.Line("/// <summary>The values in argument order.</summary>");
        w.Line("/// <exception cref=\"global::System.ArgumentException\">A [Hyper] was not set; the message names it.</exception>");
        w.Open($"public {real}[] {toArray}()");
        string unset = string.Join(" + ", hypers.Select((h, k) => $"({prefix}Set{k} ? \"\" : \" {h.Arg.Name}\")"));
        w.Line($"string __unset = {unset};");
        w.Open("if (__unset.Length > 0)");
        string example = string.Join(", ", hypers.Select(h => $"{h.Arg.Name} = ..."));
        w.Line($"throw new global::System.ArgumentException(\"hypers: the loss {loss.TypeFullName}.{name} needs a value for every [Hyper] argument; not set:\" + __unset + \". Pass hypers: new() {{ {example} }} (a missing [Hyper] is an error, not 0).\", \"hypers\");");
        w.Close();
        w.Line();
        w.Line($"return new {real}[] {{ {string.Join(", ", hypers.Select((h, k) => $"{prefix}Value{k}"))} }};");
        w.Close();
        w.Close();
        w.Line();
    }

    /// <summary>The arguments of one call of a generated method for row <c>r</c> of the batch.</summary>
    private string RowArgs()
    {
        var args = new List<string>();
        foreach (var a in loss.Args)
        {
            int p = parameters.FindIndex(x => x.Arg == a);
            int h = hypers.FindIndex(x => x.Arg == a);
            int d = data.FindIndex(x => x.Arg == a);
            if (p >= 0)
            {
                args.Add(a.Type == IrType.RealArray ? $"p{p}" : $"p{p}[0]");
            }
            else if (h >= 0)
            {
                args.Add($"hypers[{h}]");
            }
            else
            {
                string element = a.Type is IrType.Int or IrType.IntArray ? "int" : real;
                args.Add(a.Type is IrType.RealArray or IrType.IntArray ? $"new global::System.ReadOnlySpan<{element}>(c{d}, r * w{d}, w{d})" : $"c{d}[r]");
            }
        }

        return string.Join(", ", args);
    }

    private void Prologue(bool withHypers = true)
    {
        for (int k = 0; k < parameters.Count; k++)
        {
            w.Line($"var p{k} = parameters[{k}];");
        }

        for (int k = 0; k < data.Count; k++)
        {
            var a = data[k].Arg;
            string element = a.Type is IrType.Int or IrType.IntArray ? "int" : real;
            w.Line($"var c{k} = ({element}[])batch.Columns[{k}];");
            if (a.Type is IrType.RealArray or IrType.IntArray)
            {
                w.Line($"int w{k} = batch.Widths[{k}];");
            }
        }
    }

    private string Outputs(string array, bool full, string hyperArray, string dataArray)
    {
        var args = new List<string>();
        int pk = 0;
        int hk = 0;
        foreach (var a in loss.Args)
        {
            if (a.Kind == ArgKind.Param)
            {
                args.Add(a.Type == IrType.RealArray ? $"{array}[{pk}]" : $"ref {array}[{pk}][0]");
                pk++;
            }
            else if (full && a.Kind == ArgKind.Hyper)
            {
                args.Add($"ref {hyperArray}[{hk++}]");
            }
            else if (full && a.Kind == ArgKind.Data && a.Type is IrType.Real or IrType.RealArray)
            {
                int d = data.FindIndex(x => x.Arg == a);
                args.Add(a.Type == IrType.RealArray ? $"new global::System.Span<{real}>({dataArray}{d}, r * w{d}, w{d})" : $"ref {dataArray}{d}[r]");
            }
        }

        return string.Join(", ", args);
    }

    private string Tangents(string array) =>
        string.Join(", ", parameters.Select((p, k) => p.Arg.Type == IrType.RealArray ? $"{array}[{k}]" : $"{array}[{k}][0]"));

    private static string Join(params string[] parts) => string.Join(", ", parts.Where(p => p.Length > 0));

    private static string ColumnType(ArgInfo a, string real) => a.Type switch
    {
        IrType.Real => real + "[]",
        IrType.Int => "int[]",
        IrType.RealArray => real + "[,]",
        _ => "int[,]",
    };

    /// <summary>The type of a data set argument: one array, or a tuple of arrays named like the data arguments.</summary>
    /// <summary>The columns of the typed <c>train</c> argument as the runtime takes them (none for a loss without data).</summary>
    private string TrainColumns() => data.Count > 0 ? "Columns(train, nameof(train))" : "global::System.Array.Empty<global::System.Array>()";

    /// <summary>The columns of the optional typed <c>valid</c> argument, or null.</summary>
    private string ValidColumns() => data.Count == 0 ? "null" : data.Count == 1 ? "valid is null ? null : Columns(valid, nameof(valid))" : "valid is { } v ? Columns(v, nameof(valid)) : null";

    private string DataType() => data.Count == 1
        ? ColumnType(data[0].Arg, real)
        : "(" + string.Join(", ", data.Select((d, k) => ColumnType(d.Arg, real) + (TupleName(d.Arg.Name, k) ? " " + E(d.Arg.Name) : string.Empty))) + ")";

    /// <summary>Names C# refuses for a tuple element at position <paramref name="k"/>: those of ValueTuple's members, and ItemN elsewhere than at N.</summary>
    private static readonly HashSet<string> TupleMembers = ["CompareTo", "Deconstruct", "Equals", "GetHashCode", "Rest", "ToString"];

    /// <summary>Whether a data argument's name can name its tuple element; if not, the element stays unnamed (ItemN).</summary>
    private static bool TupleName(string arg, int k) =>
        !TupleMembers.Contains(arg) && !(arg.StartsWith("Item", System.StringComparison.Ordinal) && arg.Length > 4 && arg.Substring(4).All(char.IsDigit) && arg != "Item" + (k + 1));

    /// <summary>The tuple element of data argument <paramref name="k"/>.</summary>
    private string Element(int k) => TupleName(data[k].Arg.Name, k) ? E(data[k].Arg.Name) : "Item" + (k + 1);

    private void ColumnsHelper()
    {
        if (data.Count == 0)
        {
            return;
        }

        w.Open($"private static global::System.Array[] Columns({DataType()} set, string argument)");
        if (data.Count == 1)
        {
            w.Line($"return new global::System.Array[] {{ set ?? throw new global::System.ArgumentNullException(argument, \"The data column '{data[0].Arg.Name}' is missing.\") }};");
        }
        else
        {
            w.Line("return new global::System.Array[]");
            w.Line("{");
            for (int k = 0; k < data.Count; k++)
            {
                w.Indented(() => w.Line($"set.{Element(k)} ?? throw new global::System.ArgumentNullException(argument, \"The data column '{data[k].Arg.Name}' is missing.\"),"));
            }

            w.Line("};");
        }

        w.Close();
        w.Line();
    }

    private void Minimize()
    {
        string dataType = DataType();
        var args = new List<string>();
        if (data.Count > 0)
        {
            args.Add($"{dataType} train");
            args.Add($"{dataType}? valid = null");
        }

        args.Add("Params? init = null");
        if (hypers.Count > 0)
        {
            args.Add("Hypers? hypers = null");
        }

        foreach (var option in options.Options)
        {
            args.Add($"{option.ParameterType} {E(LossEmitter.CamelCase(option.Name))} = null");
        }

        w.Line($"/// <summary>Minimizes the mean of <see cref=\"{name}\"/> over the training data: downhill's minimize, typed. Options left null keep their defaults (see TrainingOptions).</summary>");
        w.Line("/// <returns>The best parameters, the final metrics, the number of epochs and why training stopped.</returns>");
        w.Line(LossEmitter.GeneratedCode);
        w.Open($"public static global::Downhill.MinimizeResult<Params> Minimize({string.Join(", ", args)})");
        InitCheck();
        w.Line("var options = new global::Downhill.TrainingOptions();");
        foreach (var option in options.Options)
        {
            w.Open($"if ({E(LossEmitter.CamelCase(option.Name))} is {{ }} __{option.Name})");
            w.Line($"options.{option.Name} = __{option.Name};");
            w.Close();
        }

        string hyperValues = hypers.Count > 0 ? $"(hypers ?? new Hypers()).{toArray}()" : $"global::System.Array.Empty<{real}>()";
        string train = TrainColumns();
        string valid = ValidColumns();
        w.Line($"var result = global::Downhill.Trainer.Minimize<{real}>(Instance, {train}, {valid}, (init ?? new Params()).{toArrays}(), {hyperValues}, options);");
        w.Line($"return new global::Downhill.MinimizeResult<Params>(Params.{fromArrays}(result.Parameters), result.Train, result.Valid, result.Epochs, result.StopReason);");
        w.Close();
        w.Line();
    }

    private void InitCheck()
    {
        var vectors = parameters.Where(p => p.Arg.Type == IrType.RealArray).ToList();
        if (vectors.Count == 0)
        {
            return;
        }

        w.Open("if (init is null)");
        w.Line($"throw new global::System.ArgumentNullException(nameof(init), \"init: the vector parameter '{vectors[0].Arg.Name}' needs initial values; their length gives its shape.\");");
        w.Close();
        w.Line();
    }

    private void Check()
    {
        var args = new List<string> { "Params at" };
        if (data.Count > 0)
        {
            args.Add($"{DataType()} data");
        }

        if (hypers.Count > 0)
        {
            args.Add("Hypers? hypers = null");
        }

        args.Add("global::Downhill.GradientCheckOptions? options = null");
        w.Line($"/// <summary>Checks every generated derivative of <see cref=\"{name}\"/> against central finite differences at <paramref name=\"at\"/> (and random points near it); one line in a unit test: <c>Check(...).EnsurePassed()</c>.</summary>");
        w.Line(LossEmitter.GeneratedCode);
        w.Open($"public static global::Downhill.GradientCheckReport Check({string.Join(", ", args)})");
        w.Line("global::System.ArgumentNullException.ThrowIfNull(at);");
        string hyperValues = hypers.Count > 0 ? $"(hypers ?? new Hypers()).{toArray}()" : $"global::System.Array.Empty<{real}>()";
        string columns = data.Count > 0 ? "Columns(data, nameof(data))" : "global::System.Array.Empty<global::System.Array>()";
        w.Line($"return global::Downhill.GradientCheck.Run<{real}>(Instance, at.{toArrays}(), {hyperValues}, {columns}, options);");
        w.Close();
        w.Line();
    }
}
