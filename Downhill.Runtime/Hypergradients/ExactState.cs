namespace Downhill.Hypergradients;

/// <summary>
/// Thrown when a value of an exact run leaves the fixed-point range |x| &lt; 2048 (or is not finite). Never a wrap:
/// the run stops and names the parameter, the element and the step.
/// </summary>
public sealed class FixedPointOverflowException : OverflowException
{
    /// <summary>Creates the exception for <paramref name="parameter"/>[<paramref name="element"/>] at <paramref name="step"/>.</summary>
    public FixedPointOverflowException(string quantity, string parameter, int element, int step, double value)
        : base($"The {quantity} of parameter '{parameter}', element {element}, left the exact fixed-point range |x| < 2048 at step {step} (value {value.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}). Use a smaller learning rate or a smaller initial scale.")
    {
        Quantity = quantity;
        Parameter = parameter;
        Element = element;
        Step = step;
    }

    /// <summary>Creates the exception with a message.</summary>
    public FixedPointOverflowException()
        : base("A value left the exact fixed-point range |x| < 2048.")
    {
        Quantity = Parameter = string.Empty;
    }

    /// <summary>Creates the exception with a message.</summary>
    public FixedPointOverflowException(string message)
        : base(message)
    {
        Quantity = Parameter = string.Empty;
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public FixedPointOverflowException(string message, Exception innerException)
        : base(message, innerException)
    {
        Quantity = Parameter = string.Empty;
    }

    /// <summary>"value", "velocity" or the quantity that overflowed.</summary>
    public string Quantity { get; }

    /// <summary>The parameter's name.</summary>
    public string Parameter { get; }

    /// <summary>The element within the parameter.</summary>
    public int Element { get; }

    /// <summary>The step (0-based) at which it overflowed.</summary>
    public int Step { get; }
}

/// <summary>
/// The parameters θ and velocities v of an exact SGD-with-momentum run, one fixed-point array per parameter
/// (see <see cref="FixedPoint"/>), and the <see cref="InformationBuffer"/> that makes the velocity's decay
/// reversible. Only velocities are multiplied; parameters only add.
/// </summary>
public sealed class ExactState : IDisposable
{
    private readonly string[] names;
    private readonly int[] offsets;

    /// <summary>Holds <paramref name="values"/> and <paramref name="velocities"/> truncated to the 2^-52 grid.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is not finite or |x| ≥ 2048; the message names it.</exception>
    public ExactState(IReadOnlyList<string> names, double[][] values, double[][] velocities)
    {
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(velocities);
        this.names = [.. names];
        Theta = ToFixed(values, nameof(values));
        Velocity = ToFixed(velocities, nameof(velocities));
        offsets = new int[Theta.Length];
        int total = 0;
        for (int p = 0; p < Theta.Length; p++)
        {
            offsets[p] = total;
            total += Theta[p].Length;
        }

        Buffer = new InformationBuffer(total);
    }

    /// <summary>θ: value·2^52 per element, one array per parameter.</summary>
    public long[][] Theta { get; }

    /// <summary>v: value·2^52 per element, one array per parameter.</summary>
    public long[][] Velocity { get; }

    /// <summary>The bits the velocity's multiplies destroyed.</summary>
    public InformationBuffer Buffer { get; }

    /// <summary>v ← (n/d)·v exactly for parameter <paramref name="p"/>: push v mod d (base d), v ← ⌊v/d⌋·n + pop (base n).</summary>
    public void Multiply(int p, ExactDecay decay, int step)
    {
        long[] v = Velocity[p];
        long n = decay.Numerator;
        int e = offsets[p];
        for (int i = 0; i < v.Length; i++, e++)
        {
            long x = v[i];
            Buffer.Push16(e, (uint)(x & 0xFFFF));
            long q = x >> 16;
            long r = Buffer.Pop(e, decay.Numerator);
            // |q·n| ≤ |x|, so only the added digit can overflow (n = d, x near the top of the range).
            if (!FixedPoint.TryAdd(q * n, r, out v[i]))
            {
                throw new FixedPointOverflowException("velocity", names[p], i, step, FixedPoint.ToDouble(x));
            }
        }
    }

    /// <summary>The exact inverse of <see cref="Multiply"/>, elements in reverse order: push v mod n (base n), v ← ⌊v/n⌋·d + pop (base d).</summary>
    public void Divide(int p, ExactDecay decay)
    {
        long[] v = Velocity[p];
        int e = offsets[p] + v.Length - 1;
        for (int i = v.Length - 1; i >= 0; i--, e--)
        {
            long q = FixedPoint.FloorDivRem(v[i], decay.Numerator, out long r);
            Buffer.Push(e, (uint)r, decay.Numerator);
            v[i] = (q << 16) | Buffer.Pop16(e);
        }
    }

    /// <summary>x ← x + fix(delta) for element <paramref name="i"/> of <paramref name="target"/>'s parameter <paramref name="p"/>; the same call with −delta undoes it.</summary>
    public void Add(long[] target, int p, int i, double delta, int step, string quantity)
    {
        if (!FixedPoint.TryFromDouble(delta, out long d) || !FixedPoint.TryAdd(target[i], d, out long sum))
        {
            throw new FixedPointOverflowException(quantity, names[p], i, step, FixedPoint.ToDouble(target[i]) + delta);
        }

        target[i] = sum;
    }

    /// <summary>The values as doubles (nearest), written to <paramref name="into"/>.</summary>
    public static void ToDoubles(long[][] values, double[][] into)
    {
        for (int p = 0; p < values.Length; p++)
        {
            for (int i = 0; i < values[p].Length; i++)
            {
                into[p][i] = FixedPoint.ToDouble(values[p][i]);
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose() => Buffer.Dispose();

    private long[][] ToFixed(double[][] arrays, string argument)
    {
        if (arrays.Length != names.Length)
        {
            throw new ArgumentException($"Expected {names.Length} arrays (one per parameter), got {arrays.Length}.", argument);
        }

        var result = new long[arrays.Length][];
        for (int p = 0; p < arrays.Length; p++)
        {
            result[p] = new long[arrays[p].Length];
            for (int i = 0; i < arrays[p].Length; i++)
            {
                if (!FixedPoint.TryFromDouble(arrays[p][i], out result[p][i]))
                {
                    throw new ArgumentOutOfRangeException(argument, arrays[p][i], $"Parameter '{names[p]}', element {i}: exact runs hold values with |x| < 2048 (and finite); use a smaller initial scale.");
                }
            }
        }

        return result;
    }
}
