using System.Numerics;
using System.Runtime.InteropServices;

namespace Downhill.Optimizers;

/// <summary>
/// Computes the batch-mean Hessian-vector product H·<paramref name="tangent"/> at the current parameters and
/// batch, writing (not adding) it to <paramref name="product"/>; one array per parameter.
/// </summary>
/// <typeparam name="T">The loss's element type.</typeparam>
public delegate void HessianVectorProduct<T>(T[][] tangent, T[][] product)
    where T : unmanaged, IFloatingPointIeee754<T>;

/// <summary>
/// A stochastic optimizer in downhill's form (reference: downhill.md, "Algorithms"). Every step, for each
/// parameter tensor p with batch gradient g: clip g (element clipping to [−c, c] when
/// <see cref="MaxGradientElem"/> &gt; 0, else rescaling to L2 norm at most <see cref="MaxGradientNorm"/> when that
/// is &gt; 0); let the algorithm compute the step D (<see cref="ComputeDelta{T}"/>); then apply momentum μ:
/// μ = 0: p ← p − D; classical: v ← μv − D, p ← p + v; Nesterov (downhill HEAD form): v ← μ²v − (1+μ)D, p ← p + v.
/// </summary>
/// <remarks>
/// Per-element state lives in arrays of the parameters' element type, <see cref="StateSlots"/> of them per
/// parameter, allocated on the first step (all zero, as in downhill) and reached with <see cref="State{T}"/>.
/// To add an algorithm, subclass this, declare the state slots, and implement <see cref="ComputeDelta{T}"/>.
/// Steps allocate nothing once the state exists.
/// </remarks>
public abstract class Optimizer
{
    private Array[][]? state;
    private Array[]? velocity;
    private int[]? sizes;

    /// <summary>
    /// The per-step decay of a running average with the given halflife in steps: exp(−ln 2 / halflife), the
    /// form downhill takes its RMS and Adam decays in (halflife 14 → 0.9517).
    /// </summary>
    /// <param name="halflife">Steps after which an old value's weight has halved.</param>
    protected static double DecayForHalflife(double halflife) => Math.Exp(-Math.Log(2) / halflife);

    /// <summary>Reads the options every algorithm shares (validated: see <see cref="TrainingOptionsValidation"/>).</summary>
    /// <param name="options">The training options.</param>
    protected Optimizer(TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        TrainingOptionsValidation.Validate(options);
        LearningRate = options.LearningRate;
        Momentum = options.Momentum;
        Nesterov = options.Nesterov;
        MaxGradientNorm = options.MaxGradientNorm;
        MaxGradientElem = options.MaxGradientElem;
    }

    /// <summary>The names <see cref="Create(string, TrainingOptions)"/> accepts (case-insensitive).</summary>
    public static IReadOnlyList<string> Names => AlgorithmRegistry.Names;

    /// <summary>The learning rate α.</summary>
    public double LearningRate { get; }

    /// <summary>The momentum μ wrapped around the algorithm (0: none).</summary>
    public double Momentum { get; }

    /// <summary>Whether momentum takes downhill's Nesterov form v ← μ²v − (1+μ)D.</summary>
    public bool Nesterov { get; protected set; }

    /// <summary>Per-tensor gradient norm limit (0: off).</summary>
    public double MaxGradientNorm { get; }

    /// <summary>Per-element gradient limit (0: off); wins over <see cref="MaxGradientNorm"/>.</summary>
    public double MaxGradientElem { get; }

    /// <summary>Steps taken so far (t in Adam's bias correction).</summary>
    public long Steps { get; private set; }

    /// <summary>Per-element state arrays each parameter needs (0 for SGD).</summary>
    protected virtual int StateSlots => 0;

    /// <summary>
    /// Builds the optimizer <paramref name="algo"/> with the hyperparameters of <paramref name="options"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    /// <exception cref="ArgumentException">An option is set that <paramref name="algo"/> ignores (see <see cref="TrainingOptionsValidation.ValidateForAlgorithm"/>).</exception>
    public static Optimizer Create(Algo algo, TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        TrainingOptionsValidation.Validate(options);
        TrainingOptionsValidation.ValidateForAlgorithm(algo, options);
        return Build(algo, options);
    }

    private static Optimizer Build(Algo algo, TrainingOptions options) =>
        (AlgorithmRegistry.Find(algo) ?? throw new ArgumentOutOfRangeException(nameof(algo), algo, $"Unknown algorithm. {AlgorithmRegistry.ValidNames}")).Build(options);

    /// <summary>Builds an optimizer by downhill's name (one of <see cref="Names"/>: sgd, nag, ...), case-insensitive.</summary>
    /// <exception cref="ArgumentException">The name is unknown; the message lists the valid names.</exception>
    public static Optimizer Create(string name, TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Create(ParseAlgo(name), options);
    }

