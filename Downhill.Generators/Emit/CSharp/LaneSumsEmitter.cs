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
            e.Sum("LaneSumLoss", plan.Loss, [], string.Empty, []);
        }

        if (plan.Gradient.Unsupported is null)
        {
            e.Sum("LaneSumGradient", plan.Gradient, [Role.Seed, .. Repeat(Role.Output, p)], $", {e.real}[][] gradient", ["gradient"]);
        }

        if (plan.Tangent.Unsupported is null)
        {
            e.Sum("LaneSumTangent", plan.Tangent, [.. Repeat(Role.Tangent, p), Role.Along], $", {e.real}[][] tangent", []);
        }

        if (plan.Hessian.Unsupported is null)
        {
            e.Sum("LaneSumHessianVector", plan.Hessian, [Role.Seed, .. Repeat(Role.Tangent, p), .. Repeat(Role.Output, p), Role.Unused], $", {e.real}[][] tangent, {e.real}[][] product", ["product"]);
        }
    }

    private static IEnumerable<Role> Repeat(Role role, int count) => Enumerable.Repeat(role, count);

    private void Sum(string method, LaneProgram program, Role[] roles, string extraParameters, string[] outputArrays)
    {
        var f = program.Function;
        if (f.Params.Count != loss.Args.Count + roles.Length)
        {
            throw new InvalidOperationException($"{f.Name} has {f.Params.Count} parameters, expected {loss.Args.Count + roles.Length}.");
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
                    if (parameters[o].Arg.Type == IrType.RealArray)
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

        args.Add("__live");
        w.Line(tangent ? "double sum = 0, along = 0;" : "double sum = 0;");
        w.Line("int __end = batch.Offset + end;");
        w.Open($"for (int __row = batch.Offset + start; __row < __end; __row += {lanes})");
        w.Line($"int __n = global::System.Math.Min({lanes}, __end - __row);");
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

        if (tangent)
        {
            w.Line($"var __along = {vr}.Zero;");
        }

        if (roles.Contains(Role.Unused))
        {
            w.Line($"var __unused = {vr}.Zero;");
        }

        w.Line($"var __value = {program.LaneName}({string.Join(", ", args)});");
        w.Open("for (int __l = 0; __l < __n; __l++)");
        w.Line("sum += global::System.Runtime.Intrinsics.Vector256.GetElement(__value, __l);");
        if (tangent)
        {
            w.Line("along += global::System.Runtime.Intrinsics.Vector256.GetElement(__along, __l);");
        }

        w.Close();
        w.Close();
        for (int o = 0; o < outputK; o++)
        {
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
