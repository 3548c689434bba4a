using System;
using System.Collections.Generic;
using System.Linq;
using Downhill.Generators.Ir;
using Downhill.Generators.Model;
using Downhill.Generators.Transform;

namespace Downhill.Generators.Emit.CSharp;

/// <summary>
/// Writes the descriptor's batched sums (<c>LaneSumLoss</c>, <c>LaneSumGradient</c>, ...): the rows of a chunk
/// taken L at a time (4 doubles or 8 floats), each block's data transposed into lane-major blocks (a partial last
/// block padded with copies of its last row, masked out), the lane program run once per block, per-example values
/// (loss, tangent) summed in row order, and each output's per-lane accumulators summed over the lanes (lane 0 first)
/// once at the end of the chunk. The order depends only on the chunk's rows, never on threads.
/// </summary>
internal sealed class LaneSumsEmitter
{
    private const string LanesType = "global::Downhill.Internal.Lanes";
    private const string KernelsType = "global::Downhill.Kernels.MatrixProducts";

    /// <summary>Rows per tile of a tiled sum: each product runs over this many examples at once.</summary>
    private const int TileRows = 128;

    private readonly LossGenerationSpec loss;
    private readonly IndentedWriter w;
    private readonly string real;
    private readonly int lanes;
    private readonly string vr;
    private readonly List<(ArgInfo Arg, int Index)> parameters;
    private readonly List<(ArgInfo Arg, int Index)> hypers;
    private readonly List<(ArgInfo Arg, int Index)> data;

    private LaneSumsEmitter(LossGenerationSpec loss, IndentedWriter writer)
    {
        this.loss = loss;
        w = writer;
        real = loss.IsFloat ? "float" : "double";
        lanes = loss.IsFloat ? 8 : 4;
        vr = $"global::System.Runtime.Intrinsics.Vector256<{real}>";
        parameters = loss.ArgsOf(ArgKind.Param);
        hypers = loss.ArgsOf(ArgKind.Hyper);
        data = loss.ArgsOf(ArgKind.Data);
    }

    /// <summary>What the extra parameters of a lane program (after the loss's arguments) receive.</summary>
    private enum Role
    {
        Seed,
        Tangent,
        Output,
        Along,
        Unused,
    }

    /// <summary>Writes the batched sum of each supported program of <paramref name="plan"/>.</summary>
    public static void Emit(LossGenerationSpec loss, LanePlan plan, IndentedWriter writer)
    {
        var e = new LaneSumsEmitter(loss, writer);
        int p = e.parameters.Count;
        if (plan.Loss.Unsupported is null)
        {
            e.Sum("LaneSumLoss", plan.Loss, plan.TiledLoss, [], string.Empty, string.Empty, []);
        }

        if (plan.Gradient.Unsupported is null)
        {
            e.Sum("LaneSumGradient", plan.Gradient, plan.TiledGradient, [Role.Seed, .. Repeat(Role.Output, p)], $", {e.real}[][] gradient", ", gradient", ["gradient"]);
        }

        if (plan.Tangent.Unsupported is null)
        {
            e.Sum("LaneSumTangent", plan.Tangent, null, [.. Repeat(Role.Tangent, p), Role.Along], $", {e.real}[][] tangent", ", tangent", []);
        }

        if (plan.Hessian.Unsupported is null)
        {
            e.Sum("LaneSumHessianVector", plan.Hessian, null, [Role.Seed, .. Repeat(Role.Tangent, p), .. Repeat(Role.Output, p), Role.Unused], $", {e.real}[][] tangent, {e.real}[][] product", ", tangent, product", ["product"]);
        }
    }

    private static IEnumerable<Role> Repeat(Role role, int count) => Enumerable.Repeat(role, count);

