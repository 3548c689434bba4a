using System.Collections.Generic;
using System.Linq;
using Downhill.Generators.Ir;
using Downhill.Generators.Model;
using Downhill.Generators.Transform;

namespace Downhill.Generators.Emit;

// The descriptor's batch sums (ILossModel's Sum* methods): the per-example loops, kept as the PerExample model
// that the lane code is checked against, and the dispatch to the lane sums where lane code runs.
internal sealed partial class DescriptorEmitter
{
    private void Sums()
    {
        string head = $"{real}[][] parameters, {real}[] hypers, in global::Downhill.DataBatch batch, int start, int end";
        void Loop(string statement)
        {
            w.Open("for (int r = batch.Offset + start; r < batch.Offset + end; r++)");
            w.Line(statement);
            w.Close();
        }

        void DataOutputs(string source)
        {
            for (int k = 0; k < data.Count; k++)
            {
                if (data[k].Arg.Type is IrType.Real or IrType.RealArray)
                {
                    w.Line($"var g{k} = {source}[{k}] ?? throw new global::System.ArgumentException(\"An output array is needed for the data column '{data[k].Arg.Name}'.\", nameof({source}));");
                }
            }
        }

        w.Line("/// <inheritdoc/>");
        w.Open($"public double SumLoss({head})");
        Prologue();
        w.Line("double sum = 0;");
        Loop($"sum += {Own(name)}({RowArgs()});");
        w.Line("return sum;");
        w.Close();
        w.Line();

        w.Line("/// <inheritdoc/>");
        w.Open($"public double SumGradient({head}, {real}[][] gradient)");
        Prologue();
        w.Line("double sum = 0;");
        Loop($"sum += {Own(name + "Gradient")}({Join(RowArgs(), Outputs("gradient", false, string.Empty, string.Empty))});");
        w.Line("return sum;");
        w.Close();
        w.Line();

        w.Line("/// <inheritdoc/>");
        w.Open($"public (double Loss, double Tangent) SumTangent({head}, {real}[][] tangent)");
        Prologue();
        w.Line("double sum = 0, along = 0;");
        w.Open("for (int r = batch.Offset + start; r < batch.Offset + end; r++)");
        w.Line($"var (value, slope) = {Own(name + "Tangent")}({Join(RowArgs(), Tangents("tangent"))});");
        w.Line("sum += value;");
        w.Line("along += slope;");
        w.Close();
        w.Line("return (sum, along);");
        w.Close();
        w.Line();

        w.Line("/// <inheritdoc/>");
        w.Open($"public double SumHessianVector({head}, {real}[][] tangent, {real}[][] product)");
        Prologue();
        w.Line("double sum = 0;");
        Loop($"sum += {Own(name + "HessianVector")}({Join(RowArgs(), Tangents("tangent"), Outputs("product", false, string.Empty, string.Empty))});");
        w.Line("return sum;");
        w.Close();
        w.Line();

        w.Line("/// <inheritdoc/>");
        w.Open($"public double SumGradientFull({head}, {real}[][] gradient, {real}[] hyperGradient, {real}[]?[] dataGradient)");
        Prologue();
        DataOutputs("dataGradient");
        w.Line("double sum = 0;");
        Loop($"sum += {Own(name + "GradientFull")}({Join(RowArgs(), Outputs("gradient", true, "hyperGradient", "g"))});");
        w.Line("return sum;");
        w.Close();
        w.Line();

        w.Line("/// <inheritdoc/>");
        w.Open($"public double SumHessianVectorFull({head}, {real}[][] tangent, {real}[][] product, {real}[] hyperProduct, {real}[]?[] dataProduct)");
        Prologue();
        DataOutputs("dataProduct");
        w.Line("double sum = 0;");
        Loop($"sum += {Own(name + "HessianVectorFull")}({Join(RowArgs(), Tangents("tangent"), Outputs("product", true, "hyperProduct", "g"))});");
        w.Line("return sum;");
        w.Close();
        w.Line();

        w.Line("/// <inheritdoc/>");
        w.Open($"public void SumMonitors({head}, global::System.Span<double> sums)");
        if (loss.Monitors.Count > 0)
        {
            Prologue();
            string paramArgs = string.Join(", ", parameters.Select((p, k) => p.Arg.Type == IrType.RealArray ? $"p{k}" : $"p{k}[0]"));
            for (int k = 0; k < loss.Monitors.Count; k++)
            {
                var m = loss.Monitors[k];
                if (m.ParamsOnly)
                {
                    w.Line($"sums[{k}] += (double){Own(m.MethodName)}({paramArgs}) * (end - start);");
                }
            }

            if (loss.Monitors.Any(m => !m.ParamsOnly))
            {
                w.Open("for (int r = batch.Offset + start; r < batch.Offset + end; r++)");
                for (int k = 0; k < loss.Monitors.Count; k++)
                {
                    var m = loss.Monitors[k];
                    if (!m.ParamsOnly)
                    {
                        w.Line($"sums[{k}] += {Own(m.MethodName)}({RowArgs()});");
                    }
                }

                w.Close();
            }
        }

        w.Close();
        w.Line();
    }