    /// <summary>The <see cref="Algo"/> named <paramref name="name"/> (case-insensitive).</summary>
    /// <exception cref="ArgumentException">The name is unknown; the message lists the valid names.</exception>
    public static Algo ParseAlgo(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return AlgorithmRegistry.Find(name)?.Algo ?? throw new ArgumentException($"Unknown algorithm '{name}'. {AlgorithmRegistry.ValidNames}", nameof(name));
    }

    /// <summary>Whether the algorithm calls a Hessian-vector product every step (ESGD).</summary>
    public virtual bool NeedsHessianVector => false;

    /// <summary>
    /// Takes one step: clips each gradient, computes the algorithm's step D and applies it with momentum.
    /// <paramref name="gradients"/> are overwritten (they hold D afterwards).
    /// </summary>
    /// <param name="parameters">The parameters, updated in place.</param>
    /// <param name="gradients">The batch-mean gradients, one array per parameter, same lengths.</param>
    /// <param name="hessianVector">The Hessian-vector product at this batch; required when <see cref="NeedsHessianVector"/>.</param>
    public void Step<T>(T[][] parameters, T[][] gradients, HessianVectorProduct<T>? hessianVector = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(gradients);
        EnsureState<T>(parameters, gradients);
        Steps++;
        BeginStep(parameters, hessianVector);
        T mu = T.CreateTruncating(Momentum);
        for (int i = 0; i < parameters.Length; i++)
        {
            Span<T> g = gradients[i];
            Clip(g);
            ComputeDelta<T>(i, parameters[i], g);
            Span<T> p = parameters[i];
            if (Momentum == 0)
            {
                int j = 0;
                if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
                {
                    for (; j <= p.Length - Vector<T>.Count; j += Vector<T>.Count)
                    {
                        (new Vector<T>(p[j..]) - new Vector<T>(g[j..])).CopyTo(p[j..]);
                    }
                }

                for (; j < p.Length; j++)
                {
                    p[j] -= g[j];
                }
            }
            else
            {
                Span<T> v = (T[])velocity![i];
                if (Nesterov)
                {
                    T mu2 = mu * mu;
                    T onePlus = T.One + mu;
                    for (int j = 0; j < p.Length; j++)
                    {
                        T vj = (mu2 * v[j]) - (onePlus * g[j]);
                        v[j] = vj;
                        p[j] += vj;
                    }
                }
                else
                {
                    for (int j = 0; j < p.Length; j++)
                    {
                        T vj = (mu * v[j]) - g[j];
                        v[j] = vj;
                        p[j] += vj;
                    }
                }
            }
        }
    }