    /// <summary>
    /// The sum <paramref name="method"/>; with a tiled form, that one under this name (falling back to the plain one,
    /// named <c>…Untiled</c>, when the arguments' shapes do not fit its products) and the plain one beside it.
    /// </summary>
    private void Sum(string method, LaneProgram program, TiledLane? tiled, Role[] roles, string extraParameters, string extraArguments, string[] outputArrays)
    {
        if (tiled is null)
        {
            Body(method, program, null, roles, extraParameters, outputArrays, string.Empty);
            return;
        }

        Body(method, tiled.Program, tiled, roles, extraParameters, outputArrays, $"{method}Untiled(parameters, hypers, batch, start, end{extraArguments})");
        Body(method + "Untiled", program, null, roles, extraParameters, outputArrays, string.Empty);
    }

    private void Body(string method, LaneProgram program, TiledLane? tiled, Role[] roles, string extraParameters, string[] outputArrays, string untiled)
    {
        var f = program.Function;
        var products = tiled?.Products ?? EquatableArray<LoweredProduct>.Empty;
        if (f.Params.Count != loss.Args.Count + roles.Length + (3 * products.Count))
        {
            throw new InvalidOperationException($"{f.Name} has {f.Params.Count} parameters, expected {loss.Args.Count + roles.Length + (3 * products.Count)}.");
        }

        bool tangent = roles.Contains(Role.Along);
        string output = outputArrays.Length > 0 ? outputArrays[0] : string.Empty;
        w.Line(LossEmitter.GeneratedCode);
        w.Open($"private static {(tangent ? "(double Loss, double Tangent)" : "double")} {method}({real}[][] parameters, {real}[] hypers, in global::Downhill.DataBatch batch, int start, int end{extraParameters})");
        for (int k = 0; k < parameters.Count; k++)
        {
            w.Line($"var p{k} = parameters[{k}];");
        }

        for (int k = 0; k < data.Count; k++)
        {
            var a = data[k].Arg;
            w.Line($"var c{k} = ({Element(a)}[])batch.Columns[{k}];");
            if (IsRow(a))
            {
                w.Line($"int w{k} = batch.Widths[{k}];");
            }
        }

        if (tiled is not null)
        {
            Shapes(products, untiled);
        }

        w.Line("var __tape = global::Downhill.Internal.Tape.Current;");
        w.Line("var __state = __tape.Save();");
        w.Open("try");
        for (int k = 0; k < data.Count; k++)
        {
            if (IsRow(data[k].Arg))
            {
                w.Line($"var __b{k} = __tape.{Rent(Element(data[k].Arg))}(w{k} * {lanes});");
            }
        }

        var args = new List<string>();
        foreach (var a in loss.Args)
        {
            args.Add(a.Kind switch
            {
                ArgKind.Param => ParamValue(parameters.FindIndex(x => x.Arg == a), "p", a),
                ArgKind.Hyper => $"hypers[{hypers.FindIndex(x => x.Arg == a)}]",
                _ => IsRow(a) ? $"__b{data.FindIndex(x => x.Arg == a)}" : $"__x{data.FindIndex(x => x.Arg == a)}",
            });
        }

        int tangentK = 0;
        int outputK = 0;
        foreach (var role in roles)
        {
            switch (role)
            {
                case Role.Seed:
                    args.Add(loss.IsFloat ? "1f" : "1.0");
                    break;
                case Role.Tangent:
                    args.Add(ParamValue(tangentK, "tangent", parameters[tangentK++].Arg, indexed: true));
                    break;
                case Role.Output:
                    int o = outputK++;
                    if (program.DirectOutputs.Contains(f.Params[args.Count].Name))
                    {
                        args.Add($"{output}[{o}]");
                    }
                    else if (parameters[o].Arg.Type == IrType.RealArray)
                    {
                        w.Line($"var __a{o} = __tape.{Rent(real)}({output}[{o}].Length * {lanes});");
                        args.Add($"__a{o}");
                    }
                    else
                    {
                        w.Line($"var __a{o} = {vr}.Zero;");
                        args.Add($"ref __a{o}");
                    }

                    break;
                case Role.Along:
                    args.Add("ref __along");
                    break;
                default:
                    args.Add("ref __unused");
                    break;
            }
        }

        foreach (var product in products)
        {
            w.Line($"var {product.Buffer}_tile = __tape.{Rent(real)}({TileRows} * {product.RowsParam});");
            w.Line($"var {product.Buffer} = __tape.{Rent(real)}({product.RowsParam} * {lanes});");
            args.AddRange([product.Buffer, product.RowsParam, product.DepthParam]);
        }

        args.Add("__live");
        w.Line(tangent ? "double sum = 0, along = 0;" : "double sum = 0;");
        w.Line("int __end = batch.Offset + end;");
        if (tiled is null)
        {
            w.Open($"for (int __row = batch.Offset + start; __row < __end; __row += {lanes})");
            Block(program, args, tangent, roles, "__end", null);
            w.Close();
        }
        else
        {
            w.Open($"for (int __tile = batch.Offset + start; __tile < __end; __tile += {TileRows})");
            w.Line($"int __tileEnd = global::System.Math.Min(__tile + {TileRows}, __end);");
            w.Line("int __tileRows = __tileEnd - __tile;");
            foreach (var product in products)
            {
                var (m, x) = Operands(product);
                w.Line(product.Direction == ProductDirection.Forward
                    ? $"{KernelsType}.Multiply<{real}>(false, true, __tileRows, {product.RowsParam}, {product.DepthParam}, c{x}.AsSpan(__tile * w{x}), w{x}, p{m}, {product.Buffer}_stride, {product.Buffer}_tile, {product.RowsParam}, false);"
                    : $"{product.Buffer}_tile.Slice(0, __tileRows * {product.RowsParam}).Clear();");
            }

            w.Open($"for (int __row = __tile; __row < __tileEnd; __row += {lanes})");
            Block(program, args, tangent, roles, "__tileEnd", products);
            w.Close();
            foreach (var product in products.Where(p => p.Direction == ProductDirection.Backward))
            {
                var (m, x) = Operands(product);
                w.Line($"{KernelsType}.Multiply<{real}>(true, false, {product.RowsParam}, {product.DepthParam}, __tileRows, {product.Buffer}_tile, {product.RowsParam}, c{x}.AsSpan(__tile * w{x}), w{x}, {output}[{m}], {product.Buffer}_stride, true);");
            }

            w.Close();
        }

        for (int o = 0; o < outputK; o++)
        {
            if (program.DirectOutputs.Contains(f.Params[loss.Args.Count + Array.IndexOf(roles, Role.Output) + o].Name))
            {
                continue;
            }

            w.Line(parameters[o].Arg.Type == IrType.RealArray
                ? $"{LanesType}.AddLaneSums<{real}>(__a{o}, {output}[{o}]);"
                : $"{output}[{o}][0] += {LanesType}.Sum(__a{o});");
        }

        w.Line(tangent ? "return (sum, along);" : "return sum;");
        w.Close();
        w.Open("finally");
        w.Line("__tape.Restore(__state);");
        w.Close();
        w.Close();
        w.Line();
    }