    /// <summary>The per-example sums in a nested model of their own, reachable as <c>PerExample</c>.</summary>
    private void PerExampleModel()
    {
        w.Line("/// <summary>The same loss summed one example at a time (the generated per-example methods, row by row): what the batched sums are checked against, and what runs where 256-bit vectors are not hardware accelerated.</summary>");
        w.Line($"public static global::Downhill.ILossModel<{real}> PerExample {{ get; }} = new PerExampleModel();");
        w.Line();
        w.Line(LossEmitter.GeneratedCode);
        w.Open($"private sealed class PerExampleModel : global::Downhill.ILossModel<{real}>");
        w.Line("/// <inheritdoc/>");
        w.Line("public global::Downhill.LossSchema Schema => SchemaValue;");
        w.Line();
        Sums();
        w.Close();
        w.Line();
    }

    /// <summary>
    /// The descriptor's sums: the lane programs (one example per SIMD lane) where lane code runs the program and
    /// 256-bit vectors are hardware accelerated, else the per-example sums; the full variants and monitors are per example.
    /// </summary>
    private void BatchedSums()
    {
        string head = $"{real}[][] parameters, {real}[] hypers, in global::Downhill.DataBatch batch, int start, int end";
        string args = "parameters, hypers, in batch, start, end";
        void Dispatch(string result, string method, string extra, string extraArgs, LaneProgram? program)
        {
            bool batched = program is { Unsupported: null };
            if (program?.Unsupported is { } reason)
            {
                w.Line($"// Per example only: lane code does not run {reason}.");
            }

            w.Line("/// <inheritdoc/>");
            string perExample = $"PerExample.{method}({args}{extraArgs})";
            if (batched && CSharp.CSharpLaneEmitter.HandsFailingRowsBack(program!))
            {
                // Some row of a block failed a check: the rows per example say which fails first, and how.
                w.Open($"public {result} {method}({head}{extra})");
                w.Open("if (global::System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated)");
                w.Open("try");
                w.Line($"return Lane{method}({args}{extraArgs});");
                w.Close();
                w.Open("catch (global::Downhill.Internal.LaneRowThrewException)");
                w.Close();
                w.Close();
                w.Line();
                w.Line($"return {perExample};");
                w.Close();
                w.Line();
                return;
            }

            w.Line(batched
                ? $"public {result} {method}({head}{extra}) => global::System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated ? Lane{method}({args}{extraArgs}) : {perExample};"
                : $"public {result} {method}({head}{extra}) => {perExample};");
            w.Line();
        }

        Dispatch("double", "SumLoss", string.Empty, string.Empty, lanes.Loss);
        Dispatch("double", "SumGradient", $", {real}[][] gradient", ", gradient", lanes.Gradient);
        Dispatch("(double Loss, double Tangent)", "SumTangent", $", {real}[][] tangent", ", tangent", lanes.Tangent);
        Dispatch("double", "SumHessianVector", $", {real}[][] tangent, {real}[][] product", ", tangent, product", lanes.Hessian);
        Dispatch("double", "SumGradientFull", $", {real}[][] gradient, {real}[] hyperGradient, {real}[]?[] dataGradient", ", gradient, hyperGradient, dataGradient", null);
        Dispatch("double", "SumHessianVectorFull", $", {real}[][] tangent, {real}[][] product, {real}[] hyperProduct, {real}[]?[] dataProduct", ", tangent, product, hyperProduct, dataProduct", null);
        w.Line("/// <inheritdoc/>");
        w.Line($"public void SumMonitors({head}, global::System.Span<double> sums) => PerExample.SumMonitors({args}, sums);");
        w.Line();
        CSharp.LaneSumsEmitter.Emit(loss, lanes, w);
    }
}
