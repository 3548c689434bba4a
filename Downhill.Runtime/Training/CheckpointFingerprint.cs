using System.Globalization;
using System.Numerics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Downhill;

/// <summary>
/// What a checkpoint belongs to: the loss, its element type and parameter shapes, a digest of the training and
/// validation data (content and batching), of the initial parameters and of the hyperparameters, and the value of
/// every option that changes the trajectory. A run resumes only from a checkpoint with the same fingerprint, so a
/// second run with other data, init or options never silently returns the first run's parameters.
/// </summary>
/// <remarks>
/// Options that only say when to stop or how to run (<see cref="TrainingOptions.MaxUpdates"/> and
/// <see cref="TrainingOptions.Patience"/>, so that a finished run can be extended; threads, progress, checkpoint
/// settings, cancellation) are left out, as are options that are not plain values (a communicator, say). A callable
/// data source is fingerprinted by its batching only: its content cannot be read without running it.
/// </remarks>
internal sealed class CheckpointFingerprint
{
    /// <summary>The options that may change between a run and its resumption.</summary>
    internal static readonly IReadOnlySet<string> ResumableOptions = new HashSet<string>(StringComparer.Ordinal)
    {
        nameof(TrainingOptions.MaxUpdates),
        nameof(TrainingOptions.Patience),
        nameof(TrainingOptions.Threads),
        nameof(TrainingOptions.ShowProgress),
        nameof(TrainingOptions.Progress),
        nameof(TrainingOptions.CheckpointPath),
        nameof(TrainingOptions.CheckpointEvery),
        nameof(TrainingOptions.OnCheckpointMismatch),
        nameof(TrainingOptions.CancellationToken),
    };

    private readonly List<(string What, string Value, bool ShowValues)> entries;

    private CheckpointFingerprint(List<(string What, string Value, bool ShowValues)> entries) => this.entries = entries;

    /// <summary>The options that enter the fingerprint: every public plain-valued option not in <see cref="ResumableOptions"/>.</summary>
    internal static IEnumerable<PropertyInfo> FingerprintedOptions() =>
        typeof(TrainingOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanRead && p.GetMethod!.IsPublic && !ResumableOptions.Contains(p.Name) && IsPlainValue(p.PropertyType))
            .OrderBy(p => p.Name, StringComparer.Ordinal);

    /// <summary>
    /// The fingerprint of a run; <paramref name="init"/> are the parameters before any training, and
    /// <paramref name="validIsTrainingView"/> says that the validation data is a view of the training data.
    /// </summary>
    public static CheckpointFingerprint Of<T>(LossSchema schema, Dataset train, Dataset valid, bool validIsTrainingView, T[][] init, T[] hypers, TrainingOptions options)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var c = CultureInfo.InvariantCulture;
        var list = new List<(string, string, bool)>
        {
            ("the loss", schema.Name, true),
            ("the element type", typeof(T).Name, true),
            ("the parameter shapes", string.Join(", ", init.Select((p, i) => $"{schema.Params[i].Name}[{p.Length.ToString(c)}]")), true),
            ("the training data", DataDigest(train), false),
            ("the training batches", Batching(train), true),
            ("the validation data", validIsTrainingView || ReferenceEquals(valid, train) ? "the training data" : DataDigest(valid), false),
            ("the validation batches", ReferenceEquals(valid, train) ? "the training batches" : Batching(valid), true),
            ("the initial parameters", Digest(h => { foreach (T[] p in init) { h.AppendData(MemoryMarshal.AsBytes(p.AsSpan())); } }), false),
            ("the hyperparameters", string.Join(", ", hypers.Select((v, i) => $"{schema.Hypers[i]}={double.CreateChecked(v).ToString("R", c)}")), true),
        };
        foreach (PropertyInfo option in FingerprintedOptions())
        {
            list.Add(($"option {option.Name}", Format(option.GetValue(options)), true));
        }

