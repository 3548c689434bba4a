using System.Diagnostics;
using System.Globalization;
using Downhill;
using HousePrices;

// The user guide's example: fit the line price = m·size + b to synthetic houses with RMSProp.
// Sizes are in hundreds of square feet (5 to 35), prices in tens of thousands of dollars.
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

const double TrueM = 0.3, TrueB = 20, Noise = 0.5;
var random = new Random(42);

var (sizes, prices) = Houses(4000);
var (validSizes, validPrices) = Houses(1000);

var clock = Stopwatch.StartNew();
var fit = House.SquaredLoss.Minimize(
    train: (sizes, prices), valid: (validSizes, validPrices),
    init: new() { m = 1, b = 0 },
    algo: Algo.RmsProp, learningRate: 0.03, batchSize: 32, validateEvery: 1, patience: 5, seed: 1);
clock.Stop();

Console.WriteLine($"true line: m={TrueM} b={TrueB} (noise sd {Noise}, {sizes.Length} training and {validSizes.Length} validation houses)");
Console.WriteLine($"m={fit.Params.m:F4} b={fit.Params.b:F4} loss={fit.Valid.Loss:F4} abs error={fit.Valid["abs error"]:F4}");
Console.WriteLine($"{fit.Epochs} epochs, stopped by {fit.StopReason}, {clock.Elapsed.TotalSeconds:F2} s");

// The generated reverse-mode derivative at one point: it returns the loss and adds its gradient to dm and db.
double dm = 0, db = 0;
double loss = House.SquaredGradient(m: 1, b: 0, x: 20, y: 26, ref dm, ref db);
Console.WriteLine($"House.SquaredGradient(m=1, b=0, x=20, y=26): loss={loss} dm={dm} db={db}");

(double[] Sizes, double[] Prices) Houses(int count)
{
    var houseSizes = new double[count];
    var housePrices = new double[count];
    for (int i = 0; i < count; i++)
    {
        houseSizes[i] = 5 + 30 * random.NextDouble();
        double gauss = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        housePrices[i] = TrueM * houseSizes[i] + TrueB + Noise * gauss;
    }

    return (houseSizes, housePrices);
}
