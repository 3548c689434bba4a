using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Text;

namespace Downhill.Cuda.Training;

/// <summary>
/// Evaluates a generated loss's batches on the GPU with the kernels of its <c>CudaSource</c> (the ABI in
/// docs/cuda.md): one thread per example, data lane-major, per-block partial sums combined by the reduce kernels
/// in block order, so a batch gives the same bits on every run. A batch's data is uploaded once and kept on the
/// device (up to <see cref="DataBudgetBytes"/>); the parameters go up and the sums come back per call.
/// </summary>
/// <typeparam name="T">The loss's element type.</typeparam>
public sealed class CudaEvaluator<T> : IDeviceEvaluator<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Threads per block of the example kernels.</summary>
    public const int ThreadsPerBlock = 256;

    private readonly CudaDevice device;
    private readonly LossSchema schema;
    private readonly Reduction reduction;
    private readonly int[] sizes;
    private readonly int totalParams;
    private readonly CudaKernel workspace, loss, gradient, hvp, reduce, reduceLoss;
    private readonly DeviceBuffer<T> parameters, tangent, sums;
    private readonly DeviceBuffer<T>? hypers;
    private readonly DeviceBuffer<LossRecord> lossSum;
    private readonly DeviceBuffer<ulong> status;
    private readonly KernelErrors errors;
    private readonly Dictionary<BatchKey, DeviceBatch> batches = [];
    private readonly T[] host;
    private long cachedBytes;
    private Scratch? scratch;

    /// <summary>Compiles (or finds cached) <paramref name="cudaSource"/> for <paramref name="device"/> and allocates the parameter buffers.</summary>
    /// <param name="device">The GPU.</param>
    /// <param name="model">The loss (its schema names the kernels).</param>
    /// <param name="cudaSource">The descriptor's <c>CudaSource</c>.</param>
    /// <param name="parameterSizes">Each parameter's length.</param>
    /// <param name="reduction">Mean or sum over a batch's rows.</param>
    public CudaEvaluator(CudaDevice device, ILossModel<T> model, string cudaSource, IReadOnlyList<int> parameterSizes, Reduction reduction)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(cudaSource);
        ArgumentNullException.ThrowIfNull(parameterSizes);
        this.device = device;
        schema = model.Schema;
        this.reduction = reduction;
        sizes = [.. parameterSizes];
        totalParams = sizes.Sum();
        string prefix = KernelPrefix(schema.Name);
        CudaModule module = device.LoadModule(cudaSource);
        workspace = module.GetKernel(prefix + "_workspace");
        loss = module.GetKernel(prefix + "_loss");
        gradient = module.GetKernel(prefix + "_gradient");
        hvp = module.GetKernel(prefix + "_hvp");
        reduce = module.GetKernel(prefix + "_reduce");
        reduceLoss = module.GetKernel(prefix + "_reduce_loss");
        parameters = device.Allocate<T>(Math.Max(1, totalParams));
        tangent = device.Allocate<T>(Math.Max(1, totalParams));
        sums = device.Allocate<T>(Math.Max(1, totalParams));
        hypers = schema.Hypers.Count > 0 ? device.Allocate<T>(schema.Hypers.Count) : null;
        lossSum = device.Allocate<LossRecord>(1);
        // The error record starts empty; P_reduce_loss empties it again after every batch.
        status = device.Upload<ulong>([KernelErrors.NoError]);
        errors = KernelErrors.Parse(cudaSource);
        host = new T[Math.Max(1, totalParams)];
        Description = $"CUDA device {device.Ordinal}: {device.Name} ({device.Architecture})";
    }

    /// <summary>Device memory batches' data may take before the oldest are dropped (default: a quarter of the device).</summary>
    public long DataBudgetBytes { get; set; } = long.MaxValue;

    /// <inheritdoc/>
    public string Description { get; }

    /// <summary>
    /// The prefix of a loss's kernels (docs/cuda.md, Names): <c>dh_</c> + its schema name with <c>.</c> → <c>_</c>,
    /// <c>_</c> → <c>_1</c>, ASCII letters and digits kept, any other UTF-16 unit → <c>_x</c> + 4 hex digits.
    /// </summary>
    public static string KernelPrefix(string schemaName)
    {
        ArgumentNullException.ThrowIfNull(schemaName);
        var sb = new StringBuilder("dh_");
        foreach (char c in schemaName)
        {
            if (c == '.')
            {
                sb.Append('_');
            }
            else if (c == '_')
            {
                sb.Append("_1");
            }
            else if (char.IsAsciiLetterOrDigit(c))
            {
                sb.Append(c);
            }
            else
            {
                sb.Append("_x").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
        }

        return sb.ToString();
    }

    /// <summary>The messages of the loss's throw statements, from its source (docs/cuda.md, Errors).</summary>
    public KernelErrors Errors => errors;

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">An example of the batch threw (a span function's check, say): the C# path's exception and message, the lowest such row in its <c>Data["Row"]</c>.</exception>
    public double Loss(T[][] parameters, T[] hypers, in DataBatch batch)
    {
        DeviceBatch data = Prepare(parameters, hypers, batch);
        Scratch s = ScratchFor(data, 0);
        loss.Launch(data.Blocks, ThreadsPerBlock, 0, Common(data).Add(s.Work).Add(s.IntWork).Add(s.LossPartials).Add(status));
        return FinishLoss(data, s);
    }

    /// <inheritdoc/>
    public double LossAndGradient(T[][] parameters, T[] hypers, in DataBatch batch, T[][] gradient)
    {
        ArgumentNullException.ThrowIfNull(gradient);
        DeviceBatch data = Prepare(parameters, hypers, batch);
        Scratch s = ScratchFor(data, 1);
        this.gradient.Launch(data.Blocks, ThreadsPerBlock, 0, Common(data).Add(s.Work).Add(s.IntWork).Add(s.LossPartials).Add(s.Partials).Add(status));
        double value = FinishLoss(data, s);
        Reduce(data, s, gradient);
        return value;
    }

    /// <inheritdoc/>
    public double HessianVectorProduct(T[][] parameters, T[] hypers, in DataBatch batch, T[][] tangent, T[][] product)
    {
        ArgumentNullException.ThrowIfNull(tangent);
        ArgumentNullException.ThrowIfNull(product);
        DeviceBatch data = Prepare(parameters, hypers, batch);
        Concatenate(tangent, this.tangent);
        Scratch s = ScratchFor(data, 2);
        hvp.Launch(data.Blocks, ThreadsPerBlock, 0, Common(data).Add(this.tangent).Add(s.Work).Add(s.IntWork).Add(s.LossPartials).Add(s.Partials).Add(status));
        double value = FinishLoss(data, s);
        Reduce(data, s, product);
        return value;
    }

    /// <summary>Frees every device buffer (the device itself belongs to the caller).</summary>
    public void Dispose()
    {
        foreach (DeviceBatch b in batches.Values)
        {
            b.Dispose();
        }

        batches.Clear();
        scratch?.Dispose();
        parameters.Dispose();
        tangent.Dispose();
        sums.Dispose();
        hypers?.Dispose();
        lossSum.Dispose();
        status.Dispose();
    }

    private KernelArguments Common(DeviceBatch data) => new KernelArguments()
        .Add(data.Rows).Add(parameters).AddPointer(hypers?.Pointer ?? 0)
        .AddPointer(data.Real?.Pointer ?? 0).AddPointer(data.Int?.Pointer ?? 0).Add(data.Shape);

    /// <summary>The batch's loss and, in the same copy, the error record: an example that threw throws here, as on the CPU.</summary>
    private double FinishLoss(DeviceBatch data, Scratch s)
    {
        reduceLoss.Launch(1, 1, 0, new KernelArguments().Add(data.Blocks).Add(s.LossPartials).Add(status).Add(lossSum));
        var record = new LossRecord[1];
        lossSum.CopyTo(record);
        if (errors.ToException(record[0].Status, data.FirstRow) is { } error)
        {
            throw error;
        }

        return reduction == Reduction.Sum ? record[0].Loss : record[0].Loss / data.Rows;
    }

    /// <summary>The per-block partials summed in block order on the device, copied back and split per parameter.</summary>
    private void Reduce(DeviceBatch data, Scratch s, T[][] output)
    {
        if (totalParams == 0)
        {
            return;
        }

        reduce.Launch((totalParams + ThreadsPerBlock - 1) / ThreadsPerBlock, ThreadsPerBlock, 0,
            new KernelArguments().Add(data.Blocks).Add(totalParams).Add(s.Partials).Add(sums));
        sums.CopyTo(host.AsSpan(0, totalParams));
        T rows = T.CreateTruncating(data.Rows);
        int k = 0;
        for (int i = 0; i < sizes.Length; i++)
        {
            Span<T> dst = output[i];
            host.AsSpan(k, sizes[i]).CopyTo(dst);
            if (reduction == Reduction.Mean)
            {
                for (int j = 0; j < dst.Length; j++)
                {
                    dst[j] /= rows;
                }
            }

            k += sizes[i];
        }
    }

    private DeviceBatch Prepare(T[][] parameterValues, T[] hyperValues, in DataBatch batch)
    {
        ArgumentNullException.ThrowIfNull(parameterValues);
        ArgumentNullException.ThrowIfNull(hyperValues);
        Concatenate(parameterValues, parameters);
        if (hypers is not null)
        {
            hypers.CopyFrom(hyperValues);
        }

        var key = new BatchKey(batch.Columns, batch.Offset, batch.Rows);
        if (!batches.TryGetValue(key, out DeviceBatch? data))
        {
            data = DeviceBatch.Upload<T>(device, schema, sizes, batch);
            long budget = Math.Min(DataBudgetBytes, device.TotalMemory / 4);
            if (cachedBytes + data.Bytes > budget)
            {
                // A data set larger than the budget is uploaded batch by batch: drop the cached ones first.
                foreach (DeviceBatch old in batches.Values)
                {
                    old.Dispose();
                }

                batches.Clear();
                cachedBytes = 0;
            }

            batches.Add(key, data);
            cachedBytes += data.Bytes;
        }

        return data;
    }

    private void Concatenate(T[][] arrays, DeviceBuffer<T> destination)
    {
        if (arrays.Length != sizes.Length)
        {
            throw new ArgumentException($"Expected {sizes.Length} arrays (one per parameter), got {arrays.Length}.", nameof(arrays));
        }

        int k = 0;
        for (int i = 0; i < sizes.Length; i++)
        {
            if (arrays[i].Length != sizes[i])
            {
                throw new ArgumentException($"Parameter {schema.Params[i].Name} has {arrays[i].Length} elements; expected {sizes[i]}.", nameof(arrays));
            }

            arrays[i].CopyTo(host, k);
            k += sizes[i];
        }

        destination.CopyFrom(host.AsSpan(0, totalParams));
    }

    /// <summary>Partials and workspace for <paramref name="data"/>'s blocks and kernel <paramref name="kernel"/> (0 loss, 1 gradient, 2 HVP), grown when needed.</summary>
    private Scratch ScratchFor(DeviceBatch data, int kernel)
    {
        if (scratch is null || scratch.Blocks < data.Blocks || scratch.Kernels[kernel] == 0)
        {
            int most = Math.Max(data.Blocks, scratch?.Blocks ?? 0);
            long[] slots = WorkspaceSlots(data.Shape);
            scratch?.Dispose();
            scratch = new Scratch(device, most, Math.Max(1, totalParams), slots, kernel, scratch?.Kernels);
        }

        return scratch;
    }

    /// <summary>The real and int workspace slots per thread of each kernel (<c>P_workspace</c>).</summary>
    private long[] WorkspaceSlots(DeviceBuffer<int> shape)
    {
        using DeviceBuffer<long> output = device.Allocate<long>(6);
        workspace.Launch(1, 1, 0, new KernelArguments().Add(shape).Add(output));
        return output.ToArray();
    }

    /// <summary>What <c>P_reduce_loss</c> writes (<c>dh_loss_record</c>): the loss sum and the launch's error record.</summary>
    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    private readonly record struct LossRecord(double Loss, ulong Status);

    /// <summary>A batch's identity: the same column arrays and rows are the same data (training does not change its data).</summary>
    private readonly record struct BatchKey(Array[] Columns, int Offset, int Rows);

    /// <summary>Per-block partial sums and the per-thread workspace, sized for the largest batch so far.</summary>
    private sealed class Scratch : IDisposable
    {
        public Scratch(CudaDevice device, int blocks, int width, long[] slots, int kernel, int[]? kernels)
        {
            Blocks = blocks;
            Kernels = kernels is null ? new int[3] : (int[])kernels.Clone();
            Kernels[kernel] = 1;
            long threads = (long)blocks * ThreadsPerBlock;
            long real = 1, integer = 1;
            for (int k = 0; k < 3; k++)
            {
                if (Kernels[k] != 0)
                {
                    real = Math.Max(real, slots[2 * k]);
                    integer = Math.Max(integer, slots[(2 * k) + 1]);
                }
            }

            LossPartials = device.Allocate<double>(blocks);
            Partials = device.Allocate<T>((long)blocks * width);
            Work = device.Allocate<T>(threads * real);
            IntWork = device.Allocate<int>(threads * integer);
        }

        public int Blocks { get; }

        public int[] Kernels { get; }

        public DeviceBuffer<double> LossPartials { get; }

        public DeviceBuffer<T> Partials { get; }

        public DeviceBuffer<T> Work { get; }

        public DeviceBuffer<int> IntWork { get; }

        public void Dispose()
        {
            LossPartials.Dispose();
            Partials.Dispose();
            Work.Dispose();
            IntWork.Dispose();
        }
    }
}
