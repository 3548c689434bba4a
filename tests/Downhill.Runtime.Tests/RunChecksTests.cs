using System.Reflection;
using Downhill.Optimizers;

namespace Downhill.Runtime.Tests;

/// <summary>What a run refuses before training: another run's checkpoint, an unwritable checkpoint path, options that would do nothing, mismatched data.</summary>
public class RunChecksTests
{
    private static TrainingOptions Options(string? path = null) => new()
    {
        Algo = Algo.Adam, LearningRate = 1e-2, BatchSize = 10, TrainBatches = 2, ValidateEvery = 2, MaxUpdates = 4, Patience = 100, Threads = 1,
        CheckpointPath = path, CheckpointEvery = 2,
    };

    private static TrainingResult<double> Run(TrainingOptions options, Array[]? train = null, Array[]? valid = null, double[][]? init = null) =>
        Trainer.Minimize(new Factorization(), train ?? Factorization.Data(3), valid, init ?? Factorization.Init(), [], options);

    [Fact]
    public void A_checkpoint_of_another_run_is_refused_naming_what_differs()
    {
        using var dir = new TempDir();
        string path = dir.File("run.ckpt");
        TrainingResult<double> first = Run(Options(path));
        Assert.True(File.Exists(path));

        // The same run resumes (and returns the first run's parameters: it had finished).
        Assert.Equal(first.Parameters[0], Run(Options(path)).Parameters[0]);

        string Refusal(Func<TrainingResult<double>> run) => Assert.Throws<InvalidDataException>(() => run()).Message;

        Assert.Contains("the training data", Refusal(() => Run(Options(path), train: Factorization.Data(4))));
        Assert.Contains("the validation data", Refusal(() => Run(Options(path), valid: Factorization.Data(5))));
        double[][] otherInit = Factorization.Init();
        otherInit[1][7] = 0.25;
        Assert.Contains("the initial parameters", Refusal(() => Run(Options(path), init: otherInit)));
        TrainingOptions lr = Options(path);
        lr.LearningRate = 2e-2;
        Assert.Contains("option LearningRate (checkpoint: 0.01, this run: 0.02)", Refusal(() => Run(lr)));
        TrainingOptions seed = Options(path);
        seed.Seed = 9;
        Assert.Contains("option Seed", Refusal(() => Run(seed)));
        TrainingOptions batch = Options(path);
        batch.BatchSize = 20;
        string message = Refusal(() => Run(batch));
        Assert.Contains("option BatchSize", message);
        Assert.Contains("the training batches", message);
        Assert.Contains("OnCheckpointMismatch", message);
        Assert.DoesNotContain("option LearningRate", message);
    }

    [Fact]
    public void Start_fresh_ignores_another_runs_checkpoint_and_overwrites_it()
    {
        using var dir = new TempDir();
        string path = dir.File("run.ckpt");
        Run(Options(path));

        TrainingOptions other = Options(path);
        other.LearningRate = 3e-2;
        other.OnCheckpointMismatch = CheckpointMismatch.StartFresh;
        TrainingOptions plain = Options();
        plain.LearningRate = 3e-2;
        TrainingResult<double> fresh = Run(other);
        Assert.Equal(Run(plain).Parameters[1], fresh.Parameters[1]);

        // The checkpoint now belongs to the second run: it resumes without StartFresh.
        other.OnCheckpointMismatch = CheckpointMismatch.Refuse;
        Assert.Equal(fresh.Parameters[1], Run(other).Parameters[1]);
    }

    [Fact]
    public void A_finished_run_can_be_extended_with_more_epochs()
    {
        using var dir = new TempDir();
        string path = dir.File("run.ckpt");
        Run(Options(path));
        TrainingOptions longer = Options(path);
        longer.MaxUpdates = 8;
        longer.Patience = 50;
        TrainingOptions whole = Options();
        whole.MaxUpdates = 8;
        TrainingResult<double> extended = Run(longer);
        Assert.Equal(8, extended.Epochs);
        Assert.Equal(Run(whole).Parameters[0], extended.Parameters[0]);
    }

