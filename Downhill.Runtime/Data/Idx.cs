using System.Buffers.Binary;
using System.IO.Compression;
using System.Numerics;

namespace Downhill;

/// <summary>
/// Reads IDX files (LeCun et al., the MNIST and Fashion-MNIST format): a big-endian header (two zero bytes, a type
/// byte, the number of dimensions, then each dimension as a big-endian int32) followed by the data. Files ending in
/// <c>.gz</c> (or starting with the gzip magic) are decompressed on the fly.
/// </summary>
public static class Idx
{
    /// <summary>
    /// Reads an unsigned-byte IDX file of N items of any shape (MNIST images: N×28×28) as N rows, each pixel scaled to
    /// [0, 1] (byte / 255).
    /// </summary>
    /// <exception cref="InvalidDataException">Not an IDX file of unsigned bytes, or truncated.</exception>
    public static T[,] ReadImages<T>(string path)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        (int[] dims, byte[] data) = ReadBytes(path);
        int rows = dims[0];
        int width = dims.Skip(1).Aggregate(1, (a, b) => checked(a * b));
        var result = new T[rows, width];
        T scale = T.One / T.CreateTruncating(255);
        int k = 0;
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < width; j++)
            {
                result[i, j] = T.CreateTruncating(data[k++]) * scale;
            }
        }

        return result;
    }

    /// <summary>Reads a 1-D unsigned-byte IDX file (MNIST labels) as integers.</summary>
    /// <exception cref="InvalidDataException">Not a 1-D IDX file of unsigned bytes, or truncated.</exception>
    public static int[] ReadLabels(string path)
    {
        (int[] dims, byte[] data) = ReadBytes(path);
        if (dims.Length != 1)
        {
            throw new InvalidDataException($"'{path}': labels must be a 1-D IDX file; it has {dims.Length} dimensions.");
        }

        return [.. data.Select(b => (int)b)];
    }

    private static (int[] Dims, byte[] Data) ReadBytes(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using Stream file = File.OpenRead(path);
        int b0 = file.ReadByte();
        int b1 = file.ReadByte();
        file.Position = 0;
        using Stream stream = b0 == 0x1F && b1 == 0x8B ? new GZipStream(file, CompressionMode.Decompress) : file;
        Span<byte> head = stackalloc byte[4];
        ReadExactly(stream, head, path);
        if (head[0] != 0 || head[1] != 0)
        {
            throw new InvalidDataException($"'{path}' is not an IDX file (its first two bytes must be zero).");
        }

        if (head[2] != 0x08)
        {
            throw new InvalidDataException($"'{path}': IDX element type 0x{head[2]:X2} is not supported; only unsigned bytes (0x08).");
        }

        int ndim = head[3];
        if (ndim < 1)
        {
            throw new InvalidDataException($"'{path}': an IDX file needs at least one dimension.");
        }

        var dims = new int[ndim];
        Span<byte> word = stackalloc byte[4];
        for (int d = 0; d < ndim; d++)
        {
            ReadExactly(stream, word, path);
            dims[d] = BinaryPrimitives.ReadInt32BigEndian(word);
            if (dims[d] < 0)
            {
                throw new InvalidDataException($"'{path}': dimension {d} is negative.");
            }
        }

        long count = dims.Aggregate(1L, (a, b) => a * b);
        var data = new byte[count];
        ReadExactly(stream, data, path);
        return (dims, data);
    }

    private static void ReadExactly(Stream stream, Span<byte> buffer, string path)
    {
        if (stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false) < buffer.Length)
        {
            throw new InvalidDataException($"'{path}' is truncated.");
        }
    }
}
