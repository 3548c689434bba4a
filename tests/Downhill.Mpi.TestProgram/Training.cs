using System.Globalization;
using Downhill;

namespace Downhill.Mpi.TestProgram;

/// <summary>What one run of the test program does, given on the command line.</summary>
public sealed record RunSettings
{
    /// <summary>Where each rank writes <c>params.RANK.bin</c> and <c>result.RANK.txt</c>.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>"none" (no communicator), "single" (<see cref="SingleRankCommunicator"/>) or "mpi".</summary>
    public string Communicator { get; init; } = "none";

    /// <summary>Read the data from .npy files in this directory (written by <see cref="Training.WriteNpy"/>).</summary>
    public string? NpyDirectory { get; init; }

    /// <summary>The rank that fails (with <see cref="Fault"/>) after epoch <see cref="FaultEpoch"/>, −1: none.</summary>
    public int FaultRank { get; init; } = -1;

    /// <summary>The epoch after which <see cref="FaultRank"/> fails.</summary>
    public int FaultEpoch { get; init; }

    /// <summary>"kill" (SIGKILL itself), "throw" (an exception from the progress callback) or "hang" (sleep forever).</summary>
    public string Fault { get; init; } = "kill";

    /// <summary>Checkpoint file (written every epoch), if any.</summary>
    public string? Checkpoint { get; init; }

    /// <summary>Epochs to train.</summary>
    public int MaxUpdates { get; init; } = 8;

    /// <summary>Bucketed allreduce instead of the ordered combination.</summary>
    public bool Bucketed { get; init; }

    /// <summary>Bytes per message of the ordered chain and per bucket (<see cref="TrainingOptions.AllreduceBucketBytes"/>).</summary>
    public int SegmentBytes { get; init; } = 25 << 20;

    /// <summary>MPI timeout in seconds (0: the default).</summary>
    public double TimeoutSeconds { get; init; }

    /// <summary>Parses <c>--name value</c> pairs.</summary>
    public static RunSettings Parse(string[] args)
    {
        var map = new Dictionary<string, string>();
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            map[args[i].TrimStart('-')] = args[i + 1];
        }

        string Get(string key, string fallback) => map.TryGetValue(key, out string? v) ? v : fallback;
        return new RunSettings
        {
            OutputDirectory = Get("out", "."),
            Communicator = Get("comm", "none"),
            NpyDirectory = map.GetValueOrDefault("npy"),
            FaultRank = int.Parse(Get("fault-rank", "-1"), CultureInfo.InvariantCulture),
            FaultEpoch = int.Parse(Get("fault-epoch", "0"), CultureInfo.InvariantCulture),
            Fault = Get("fault", "kill"),
            Checkpoint = map.GetValueOrDefault("checkpoint"),
            MaxUpdates = int.Parse(Get("max-updates", "8"), CultureInfo.InvariantCulture),
            Bucketed = Get("bucketed", "false") == "true",
            TimeoutSeconds = double.Parse(Get("timeout", "0"), CultureInfo.InvariantCulture),
            SegmentBytes = int.Parse(Get("segment-bytes", "26214400"), CultureInfo.InvariantCulture),
        };
    }
}

/// <summary>Trains <see cref="Classifier"/> on the same data in every mode and writes each rank's parameters' bits.</summary>
public static class Training
{
    private const int TrainRows = 960;
    private const int ValidRows = 320;

    /// <summary>Writes the training and validation data as .npy files into <paramref name="directory"/>.</summary>
    public static void WriteNpy(string directory)
    {
        Directory.CreateDirectory(directory);
        var (x, y) = Classifier.Data(TrainRows, 1);
        var (vx, vy) = Classifier.Data(ValidRows, 2);
        Npy.Write<double>(Path.Combine(directory, "x.npy"), Flat(x), Classifier.Features);
        Npy.Write<long>(Path.Combine(directory, "y.npy"), [.. y.Select(v => (long)v)]);
        Npy.Write<double>(Path.Combine(directory, "vx.npy"), Flat(vx), Classifier.Features);
        Npy.Write<long>(Path.Combine(directory, "vy.npy"), [.. vy.Select(v => (long)v)]);
    }