    [Fact]
    public void A_checkpoint_of_a_callable_source_refuses_another_iteration_size()
    {
        using var dir = new TempDir();
        string path = dir.File("run.ckpt");
        Array[] data = Factorization.Data(3);
        Dataset Source(int iterations) => new(() => data, iterationSize: iterations);
        var options = new TrainingOptions { Algo = Algo.Sgd, LearningRate = 1e-3, MaxUpdates = 2, Threads = 1, CheckpointPath = path, CheckpointEvery = 1 };
        Trainer.Minimize(new Factorization(), Source(2), null, Factorization.Init(), [], options);
        var e = Assert.Throws<InvalidDataException>(() => Trainer.Minimize(new Factorization(), Source(3), null, Factorization.Init(), [], options));
        Assert.Contains("the training batches", e.Message);
    }

    [Fact]
    public void Every_option_is_either_fingerprinted_or_listed_as_resumable()
    {
        // A new option must make a conscious choice: it enters the fingerprint unless listed as resumable.
        string[] fingerprinted = [.. CheckpointFingerprint.FingerprintedOptions().Select(p => p.Name)];
        foreach (PropertyInfo p in typeof(TrainingOptions).GetProperties().Where(p => p.SetMethod is { IsPublic: true }))
        {
            bool plainValue = (Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType) is { } t && (t.IsPrimitive || t.IsEnum || t == typeof(string));
            Assert.True(fingerprinted.Contains(p.Name) || CheckpointFingerprint.ResumableOptions.Contains(p.Name) || !plainValue, p.Name);
        }

        Assert.Contains(nameof(TrainingOptions.LearningRate), fingerprinted);
        Assert.Contains(nameof(TrainingOptions.Reduction), fingerprinted);
        Assert.DoesNotContain(nameof(TrainingOptions.MaxUpdates), fingerprinted);
        Assert.DoesNotContain(nameof(TrainingOptions.Threads), fingerprinted);
    }

    [Fact]
    public void A_checkpoint_path_that_cannot_be_written_is_refused_before_training()
    {
        using var dir = new TempDir();
        var reports = new List<EpochReport>();
        TrainingOptions Bad(string path)
        {
            TrainingOptions o = Options(path);
            o.Progress = new Sync(reports.Add);
            return o;
        }

        string missing = Path.Combine(dir.File("no-such-folder"), "run.ckpt");
        var e = Assert.Throws<ArgumentException>(() => Run(Bad(missing)));
        Assert.Equal(nameof(TrainingOptions.CheckpointPath), e.ParamName);
        Assert.Contains("does not exist", e.Message);

        e = Assert.Throws<ArgumentException>(() => Run(Bad(dir.File(string.Empty))));
        Assert.Contains("is a folder", e.Message);

        // Iterate (the other entry point) checks at the call, before the first epoch.
        Assert.Throws<ArgumentException>(() => Trainer.Iterate(new Factorization(), new Dataset(Factorization.Data(3)), null, Factorization.Init(), [], Bad(missing)));
        Assert.Empty(reports);
        Assert.Empty(Directory.GetFiles(dir.File(string.Empty)));
    }

    [Theory]
    [InlineData(Algo.RmsProp, nameof(TrainingOptions.WeightDecay))]
    [InlineData(Algo.Adam, nameof(TrainingOptions.WeightDecay))]
    [InlineData(Algo.Sgd, nameof(TrainingOptions.Beta1))]
    [InlineData(Algo.RmsProp, nameof(TrainingOptions.Beta2Halflife))]
    [InlineData(Algo.Adam, nameof(TrainingOptions.RmsHalflife))]
    [InlineData(Algo.Sgd, nameof(TrainingOptions.RmsRegularizer))]
    [InlineData(Algo.Adam, nameof(TrainingOptions.RPropIncrease))]
    [InlineData(Algo.Sgd, nameof(TrainingOptions.RPropMaxStep))]
    [InlineData(Algo.AdaDelta, nameof(TrainingOptions.LearningRate))]
    public void An_option_the_algorithm_ignores_is_refused_by_name(Algo algo, string option)
    {
        var options = new TrainingOptions { Algo = algo, Threads = 1 };
        typeof(TrainingOptions).GetProperty(option)!.SetValue(options, option == nameof(TrainingOptions.Beta1) ? 0.8 : option.StartsWith("RPropIncrease", StringComparison.Ordinal) ? 1.1 : 0.5);
        var e = Assert.Throws<ArgumentException>(() => Trainer.Minimize(new Rosenbrock(), [], null, [[-3, -3]], [], options));
        Assert.Equal(option, e.ParamName);
        Assert.Contains($"the algorithm {algo} ignores it", e.Message);
    }

