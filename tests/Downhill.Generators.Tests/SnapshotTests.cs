namespace Downhill.Generators.Tests;

/// <summary>The whole generated output for a handful of losses, against committed snapshots (Snapshots/*.verified.cs).</summary>
public class SnapshotTests
{
    private static void VerifyGenerated(string name, string source)
    {
        var run = Harness.Run(source);
        Assert.Empty(run.GeneratorDiagnostics.Where(d => d.Severity > Microsoft.CodeAnalysis.DiagnosticSeverity.Info));
        Assert.Empty(run.OutputProblems());
        Snapshot.Verify(name, run.GeneratedText());
    }

    [Fact]
    public void SquaredLossOfTwoScalarParameters() => VerifyGenerated("Squared", """
        using Downhill;

        namespace Sample;

        public static partial class House
        {
            [Loss]
            public static double Squared([Param] double m, [Param] double b, double x, double y)
            {
                double e = m * x + b - y;
                return e * e;
            }
        }
        """);

    [Fact]
    public void LogisticWithSpanParameterLoopAndIntLabel() => VerifyGenerated("Logistic", """
        using Downhill;

        namespace Sample;

        internal static partial class Classifier
        {
            [Loss]
            internal static double Logistic([Param] ReadOnlySpan<double> w, [Param] double b, ReadOnlySpan<double> x, int label)
            {
                double z = b;
                for (int i = 0; i < w.Length; i++)
                {
                    z += w[i] * x[i];
                }

                return label == 1 ? Fn.Softplus(-z) : Fn.Softplus(z);
            }
        }
        """);

    [Fact]
    public void TanhRecurrenceInALoop() => VerifyGenerated("Recurrence", """
        using Downhill;

        namespace Sample;

        public static partial class Sequence
        {
            // Tanh in a loop: forward mode computes it and its tangent in one helper (DualAssign).
            [Loss]
            public static double Recurrence([Param] ReadOnlySpan<double> w, [Param] double s0, ReadOnlySpan<double> x)
            {
                double s = s0;
                for (int i = 0; i < x.Length; i++)
                {
                    s = Math.Tanh(s * x[i] + w[i]);
                }

                return s * s;
            }
        }
        """);

    [Fact]
    public void CudaSourceOfATanhRecurrence()
    {
        // The CUDA translation unit alone (docs/cuda.md): device functions with a bounded tape, kernels, host wrappers.
        var run = Harness.Run("""
            using Downhill;

            namespace Sample;

            public static partial class Sequence
            {
                [Loss]
                public static double Recurrence([Param] ReadOnlySpan<double> w, [Param] double s0, ReadOnlySpan<double> x)
                {
                    double s = s0;
                    for (int i = 0; i < x.Length; i++)
                    {
                        s = Math.Tanh(s * x[i] + w[i]);
                    }

                    return s * s;
                }
            }
            """);
        Assert.Empty(run.GeneratorDiagnostics);
        var tree = Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText(run.GeneratedText());
        var property = tree.GetRoot().DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.PropertyDeclarationSyntax>().Single(p => p.Identifier.Text == "CudaSource");
        var literal = (Microsoft.CodeAnalysis.CSharp.Syntax.LiteralExpressionSyntax)property.Initializer!.Value;
        Snapshot.Verify("Recurrence.cuda", literal.Token.ValueText, extension: ".cu");
    }

    [Fact]
    public void RidgeWithHyperparameter() => VerifyGenerated("Ridge", """
        using Downhill;

        public static partial class Regression
        {
            [Loss]
            public static double Ridge([Param] ReadOnlySpan<double> w, [Hyper] double lambda, ReadOnlySpan<double> x, double y)
            {
                double e = -y;
                double norm = 0.0;
                for (int i = 0; i < 3; i++)
                {
                    e += w[i] * x[i];
                    norm += w[i] * w[i];
                }

                return 0.5 * e * e + lambda * norm;
            }
        }
        """);

    [Fact]
    public void RosenbrockObjectiveInFloat() => VerifyGenerated("RosenbrockFloat", """
        using Downhill;

        public static partial class Objectives
        {
            [Loss]
            public static float Rosenbrock([Param] float x, [Param] float y)
            {
                float a = y - x * x;
                float b = 1f - x;
                return 100f * a * a + b * b;
            }
        }
        """);

    /// <summary>A helper writing into the caller's scratch array, with a uniform and a varying check: expanded into the lane programs.</summary>
    [Fact]
    public void LossCallingACheckedInPlaceHelperRunsItOverLanes() => VerifyGenerated("CheckedHelper", """
        using System;
        using Downhill;

        public static class Scaling
        {
            [Differentiable]
            public static void Scale(ReadOnlySpan<double> x, double a, Span<double> result)
            {
                if (x.Length != result.Length)
                {
                    throw new ArgumentException("Scale: x and the result must have one length.");
                }

                for (int i = 0; i < x.Length; i++)
                {
                    if (x[i] < 0)
                    {
                        throw new ArgumentException("Scale: x must not be negative.");
                    }

                    result[i] = a * Math.Sqrt(x[i]);
                }
            }
        }

        public static partial class Losses
        {
            [Loss]
            public static double ScaledProduct([Param] double a, ReadOnlySpan<double> x)
            {
                double[] y = new double[2];
                Scaling.Scale(x, a, y);
                return y[0] * y[1];
            }
        }
        """);

    [Fact]
    public void LossCallingARecursiveHelperWithScratchArray() => VerifyGenerated("RecursiveHelper", """
        using Downhill;

        public static class Poly
        {
            [Differentiable]
            public static double Power(double x, int n)
            {
                if (n == 0)
                {
                    return 1.0;
                }

                return x * Power(x, n - 1);
            }
        }

        public static partial class Losses
        {
            [Loss]
            public static double Series([Param] ReadOnlySpan<double> c, double x)
            {
                double[] terms = new double[3];
                for (int k = 0; k < 3; k++)
                {
                    terms[k] = c[k] * Poly.Power(x, k);
                }

                double s = 0.0;
                int j = 0;
                while (j < 3)
                {
                    s += terms[j];
                    j++;
                }

                return Math.Exp(s);
            }
        }
        """);
}
