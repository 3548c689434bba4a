using System.Numerics;
using System.Runtime.InteropServices;
using Downhill.Optimizers;

namespace Downhill;

/// <summary>
/// One training run: downhill's <c>iterate</c> loop (reference: downhill.md, "iterate / minimize") as a state
/// machine that <see cref="Trainer"/> drives. Not thread-safe.
/// </summary>
internal sealed partial class TrainingRun<T> : IDisposable
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private const string Magic = "DOWNHILL-CHECKPOINT-3";

    private readonly ILossModel<T> model;
    private readonly Dataset train;
    private readonly Dataset valid;
    private readonly T[][] parameters;
    private readonly T[] hypers;
    private readonly TrainingOptions options;
    private readonly Optimizer optimizer;
    private readonly BatchEvaluator<T> evaluator;
    private readonly T[][] gradients;
    private readonly T[][] best;
    private readonly double[] monitorMeans;
    private readonly double[] monitorSums;
    private readonly double[] gradSums;
    private readonly string[] metricNames;
    private readonly HessianVectorProduct<T>? hessianVector;
    private readonly ProgressDisplay? display;
    private readonly CheckpointFingerprint? fingerprint;

    private DataBatch currentBatch;
    private double bestLoss = double.PositiveInfinity;
    private Metrics? bestValid;
    private Metrics? lastValid;
    private Metrics? lastTrain;
    private int failures;
    private int validEpoch;
    private bool trainedSinceValidation = true;
    private bool finished;

    /// <summary>Checks everything (options, parameters, hypers, data, the checkpoint) and resumes from a matching checkpoint.</summary>
    /// <remarks><paramref name="parametersName"/> is the caller's name of <paramref name="parameters"/> in messages (<c>init</c> in Minimize).</remarks>
    public TrainingRun(ILossModel<T> model, Dataset train, Dataset? valid, T[][] parameters, T[] hypers, TrainingOptions options, Optimizer? optimizer, string parametersName = "parameters")
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(hypers);
        ArgumentNullException.ThrowIfNull(options);
        TrainingOptionsValidation.Validate(options);
        if (optimizer is null)
        {
            TrainingOptionsValidation.ValidateForAlgorithm(options.Algo, options);
        }

        // Rank 0 alone writes checkpoints, so it alone probes the path (ranks probing one file at once would collide).
        if (options.CheckpointPath is string checkpoint && (options.Communicator?.Rank ?? 0) == 0)
        {
            CheckpointFingerprint.CheckWritable(checkpoint);
        }

        LossSchema schema = model.Schema;
        if (schema.ElementType != typeof(T))
        {
            throw new ArgumentException($"The loss {schema.Name} computes in {schema.ElementType.Name}, not {typeof(T).Name}.", nameof(model));
        }

        ArgumentChecks.Parameters(schema, parameters, parametersName);
        ArgumentChecks.Hypers(schema, hypers, nameof(hypers));

        this.model = model;
        this.train = train;
        // Named after the training data: messages about it must not name a 'valid' set the user never gave.
        this.valid = valid ?? (train.IsCallable ? train : train.CreateView(train.BatchSize, options.ValidBatches, $"{train.Name} (validating on the training data)"));
        this.parameters = parameters;
        this.hypers = hypers;
        this.options = options;
        train.Bind<T>(schema);
        this.valid.Bind<T>(schema);

        // A span row narrower than the loss reads fails here, by column and width, not in the first epoch.
        foreach (var data in new[] { train, this.valid }.Distinct().Where(d => !d.IsCallable))
        {
            RowWidthCheck.Probe(model, parameters, hypers, data.FirstRow(), data.Name);
        }

        ArgumentChecks.SameWidths(schema, train, this.valid);

        this.optimizer = optimizer ?? Optimizer.Create(options.Algo, options);
        evaluator = new BatchEvaluator<T>(model, [.. parameters.Select(p => p.Length)], ThreadsPerRank(options), options.Reduction);
        distributed = CreateDistributed();
        onDevice = CreateDeviceEvaluator();
        gradients = [.. parameters.Select(p => new T[p.Length])];
        best = [.. parameters.Select(p => (T[])p.Clone())];
        monitorMeans = new double[schema.Monitors.Count];
        monitorSums = new double[schema.Monitors.Count];
        gradSums = new double[parameters.Length];
        metricNames = ["loss", .. schema.Monitors.Select(m => m.Name), .. options.MonitorGradients ? schema.Params.Select(p => $"grad({p.Name})") : []];
        if (this.optimizer.NeedsHessianVector)
        {
            hessianVector = (t, product) => EvalHessianVector(currentBatch, t, product);
        }

        if (options.CheckpointPath is not null)
        {
            fingerprint = CheckpointFingerprint.Of(schema, train, this.valid, valid is null, parameters, hypers, options);
        }

        if (options.CheckpointPath is string path)
        {
            try
            {
                if (ReadCheckpoint(path) is Stream stored)
                {
                    LoadCheckpoint(path, stored);
                }
            }
            catch
            {
                evaluator.Dispose();
                onDevice?.Dispose();
                throw;
            }
        }

        if (options.ShowProgress && IsLeader)
        {
            display = new ProgressDisplay(schema.Name);
        }
    }

    public int Epoch { get; private set; }

    public StopReason? StopReason { get; private set; }

    public Metrics? LastTrain => lastTrain;

    public Metrics? BestValid => bestValid;

    /// <summary>Runs the next epoch (validating first when due); false when training is over.</summary>
    public bool MoveNext(out Metrics trainMetrics, out Metrics validMetrics)
    {
        trainMetrics = null!;
        validMetrics = null!;
        if (StopReason is not null)
        {
            return false;
        }

        if (CancelRequested)
        {
            StopReason = Downhill.StopReason.Cancelled;
            return false;
        }

        if (options.MaxUpdates is int max && Epoch >= max)
        {
            StopReason = Downhill.StopReason.MaxUpdates;
            return false;
        }

        if (Epoch % options.ValidateEvery == 0 && trainedSinceValidation)
        {
            Validate();
            if (failures > options.Patience)
            {
                StopReason = Downhill.StopReason.Patience;
                return false;
            }
        }

        if (!TrainEpoch())
        {
            StopReason = Downhill.StopReason.Cancelled;
            return false;
        }

        Epoch++;
        trainMetrics = lastTrain!;
        validMetrics = lastValid!;
        try
        {
            if (options.CheckpointPath is string path && Epoch % options.CheckpointEvery == 0 && IsLeader)
            {
                SaveCheckpoint(path);
            }

            var report = new EpochReport(Epoch, trainMetrics, validMetrics, bestLoss) { ValidEpoch = validEpoch };
            options.Progress?.Report(report);
            display?.Report(report);
        }
        catch (Exception e) when (AbortOtherRanks(e))
        {
            throw;
        }

        return true;
    }

    /// <summary>
    /// Ends the run: validates the parameters if they changed since the last validation (so the updates since then
    /// are not thrown away, unlike downhill), then restores the best parameters into the caller's arrays.
    /// </summary>
    public void Finish()
    {
        if (finished)
        {
            return;
        }

        finished = true;
        StopReason ??= Downhill.StopReason.Stopped;
        if (RanksBroken)
        {
            // A rank failed: the others cannot validate with it any more; the best parameters so far stay.
            Restore();
            return;
        }

        if (trainedSinceValidation)
        {
            Validate();
        }

        Restore();
        lastTrain ??= Evaluate(train, options.TrainBatches ?? train.IterationSize);
        display?.Complete(FormattableString.Invariant($"result after {Epoch} epochs ({StopReason}): valid {bestValid ?? lastValid} at the returned parameters"));
    }

    public void Dispose()
    {
        evaluator.Dispose();
        onDevice?.Dispose();
        display?.Dispose();
    }

    private void Restore()
    {
        for (int i = 0; i < parameters.Length; i++)
        {
            best[i].AsSpan().CopyTo(parameters[i]);
        }
    }

    /// <summary>
    /// A validation improves iff best − loss &gt; |best|·MinImprovement. Downhill compares with best·MinImprovement,
    /// which lets a worse loss count as progress when the best is negative, and with an infinite first best makes
    /// MinImprovement ≥ 1 fail even the first validation; the absolute value and the finite-loss rule for the
    /// first validation fix both.
    /// </summary>
    private void Validate()
    {
        Metrics m = Evaluate(valid, options.ValidBatches ?? valid.IterationSize);
        lastValid = m;
        validEpoch = Epoch;
        trainedSinceValidation = false;
        double loss = m.Loss;
        bool improved = double.IsFinite(loss) && (double.IsPositiveInfinity(bestLoss) || bestLoss - loss > Math.Abs(bestLoss) * options.MinImprovement);
        if (improved)
        {
            bestLoss = loss;
            bestValid = m;
            failures = 0;
            for (int i = 0; i < parameters.Length; i++)
            {
                parameters[i].AsSpan().CopyTo(best[i]);
            }
        }
        else
        {
            failures++;
        }
    }

    private Metrics Evaluate(Dataset data, int batches)
    {
        double loss = 0;
        Array.Clear(monitorSums);
        Array.Clear(gradSums);
        for (int b = 0; b < batches; b++)
        {
            DataBatch batch = Next(data);
            try
            {
                if (options.MonitorGradients)
                {
                    loss += EvalGradient(batch);
                    AccumulateGradientNorms();
                }
                else
                {
                    loss += EvalLoss(batch);
                }

                AccumulateMonitors(batch);
            }
            catch (IndexOutOfRangeException e)
            {
                throw RowWidthCheck.Explain(model, parameters, hypers, batch, data.Name, data.SourceRow, e);
            }
        }

        return MakeMetrics(loss, batches);
    }

    private bool TrainEpoch()
    {
        int batches = options.TrainBatches ?? train.IterationSize;
        double loss = 0;
        Array.Clear(monitorSums);
        Array.Clear(gradSums);
        for (int b = 0; b < batches; b++)
        {
            if (CancelRequested)
            {
                return false;
            }

            currentBatch = Next(train);
            double l;
            try
            {
                l = EvalGradient(currentBatch);
            }
            catch (IndexOutOfRangeException e)
            {
                throw RowWidthCheck.Explain(model, parameters, hypers, currentBatch, train.Name, train.SourceRow, e);
            }

            CheckFinite(l);
            loss += l;
            AccumulateGradientNorms();
            AccumulateMonitors(currentBatch);
            optimizer.Step(parameters, gradients, hessianVector);
            trainedSinceValidation = true;
        }

        lastTrain = MakeMetrics(loss, batches);
        return true;
    }

    private void CheckFinite(double loss)
    {
        for (int i = 0; i < gradients.Length; i++)
        {
            T[] g = gradients[i];
            for (int j = 0; j < g.Length; j++)
            {
                if (!T.IsFinite(g[j]))
                {
                    Diverge(i, j, T.IsNaN(g[j]) ? "NaN" : "an infinity");
                }
            }
        }

        if (!double.IsFinite(loss))
        {
            Diverge(-1, 0, double.IsNaN(loss) ? "NaN" : "an infinity");
        }
    }

    private void Diverge(int param, int element, string what)
    {
        Restore();
        StopReason = Downhill.StopReason.Stopped;
        finished = true;
        int epoch = Epoch + 1;
        string? name = param >= 0 ? model.Schema.Params[param].Name : null;
        string message = name is null
            ? $"Training diverged in epoch {epoch}: the loss is {what}. The best parameters (validation loss {bestLoss:G6}) were restored."
            : $"Training diverged in epoch {epoch}: the gradient of parameter '{name}' is {what} at element {element}. The best parameters (validation loss {bestLoss:G6}) were restored.";
        throw new TrainingDivergedException(epoch, name, [.. best.Select(b => (Array)b.Clone())], message);
    }

    private void AccumulateGradientNorms()
    {
        if (!options.MonitorGradients)
        {
            return;
        }

        for (int i = 0; i < gradients.Length; i++)
        {
            double s = 0;
            foreach (T x in gradients[i])
            {
                double d = double.CreateTruncating(x);
                s += d * d;
            }

            gradSums[i] += s;
        }
    }

    private void AccumulateMonitors(in DataBatch batch)
    {
        if (monitorSums.Length == 0)
        {
            return;
        }

        EvalMonitors(batch, monitorMeans);
        for (int m = 0; m < monitorSums.Length; m++)
        {
            monitorSums[m] += monitorMeans[m];
        }
    }

    private Metrics MakeMetrics(double loss, int batches)
    {
        var values = new KeyValuePair<string, double>[metricNames.Length];
        values[0] = new("loss", loss / batches);
        int k = 1;
        foreach (double s in monitorSums)
        {
            values[k] = new(metricNames[k], s / batches);
            k++;
        }

        if (options.MonitorGradients)
        {
            foreach (double s in gradSums)
            {
                values[k] = new(metricNames[k], s / batches);
                k++;
            }
        }

        return new Metrics(values);
    }

    private void SaveCheckpoint(string path)
    {
        string tmp = path + ".tmp";
        using (var stream = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
        using (var w = new BinaryWriter(stream))
        {
            w.Write(Magic);
            fingerprint!.Write(w);
            w.Write(Epoch);
            w.Write(validEpoch);
            w.Write(failures);
            w.Write(bestLoss);
            w.Write(trainedSinceValidation);
            foreach (T[] p in parameters)
            {
                w.Write(MemoryMarshal.AsBytes(p.AsSpan()));
            }

            foreach (T[] p in best)
            {
                w.Write(MemoryMarshal.AsBytes(p.AsSpan()));
            }

            WriteMetrics(w, bestValid);
            WriteMetrics(w, lastValid);
            WriteMetrics(w, lastTrain);
            optimizer.WriteState(w);
            train.WriteState(w);
            valid.WriteState(w);
            w.Flush();
            stream.Flush(flushToDisk: true);
        }

        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>Resumes from the checkpoint, unless it belongs to another run: then refuses, or starts fresh when told to.</summary>
    private void LoadCheckpoint(string path, Stream stream)
    {
        using var r = new BinaryReader(stream);
        try
        {
            string magic = r.ReadString();
            IReadOnlyList<string> differences = magic == Magic
                ? CheckpointFingerprint.Read(r).Differences(fingerprint!)
                : [magic.StartsWith("DOWNHILL-CHECKPOINT-", StringComparison.Ordinal) ? "the checkpoint format (written by another version of Downhill)" : "everything (the file is not a Downhill checkpoint)"];
            if (differences.Count > 0)
            {
                if (options.OnCheckpointMismatch == CheckpointMismatch.StartFresh)
                {
                    return;
                }

                throw new InvalidDataException(
                    $"The checkpoint '{path}' was written by another run; it differs in {string.Join("; ", differences)}. " +
                    "Resuming would return that run's parameters: delete the file, choose another CheckpointPath, or set OnCheckpointMismatch = CheckpointMismatch.StartFresh to train from the start and overwrite it.");
            }

            Epoch = r.ReadInt32();
            validEpoch = r.ReadInt32();
            failures = r.ReadInt32();
            bestLoss = r.ReadDouble();
            trainedSinceValidation = r.ReadBoolean();
            foreach (T[] p in parameters)
            {
                stream.ReadExactly(MemoryMarshal.AsBytes(p.AsSpan()));
            }

            foreach (T[] p in best)
            {
                stream.ReadExactly(MemoryMarshal.AsBytes(p.AsSpan()));
            }

            bestValid = ReadMetrics(r);
            lastValid = ReadMetrics(r);
            lastTrain = ReadMetrics(r);
            optimizer.ReadState<T>(r);
            train.ReadState(r);
            valid.ReadState(r);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"The checkpoint '{path}' is truncated.", e);
        }
    }

    private static void WriteMetrics(BinaryWriter w, Metrics? m)
    {
        w.Write(m?.Count ?? 0);
        if (m is not null)
        {
            foreach (var kv in m)
            {
                w.Write(kv.Key);
                w.Write(kv.Value);
            }
        }
    }

    private static Metrics? ReadMetrics(BinaryReader r)
    {
        int n = r.ReadInt32();
        if (n == 0)
        {
            return null;
        }

        var values = new KeyValuePair<string, double>[n];
        for (int i = 0; i < n; i++)
        {
            string key = r.ReadString();
            values[i] = new(key, r.ReadDouble());
        }

        return new Metrics(values);
    }
}