    /// <summary>One block of rows from <c>__row</c>: its data as lanes, the lane program, its values summed in row order.</summary>
    private void Block(LaneProgram program, List<string> args, bool tangent, Role[] roles, string end, EquatableArray<LoweredProduct>? products)
    {
        w.Line($"int __n = global::System.Math.Min({lanes}, {end} - __row);");
        w.Line($"var __live = {LanesType}.{(loss.IsFloat ? "LiveSingle" : "LiveDouble")}(__n);");
        for (int k = 0; k < data.Count; k++)
        {
            var a = data[k].Arg;
            if (IsRow(a))
            {
                w.Line($"{LanesType}.Transpose<{Element(a)}>(c{k}, w{k}, __row, __n, __b{k}, {lanes});");
            }
            else
            {
                w.Line(a.Type == IrType.Int
                    ? $"var __x{k} = {LanesType}.IntColumn{lanes}(c{k}, __row, __n);"
                    : $"var __x{k} = {LanesType}.Column<{real}>(c{k}, __row, __n);");
            }
        }

        foreach (var product in products ?? EquatableArray<LoweredProduct>.Empty)
        {
            w.Line(product.Direction == ProductDirection.Forward
                ? $"{LanesType}.Transpose<{real}>({product.Buffer}_tile, {product.RowsParam}, __row - __tile, __n, {product.Buffer}, {lanes});"
                : $"{product.Buffer}.Clear();");
        }

        if (tangent)
        {
            w.Line($"var __along = {vr}.Zero;");
        }

        if (roles.Contains(Role.Unused))
        {
            w.Line($"var __unused = {vr}.Zero;");
        }

        w.Line($"var __value = {program.LaneName}({string.Join(", ", args)});");
        foreach (var product in (products ?? EquatableArray<LoweredProduct>.Empty).Where(p => p.Direction == ProductDirection.Backward))
        {
            w.Line($"{LanesType}.Untranspose<{real}>({product.Buffer}, {product.RowsParam}, __n, {product.Buffer}_tile, __row - __tile, {lanes});");
        }

        w.Open("for (int __l = 0; __l < __n; __l++)");
        w.Line("sum += global::System.Runtime.Intrinsics.Vector256.GetElement(__value, __l);");
        if (tangent)
        {
            w.Line("along += global::System.Runtime.Intrinsics.Vector256.GetElement(__along, __l);");
        }

        w.Close();
    }

