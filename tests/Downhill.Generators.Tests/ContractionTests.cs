using Downhill.Generators.Ir;
using Downhill.Generators.Model;
using Downhill.Generators.Parse;
using Downhill.Generators.Transform;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Downhill.Generators.Tests;

/// <summary>
/// The dense-contraction analysis on the losses it is for: Fashion-MNIST's softmax regression and MLP and a
/// logistic regression, in the parsed loss (the forward layers) and in its adjoint (outer products into the
/// weight gradients, and the input adjoint of the MLP's hidden layer).
/// </summary>
public class ContractionTests
{
    private const string Source = """
        using Downhill;

        public static partial class Models
        {
            [Loss]
            public static float Softmax([Param] ReadOnlySpan<float> w, [Param] ReadOnlySpan<float> b, ReadOnlySpan<float> x, int label)
            {
                float[] z = new float[10];
                for (int k = 0; k < 10; k++)
                {
                    float s = b[k];
                    for (int i = 0; i < 784; i++)
                    {
                        s += w[k * 784 + i] * x[i];
                    }

                    z[k] = s;
                }

                return Fn.LogSumExp(z) - z[label];
            }

            [Loss]
            public static float Leaky([Param] ReadOnlySpan<float> w, ReadOnlySpan<float> x, int label)
            {
                float s = 0;
                float n = 0;
                for (int i = 0; i < 784; i++)
                {
                    s += w[i] * x[i];
                    n += x[i];
                }

                return s * n + label;
            }

            [Loss]
            public static float Mlp([Param] ReadOnlySpan<float> w1, [Param] ReadOnlySpan<float> b1, [Param] ReadOnlySpan<float> w2, [Param] ReadOnlySpan<float> b2, ReadOnlySpan<float> x, int label)
            {
                float[] h = new float[64];
                float[] z = new float[10];
                for (int j = 0; j < 64; j++)
                {
                    float s = b1[j];
                    for (int i = 0; i < 784; i++)
                    {
                        s += w1[j * 784 + i] * x[i];
                    }

                    h[j] = Fn.Relu(s);
                }

                for (int k = 0; k < 10; k++)
                {
                    float s = b2[k];
                    for (int j = 0; j < 64; j++)
                    {
                        s += w2[k * 64 + j] * h[j];
                    }

                    z[k] = s;
                }

                return Fn.LogSumExp(z) - z[label];
            }

            [Loss]
            public static double Logistic([Param] ReadOnlySpan<double> w, [Param] double b, ReadOnlySpan<double> x, int label)
            {
                double z = b;
                for (int i = 0; i < 784; i++)
                {
                    z += w[i] * x[i];
                }

                return label == 1 ? Fn.Softplus(-z) : Fn.Softplus(z);
            }

            [Loss]
            public static double Elementwise([Param] ReadOnlySpan<double> w, ReadOnlySpan<double> x)
            {
                double s = 0;
                for (int j = 0; j < 4; j++)
                {
                    for (int i = 0; i < 8; i++)
                    {
                        s += w[i] * x[j * 8 + i] + x[i];
                    }
                }

                return s;
            }
        }
        """;

    [Fact]
    public void Softmax_regression_is_one_matrix_vector_product_and_its_adjoint_one_outer_product()
    {
        var (loss, adjoint) = Programs("Softmax");
        Assert.Equal([new DenseContraction(ContractionKind.MatrixVector, "w", "784", "k", "i", "x", "s", "")], Find(loss));
        var backward = Find(adjoint);
        var outer = Assert.Single(backward, c => c.Kind == ContractionKind.OuterProduct);
        Assert.Equal(("w__adj", "784", "k", "i", "x"), (outer.Matrix, outer.Columns, outer.RowCounter, outer.ColumnCounter, outer.Vector));
        Assert.NotEmpty(outer.Factor);

        // x is data: without its adjoint (only [Param] derivatives) nothing accumulates into a varying vector.
        Assert.DoesNotContain(backward, c => c.Kind == ContractionKind.TransposedMatrixVector);
    }

