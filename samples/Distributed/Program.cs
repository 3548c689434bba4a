using System.Diagnostics;
using System.Globalization;
using Distributed;
using Downhill;
using Downhill.Mpi;

// Data-parallel training of the Fashion-MNIST MLP: start it under Open MPI's launcher, e.g.
//   TERM=dumb mpirun -np 4 dotnet run -c Release --project samples/Distributed
// (as root add --allow-run-as-root, with more ranks than cores --oversubscribe). Every rank loads the same data; each
// evaluates its share of every batch of 100 images, and the gradient is combined in a fixed order, so the parameters
// are bit for bit those of `dotnet run --project samples/Distributed` alone. Rank 0 prints the progress.
// Usage: Distributed [epochs (default 3)] [--bucketed] [data directory]
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
int epochs = args.Length > 0 && int.TryParse(args[0], out int e) ? e : 3;
bool bucketed = args.Contains("--bucketed");
string directory = args.Skip(1).FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) ?? "/usr/share/datasets/fashion-mnist";

// Under mpirun every process is a rank of MPI_COMM_WORLD; started alone it trains alone.
ICommunicator? world = Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE") is null ? null : MpiCommunicator.World;
int rank = world?.Rank ?? 0;
string images = Path.Combine(directory, "train-images-idx3-ubyte.gz");
if (!File.Exists(images))
{
    Console.Error.WriteLine($"Fashion-MNIST is not installed ({images} is missing): apt-get install dataset-fashion-mnist");
    return 2;
}

float[,] x = Idx.ReadImages<float>(images);
int[] y = Idx.ReadLabels(Path.Combine(directory, "train-labels-idx1-ubyte.gz"));
const int Fit = 55000;
(float[,] trainX, int[] trainY) = Rows(x, y, 0, Fit);
(float[,] validX, int[] validY) = Rows(x, y, Fit, y.Length - Fit);

var random = new Random(1);
var clock = Stopwatch.StartNew();
var fit = Mlp.CrossEntropyLoss.Minimize(
    train: (trainX, trainY), valid: (validX, validY),
    init: new()
    {
        w1 = Gaussian(random, Mlp.Hidden * Mlp.Pixels, MathF.Sqrt(2f / Mlp.Pixels)),
        b1 = new float[Mlp.Hidden],
        w2 = Gaussian(random, Mlp.Classes * Mlp.Hidden, MathF.Sqrt(1f / Mlp.Hidden)),
        b2 = new float[Mlp.Classes],
    },
    algo: Algo.Adam, learningRate: 0.001, batchSize: 100, maxUpdates: epochs, validateEvery: 1, patience: 2, seed: 1,
    showProgress: true, communicator: world, bucketedAllreduce: bucketed);
double seconds = clock.Elapsed.TotalSeconds;
if (rank == 0)
{
    ulong hash = 14695981039346656037;
    foreach (float v in fit.Params.w1.Concat(fit.Params.b1).Concat(fit.Params.w2).Concat(fit.Params.b2))
    {
        hash = (hash ^ BitConverter.SingleToUInt32Bits(v)) * 1099511628211;
    }

    Console.WriteLine($"{world?.Size ?? 1} rank(s){(bucketed ? ", bucketed allreduce" : "")}: {fit.Epochs} epochs in {seconds:F1} s ({seconds / fit.Epochs:F2} s per epoch of {Fit / 100} steps), valid loss {fit.Valid.Loss:F4}, parameters' FNV hash {hash:X16}");
}

return 0;

static (float[,] X, int[] Y) Rows(float[,] x, int[] y, int start, int count)
{
    int width = x.GetLength(1);
    var rows = new float[count, width];
    Buffer.BlockCopy(x, start * width * sizeof(float), rows, 0, count * width * sizeof(float));
    return (rows, y[start..(start + count)]);
}

static float[] Gaussian(Random random, int count, float scale)
{
    var values = new float[count];
    for (int i = 0; i < count; i++)
    {
        values[i] = scale * (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
    }

    return values;
}
