namespace Downhill.Hypergradients.Tests;

/// <summary>The exact representation and its information buffer (the checks of the paper's code, and more).</summary>
public class ExactArithmeticTests
{
    [Fact]
    public void Adding_then_subtracting_restores_the_value_exactly()
    {
        var rng = new Random(3);
        for (int k = 0; k < 1000; k++)
        {
            double a = (rng.NextDouble() - 0.5) * 100;
            double b = (rng.NextDouble() - 0.5) * 100;
            Assert.True(FixedPoint.TryFromDouble(a, out long x));
            Assert.True(FixedPoint.TryFromDouble(b, out long y));
            Assert.True(FixedPoint.TryAdd(x, y, out long s));
            Assert.True(FixedPoint.TryAdd(s, -y, out long back));
            Assert.Equal(x, back);
        }
    }

    [Fact]
    public void Conversion_truncates_toward_zero_and_refuses_values_out_of_range()
    {
        Assert.True(FixedPoint.TryFromDouble(-3 * Math.Pow(2, -53), out long negative));
        Assert.Equal(-1, negative);
        Assert.True(FixedPoint.TryFromDouble(3 * Math.Pow(2, -53), out long positive));
        Assert.Equal(1, positive);
        Assert.False(FixedPoint.TryFromDouble(2048, out _));
        Assert.False(FixedPoint.TryFromDouble(double.NaN, out _));
        Assert.True(FixedPoint.TryFromDouble(2047.999, out _));
        Assert.False(FixedPoint.TryAdd(long.MaxValue, 1, out _));
    }

    [Theory]
    [InlineData(0.5, 32769u)]
    [InlineData(0.9, 58983u)]
    [InlineData(0.99, 64881u)]
    [InlineData(0.0, 1u)]
    public void A_decay_is_the_rational_strictly_above_it(double beta, uint numerator)
    {
        Assert.Equal(numerator, ExactDecay.FromBeta(beta).Numerator);
        Assert.Throws<ArgumentOutOfRangeException>(() => ExactDecay.FromBeta(1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ExactDecay.FromBeta(-0.1));
    }

    [Fact]
    public void Random_pushes_and_pops_replayed_in_reverse_give_every_digit_back_and_empty_the_buffer()
    {
        var rng = new Random(11);
        using var buffer = new InformationBuffer(3);
        var log = new List<(bool Push, int Element, uint Digit, uint Radix)>();
        for (int k = 0; k < 5000; k++)
        {
            int e = rng.Next(3);
            uint radix = rng.Next(4) == 0 ? 1u << 16 : (uint)rng.Next(1, 65537);
            bool push = rng.Next(4) != 0;
            if (radix == 1u << 16 && rng.Next(2) == 0)
            {
                if (push)
                {
                    uint digit = (uint)rng.Next(65536);
                    buffer.Push16(e, digit);
                    log.Add((true, e, digit, 0));
                }
                else
                {
                    log.Add((false, e, buffer.Pop16(e), 0));
                }
            }
            else if (push)
            {
                uint digit = (uint)rng.Next((int)radix);
                buffer.Push(e, digit, radix);
                log.Add((true, e, digit, radix));
            }
            else
            {
                uint digit = buffer.Pop(e, radix);
                Assert.True(digit < radix);
                log.Add((false, e, digit, radix));
            }
        }

        Assert.True(buffer.Words > 100);
        for (int k = log.Count - 1; k >= 0; k--)
        {
            var (push, e, digit, radix) = log[k];
            if (push)
            {
                Assert.Equal(digit, radix == 0 ? buffer.Pop16(e) : buffer.Pop(e, radix));
            }
            else if (radix == 0)
            {
                buffer.Push16(e, digit);
            }
            else
            {
                buffer.Push(e, digit, radix);
            }
        }

        Assert.True(buffer.IsEmpty);
    }

    [Theory]
    [InlineData(0.95)]
    [InlineData(0.9)]
    [InlineData(0.5)]
    [InlineData(0.3)]
    [InlineData(0.999)]
    public void Multiplying_then_dividing_restores_velocities_of_both_signs(double beta)
    {
        var rng = new Random(5);
        double[] v = [.. Enumerable.Range(0, 64).Select(_ => (rng.NextDouble() - 0.5) * 4000)];
        using var state = new ExactState(["v"], [new double[64]], [v]);
        long[] before = (long[])state.Velocity[0].Clone();
        var decay = ExactDecay.FromBeta(beta);
        for (int t = 0; t < 50; t++)
        {
            state.Multiply(0, decay, t);
        }

        double expected = v[7] * Math.Pow(decay.Value, 50);
        Assert.Equal(expected, FixedPoint.ToDouble(state.Velocity[0][7]), 1e-9);
        for (int t = 0; t < 50; t++)
        {
            state.Divide(0, decay);
        }

        Assert.Equal(before, state.Velocity[0]);
        Assert.True(state.Buffer.IsEmpty);
    }

    [Fact]
    public void Two_hundred_random_decays_multiplied_then_divided_in_reverse_order_give_the_original_back()
    {
        var rng = new Random(8);
        double[] v = [.. Enumerable.Range(0, 16).Select(_ => rng.NextDouble() - 0.5)];
        using var state = new ExactState(["v"], [new double[16]], [v]);
        long[] before = (long[])state.Velocity[0].Clone();
        var decays = Enumerable.Range(0, 200).Select(_ => ExactDecay.FromBeta(rng.NextDouble())).ToArray();
        for (int t = 0; t < decays.Length; t++)
        {
            state.Multiply(0, decays[t], t);
        }

        for (int t = decays.Length - 1; t >= 0; t--)
        {
            state.Divide(0, decays[t]);
        }

        Assert.Equal(before, state.Velocity[0]);
        Assert.True(state.Buffer.IsEmpty);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.9)]
    [InlineData(0.99)]
    public void The_buffer_grows_by_log2_of_d_over_n_bits_per_multiply(double beta)
    {
        var rng = new Random(2);
        const int elements = 200;
        const int steps = 2000;
        double[] v = [.. Enumerable.Range(0, elements).Select(_ => rng.NextDouble() - 0.5)];
        using var state = new ExactState(["v"], [new double[elements]], [v]);
        var decay = ExactDecay.FromBeta(beta);
        for (int t = 0; t < steps; t++)
        {
            state.Multiply(0, decay, t);
            // Keep the velocities from decaying to zero, as training's gradient does: the digits stay random.
            for (int i = 0; i < elements; i++)
            {
                state.Add(state.Velocity[0], 0, i, (rng.NextDouble() - 0.5) * 1e-3, t, "velocity");
            }
        }

        double perStep = state.Buffer.Bits / elements / steps;
        double ideal = Math.Log2(ExactDecay.Denominator / (double)decay.Numerator);
        Assert.InRange(perStep / ideal, 0.95, 1.05);
    }

    [Fact]
    public void An_overflowing_velocity_names_the_parameter_the_element_and_the_step()
    {
        using var state = new ExactState(["w", "b"], [[0.0], [0.0, 0.0]], [[0.0], [0.0, 2000.0]]);
        var e = Assert.Throws<FixedPointOverflowException>(() => state.Add(state.Velocity[1], 1, 1, 100.0, 7, "velocity"));
        Assert.Equal("b", e.Parameter);
        Assert.Equal(1, e.Element);
        Assert.Equal(7, e.Step);
        Assert.Contains("smaller learning rate", e.Message, StringComparison.Ordinal);
    }
}