        return new CheckpointFingerprint(list);
    }

    /// <summary>Writes the fingerprint.</summary>
    public void Write(BinaryWriter writer)
    {
        writer.Write(entries.Count);
        foreach (var (what, value, show) in entries)
        {
            writer.Write(what);
            writer.Write(value);
            writer.Write(show);
        }
    }

    /// <summary>Reads what <see cref="Write"/> wrote.</summary>
    public static CheckpointFingerprint Read(BinaryReader reader)
    {
        int n = reader.ReadInt32();
        if (n < 0 || n > 10_000)
        {
            throw new InvalidDataException("The checkpoint's fingerprint is corrupt.");
        }

        var list = new List<(string, string, bool)>(n);
        for (int i = 0; i < n; i++)
        {
            list.Add((reader.ReadString(), reader.ReadString(), reader.ReadBoolean()));
        }

        return new CheckpointFingerprint(list);
    }

    /// <summary>What differs between the checkpoint's fingerprint (this) and the run's, in words; empty when they match.</summary>
    public IReadOnlyList<string> Differences(CheckpointFingerprint run)
    {
        var mine = entries.ToDictionary(e => e.What, e => e.Value, StringComparer.Ordinal);
        var result = new List<string>();
        foreach (var (what, value, show) in run.entries)
        {
            if (!mine.TryGetValue(what, out string? saved))
            {
                result.Add($"{what} (not recorded in the checkpoint)");
            }
            else if (saved != value)
            {
                result.Add(show ? $"{what} (checkpoint: {Quote(saved)}, this run: {Quote(value)})" : what);
            }
        }

        result.AddRange(entries.Where(e => !run.entries.Any(r => r.What == e.What)).Select(e => $"{e.What} (recorded in the checkpoint, unknown to this run)"));
        return result;
    }

    /// <summary>
    /// Checks before training that a checkpoint can be written at <paramref name="path"/>: its folder exists, the path
    /// is not a folder, and a file can be created beside it (so that the work of the first epochs is not lost).
    /// </summary>
    /// <exception cref="ArgumentException">The path cannot be written; the message names it and says why.</exception>
    public static void CheckWritable(string path)
    {
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            throw new ArgumentException($"Option CheckpointPath '{path}' is a folder; give a file path inside it, e.g. '{Path.Combine(path, "run.ckpt")}'.", nameof(TrainingOptions.CheckpointPath));
        }

        string? folder = Path.GetDirectoryName(full);
        if (folder is not null && !Directory.Exists(folder))
        {
            throw new ArgumentException($"Option CheckpointPath '{path}': the folder '{folder}' does not exist; create it first or choose another path.", nameof(TrainingOptions.CheckpointPath));
        }

        string probe = full + ".tmp";
        try
        {
            using (new FileStream(probe, FileMode.Create, FileAccess.Write, FileShare.None))
            {
            }

            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"Option CheckpointPath '{path}' cannot be written: {e.Message}", nameof(TrainingOptions.CheckpointPath), e);
        }
    }

    private static string Quote(string value) => value.Length == 0 ? "none" : value;

    private static bool IsPlainValue(Type type)
    {
        Type t = Nullable.GetUnderlyingType(type) ?? type;
        return t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(decimal);
    }

    private static string Format(object? value) => value switch
    {
        null => "unset",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };

    private static string Batching(Dataset data) => data.IsCallable
        ? FormattableString.Invariant($"a callable source, {data.IterationSize} batches per epoch")
        : FormattableString.Invariant($"{data.Rows} rows, batch size {data.BatchSize}, {data.IterationSize} batches per epoch, shuffle {data.Shuffle}, shuffle rows {data.ShuffleRows}, seed {data.Seed}");

    private static string DataDigest(Dataset data) => data.IsCallable ? "a callable source" : Digest(data.HashContent);

    private static string Digest(Action<IncrementalHash> feed)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        feed(hash);
        return Convert.ToHexString(hash.GetHashAndReset());
    }
}