    [Fact]
    public void Options_that_the_algorithm_uses_or_that_are_left_at_defaults_pass()
    {
        double[][] init = [[-3, -3]];
        Assert.Equal(1, Trainer.Minimize(new Rosenbrock(), [], null, init, [], new TrainingOptions { Algo = Algo.AdamW, WeightDecay = 0.1, Beta1 = 0.8, MaxUpdates = 1, Threads = 1 }).Epochs);
        Assert.Equal(1, Trainer.Minimize(new Rosenbrock(), [], null, init, [], new TrainingOptions { Algo = Algo.RProp, RPropIncrease = 1.2, LearningRate = 1e-3, MaxUpdates = 1, Threads = 1 }).Epochs);
        Assert.Equal(1, Trainer.Minimize(new Rosenbrock(), [], null, init, [], new TrainingOptions { Algo = Algo.AdaDelta, RmsHalflife = 10, MaxUpdates = 1, Threads = 1 }).Epochs);
        Assert.Equal(1, Trainer.Minimize(new Rosenbrock(), [], null, init, [], new TrainingOptions { Algo = Algo.Nag, Nesterov = true, MaxUpdates = 1, Threads = 1 }).Epochs);

        // A custom optimizer takes what it wants from the options: nothing is refused for it.
        var custom = new TrainingOptions { WeightDecay = 0.3, MaxUpdates = 1, Threads = 1 };
        Assert.Single(Trainer.Iterate(new Rosenbrock(), new Dataset([]), null, init, [], custom, new AdamW(custom)));
    }

    [Fact]
    public void Options_that_cancel_each_other_or_do_nothing_are_refused()
    {
        static string Refused(TrainingOptions o) =>
            Assert.Throws<ArgumentException>(() => Trainer.Minimize(new Rosenbrock(), [], null, [[-3, -3]], [], o)).ParamName!;

        Assert.Equal(nameof(TrainingOptions.Nesterov), Refused(new TrainingOptions { Algo = Algo.Sgd, Nesterov = true }));
        Assert.Equal(nameof(TrainingOptions.Beta1Halflife), Refused(new TrainingOptions { Algo = Algo.Adam, Beta1 = 0.9, Beta1Halflife = 5 }));
        Assert.Equal(nameof(TrainingOptions.Beta2Halflife), Refused(new TrainingOptions { Algo = Algo.Adam, Beta2 = 0.99, Beta2Halflife = 50 }));
        Assert.Equal(nameof(TrainingOptions.MaxGradientNorm), Refused(new TrainingOptions { Algo = Algo.Sgd, MaxGradientElem = 1, MaxGradientNorm = 1 }));
        Assert.Equal(nameof(TrainingOptions.LearningRate), Assert.Throws<ArgumentOutOfRangeException>(() => Trainer.Minimize(new Rosenbrock(), [], null, [[-3, -3]], [], new TrainingOptions { LearningRate = 0 })).ParamName);
        Assert.Equal(nameof(TrainingOptions.RPropIncrease), Assert.Throws<ArgumentOutOfRangeException>(() => Optimizer.Create(Algo.RProp, new TrainingOptions { RPropIncrease = 0.5 })).ParamName);
        Assert.Equal(nameof(TrainingOptions.RPropDecrease), Assert.Throws<ArgumentOutOfRangeException>(() => Optimizer.Create(Algo.RProp, new TrainingOptions { RPropDecrease = 1.5 })).ParamName);
        Assert.Equal(nameof(TrainingOptions.RPropMaxStep), Assert.Throws<ArgumentOutOfRangeException>(() => Optimizer.Create(Algo.RProp, new TrainingOptions { RPropMaxStep = 0 })).ParamName);
    }