    [Fact]
    public void The_mlp_has_both_layers_forward_and_the_hidden_layers_input_adjoint_backward()
    {
        var (loss, adjoint) = Programs("Mlp");

        // The second layer's loop variable j is the IR's j_1: the parser renames the second j of the method.
        Assert.Equal(
            [
                new DenseContraction(ContractionKind.MatrixVector, "w1", "784", "j", "i", "x", "s", ""),
                new DenseContraction(ContractionKind.MatrixVector, "w2", "64", "k", "j_1", "h", "s", ""),
            ],
            Find(loss).Select(c => c with { Accumulator = c.Accumulator.Length > 0 ? "s" : "" }));
        var backward = Find(adjoint);
        Assert.Equal(["w1__adj", "w2__adj"], backward.Where(c => c.Kind == ContractionKind.OuterProduct).Select(c => c.Matrix).Order());
        var input = Assert.Single(backward, c => c.Kind == ContractionKind.TransposedMatrixVector);
        Assert.Equal(("w2", "64", "k", "j_1"), (input.Matrix, input.Columns, input.RowCounter, input.ColumnCounter));
        Assert.Equal("h__adj", input.Vector);
    }

    [Fact]
    public void Logistic_regression_is_a_one_row_product()
    {
        var (loss, adjoint) = Programs("Logistic");
        Assert.Equal([new DenseContraction(ContractionKind.MatrixVector, "w", "", "", "i", "x", "z", "")], Find(loss).Select(c => c with { Accumulator = c.Accumulator.Length > 0 ? "z" : "" }));
        var backward = Find(adjoint);

        // The adjoint runs the forward sweep first: the product is found there again.
        Assert.Equal(ContractionKind.MatrixVector, Assert.Single(backward, c => c.Kind != ContractionKind.OuterProduct).Kind);
        var outer = Assert.Single(backward, c => c.Kind == ContractionKind.OuterProduct);
        Assert.Equal(("w__adj", "", "", "i", "x"), (outer.Matrix, outer.Columns, outer.RowCounter, outer.ColumnCounter, outer.Vector));
    }

    [Fact]
    public void A_loop_nest_that_is_not_a_contraction_is_not_reported()
    {
        // w[i] does not depend on the row, and x[j·8 + i] is the data, not the uniform matrix.
        var (loss, _) = Programs("Elementwise");
        Assert.Empty(Find(loss));
    }

    [Fact]
    public void The_MLPs_first_layer_lowers_to_two_matrix_products_and_its_second_layer_does_not()
    {
        // Layer 2 reads the hidden activations, a local: only the data rows' products can run over a tile.
        var (loss, _) = Programs("Mlp");
        var adjoint = GradientProgram("Mlp");
        var args = Args("Mlp");
        var forward = Contractions.Lower(loss, args)!;
        Assert.Equal([new LoweredProduct(ProductDirection.Forward, 0, 4, TileExtent.Of(784), false, "__mm0", "__mm0_rows", "__mm0_depth")], forward.Products);
        var gradient = Contractions.Lower(adjoint, args)!;
        Assert.Equal(
            [new LoweredProduct(ProductDirection.Forward, 0, 4, TileExtent.Of(784), false, "__mm0", "__mm0_rows", "__mm0_depth"),
             new LoweredProduct(ProductDirection.Backward, 0, 4, TileExtent.Of(784), false, "__mm1", "__mm1_rows", "__mm1_depth")],
            gradient.Products);

        // Each lowered loop stays, as the fallback of its site's check; the parameters follow the program's own.
        var branches = IrWalk.All(gradient.Function.Body).OfType<If>().Where(i => i.Else.Count == 1 && i.Else[0] is Loop).ToList();
        Assert.Equal(2, branches.Count);
        Assert.Equal([.. adjoint.Params.Select(p => p.Name), "__mm0", "__mm0_rows", "__mm0_depth", "__mm1", "__mm1_rows", "__mm1_depth"], gradient.Function.Params.Select(p => p.Name));
        Assert.Equal(ParamMode.SpanOut, gradient.Function.Params.Single(p => p.Name == "__mm1").Mode);
    }

