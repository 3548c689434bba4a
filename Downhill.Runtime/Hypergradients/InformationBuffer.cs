using System.Buffers;

namespace Downhill.Hypergradients;

/// <summary>
/// The information an exact multiply by a rational n/d destroys, kept so that the multiply can be undone
/// (Maclaurin, Duvenaud &amp; Adams 2015, section 3: "exact representation of learning dynamics"). The paper keeps a
/// mixed-radix big integer per element, pushing a digit with s ← s·M + N and popping it with N = s mod M,
/// s ← s div M; a division of the whole integer per multiply is what makes that slow. Here each element is a
/// range-ANS coder instead (Duda 2013): a 64-bit state in [2^32, 2^64) that spills its low 32 bits to one shared,
/// pooled word stack when a push would overflow it and refills from the stack when a pop takes it below 2^32.
/// A digit in base 2^16 is coded with probability 2^-16 (16 bits exactly); a digit in base n with the n slots of
/// [0, 2^32) split as evenly as integers allow (within 2^-16 of log2 n bits). Both are exact bijections on
/// (states, stack), so every push is undone by the matching pop and every pop by the matching push, as long as
/// the operations are replayed in exactly the reverse order (elements included); the net growth of a multiply is
/// log2(d/n) bits per element, as for the paper's big integers.
/// </summary>
/// <remarks>
/// The stack stands on an endless floor of zero words: a pop from an empty stack reads 0, and pushing 0 onto an
/// empty stack stores nothing, so a coder that starts by popping is still exactly reversible.
/// </remarks>
public sealed class InformationBuffer : IDisposable
{
    /// <summary>The state of an element that holds no information: the bottom of the interval [2^32, 2^64).</summary>
    public const ulong EmptyState = 1UL << 32;

    private const ulong Low32 = 0xFFFF_FFFFUL;
    private readonly ulong[] states;
    private uint[] words;
    private long count;

    /// <summary>A buffer for <paramref name="elements"/> elements, all empty.</summary>
    public InformationBuffer(int elements)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(elements);
        states = new ulong[elements];
        Array.Fill(states, EmptyState);
        words = ArrayPool<uint>.Shared.Rent(1024);
    }

    /// <summary>The number of elements.</summary>
    public int Elements => states.Length;

    /// <summary>32-bit words spilled to the stack.</summary>
    public long Words => count;

    /// <summary>True when every element's state is empty and no word is stored: everything pushed has been popped.</summary>
    public bool IsEmpty => count == 0 && Array.TrueForAll(states, s => s == EmptyState);

    /// <summary>
    /// The information held, in bits: 32 per spilled word plus log2(state / 2^32) per element (0 when empty).
    /// </summary>
    public double Bits
    {
        get
        {
            double bits = 32.0 * count;
            foreach (ulong s in states)
            {
                bits += Math.Log2(s) - 32;
            }

            return bits;
        }
    }

    /// <summary>Bytes of memory the buffer holds: 8 per element state and 4 per spilled word.</summary>
    public long Bytes => 8L * states.Length + 4L * count;

    /// <summary>Pushes a 16-bit digit <paramref name="digit"/> (base 2^16) onto element <paramref name="element"/>.</summary>
    public void Push16(int element, uint digit)
    {
        ulong x = states[element];
        // Keep x·2^16 + digit below 2^64: an element at or above 2^48 spills its low word first.
        if (x >= 1UL << 48)
        {
            Spill((uint)(x & Low32));
            x >>= 32;
        }

        states[element] = (x << 16) | digit;
    }

    /// <summary>Pops a 16-bit digit (base 2^16) from element <paramref name="element"/>: the inverse of <see cref="Push16"/>.</summary>
    public uint Pop16(int element)
    {
        ulong x = states[element];
        uint digit = (uint)(x & 0xFFFF);
        x >>= 16;
        if (x < EmptyState)
        {
            x = (x << 32) | Refill();
        }

        states[element] = x;
        return digit;
    }

    /// <summary>Pushes a digit in [0, <paramref name="radix"/>) onto element <paramref name="element"/> (radix 1 to 2^16).</summary>
    public void Push(int element, uint digit, uint radix)
    {
        if (radix == 1)
        {
            return;
        }

        ulong start = Slot(digit, radix);
        ulong frequency = Slot(digit + 1, radix) - start;
        ulong x = states[element];
        // rANS renormalization: the state must be below frequency·2^32 for the coded state to stay below 2^64.
        if (x >= frequency << 32)
        {
            Spill((uint)(x & Low32));
            x >>= 32;
        }

        states[element] = ((x / frequency) << 32) + (x % frequency) + start;
    }

    /// <summary>Pops a digit in [0, <paramref name="radix"/>) from element <paramref name="element"/>: the inverse of <see cref="Push"/>.</summary>
    public uint Pop(int element, uint radix)
    {
        if (radix == 1)
        {
            return 0;
        }

        ulong x = states[element];
        ulong slot = x & Low32;
        // The digit whose slots [floor(r·2^32/n), floor((r+1)·2^32/n)) contain the slot.
        uint digit = (uint)((((slot + 1) * radix) - 1) >> 32);
        ulong start = Slot(digit, radix);
        ulong frequency = Slot(digit + 1, radix) - start;
        x = (frequency * (x >> 32)) + slot - start;
        if (x < EmptyState)
        {
            x = (x << 32) | Refill();
        }

        states[element] = x;
        return digit;
    }

    /// <summary>Returns the word stack to the pool.</summary>
    public void Dispose()
    {
        if (words.Length > 0)
        {
            ArrayPool<uint>.Shared.Return(words);
            words = [];
        }
    }

    /// <summary>The first of digit r's slots among the 2^32 slots split over <paramref name="radix"/> digits.</summary>
    private static ulong Slot(uint digit, uint radix) => ((ulong)digit << 32) / radix;

    private void Spill(uint word)
    {
        if (count == 0 && word == 0)
        {
            return;
        }

        if (count == words.Length)
        {
            uint[] larger = ArrayPool<uint>.Shared.Rent(checked(words.Length * 2));
            words.AsSpan().CopyTo(larger);
            ArrayPool<uint>.Shared.Return(words);
            words = larger;
        }

        words[count++] = word;
    }

    private uint Refill() => count == 0 ? 0 : words[--count];
}
