using System.Diagnostics;
using System.Globalization;
using Downhill;
using FashionMnist;

// Fashion-MNIST (Debian's dataset-fashion-mnist): softmax regression and a small MLP, trained with Adam on 55,000
// training images, validated on the other 5,000, scored on the 10,000 test images.
// Usage: FashionMnist [data directory] (default: where the Debian package installs the IDX files).
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
string directory = args.Length > 0 ? args[0] : "/usr/share/datasets/fashion-mnist";
string[] files = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"];
string? missing = files.Select(f => Path.Combine(directory, f)).FirstOrDefault(p => !File.Exists(p));
if (missing is not null)
{
    Console.Error.WriteLine($"Fashion-MNIST is not installed: {missing} is missing.");
    Console.Error.WriteLine("Install it with: sudo apt-get update && sudo apt-get install -y dataset-fashion-mnist");
    Console.Error.WriteLine("(or pass the directory holding the four IDX files as the first argument).");
    return 2;
}

float[,] images = Idx.ReadImages<float>(Path.Combine(directory, files[0]));
int[] labels = Idx.ReadLabels(Path.Combine(directory, files[1]));
float[,] testImages = Idx.ReadImages<float>(Path.Combine(directory, files[2]));
int[] testLabels = Idx.ReadLabels(Path.Combine(directory, files[3]));
const int Fit = 55000;
var (trainX, trainY) = Rows(images, labels, 0, Fit);
var (validX, validY) = Rows(images, labels, Fit, labels.Length - Fit);
Console.WriteLine($"{trainY.Length} training, {validY.Length} validation and {testLabels.Length} test images of {images.GetLength(1)} pixels");

// Softmax regression 784 → 10 from zeros.
var clock = Stopwatch.StartNew();
var linear = Models.SoftmaxLoss.Minimize(
    train: (trainX, trainY), valid: (validX, validY),
    init: new() { w = new float[Models.Classes * Models.Pixels], b = new float[Models.Classes] },
    algo: Algo.Adam, learningRate: 0.003, batchSize: 200, maxUpdates: 5, validateEvery: 1, patience: 2, seed: 1, showProgress: true);
double linearAccuracy = Accuracy(testImages, testLabels, x => Models.PredictSoftmax(linear.Params.w, linear.Params.b, x));
Console.WriteLine($"softmax regression: {linear.Epochs} epochs ({linear.StopReason}) in {clock.Elapsed.TotalSeconds:F1} s, valid loss {linear.Valid.Loss:F4}, test accuracy {linearAccuracy:P2}");

// MLP 784 → 64 → 10, He-initialized hidden layer.
var random = new Random(1);
clock.Restart();
var mlp = Models.MlpLoss.Minimize(
    train: (trainX, trainY), valid: (validX, validY),
    init: new()
    {
        w1 = Gaussian(random, Models.Hidden * Models.Pixels, MathF.Sqrt(2f / Models.Pixels)),
        b1 = new float[Models.Hidden],
        w2 = Gaussian(random, Models.Classes * Models.Hidden, MathF.Sqrt(1f / Models.Hidden)),
        b2 = new float[Models.Classes],
    },
    algo: Algo.Adam, learningRate: 0.001, batchSize: 100, maxUpdates: 5, validateEvery: 1, patience: 2, seed: 1, showProgress: true);
double mlpAccuracy = Accuracy(testImages, testLabels, x => Models.PredictMlp(mlp.Params.w1, mlp.Params.b1, mlp.Params.w2, mlp.Params.b2, x));
Console.WriteLine($"MLP 784-64-10: {mlp.Epochs} epochs ({mlp.StopReason}) in {clock.Elapsed.TotalSeconds:F1} s, valid loss {mlp.Valid.Loss:F4}, test accuracy {mlpAccuracy:P2}");
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

static double Accuracy(float[,] x, int[] y, PredictRow predict)
{
    int width = x.GetLength(1), correct = 0;
    var row = new float[width];
    for (int r = 0; r < y.Length; r++)
    {
        Buffer.BlockCopy(x, r * width * sizeof(float), row, 0, width * sizeof(float));
        correct += predict(row) == y[r] ? 1 : 0;
    }

    return (double)correct / y.Length;
}

/// <summary>Predicts the class of one image.</summary>
internal delegate int PredictRow(ReadOnlySpan<float> x);
