namespace Downhill;

/// <summary>
/// Every option of <c>Minimize</c> and <c>Iterate</c>, with downhill's names in .NET style and its defaults.
/// The generated typed <c>Minimize</c> methods take one optional argument per settable property here
/// (camelCase: <c>learningRate</c>, <c>batchSize</c>, ...), so this class is the single list of options.
/// An algorithm-specific option set for an algorithm that ignores it (a weight decay with RMSProp, say) is refused
/// before training by <see cref="TrainingOptionsValidation.ValidateForAlgorithm"/>, so no setting silently does nothing.
/// </summary>
public sealed class TrainingOptions
{
    // The algorithm-specific options a caller set, so that one the chosen algorithm ignores is refused by name.
    private readonly HashSet<string> explicitlySet = new(StringComparer.Ordinal);
    private double learningRate = 1e-4;
    private bool nesterov;
    private double rmsHalflife = 14;
    private double rmsRegularizer = 1e-8;
    private double? beta1;
    private double? beta2;
    private double beta1Halflife = 7;
    private double beta2Halflife = 69;
    private double rpropIncrease = 1.01;
    private double rpropDecrease = 0.99;
    private double rpropMinStep;
    private double rpropMaxStep = 100;
    private double weightDecay = 0.01;

    /// <summary>The algorithm (downhill's default: RMSProp).</summary>
    public Algo Algo { get; set; } = Algo.RmsProp;

    /// <summary>The learning rate α &gt; 0 (default 1e-4). ADADELTA has none (setting it is refused); RProp uses it as its initial step.</summary>
    public double LearningRate { get => learningRate; set => learningRate = Mark(value, nameof(LearningRate)); }

    /// <summary>The momentum μ (default 0: none). Wraps every algorithm.</summary>
    public double Momentum { get; set; }

    /// <summary>Use Nesterov momentum (default false; NAG forces it on).</summary>
    public bool Nesterov { get => nesterov; set => nesterov = Mark(value, nameof(Nesterov)); }

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

    /// <summary>Clip each gradient element to [-c, c] (default 0: off); it would win over <see cref="MaxGradientNorm"/>, so setting both is refused.</summary>
    public double MaxGradientElem { get; set; }

    /// <summary>Report the squared norm of each parameter's raw gradient as <c>grad(name)</c> (default false).</summary>
    public bool MonitorGradients { get; set; }

    /// <summary>Halflife in steps of the RMSProp, ADADELTA and ESGD averages (default 14).</summary>
    public double RmsHalflife { get => rmsHalflife; set => rmsHalflife = Mark(value, nameof(RmsHalflife)); }

    /// <summary>ε added under the roots of AdaGrad, RMSProp, ADADELTA, ESGD and outside Adam's (default 1e-8).</summary>
    public double RmsRegularizer { get => rmsRegularizer; set => rmsRegularizer = Mark(value, nameof(RmsRegularizer)); }

    /// <summary>Adam's first-moment decay β1 (default exp(-ln2/7) ≈ 0.9057, downhill's halflife of 7 steps).</summary>
    public double? Beta1 { get => beta1; set => beta1 = Mark(value, nameof(Beta1)); }

    /// <summary>Adam's second-moment decay β2 (default exp(-ln2/69) ≈ 0.9900, downhill's halflife of 69 steps).</summary>
    public double? Beta2 { get => beta2; set => beta2 = Mark(value, nameof(Beta2)); }

    /// <summary>Adam's first-moment halflife in steps (default 7), used when <see cref="Beta1"/> is not set.</summary>
    public double Beta1Halflife { get => beta1Halflife; set => beta1Halflife = Mark(value, nameof(Beta1Halflife)); }

    /// <summary>Adam's second-moment halflife in steps (default 69), used when <see cref="Beta2"/> is not set.</summary>
    public double Beta2Halflife { get => beta2Halflife; set => beta2Halflife = Mark(value, nameof(Beta2Halflife)); }

    /// <summary>RProp's step growth when the gradient keeps its sign (default 1.01).</summary>
    public double RPropIncrease { get => rpropIncrease; set => rpropIncrease = Mark(value, nameof(RPropIncrease)); }

    /// <summary>RProp's step shrink when the gradient changes sign (default 0.99).</summary>
    public double RPropDecrease { get => rpropDecrease; set => rpropDecrease = Mark(value, nameof(RPropDecrease)); }

    /// <summary>RProp's smallest step (default 0).</summary>
    public double RPropMinStep { get => rpropMinStep; set => rpropMinStep = Mark(value, nameof(RPropMinStep)); }

    /// <summary>RProp's largest step (default 100).</summary>
    public double RPropMaxStep { get => rpropMaxStep; set => rpropMaxStep = Mark(value, nameof(RPropMaxStep)); }

    /// <summary>AdamW's decoupled weight decay λ (default 0.01): θ ← θ − α·λ·θ each step.</summary>
    public double WeightDecay { get => weightDecay; set => weightDecay = Mark(value, nameof(WeightDecay)); }

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
    /// What a run does when the checkpoint at <see cref="CheckpointPath"/> was written by another run: other
    /// training or validation data, initial parameters, hyperparameters, or an option that changes the trajectory
    /// (every option except <see cref="MaxUpdates"/>, <see cref="Patience"/>, <see cref="Threads"/>, the progress
    /// and checkpoint options and the cancellation token). <see cref="CheckpointMismatch.Refuse"/> (default) throws
    /// before training, naming what differs; <see cref="CheckpointMismatch.StartFresh"/> ignores the checkpoint and
    /// overwrites it at the next save.
    /// </summary>
    public CheckpointMismatch OnCheckpointMismatch { get; set; }

    /// <summary>Whether the option named <paramref name="name"/> was set (even to its default), for the checks of options an algorithm ignores.</summary>
    internal bool IsSet(string name) => explicitlySet.Contains(name);

    private T Mark<T>(T value, string name)
    {
        explicitlySet.Add(name);
        return value;
    }

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

    /// <summary>
    /// Where batches are evaluated (default <see cref="Downhill.Device.Cpu"/>): <see cref="Downhill.Device.Cuda"/> on an
    /// NVIDIA GPU through <c>Downhill.Cuda</c> (refused before training when that cannot be), or
    /// <see cref="Downhill.Device.Auto"/>: the GPU when a driver, a device and the backend are present, else the CPU with
    /// one line on standard error saying why. Data-parallel training (<see cref="Communicator"/>) runs on the CPU.
    /// </summary>
    public Device Device { get; set; }
}
