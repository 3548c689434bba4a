using System.Globalization;
using System.IO.MemoryMappedFiles;
using System.Numerics;
using System.Text;
using System.Text.RegularExpressions;

namespace Downhill;

/// <summary>
/// A NumPy <c>.npy</c> file (format versions 1 and 2, NEP 1), memory-mapped read-only. Supported element types:
/// little-endian <c>&lt;f8</c>, <c>&lt;f4</c>, <c>&lt;i4</c>, <c>&lt;i8</c> in C order, with 1 or 2 dimensions (a 2-D array is a
/// column of rows). Pass it to <see cref="Dataset.FromNpy"/>; the data set reads each batch's rows from the mapping
/// (converted to the loss's element type), so the file is never copied whole. Keep it open, and the file unchanged,
/// while a data set uses it.
/// </summary>
public sealed partial class NpyArray : IDisposable
{
    private readonly MemoryMappedFile file;
    private readonly MemoryMappedViewAccessor view;

    private NpyArray(string path, string dtype, int[] shape, long dataOffset, MemoryMappedFile file, MemoryMappedViewAccessor view)
    {
        Path = path;
        DType = dtype;
        Shape = shape;
        Width = shape.Skip(1).Aggregate(1, (a, b) => checked(a * b));
        DataOffset = dataOffset;
        this.file = file;
        this.view = view;
    }

    /// <summary>The file's path.</summary>
    public string Path { get; }

    /// <summary>The element type as NumPy writes it (<c>&lt;f8</c>, <c>&lt;f4</c>, <c>&lt;i4</c>, <c>&lt;i8</c>).</summary>
    public string DType { get; }

    /// <summary>The array's shape.</summary>
    public IReadOnlyList<int> Shape { get; }

    /// <summary>Where the data start in the file (after the header).</summary>
    public long DataOffset { get; }

    /// <summary>True for integer element types.</summary>
    public bool IsInteger => DType[1] == 'i';

    /// <summary>Rows: the first dimension.</summary>
    public int Rows => Shape.Count == 0 ? 1 : Shape[0];

    /// <summary>Elements per row: the product of the other dimensions.</summary>
    public int Width { get; }

    private int ElementSize => DType[2] - '0';

    /// <summary>Opens and memory-maps an <c>.npy</c> file after checking its header.</summary>
    /// <exception cref="InvalidDataException">Not an .npy file, or an unsupported element type, byte order or layout.</exception>
    public static NpyArray Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string header;
        long dataOffset;
        long fileLength;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            fileLength = stream.Length;
            Span<byte> pre = stackalloc byte[12];
            if (stream.ReadAtLeast(pre, 10, throwOnEndOfStream: false) < 10 || pre[0] != 0x93 || !pre.Slice(1, 5).SequenceEqual("NUMPY"u8))
            {
                throw new InvalidDataException($"'{path}' is not an .npy file (bad magic string).");
            }

            int major = pre[6];
            int headerLength;
            int prefix;
            if (major == 1)
            {
                headerLength = pre[8] | (pre[9] << 8);
                prefix = 10;
            }
            else if (major is 2 or 3)
            {
                headerLength = pre[8] | (pre[9] << 8) | (pre[10] << 16) | (pre[11] << 24);
                prefix = 12;
            }
            else
            {
                throw new InvalidDataException($"'{path}': unsupported .npy format version {major}.");
            }

