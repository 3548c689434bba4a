using System.Numerics;
using Downhill.Cuda.Kernels;
using Downhill.Optimizers;

namespace Downhill.Cuda.Training;

/// <summary>
/// Takes an <see cref="Optimizer"/>'s steps on the device: the parameters, gradients and the algorithm's state
/// stay in device buffers (the layout of the generated kernels: every <c>[Param]</c> concatenated), and one
/// launch per parameter tensor runs clipping, the algorithm and momentum (<see cref="OptimizerKernels"/>), so a
/// step copies nothing to the host. With the same inputs a step gives the bits of <see cref="Optimizer.Step{T}"/>,
/// except after norm clipping, whose sum of squares is added in another order.
/// </summary>
/// <typeparam name="T"><see cref="double"/> or <see cref="float"/>.</typeparam>
public sealed class CudaOptimizer<T> : IDisposable
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private const int Threads = 256;

    private static readonly Dictionary<Type, Algo> ByType = new()
    {
        [typeof(Sgd)] = Algo.Sgd, [typeof(Nag)] = Algo.Nag, [typeof(RProp)] = Algo.RProp, [typeof(AdaGrad)] = Algo.AdaGrad,
        [typeof(RmsProp)] = Algo.RmsProp, [typeof(AdaDelta)] = Algo.AdaDelta, [typeof(Esgd)] = Algo.Esgd, [typeof(Adam)] = Algo.Adam,
        [typeof(AdamW)] = Algo.AdamW,
    };

    private readonly Optimizer optimizer;
    private readonly int[] sizes;
    private readonly int[] offsets;
    private readonly CudaKernel update;
    private readonly CudaKernel sumSquares;
    private readonly CudaKernel clipNorm;
    private readonly DeviceBuffer<T> state0;
    private readonly DeviceBuffer<T> state1;
    private readonly DeviceBuffer<T> velocity;
    private readonly DeviceBuffer<double> partials;

    /// <summary>Compiles (or finds cached) the update kernels and allocates zeroed state for parameters of <paramref name="sizes"/> elements.</summary>
    /// <param name="device">The device the parameters live on.</param>
    /// <param name="optimizer">The algorithm and its hyperparameters (its own state is not used).</param>
    /// <param name="sizes">Each parameter tensor's length, in schema order.</param>
    public CudaOptimizer(CudaDevice device, Optimizer optimizer, IReadOnlyList<int> sizes)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(sizes);
        this.optimizer = optimizer;
        Algo = AlgoOf(optimizer);
        this.sizes = [.. sizes];
        offsets = new int[this.sizes.Length];
        for (int i = 1; i < offsets.Length; i++)
        {
            offsets[i] = offsets[i - 1] + this.sizes[i - 1];
        }

        int total = this.sizes.Sum();
        CudaModule module = device.LoadModule(OptimizerKernels.Source(typeof(T) == typeof(float)), OptimizerKernels.CompileOptions);
        update = module.GetKernel(OptimizerKernels.KernelName(Algo));
        sumSquares = module.GetKernel("dh_opt_sumsq");
        clipNorm = module.GetKernel("dh_opt_clip_norm");
        state0 = device.Allocate<T>(total);
        state1 = device.Allocate<T>(total);
        velocity = device.Allocate<T>(total);
        partials = device.Allocate<double>(Blocks(this.sizes.DefaultIfEmpty(1).Max()));
        state1.Clear();
        velocity.Clear();
        if (Algo == Algo.RProp)
        {
            // RProp.InitializeState: every step size starts at the learning rate.
            state0.CopyFrom(Enumerable.Repeat(T.CreateTruncating(optimizer.LearningRate), total).ToArray());
        }
        else
        {
            state0.Clear();
        }
    }

    /// <summary>The algorithm the kernels run.</summary>
    public Algo Algo { get; }

    /// <summary>Steps taken (t in Adam's bias correction).</summary>
    public long Steps { get; private set; }

    /// <summary>
    /// One step: <paramref name="gradients"/> (batch means, overwritten with the step D as on the CPU) updates
    /// <paramref name="parameters"/>; ESGD also reads <paramref name="hessianVector"/>, H·r for this step's random r.
    /// </summary>
    public void Step(DeviceBuffer<T> parameters, DeviceBuffer<T> gradients, DeviceBuffer<T>? hessianVector = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(gradients);
        if (Algo == Algo.Esgd && hessianVector is null)
        {
            throw new ArgumentNullException(nameof(hessianVector), "ESGD needs the loss's Hessian-vector product every step.");
        }

        Steps++;
        T[] h = ConstantsAt(optimizer, Steps);
        T mu = T.CreateTruncating(optimizer.Momentum);
        int mode = optimizer.Momentum == 0 ? 0 : optimizer.Nesterov ? 2 : 1;
        T clip = optimizer.MaxGradientElem > 0 ? T.CreateTruncating(optimizer.MaxGradientElem) : T.Zero;
        ulong elementSize = (ulong)System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        for (int i = 0; i < sizes.Length; i++)
        {
            int n = sizes[i];
            ulong at = (ulong)offsets[i] * elementSize;
            if (optimizer.MaxGradientElem <= 0 && optimizer.MaxGradientNorm > 0)
            {
                int blocks = Blocks(n);
                sumSquares.Launch(blocks, Threads, 0, new KernelArguments().Add(n).AddPointer(gradients.Pointer + at).Add(partials));
                clipNorm.Launch(blocks, Threads, 0, new KernelArguments().Add(n).AddPointer(gradients.Pointer + at).Add(partials).Add(blocks).Add(optimizer.MaxGradientNorm));
            }

            var args = new KernelArguments().Add(n)
                .AddPointer(parameters.Pointer + at).AddPointer(gradients.Pointer + at)
                .AddPointer(state0.Pointer + at).AddPointer(state1.Pointer + at).AddPointer(velocity.Pointer + at)
                .AddPointer(hessianVector is null ? 0 : hessianVector.Pointer + at);
            foreach (T x in h)
            {
                Real(args, x);
            }

            Real(args, mu);
            Real(args, mu * mu);
            Real(args, T.One + mu);
            args.Add(mode);
            Real(args, clip);
            update.Launch(Blocks(n), Threads, 0, args);
        }
    }

    /// <summary>Frees the state buffers.</summary>
    public void Dispose()
    {
        state0.Dispose();
        state1.Dispose();
        velocity.Dispose();
        partials.Dispose();
    }

    /// <summary>The algorithm's constants h0…h8 at step <paramref name="steps"/> (from 1), in the parameters' type, converted as its C# class converts them.</summary>
    internal static T[] ConstantsAt(Optimizer optimizer, long steps)
    {
        var h = new T[9];
        T Of(double x) => T.CreateTruncating(x);
        switch (optimizer)
        {
            case RProp r:
                (h[0], h[1], h[2], h[3]) = (Of(r.Increase), Of(r.Decrease), Of(r.MinStep), Of(r.MaxStep));
                break;
            case AdaGrad a:
                (h[0], h[1]) = (Of(a.LearningRate), Of(a.Epsilon));
                break;
            case RmsProp r:
                (h[0], h[1], h[2], h[3]) = (Of(r.LearningRate), Of(r.Decay), Of(1 - r.Decay), Of(r.Epsilon));
                break;
            case AdaDelta a:
                (h[1], h[2], h[3]) = (Of(a.Decay), Of(1 - a.Decay), Of(a.Epsilon));
                break;
            case Esgd e:
                (h[0], h[1], h[2], h[3]) = (Of(e.LearningRate), Of(e.Decay), Of(1 - e.Decay), Of(e.Epsilon));
                break;
            case Adam a:
                (h[0], h[1], h[2], h[3], h[4], h[5]) = (Of(a.LearningRate), Of(a.Beta1), Of(1 - a.Beta1), Of(a.Beta2), Of(1 - a.Beta2), Of(a.Epsilon));
                h[6] = Of(1 / (1 - Math.Pow(a.Beta1, steps)));
                h[7] = Of(1 / (1 - Math.Pow(a.Beta2, steps)));
                h[8] = a is AdamW w ? Of(w.LearningRate * w.WeightDecay) : T.Zero;
                break;
            default:
                h[0] = Of(optimizer.LearningRate);
                break;
        }

        return h;
    }

    // By exact type: a subclass of a built-in algorithm may compute another step.
    private static Algo AlgoOf(Optimizer optimizer) =>
        ByType.TryGetValue(optimizer.GetType(), out Algo algo) ? algo : throw new ArgumentException($"The optimizer {optimizer.GetType().Name} has no CUDA update kernel; the built-in algorithms do.", nameof(optimizer));

    private static int Blocks(int n) => Math.Max(1, (n + Threads - 1) / Threads);

    private static void Real(KernelArguments args, T value)
    {
        if (typeof(T) == typeof(float))
        {
            args.Add(float.CreateTruncating(value));
        }
        else
        {
            args.Add(double.CreateTruncating(value));
        }
    }
}
