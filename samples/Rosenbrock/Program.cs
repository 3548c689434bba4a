using System.Diagnostics;
using System.Globalization;
using Downhill;
using Rosenbrock;
using ScottPlot;
using Spectre.Console;

// Every algorithm side by side on Rosenbrock's function from (-3, -3): one update per epoch, 5,000 epochs each,
// the loss after every epoch recorded through the progress option, a table of the results and a plot of the curves.
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
string plotPath = args.Length > 0 ? args[0] : "rosenbrock.png";
const int Epochs = 5000;

// Learning rates picked per algorithm from a sweep over powers of about 3 (the best that stays stable). SGD and
// NAG clip the gradient to norm 1 (it is about 14,000 at the start), as downhill's own tests do; NAG has momentum
// 0.9. ADADELTA has no learning rate.
var runs = new (Algo Algo, double LearningRate, double MaxGradientNorm)[]
{
    (Algo.Sgd, 0.003, 1),
    (Algo.Nag, 0.001, 1),
    (Algo.RProp, 0.01, 0),
    (Algo.AdaGrad, 3, 0),
    (Algo.RmsProp, 0.003, 0),
    (Algo.AdaDelta, 1, 0),
    (Algo.Esgd, 0.3, 0),
    (Algo.Adam, 0.02, 0),
    (Algo.AdamW, 0.02, 0),
};

var table = new Table().Title("Rosenbrock from (-3, -3), 5,000 updates").Border(TableBorder.Rounded);
foreach (string column in new[] { "algorithm", "learning rate", "x", "y", "loss", "distance to (1, 1)", "time" })
{
    table.AddColumn(new TableColumn(column).RightAligned());
}

var plot = new Plot();
foreach (var (algo, learningRate, maxGradientNorm) in runs)
{
    var losses = new List<double>();
    var clock = Stopwatch.StartNew();
    var fit = Banana.RosenbrockLoss.Minimize(
        init: new() { x = -3, y = -3 },
        algo: algo, learningRate: algo == Algo.AdaDelta ? null : learningRate, momentum: algo == Algo.Nag ? 0.9 : null, maxGradientNorm: maxGradientNorm,
        maxUpdates: Epochs, patience: Epochs, validateEvery: 100, seed: 1, threads: 1,
        progress: new Recorder(losses));
    clock.Stop();

    double distance = Math.Sqrt(((fit.Params.x - 1) * (fit.Params.x - 1)) + ((fit.Params.y - 1) * (fit.Params.y - 1)));
    table.AddRow(algo.ToString(), algo == Algo.AdaDelta ? "-" : learningRate.ToString("G3"), fit.Params.x.ToString("F4"), fit.Params.y.ToString("F4"),
        fit.Valid.Loss.ToString("G4"), distance.ToString("G3"), $"{clock.Elapsed.TotalMilliseconds:F0} ms");

    double[] epochs = [.. Enumerable.Range(1, losses.Count).Select(e => (double)e)];
    double[] logLoss = [.. losses.Select(l => Math.Log10(Math.Max(l, 1e-12)))];
    var curve = plot.Add.ScatterLine(epochs, logLoss);
    curve.LegendText = algo == Algo.AdaDelta ? "AdaDelta" : $"{algo} (lr {learningRate:G3})";
    curve.LineWidth = 2;
}

AnsiConsole.Write(table);

plot.Title("Rosenbrock from (-3, -3)");
plot.XLabel("epoch (one update each)");
plot.YLabel("training loss (floored at 1e-12)");
plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
{
    MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
    IntegerTicksOnly = true,
    LabelFormatter = y => $"1e{y:0}",
};
plot.ShowLegend(Alignment.UpperRight);
plot.SavePng(plotPath, 1000, 650);
AnsiConsole.MarkupLine($"Loss curves written to [bold]{Markup.Escape(Path.GetFullPath(plotPath))}[/]");

/// <summary>Records each epoch's training loss synchronously.</summary>
internal sealed class Recorder(List<double> losses) : IProgress<EpochReport>
{
    public void Report(EpochReport value) => losses.Add(value.Train.Loss);
}