            var bytes = new byte[headerLength];
            stream.Position = prefix;
            stream.ReadExactly(bytes);
            header = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(bytes);
            dataOffset = prefix + headerLength;
        }

        string descr = Field(path, header, DescrRegex());
        string fortran = Field(path, header, FortranRegex());
        string shapeText = Field(path, header, ShapeRegex());
        if (descr is not ("<f8" or "<f4" or "<i4" or "<i8"))
        {
            throw new InvalidDataException($"'{path}': unsupported element type '{descr}'; expected '<f8', '<f4', '<i4' or '<i8'.");
        }

        if (fortran != "False")
        {
            throw new InvalidDataException($"'{path}': Fortran-ordered arrays are not supported; save it in C order (np.ascontiguousarray).");
        }

        int[] shape = [.. shapeText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture))];
        if (shape.Length is < 1 or > 2)
        {
            throw new InvalidDataException($"'{path}': {shape.Length}-D arrays are not supported; a column is 1-D (one value per row) or 2-D (rows).");
        }

        long count = shape.Aggregate(1L, (a, b) => a * b);
        long needed = dataOffset + (count * (descr[2] - '0'));
        if (fileLength < needed)
        {
            throw new InvalidDataException($"'{path}' is truncated: its header promises {count} elements ({needed} bytes), the file has {fileLength}.");
        }

        var mmf = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        try
        {
            var view = mmf.CreateViewAccessor(0, needed, MemoryMappedFileAccess.Read);
            return new NpyArray(path, descr, shape, dataOffset, mmf, view);
        }
        catch
        {
            mmf.Dispose();
            throw;
        }
    }

    /// <summary>Converts every element to <typeparamref name="T"/> into <paramref name="destination"/> (length = all elements).</summary>
    public void CopyTo<T>(Span<T> destination)
        where T : unmanaged, INumberBase<T> => CopyRows(0, Rows, destination);

    /// <summary>
    /// Converts rows [<paramref name="firstRow"/>, <paramref name="firstRow"/> + <paramref name="count"/>) into the
    /// start of <paramref name="destination"/> (row-major, <see cref="Width"/> elements a row).
    /// </summary>
    internal unsafe void CopyRows<T>(int firstRow, int count, Span<T> destination)
        where T : unmanaged, INumberBase<T>
    {
        // Bounds are checked here because the reads below go through a raw pointer into the mapping.
        if (firstRow < 0 || count < 0 || firstRow > Rows - count)
        {
            throw new ArgumentOutOfRangeException(nameof(firstRow), $"Rows {firstRow}..{firstRow + count} are outside '{Path}' ({Rows} rows).");
        }

        int n = checked(count * Width);
        if (destination.Length < n)
        {
            throw new ArgumentException($"{count} rows of {Width} need {n} elements; the destination has {destination.Length}.", nameof(destination));
        }

        byte* basePtr = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref basePtr);
        try
        {
            // Offsets in long: a mapping may hold more than 2^31 elements.
            byte* p = basePtr + view.PointerOffset + DataOffset + ((long)firstRow * Width * ElementSize);
            Span<T> to = destination[..n];
            switch (DType)
            {
                case "<f8":
                    Convert(new ReadOnlySpan<double>(p, n), to);
                    break;
                case "<f4":
                    Convert(new ReadOnlySpan<float>(p, n), to);
                    break;
                case "<i4":
                    Convert(new ReadOnlySpan<int>(p, n), to);
                    break;
                default:
                    Convert(new ReadOnlySpan<long>(p, n), to);
                    break;
            }
        }
        finally
        {
            view.SafeMemoryMappedViewHandle.ReleasePointer();
        }
    }

    /// <summary>
    /// Converts the rows <paramref name="rows"/> (in that order) into the start of <paramref name="destination"/>
    /// (row-major, <see cref="Width"/> elements a row).
    /// </summary>
    internal unsafe void CopyRows<T>(ReadOnlySpan<int> rows, Span<T> destination)
        where T : unmanaged, INumberBase<T>
    {
        int n = checked(rows.Length * Width);
        if (destination.Length < n)
        {
            throw new ArgumentException($"{rows.Length} rows of {Width} need {n} elements; the destination has {destination.Length}.", nameof(destination));
        }

        byte* basePtr = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref basePtr);
        try
        {
            byte* data = basePtr + view.PointerOffset + DataOffset;
            switch (DType)
            {
                case "<f8":
                    Gather<double, T>(data, rows, destination);
                    break;
                case "<f4":
                    Gather<float, T>(data, rows, destination);
                    break;
                case "<i4":
                    Gather<int, T>(data, rows, destination);
                    break;
                default:
                    Gather<long, T>(data, rows, destination);
                    break;
            }
        }
        finally
        {
            view.SafeMemoryMappedViewHandle.ReleasePointer();
        }
    }

    /// <summary>Reads the whole array as a new <typeparamref name="T"/>[] (row-major).</summary>
    public T[] ToArray<T>()
        where T : unmanaged, INumberBase<T>
    {
        var result = new T[checked(Rows * Width)];
        CopyTo<T>(result);
        return result;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        view.Dispose();
        file.Dispose();
    }

    private static void Convert<TFrom, TTo>(ReadOnlySpan<TFrom> from, Span<TTo> to)
        where TFrom : unmanaged, INumberBase<TFrom>
        where TTo : unmanaged, INumberBase<TTo>
    {
        if (typeof(TFrom) == typeof(TTo))
        {
            // The same type: a plain copy (what the conversion below would give, bit for bit, only faster).
            System.Runtime.InteropServices.MemoryMarshal.Cast<TFrom, TTo>(from)[..to.Length].CopyTo(to);
            return;
        }

        for (int i = 0; i < to.Length; i++)
        {
            to[i] = TTo.CreateTruncating(from[i]);
        }
    }

    private unsafe void Gather<TFrom, TTo>(byte* data, ReadOnlySpan<int> rows, Span<TTo> destination)
        where TFrom : unmanaged, INumberBase<TFrom>
        where TTo : unmanaged, INumberBase<TTo>
    {
        int w = Width;
        for (int i = 0; i < rows.Length; i++)
        {
            int row = rows[i];
            if ((uint)row >= (uint)Rows)
            {
                throw new ArgumentOutOfRangeException(nameof(rows), $"Row {row} is outside '{Path}' ({Rows} rows).");
            }

            Convert(new ReadOnlySpan<TFrom>(data + ((long)row * w * sizeof(TFrom)), w), destination.Slice(i * w, w));
        }
    }

    private static string Field(string path, string header, Regex regex)
    {
        Match m = regex.Match(header);
        if (!m.Success)
        {
            throw new InvalidDataException($"'{path}': malformed .npy header: {header.Trim()}");
        }

        return m.Groups[1].Value;
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrRegex();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranRegex();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapeRegex();
}

/// <summary>Writes <c>.npy</c> files (format version 1.0), for tests and for saving parameters.</summary>
public static class Npy
{
    /// <summary>Writes a 1-D or 2-D (<paramref name="columns"/> &gt; 0) array of double, float, int or long in C order.</summary>
    public static void Write<T>(string path, ReadOnlySpan<T> data, int columns = 0)
        where T : unmanaged
    {
        string descr = typeof(T) == typeof(double) ? "<f8" : typeof(T) == typeof(float) ? "<f4" : typeof(T) == typeof(int) ? "<i4" : typeof(T) == typeof(long) ? "<i8"
            : throw new ArgumentException($"Element type {typeof(T)} cannot be written; use double, float, int or long.", nameof(data));
        string shape = columns > 0 ? FormattableString.Invariant($"({data.Length / columns}, {columns})") : FormattableString.Invariant($"({data.Length},)");
        string dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}";
        int total = 10 + dict.Length + 1;
        int pad = (64 - (total % 64)) % 64;
        string header = dict + new string(' ', pad) + "\n";
        using var stream = File.Create(path);
        stream.Write([0x93, .. "NUMPY"u8, 1, 0, (byte)(header.Length & 0xFF), (byte)(header.Length >> 8)]);
        stream.Write(Encoding.Latin1.GetBytes(header));
        stream.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data));
    }
}