    [Fact]
    public void Validation_rows_of_another_width_are_refused_before_training()
    {
        Array[] train = Factorization.Data(3);
        var wide = new double[Factorization.N, Factorization.N + 20];
        Array[] valid = [Enumerable.Range(0, Factorization.N).ToArray(), wide];
        var e = Assert.Throws<ArgumentException>(() => Run(Options(), train, valid));
        Assert.Equal("valid", e.ParamName);
        Assert.Contains("column 'x': its rows have 120 elements, the rows of data set 'train' have 100", e.Message);

        // The same through Datasets.
        e = Assert.Throws<ArgumentException>(() => Trainer.Minimize(new Factorization(), new Dataset(train, name: "t"), new Dataset(valid, name: "v"), Factorization.Init(), [], Options()));
        Assert.Contains("Data set 'v', column 'x'", e.Message);
    }

    [Fact]
    public void Iterating_twice_says_what_to_do_instead_of_failing_on_a_disposed_run()
    {
        double[][] p = [[-3, -3]];
        var sequence = Trainer.Iterate(new Rosenbrock(), new Dataset([]), null, p, [], new TrainingOptions { Algo = Algo.Sgd, LearningRate = 1e-4, MaxUpdates = 2, Threads = 1 });
        Assert.Equal(2, sequence.Count());
        var e = Assert.Throws<InvalidOperationException>(() => sequence.Count());
        Assert.Contains("call Trainer.Iterate again", e.Message);
        Assert.Throws<InvalidOperationException>(() => sequence.GetEnumerator());
    }

    [Fact]
    public void Each_report_says_which_epoch_its_validation_is_of()
    {
        var reports = new List<EpochReport>();
        var options = new TrainingOptions { Algo = Algo.Sgd, LearningRate = 1e-4, ValidateEvery = 2, MaxUpdates = 5, Threads = 1, Progress = new Sync(reports.Add) };
        Trainer.Minimize(new Rosenbrock(), [], null, [[-3, -3]], [], options);
        Assert.Equal([0, 0, 2, 2, 4], reports.Select(r => r.ValidEpoch));
    }

    [Fact]
    public void Messages_about_the_validation_view_of_the_training_data_do_not_name_a_valid_set()
    {
        // No valid set: the run validates on a view of the training data before the first epoch, so a bad row
        // is found there; the message must not name a 'valid' set the user never gave.
        int[] i = [.. Enumerable.Range(0, Factorization.N)];
        i[37] = 150;
        Array[] data = [i, ((Array[])Factorization.Data(3))[1]];
        var e = Assert.Throws<ArgumentException>(() => Trainer.Minimize(new Factorization(), data, null, Factorization.Init(), [], new TrainingOptions { MaxUpdates = 1, Threads = 1, BatchSize = 10 }));
        Assert.Contains("data set 'train", e.Message);
        Assert.DoesNotContain("'valid'", e.Message);
    }

    [Fact]
    public void An_empty_or_missing_vector_parameter_gets_the_message_a_missing_init_gets()
    {
        var e = Assert.Throws<ArgumentException>(() => Trainer.Minimize(new Factorization(), Factorization.Data(3), null, [[], Factorization.Init()[1]], [], Options()));
        Assert.Equal("init", e.ParamName);
        Assert.StartsWith("init: the vector parameter 'u' needs initial values; their length gives its shape.", e.Message);
        e = Assert.Throws<ArgumentException>(() => Trainer.Minimize(new Factorization(), Factorization.Data(3), null, [Factorization.Init()[0], null!], [], Options()));
        Assert.StartsWith("init: the vector parameter 'v' needs initial values", e.Message);
        e = Assert.Throws<ArgumentException>(() => Trainer.Iterate(new Rosenbrock(), new Dataset([]), null, [[]], [], new TrainingOptions()));
        Assert.Equal("parameters", e.ParamName);
    }

    private sealed class Sync(Action<EpochReport> action) : IProgress<EpochReport>
    {
        public void Report(EpochReport value) => action(value);
    }
}
