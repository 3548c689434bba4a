using System.Text.RegularExpressions;
using Downhill.Generators.Ir;
using Downhill.Generators.Model;
using Downhill.Generators.Transform;

namespace Downhill.Generators.Tests;

/// <summary>
/// The op table (Ir/OpInfo.cs) is complete: every <see cref="Op"/> has a record, a spelling for every target and
/// element type that uses exactly its arguments, source names that read back as itself, and, where it is
/// differentiated, a derivative rule. A new operation missing from any of these fails here, not as a
/// <c>default: throw</c> in a user's build.
/// </summary>
public class OpTableTests
{
    /// <summary>Every operation's name (Op itself is internal to the generator, so the theories take names).</summary>
    public static TheoryData<string> AllOps()
    {
        var data = new TheoryData<string>();
        foreach (var op in Enum.GetNames<Op>())
        {
            data.Add(op);
        }

        return data;
    }

    [Fact]
    public void TheTableHasOneRecordPerOpInOrder()
    {
        var ops = Enum.GetValues<Op>();
        Assert.Equal(ops.Length, OpInfo.All.Count);
        for (int k = 0; k < ops.Length; k++)
        {
            Assert.NotNull(OpInfo.All[k]);
            Assert.Equal(ops[k], OpInfo.All[k].Op);
        }
    }

    [Theory]
    [MemberData(nameof(AllOps))]
    public void EveryTargetSpellsTheOpWithExactlyItsArguments(string name)
    {
        var op = Enum.Parse<Op>(name);
        var info = OpInfo.Of(op);
        Assert.InRange(info.Arity, 1, 3);
        var spellings = new (string Target, string? Text)[]
        {
            ("C# double", info.CSharp.Double), ("C# float", info.CSharp.Float), ("C# int", info.CSharp.Int),
            ("CUDA double", info.Cuda.Double), ("CUDA float", info.Cuda.Float), ("CUDA int", info.Cuda.Int),
        };
        foreach (var (target, text) in spellings)
        {
            if (text is null)
            {
                // Only the integer spelling may be absent (the element type's spelling serves integers too).
                Assert.EndsWith(" int", target, StringComparison.Ordinal);
                continue;
            }

            var used = Regex.Matches(text, @"\{(\d+)\}").Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).Distinct().Order().ToArray();
            Assert.True(Enumerable.Range(0, info.Arity).SequenceEqual(used), $"{op}: the {target} spelling '{text}' does not use exactly the arguments 0..{info.Arity - 1}");

            // A valid composite format: no stray brace (string.Format throws on one).
            Assert.NotEmpty(string.Format(System.Globalization.CultureInfo.InvariantCulture, text, Enumerable.Range(0, info.Arity).Select(k => (object)("x" + k)).ToArray()));
        }

        // Float and double differ exactly where a library function has a float form.
        if (info.CSharp.Double.Contains("System.Math.", StringComparison.Ordinal))
        {
            Assert.Contains("System.MathF.", info.CSharp.Float, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(AllOps))]
    public void SourceNamesReadBackAsTheOp(string name)
    {
        var op = Enum.Parse<Op>(name);
        var info = OpInfo.Of(op);
        if (info.MathName is { } math)
        {
            Assert.Equal(op, OpInfo.FromMath(math, info.Arity));
        }

        if (info.FnName is { } fn)
        {
            Assert.Equal(op, OpInfo.FromFn(fn, info.Arity));
        }
    }

    [Theory]
    [MemberData(nameof(AllOps))]
    public void EveryDifferentiatedOpHasADerivativeRule(string name)
    {
        var op = Enum.Parse<Op>(name);
        var info = OpInfo.Of(op);

        // A load's derivative is an access of the array's adjoint or tangent, which each transformation writes itself.
        if (!info.Differentiable || op == Op.Load)
        {
            return;
        }

        var parameters = new[] { new IrParam("c", IrType.Bool, ParamMode.In), new IrParam("a", IrType.Real, ParamMode.In), new IrParam("b", IrType.Real, ParamMode.In) };
        var builder = new IrBuilder(parameters, [new IrLocal("y", IrType.Real)], "__t");
        var args = op == Op.Select ? new[] { Atom.Of("c"), Atom.Of("a"), Atom.Of("b") } : new[] { Atom.Of("a"), Atom.Of("b") }.Take(info.Arity).ToArray();

        var partials = Rules.Partials(builder, op, new EquatableArray<Atom>(args), Atom.Of("y"), _ => true);

        Assert.Equal(info.Arity, partials.Length);
        for (int k = op == Op.Select ? 1 : 0; k < info.Arity; k++)
        {
            Assert.True(partials[k] is not null, $"{op} has no partial for argument {k}");
        }
    }

    [Fact]
    public void TheDerivedPredicatesReadTheTable()
    {
        Assert.True(Rules.IsCall(Op.Exp));
        Assert.False(Rules.IsCall(Op.Sqrt));
        Assert.False(Rules.IsDifferentiable(Op.Floor));
        Assert.True(Rules.IsDifferentiable(Op.Select));
        Assert.All(OpInfo.All, i => Assert.Equal(i.IsCall, Rules.IsCall(i.Op)));
        Assert.All(OpInfo.All, i => Assert.Equal(i.Differentiable, Rules.IsDifferentiable(i.Op)));
    }
}
