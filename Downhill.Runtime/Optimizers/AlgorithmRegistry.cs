namespace Downhill.Optimizers;

/// <summary>
/// The one list of algorithms: each <see cref="Algo"/> with downhill's name for it and how to build it. The names
/// <see cref="Optimizer.Names"/> lists, <see cref="Optimizer.ParseAlgo"/> accepts, <see cref="Optimizer.Create(Algo, TrainingOptions)"/>
/// builds and the validation messages name all come from here, as downhill's <c>Registrar</c> metaclass keeps one
/// table of its optimizer classes by name. To add an algorithm: a value of <see cref="Algo"/>, a subclass of
/// <see cref="Optimizer"/>, and one line below (a test fails for a value of <see cref="Algo"/> without one).
/// </summary>
internal static class AlgorithmRegistry
{
    /// <summary>One algorithm: its enum value, downhill's (lower-case) name, and its constructor.</summary>
    internal sealed record Entry(Algo Algo, string Name, Func<TrainingOptions, Optimizer> Build);

    /// <summary>Every algorithm, in <see cref="Algo"/> order.</summary>
    public static readonly IReadOnlyList<Entry> All =
    [
        new(Algo.Sgd, "sgd", o => new Sgd(o)),
        new(Algo.Nag, "nag", o => new Nag(o)),
        new(Algo.RProp, "rprop", o => new RProp(o)),
        new(Algo.AdaGrad, "adagrad", o => new AdaGrad(o)),
        new(Algo.RmsProp, "rmsprop", o => new RmsProp(o)),
        new(Algo.AdaDelta, "adadelta", o => new AdaDelta(o)),
        new(Algo.Esgd, "esgd", o => new Esgd(o)),
        new(Algo.Adam, "adam", o => new Adam(o)),
        new(Algo.AdamW, "adamw", o => new AdamW(o)),
    ];

    /// <summary>Downhill's names, in <see cref="Algo"/> order.</summary>
    public static readonly IReadOnlyList<string> Names = [.. All.Select(e => e.Name)];

    /// <summary>"Valid names: sgd, nag, ...": the end of every message about an unknown algorithm.</summary>
    public static string ValidNames => $"Valid names: {string.Join(", ", Names)}.";

    /// <summary>The entry of <paramref name="algo"/>, or null for a value that is not an algorithm.</summary>
    public static Entry? Find(Algo algo) => All.FirstOrDefault(e => e.Algo == algo);

    /// <summary>The entry named <paramref name="name"/> (case-insensitive, surrounding spaces ignored), or null.</summary>
    public static Entry? Find(string name) => All.FirstOrDefault(e => string.Equals(e.Name, name.Trim(), StringComparison.OrdinalIgnoreCase));
}
