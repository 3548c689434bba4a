using System.Diagnostics;
using System.Globalization;
using Downhill;
using Downhill.Benchmarks.Mpi;
using Downhill.Mpi;

// Communication and step-time benchmark of data-parallel training. Run under mpirun (see benchmarks/README.md):
//   TERM=dumb mpirun --allow-run-as-root --oversubscribe -np 2 dotnet run -c Release --project benchmarks/Downhill.Benchmarks.Mpi
// For 10^6 and 10^7 doubles it measures (medians over repetitions): a plain memory copy of the same bytes, MPI
// allreduce in 25 MiB buckets (what BucketedAllreduce does), and the ordered combination (the chain of sends plus
// the broadcast that gives one process's bits); then the time per training step of a loss with that many parameters,
// with no communicator, ordered, and bucketed. Started without mpirun it measures the single-process figures only.
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
ICommunicator comm = Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE") is null ? SingleRankCommunicator.Instance : MpiCommunicator.World;
bool leader = comm.Rank == 0;
void Say(string line)
{
    if (leader)
    {
        Console.WriteLine(line);
    }
}

Say($"{comm.Size} rank(s), {Environment.ProcessorCount} cores, {comm.LocalSize} rank(s) on this machine");
foreach (int n in new[] { 1_000_000, 10_000_000 })
{
    double bytes = n * 8.0;
    var a = new double[n];
    var b = new double[n];
    Array.Fill(a, 1.0);
    double copy = Median(10, () => a.AsSpan().CopyTo(b));
    Say($"n = {n:N0} doubles ({bytes / (1 << 20):F1} MiB)");
    Say($"  memory copy          {copy * 1e3,8:F2} ms  {bytes / copy / 1e9,6:F2} GB/s");
    if (comm.Size > 1)
    {
        int bucket = (25 << 20) / 8;
        double allreduce = Median(10, () =>
        {
            for (int from = 0; from < n; from += bucket)
            {
                comm.AllReduceSum(a.AsSpan(from, Math.Min(bucket, n - from)));
            }
        });
        double ordered = Median(10, () =>
        {
            if (comm.Rank > 0)
            {
                comm.Receive<double>(a, comm.Rank - 1);
            }

            if (comm.Rank < comm.Size - 1)
            {
                comm.Send<double>(a, comm.Rank + 1);
            }

            comm.Broadcast<double>(a, comm.Size - 1);
        });
        Say($"  allreduce (buckets)  {allreduce * 1e3,8:F2} ms  {bytes / allreduce / 1e9,6:F2} GB/s  ({allreduce / copy:F1}x the copy)");
        Say($"  ordered combination  {ordered * 1e3,8:F2} ms  {bytes / ordered / 1e9,6:F2} GB/s  ({ordered / copy:F1}x the copy)");
    }

    foreach (string mode in comm.Size > 1 ? new[] { "ordered", "bucketed" } : ["alone"])
    {
        double step = StepTime(n, mode == "alone" ? null : comm, mode == "bucketed");
        Say($"  training step {mode,-9}{step * 1e3,8:F1} ms  (16 rows per batch, SGD, 1 thread per rank)");
    }
}

return 0;

static double Median(int repetitions, Action run)
{
    run();
    var times = new double[repetitions];
    for (int i = 0; i < repetitions; i++)
    {
        long t = Stopwatch.GetTimestamp();
        run();
        times[i] = Stopwatch.GetElapsedTime(t).TotalSeconds;
    }

    Array.Sort(times);
    return times[repetitions / 2];
}

// Seconds per step over 3 epochs of 4 steps after a first epoch (which also validates) is thrown away.
static double StepTime(int n, ICommunicator? comm, bool bucketed)
{
    double[] x = [.. Enumerable.Range(0, 64).Select(i => i / 64.0)];
    var train = new Dataset([x], ["x"], batchSize: 16, iterationSize: 4, seed: 1, name: "train");
    var options = new TrainingOptions
    {
        Algo = Algo.Sgd, LearningRate = 1e-3, BatchSize = 16, ValidateEvery = 1000, ValidBatches = 1, MaxUpdates = 4,
        Threads = 1, Communicator = comm, BucketedAllreduce = bucketed,
    };
    double[][] w = [new double[n]];
    var times = new List<double>();
    long t = Stopwatch.GetTimestamp();
    foreach (var _ in Trainer.Iterate(Quadratic.LossLoss.Instance, train, null, w, [], options))
    {
        times.Add(Stopwatch.GetElapsedTime(t).TotalSeconds / 4);
        t = Stopwatch.GetTimestamp();
    }

    times.RemoveAt(0);
    times.Sort();
    return times[times.Count / 2];
}
