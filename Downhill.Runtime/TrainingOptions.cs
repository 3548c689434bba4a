namespace Downhill;

/// <summary>
/// Every option of <c>Minimize</c> and <c>Iterate</c>, with downhill's names in .NET style and its defaults.
/// The generated typed <c>Minimize</c> methods take one optional argument per settable property here
/// (camelCase: <c>learningRate</c>, <c>batchSize</c>, ...), so this class is the single list of options.
/// </summary>
public sealed class TrainingOptions
{
    /// <summary>The algorithm (downhill's default: RMSProp).</summary>
    public Algo Algo { get; set; } = Algo.RmsProp;

    /// <summary>The learning rate α (default 1e-4). ADADELTA ignores it; RProp uses it as its initial step.</summary>
    public double LearningRate { get; set; } = 1e-4;

    /// <summary>The momentum μ (default 0: none). Wraps every algorithm.</summary>
    public double Momentum { get; set; }

    /// <summary>Use Nesterov momentum (default false; NAG forces it on).</summary>
    public bool Nesterov { get; set; }

    /// <summary>Rows per batch (default 32); 0 or less: the whole data set in one batch.</summary>
    public int BatchSize { get; set; } = 32;

    /// <summary>How a batch's rows combine: <see cref="Reduction.Mean"/> (default) or <see cref="Reduction.Sum"/>; monitors are always means.</summary>
    public Reduction Reduction { get; set; } = Reduction.Mean;

    /// <summary>Training batches per epoch (default: every batch once).</summary>
    public int? TrainBatches { get; set; }

    /// <summary>Validation batches per validation (default: every batch once).</summary>
    public int? ValidBatches { get; set; }

    /// <summary>Validate every this many epochs (default 10); validation also runs before the first epoch.</summary>
    public int ValidateEvery { get; set; } = 10;

    /// <summary>Failed validations tolerated after the best before stopping (default 5).</summary>
    public int Patience { get; set; } = 5;

    /// <summary>Relative improvement over the best validation loss that counts as progress (default 0).</summary>
    public double MinImprovement { get; set; }

    /// <summary>Stop after this many epochs (default: no limit).</summary>
    public int? MaxUpdates { get; set; }

    /// <summary>Rescale each parameter's gradient to at most this L2 norm (default 0: off).</summary>
    public double MaxGradientNorm { get; set; }

    /// <summary>Clip each gradient element to [-c, c] (default 0: off); wins over <see cref="MaxGradientNorm"/>.</summary>
    public double MaxGradientElem { get; set; }

    /// <summary>Report the squared norm of each parameter's raw gradient as <c>grad(name)</c> (default false).</summary>
    public bool MonitorGradients { get; set; }

    /// <summary>Halflife in steps of the RMSProp, ADADELTA and ESGD averages (default 14).</summary>
    public double RmsHalflife { get; set; } = 14;

    /// <summary>ε added under the roots of AdaGrad, RMSProp, ADADELTA, ESGD and outside Adam's (default 1e-8).</summary>
    public double RmsRegularizer { get; set; } = 1e-8;

    /// <summary>Adam's first-moment decay β1 (default exp(-ln2/7) ≈ 0.9057, downhill's halflife of 7 steps).</summary>
    public double? Beta1 { get; set; }

    /// <summary>Adam's second-moment decay β2 (default exp(-ln2/69) ≈ 0.9900, downhill's halflife of 69 steps).</summary>
    public double? Beta2 { get; set; }

    /// <summary>Adam's first-moment halflife in steps (default 7), used when <see cref="Beta1"/> is not set.</summary>
    public double Beta1Halflife { get; set; } = 7;

    /// <summary>Adam's second-moment halflife in steps (default 69), used when <see cref="Beta2"/> is not set.</summary>
    public double Beta2Halflife { get; set; } = 69;

    /// <summary>RProp's step growth when the gradient keeps its sign (default 1.01).</summary>
    public double RPropIncrease { get; set; } = 1.01;

    /// <summary>RProp's step shrink when the gradient changes sign (default 0.99).</summary>
    public double RPropDecrease { get; set; } = 0.99;

    /// <summary>RProp's smallest step (default 0).</summary>
    public double RPropMinStep { get; set; }

    /// <summary>RProp's largest step (default 100).</summary>
    public double RPropMaxStep { get; set; } = 100;

    /// <summary>AdamW's decoupled weight decay λ (default 0.01): θ ← θ − α·λ·θ each step.</summary>
    public double WeightDecay { get; set; } = 0.01;

    /// <summary>Seed of every random choice (batch order, ESGD's vectors); the same seed gives the same run bit for bit.</summary>
    public int Seed { get; set; }

    /// <summary>Shuffle rows (not just the order of batches) after each pass (default false, as downhill).</summary>
    public bool ShuffleRows { get; set; }

    /// <summary>Threads for batch evaluation (default: every core). Results do not depend on it.</summary>
    public int? Threads { get; set; }

    /// <summary>Show a progress display on the console (plain lines when output is redirected; default false).</summary>
    public bool ShowProgress { get; set; }

    /// <summary>Receives a report after every epoch.</summary>
    public IProgress<EpochReport>? Progress { get; set; }

    /// <summary>Write a checkpoint to this path every <see cref="CheckpointEvery"/> epochs, and resume from it if it exists.</summary>
    public string? CheckpointPath { get; set; }

    /// <summary>Epochs between checkpoints (default 10).</summary>
    public int CheckpointEvery { get; set; } = 10;

    /// <summary>Stops training (keeping the best parameters) when cancelled.</summary>
    public CancellationToken CancellationToken { get; set; }

    /// <summary>
    /// Train data-parallel over these ranks (default null: this process alone), e.g. <c>Downhill.Mpi.MpiCommunicator.World</c>
    /// under <c>mpirun</c>. Every rank passes the same data; each evaluates its contiguous share of every batch, the
    /// sums are combined and every rank applies the same update, so the parameters and the result are the same on
    /// every rank (and, by default, bit for bit those of one process). Rank 0 alone shows progress and writes checkpoints.
    /// </summary>
    public ICommunicator? Communicator { get; set; }

    /// <summary>
    /// With a <see cref="Communicator"/>: sum each rank's share locally and allreduce the sums in buckets of
    /// <see cref="AllreduceBucketBytes"/> (faster on many ranks; the bits then depend on the rank count). Default
    /// false: the sums are combined in chunk order, giving one process's bits.
    /// </summary>
    public bool BucketedAllreduce { get; set; }

    /// <summary>Bytes per allreduce with <see cref="BucketedAllreduce"/>, and per message of the ordered combination's pipelined chain (default 25 MiB, as PyTorch's DDP; at least 1024).</summary>
    public int AllreduceBucketBytes { get; set; } = 25 << 20;
}