    /// <summary>
    /// Each product's shape from the arguments (rows, depth, the matrix's row stride), and the untiled sum when any
    /// does not fit: a matrix too short for one row, or data rows narrower than the depth (the per-example code
    /// then reports the argument as it always does).
    /// </summary>
    private void Shapes(EquatableArray<LoweredProduct> products, string untiled)
    {
        var fits = new List<string>();
        foreach (var product in products)
        {
            var (m, x) = Operands(product);
            string b = product.Buffer;
            if (product.OneRow)
            {
                w.Line($"int {b}_stride = p{m}.Length, {product.RowsParam} = 1, {product.DepthParam} = p{m}.Length;");
            }
            else
            {
                string stride = product.Stride.LengthOf < 0
                    ? product.Stride.Constant.ToString(System.Globalization.CultureInfo.InvariantCulture)
                    : ArgLength(product.Stride.LengthOf);
                w.Line($"int {b}_stride = {stride};");
                w.Line($"int {product.RowsParam} = {b}_stride > 0 ? p{m}.Length / {b}_stride : 0, {product.DepthParam} = {b}_stride;");
            }

            fits.Add($"{product.RowsParam} > 0 && {product.DepthParam} > 0 && w{x} >= {product.DepthParam}");
        }

        w.Open($"if (!({string.Join(" && ", fits)}))");
        w.Line($"return {untiled};");
        w.Close();
    }

    /// <summary>The positions of a product's matrix among the [Param]s and of its vector among the data arguments.</summary>
    private (int Matrix, int Vector) Operands(LoweredProduct product) =>
        (parameters.FindIndex(x => x.Index == product.Matrix), data.FindIndex(x => x.Index == product.Vector));

    /// <summary>The length of a loss argument as the sum knows it: a [Param] span's, or a data row's width.</summary>
    private string ArgLength(int arg) => loss.Args[arg].Kind == ArgKind.Param
        ? $"p{parameters.FindIndex(x => x.Index == arg)}.Length"
        : $"w{data.FindIndex(x => x.Index == arg)}";

    private static string ParamValue(int k, string array, ArgInfo a, bool indexed = false)
    {
        string value = indexed ? $"{array}[{k}]" : $"{array}{k}";
        return a.Type == IrType.RealArray ? value : value + "[0]";
    }

    private static bool IsRow(ArgInfo a) => a.Type is IrType.RealArray or IrType.IntArray;

    private string Element(ArgInfo a) => a.Type is IrType.Int or IrType.IntArray ? "int" : real;

    private static string Rent(string element) => element switch
    {
        "int" => "RentInts",
        "float" => "RentSingles",
        _ => "RentDoubles",
    };
}
