using System.Text.RegularExpressions;
using Spectre.Console;

namespace Downhill.Runtime.Tests;

public partial class ProgressDisplayTests
{
    private static Metrics Losses(double loss, double m) => new([new("loss", loss), new("m", m)]);

    // Validation runs before an epoch: the report after epoch n holds the validation after epoch n - 1.
    private static EpochReport Report(int epoch) =>
        new(epoch, Losses(1.0 / epoch, 0.25 * epoch), Losses(2.0 / epoch, 0.5 * epoch), 2.0 / epoch) { ValidEpoch = epoch - 1 };

    /// <summary>An ANSI, interactive console without colours that writes into <paramref name="writer"/>.</summary>
    private static IAnsiConsole Terminal(TextWriter writer)
    {
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.Yes,
            Interactive = InteractionSupport.Yes,
            ColorSystem = ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(writer),
        });

        // Wide enough that no cell wraps, so a row of the table is one line of output.
        console.Profile.Width = 200;
        return console;
    }

    [Fact]
    public void The_live_table_ends_on_the_last_epoch_and_its_losses()
    {
        var screen = new StringWriter();
        var lines = new StringWriter();
        using (var display = new ProgressDisplay("Tests.Live[1]", Terminal(screen), lines, interactive: true))
        {
            for (int epoch = 1; epoch <= 117; epoch++)
            {
                display.Report(Report(epoch));
            }

            display.Complete("result after 117 epochs: valid loss=0.01");
        }

        // The loss name (escaped, as markup would eat "[1]"), the header, and a last row with the last epoch's
        // number, train and valid metrics and best valid loss; nothing goes to the plain output.
        string output = AnsiEscape().Replace(screen.ToString(), string.Empty);
        Assert.Contains("Tests.Live[1]", output);
        Assert.Contains("best valid", output);
        string last = output.Split('\n').Last(line => line.Contains("loss=", StringComparison.Ordinal) && !line.Contains("result", StringComparison.Ordinal));
        Assert.Matches(@"^\W*117\W.*loss=0\.00854701 m=29\.25\W.*loss=0\.017094 m=58\.5 \(after epoch 116\)\W+0\.017094\W*$", last);
        Assert.Matches(@"(?m)^\W*result\W+result after 117 epochs: valid loss=0\.01\W*$", output);
        Assert.Equal(string.Empty, lines.ToString());
    }

    [Fact]
    public async Task A_report_made_while_the_table_draws_is_shown_before_dispose_returns()
    {
        // Holds the live thread inside its drawing of epoch 1 while epoch 2 is reported and Dispose begins:
        // the table must still end on epoch 2, not stop after drawing epoch 1.
        using var screen = new GatedWriter();
        var display = new ProgressDisplay("Tests.Race", Terminal(screen), null, interactive: true);
        Assert.True(screen.Wrote.Wait(TimeSpan.FromSeconds(10)), "the live display never started");
        screen.Open.Reset();
        display.Report(Report(1));
        Assert.True(screen.Held.Wait(TimeSpan.FromSeconds(10)), "the live display never drew epoch 1");
        display.Report(Report(2));
        Task disposing = Task.Run(display.Dispose);
        await Task.Delay(100); // Dispose marks the display done while epoch 1 is still being drawn
        screen.Open.Set();
        await disposing.WaitAsync(TimeSpan.FromSeconds(10));

        string output = AnsiEscape().Replace(screen.ToString(), string.Empty);
        string last = output.Split('\n').Last(line => line.Contains("loss=", StringComparison.Ordinal));
        Assert.Matches(@"^\W*2\W", last);
        Assert.Contains("loss=0.5 m=0.5", last);
    }

    [Fact]
    public void Redirected_output_gets_a_title_and_one_plain_line_per_epoch()
    {
        var screen = new StringWriter();
        var lines = new StringWriter();
        using (var display = new ProgressDisplay("Tests.Plain", Terminal(screen), lines, interactive: false))
        {
            for (int epoch = 1; epoch <= 3; epoch++)
            {
                display.Report(Report(epoch));
            }

            display.Complete("result after 3 epochs: valid loss=0.6");
        }

        // Epoch 1's validation is of the initial parameters, and the result (never an epoch's line) ends the output.
        Assert.Equal(
            [
                "Training Tests.Plain",
                "epoch 1: train loss=1 m=0.25 | valid loss=2 m=0.5 (initial parameters) | best 2",
                "epoch 2: train loss=0.5 m=0.5 | valid loss=1 m=1 (after epoch 1) | best 1",
                "epoch 3: train loss=0.333333 m=0.75 | valid loss=0.666667 m=1.5 (after epoch 2) | best 0.666667",
                "result after 3 epochs: valid loss=0.6",
            ],
            lines.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(string.Empty, screen.ToString());
    }

    /// <summary>A console output that, while <see cref="Open"/> is reset, holds the writing thread before its next write.</summary>
    private sealed class GatedWriter : StringWriter
    {
        /// <summary>Set after the first completed write (the live display hides the cursor when it starts).</summary>
        public ManualResetEventSlim Wrote { get; } = new(false);

        /// <summary>Writes pass while set.</summary>
        public ManualResetEventSlim Open { get; } = new(true);

        /// <summary>Set once a write has been held.</summary>
        public ManualResetEventSlim Held { get; } = new(false);

        public override void Write(char value)
        {
            Gate();
            base.Write(value);
            Wrote.Set();
        }

        public override void Write(string? value)
        {
            Gate();
            base.Write(value);
            Wrote.Set();
        }

        public override void Write(char[] buffer, int index, int count)
        {
            Gate();
            base.Write(buffer, index, count);
            Wrote.Set();
        }

        public override void Write(ReadOnlySpan<char> buffer)
        {
            Gate();
            base.Write(buffer);
            Wrote.Set();
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                Wrote.Dispose();
                Open.Dispose();
                Held.Dispose();
            }

            base.Dispose(disposing);
        }

        private void Gate()
        {
            if (!Open.IsSet)
            {
                Held.Set();
                Open.Wait();
            }
        }
    }

    /// <summary>CSI sequences (cursor moves, erases) and the other ESC sequences Spectre writes.</summary>
    [GeneratedRegex(@"\x1B(\[[0-9;?]*[ -/]*[@-~]|[@-Z\\-_])")]
    private static partial Regex AnsiEscape();
}