    /// <summary>
    /// Called once per step before the per-parameter updates, with the clipped gradients not yet computed;
    /// ESGD draws its random vector and takes the Hessian-vector product here.
    /// </summary>
    protected virtual void BeginStep<T>(T[][] parameters, HessianVectorProduct<T>? hessianVector)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
    }

    /// <summary>
    /// The algorithm: replaces the clipped gradient in <paramref name="gradientToDelta"/> with the step D to subtract,
    /// updating the state of parameter <paramref name="index"/>.
    /// </summary>
    protected abstract void ComputeDelta<T>(int index, ReadOnlySpan<T> parameter, Span<T> gradientToDelta)
        where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>State slot <paramref name="slot"/> of parameter <paramref name="index"/>, one element per parameter element.</summary>
    protected Span<T> State<T>(int index, int slot)
        where T : unmanaged, IFloatingPointIeee754<T> => (T[])state![index][slot];

    /// <summary>The lengths of the parameters this optimizer was first stepped with (null before the first step).</summary>
    protected IReadOnlyList<int>? ParameterSizes => sizes;

    /// <summary>Clips a gradient in place: element clipping to [−c, c] if set, else norm rescaling g·min(1, c/‖g‖₂).</summary>
    protected void Clip<T>(Span<T> g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (MaxGradientElem > 0)
        {
            T c = T.CreateTruncating(MaxGradientElem);
            for (int j = 0; j < g.Length; j++)
            {
                g[j] = T.Clamp(g[j], -c, c);
            }
        }
        else if (MaxGradientNorm > 0)
        {
            double sq = 0;
            for (int j = 0; j < g.Length; j++)
            {
                double x = double.CreateTruncating(g[j]);
                sq += x * x;
            }

            double norm = Math.Sqrt(sq);
            if (norm > MaxGradientNorm)
            {
                T scale = T.CreateTruncating(MaxGradientNorm / norm);
                for (int j = 0; j < g.Length; j++)
                {
                    g[j] *= scale;
                }
            }
        }
    }

    /// <summary>Allocates state on the first step; checks that later steps see the same shapes and element type.</summary>
    private void EnsureState<T>(T[][] parameters, T[][] gradients)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (gradients.Length != parameters.Length)
        {
            throw new ArgumentException($"Got {gradients.Length} gradient arrays for {parameters.Length} parameters.", nameof(gradients));
        }

        if (state is null)
        {
            sizes = new int[parameters.Length];
            state = new Array[parameters.Length][];
            velocity = Momentum != 0 ? new Array[parameters.Length] : null;
            for (int i = 0; i < parameters.Length; i++)
            {
                sizes[i] = parameters[i].Length;
                state[i] = new Array[StateSlots];
                for (int s = 0; s < StateSlots; s++)
                {
                    state[i][s] = new T[sizes[i]];
                }

                if (velocity is not null)
                {
                    velocity[i] = new T[sizes[i]];
                }
            }

            InitializeState<T>();
        }
        else
        {
            if (parameters.Length != sizes!.Length || (StateSlots > 0 && state[0].Length > 0 && state[0][0] is not T[]))
            {
                throw new ArgumentException("The optimizer was first used with parameters of another count or element type.", nameof(parameters));
            }
        }

        for (int i = 0; i < parameters.Length; i++)
        {
            if (parameters[i].Length != sizes![i] || gradients[i].Length != sizes[i])
            {
                throw new ArgumentException($"Parameter {i} has {parameters[i].Length} elements and gradient {gradients[i].Length}; the optimizer's state has {sizes[i]}.", nameof(parameters));
            }
        }
    }

    /// <summary>Called once after the state arrays are allocated (zero), e.g. for RProp's initial step sizes.</summary>
    protected virtual void InitializeState<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
    }

    /// <summary>Writes the step count and every state array (for checkpoints).</summary>
    public void WriteState(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(GetType().FullName ?? GetType().Name);
        writer.Write(Steps);
        writer.Write(state is not null);
        if (state is not null)
        {
            writer.Write(sizes!.Length);
            foreach (int n in sizes)
            {
                writer.Write(n);
            }

            for (int i = 0; i < state.Length; i++)
            {
                foreach (Array a in state[i])
                {
                    WriteArray(writer, a);
                }

                if (velocity is not null)
                {
                    WriteArray(writer, velocity[i]);
                }
            }
        }

        WriteExtraState(writer);
    }

    /// <summary>Restores what <see cref="WriteState"/> wrote; <typeparamref name="T"/> is the parameters' element type.</summary>
    /// <exception cref="InvalidDataException">The state belongs to another algorithm or other shapes.</exception>
    public void ReadState<T>(BinaryReader reader)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(reader);
        string type = reader.ReadString();
        if (type != (GetType().FullName ?? GetType().Name))
        {
            throw new InvalidDataException($"The checkpoint holds the state of optimizer {type}, not {GetType().FullName}.");
        }

        Steps = reader.ReadInt64();
        if (reader.ReadBoolean())
        {
            int count = reader.ReadInt32();
            var fakeParams = new T[count][];
            for (int i = 0; i < count; i++)
            {
                fakeParams[i] = new T[reader.ReadInt32()];
            }

            state = null;
            EnsureState(fakeParams, fakeParams);
            for (int i = 0; i < count; i++)
            {
                foreach (Array a in state![i])
                {
                    ReadArray(reader, (T[])a);
                }

                if (velocity is not null)
                {
                    ReadArray(reader, (T[])velocity[i]);
                }
            }
        }

        ReadExtraState(reader);
    }

    /// <summary>Writes state beyond the per-element slots (ESGD's random generator); nothing by default.</summary>
    protected virtual void WriteExtraState(BinaryWriter writer)
    {
    }

    /// <summary>Reads what <see cref="WriteExtraState"/> wrote.</summary>
    protected virtual void ReadExtraState(BinaryReader reader)
    {
    }

    private static void WriteArray(BinaryWriter writer, Array a)
    {
        ReadOnlySpan<byte> bytes = a switch
        {
            double[] d => MemoryMarshal.AsBytes(d.AsSpan()),
            float[] f => MemoryMarshal.AsBytes(f.AsSpan()),
            _ => throw new InvalidOperationException($"Unsupported state element type {a.GetType()}."),
        };
        writer.Write(bytes.Length);
        writer.Write(bytes);
    }

    private static void ReadArray<T>(BinaryReader reader, T[] a)
        where T : unmanaged
    {
        int n = reader.ReadInt32();
        Span<byte> bytes = MemoryMarshal.AsBytes(a.AsSpan());
        if (n != bytes.Length)
        {
            throw new InvalidDataException($"A state array in the checkpoint has {n} bytes; expected {bytes.Length}.");
        }

        reader.BaseStream.ReadExactly(bytes);
    }
}