    [Fact]
    public void A_logistic_regressions_dot_product_lowers_as_one_row()
    {
        var (loss, _) = Programs("Logistic");
        var products = Contractions.Lower(GradientProgram("Logistic"), Args("Logistic"))!.Products;
        Assert.Equal([ProductDirection.Forward, ProductDirection.Backward], products.Select(p => p.Direction));
        Assert.All(products, p => Assert.True(p.OneRow));
        Assert.Single(Contractions.Lower(loss, Args("Logistic"))!.Products);
    }

    [Fact]
    public void A_loop_that_also_computes_something_used_after_it_is_not_lowered()
    {
        // n += x[i] is live after the loop: replacing the loop by the product's column would lose it.
        var (loss, _) = Programs("Leaky");
        Assert.Single(Find(loss));
        Assert.Null(Contractions.Lower(loss, Args("Leaky")));
    }

    [Fact]
    public void The_analysis_is_an_equatable_model()
    {
        var (first, _) = Programs("Mlp");
        var (second, _) = Programs("Mlp");
        Assert.Equal(Contractions.Find(first, IsUniform), Contractions.Find(second, IsUniform));
    }

    private static bool IsUniform(string array) =>
        array is "w" or "b" or "w1" or "b1" or "w2" or "b2" || (array.EndsWith("__adj", StringComparison.Ordinal) && IsUniform(array[..^5]));

    private static DenseContraction[] Find(IrFunction function) => [.. Contractions.Find(function, IsUniform)];

    /// <summary>The gradient program as the generator builds it for the emitters (<see cref="DerivativePlan"/>'s way).</summary>
    private static IrFunction GradientProgram(string name)
    {
        var (loss, _) = Programs(name);
        var mask = Args(name).Select(a => a.Kind == ArgKind.Param).ToArray();
        var program = new DerivativeProgram([loss], loss.Name);
        return Simplify.Run(program.Get(program.Adjoint(loss.Name, mask)));
    }

    /// <summary>The loss's arguments as the generator models them ([Param] spans and scalars, data).</summary>
    private static ArgInfo[] Args(string name)
    {
        var tree = Harness.Parse(Source);
        var compilation = Harness.Compile([tree]);
        var model = compilation.GetSemanticModel(tree);
        var syntax = tree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>().Single(m => m.Identifier.Text == name);
        var method = (IMethodSymbol)model.GetDeclaredSymbol(syntax)!;
        return [.. method.Parameters.Select(p => new ArgInfo(
            p.Name,
            p.GetAttributes().Any(a => a.AttributeClass?.Name == "ParamAttribute") ? ArgKind.Param : ArgKind.Data,
            p.Type.SpecialType == SpecialType.System_Int32 ? IrType.Int : p.Type is INamedTypeSymbol { IsGenericType: true } ? IrType.RealArray : IrType.Real))];
    }

    /// <summary>The parsed loss and its simplified adjoint with respect to its [Param] arguments (what the emitters get).</summary>
    private static (IrFunction Loss, IrFunction Adjoint) Programs(string name)
    {
        var tree = Harness.Parse(Source);
        var compilation = Harness.Compile([tree]);
        var model = compilation.GetSemanticModel(tree);
        var syntax = tree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>().Single(m => m.Identifier.Text == name);
        var method = (IMethodSymbol)model.GetDeclaredSymbol(syntax)!;
        var parsed = IrParser.Parse(method, syntax, model, reportHelperDiagnostics: false, CancellationToken.None);
        var loss = parsed.Main ?? throw new InvalidOperationException($"{name} did not parse: {string.Join("; ", parsed.Diagnostics.Select(d => d.Id))}");
        bool[] mask = [.. method.Parameters.Select(p => p.GetAttributes().Any(a => a.AttributeClass?.Name == "ParamAttribute"))];
        var adjoint = Simplify.Run(AdjointTransform.Run(loss, mask, name + "__grad", (helper, _) => helper + "__adj"));
        return (loss, adjoint);
    }
}