    /// <summary>Runs one rank's training and writes its outputs; returns the rank.</summary>
    public static int Run(RunSettings settings)
    {
        ICommunicator? comm = settings.Communicator switch
        {
            "none" => null,
            "single" => SingleRankCommunicator.Instance,
            "mpi" => MpiCommunicator.World,
            string other => throw new ArgumentException($"Unknown communicator '{other}'.", nameof(settings)),
        };
        if (comm is MpiCommunicator mpi && settings.TimeoutSeconds > 0)
        {
            mpi.Timeout = TimeSpan.FromSeconds(settings.TimeoutSeconds);
        }

        int rank = comm?.Rank ?? 0;
        var progress = new Progress(report =>
        {
            if (rank == settings.FaultRank && report.Epoch == settings.FaultEpoch)
            {
                Fail(settings.Fault, rank);
            }
        });
        TrainingResult<double> result = settings.NpyDirectory is string dir ? FromNpy(dir, settings, comm, progress) : FromArrays(settings, comm, progress);
        Directory.CreateDirectory(settings.OutputDirectory);
        using (var w = new BinaryWriter(File.Create(Path.Combine(settings.OutputDirectory, $"params.{rank}.bin"))))
        {
            foreach (double v in result.Parameters.SelectMany(p => p))
            {
                w.Write(v);
            }
        }

        File.WriteAllText(
            Path.Combine(settings.OutputDirectory, $"result.{rank}.txt"),
            string.Create(CultureInfo.InvariantCulture, $"epochs={result.Epochs} stop={result.StopReason} valid={BitConverter.DoubleToInt64Bits(result.Valid.Loss):X16} train={BitConverter.DoubleToInt64Bits(result.Train.Loss):X16}"));
        return rank;
    }

    private static TrainingOptions Options(RunSettings settings, ICommunicator? comm, IProgress<EpochReport> progress) => new()
    {
        Algo = Algo.Adam, LearningRate = 0.01, BatchSize = 32, MaxUpdates = settings.MaxUpdates, ValidateEvery = 2, Patience = 50,
        Seed = 5, ShuffleRows = true, Threads = 2, Communicator = comm, BucketedAllreduce = settings.Bucketed, Progress = progress,
        CheckpointPath = settings.Checkpoint, CheckpointEvery = 1, AllreduceBucketBytes = settings.SegmentBytes,
    };

    /// <summary>The typed, generated Minimize with its <c>communicator:</c> argument.</summary>
    private static TrainingResult<double> FromArrays(RunSettings settings, ICommunicator? comm, IProgress<EpochReport> progress)
    {
        var (x, y) = Classifier.Data(TrainRows, 1);
        var (vx, vy) = Classifier.Data(ValidRows, 2);
        TrainingOptions o = Options(settings, comm, progress);
        var fit = Classifier.MlpLoss.Minimize(
            train: (x, y), valid: (vx, vy), init: Classifier.Init(),
            algo: o.Algo, learningRate: o.LearningRate, batchSize: o.BatchSize, maxUpdates: o.MaxUpdates, validateEvery: o.ValidateEvery,
            patience: o.Patience, seed: o.Seed, shuffleRows: o.ShuffleRows, threads: o.Threads, progress: progress,
            checkpointPath: o.CheckpointPath, checkpointEvery: o.CheckpointEvery, bucketedAllreduce: o.BucketedAllreduce, allreduceBucketBytes: o.AllreduceBucketBytes,
            communicator: comm);
        return new TrainingResult<double>(fit.Params.ToArrays(), fit.Train, fit.Valid, fit.Epochs, fit.StopReason);
    }

    /// <summary>Memory-mapped columns: each rank reads only the rows of its share of each batch.</summary>
    private static TrainingResult<double> FromNpy(string dir, RunSettings settings, ICommunicator? comm, IProgress<EpochReport> progress)
    {
        TrainingOptions o = Options(settings, comm, progress);
        using NpyArray x = NpyArray.Open(Path.Combine(dir, "x.npy")), y = NpyArray.Open(Path.Combine(dir, "y.npy"));
        using NpyArray vx = NpyArray.Open(Path.Combine(dir, "vx.npy")), vy = NpyArray.Open(Path.Combine(dir, "vy.npy"));
        string[] names = ["x", "label"];
        var train = Dataset.FromNpy([x, y], names, o.BatchSize, shuffle: true, shuffleRows: o.ShuffleRows, seed: o.Seed, name: "train");
        var valid = Dataset.FromNpy([vx, vy], names, o.BatchSize, shuffle: true, seed: o.Seed + 1, name: "valid");
        return Trainer.Minimize(Classifier.MlpLoss.Instance, train, valid, Classifier.Init().ToArrays(), [], o);
    }

    private static void Fail(string fault, int rank)
    {
        switch (fault)
        {
            case "kill":
                Console.Out.Flush();
                System.Diagnostics.Process.GetCurrentProcess().Kill();
                break;
            case "hang":
                Thread.Sleep(Timeout.Infinite);
                break;
            default:
                throw new InvalidOperationException($"rank {rank} fails on purpose");
        }
    }

    private static double[] Flat(double[,] a) => [.. a.Cast<double>()];

    private sealed class Progress(Action<EpochReport> report) : IProgress<EpochReport>
    {
        public void Report(EpochReport value) => report(value);
    }
}
