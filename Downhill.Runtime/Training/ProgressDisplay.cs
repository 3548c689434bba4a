using System.Globalization;
using Spectre.Console;

namespace Downhill;

/// <summary>
/// The console display of <see cref="TrainingOptions.ShowProgress"/>: a Spectre.Console live table updated after
/// every epoch, or one plain line per epoch when the output is redirected (logs, CI).
/// </summary>
internal sealed class ProgressDisplay : IDisposable
{
    private readonly TextWriter? plain;
    private readonly Table? table;
    private readonly Task? live;
    private readonly SemaphoreSlim? signal;
    private readonly object gate = new();
    private EpochReport? pending;
    private string? summary;
    private volatile bool done;

    /// <summary>The display on the process's console: a live table unless the output is redirected.</summary>
    public ProgressDisplay(string lossName)
        : this(lossName, AnsiConsole.Console, null, interactive: !Console.IsOutputRedirected)
    {
    }

    /// <summary>
    /// A display on <paramref name="console"/> (the live table, when <paramref name="interactive"/>) or on
    /// <paramref name="plainOutput"/> (plain lines; null: <see cref="Console.Out"/> at each write, as
    /// <see cref="Console.WriteLine(string)"/> does).
    /// </summary>
    internal ProgressDisplay(string lossName, IAnsiConsole console, TextWriter? plainOutput, bool interactive)
    {
        ArgumentNullException.ThrowIfNull(console);
        if (!interactive)
        {
            plain = plainOutput;
            Plain.WriteLine($"Training {lossName}");
            return;
        }

        table = new Table().Title(Markup.Escape(lossName)).AddColumns("epoch", "train", "valid", "best valid");
        table.AddRow("0", "-", "-", "-");
        signal = new SemaphoreSlim(0);
        live = Task.Run(() => console.Live(table).Start(ctx =>
        {
            while (true)
            {
                signal.Wait();

                // Read before taking the pending report: once Dispose has been seen, the last report made before
                // it is taken below (or was shown already), so the table always ends on the last epoch.
                bool finishing = done;
                EpochReport? r;
                lock (gate)
                {
                    r = pending;
                    pending = null;
                }

                if (r is not null)
                {
                    table.UpdateCell(0, 0, r.Epoch.ToString(CultureInfo.InvariantCulture));
                    table.UpdateCell(0, 1, Markup.Escape(r.Train.ToString()));
                    table.UpdateCell(0, 2, Markup.Escape(ValidLabel(r)));
                    table.UpdateCell(0, 3, r.BestValidLoss.ToString("G6", CultureInfo.InvariantCulture));
                    ctx.Refresh();
                }

                if (finishing)
                {
                    if (summary is not null)
                    {
                        table.AddRow("result", Markup.Escape(summary), string.Empty, string.Empty);
                        ctx.Refresh();
                    }

                    return;
                }
            }
        }));
    }

    private TextWriter Plain => plain ?? Console.Out;

    /// <summary>Shows <paramref name="report"/>: updates the live table (from its own thread) or writes a line.</summary>
    public void Report(EpochReport report)
    {
        if (table is null)
        {
            Plain.WriteLine(FormattableString.Invariant($"epoch {report.Epoch}: train {report.Train} | valid {ValidLabel(report)} | best {report.BestValidLoss:G6}"));
            return;
        }

        lock (gate)
        {
            pending = report;
        }

        signal!.Release();
    }

    /// <summary>
    /// Shows the outcome (the validation at the returned parameters), which no epoch line shows: a line, or a
    /// last row of the live table drawn when it is disposed.
    /// </summary>
    public void Complete(string result)
    {
        if (table is null)
        {
            Plain.WriteLine(result);
            return;
        }

        summary = result;
    }

    /// <summary>The validation metrics with the parameters they were measured at: validation runs before an epoch.</summary>
    private static string ValidLabel(EpochReport r) => r.ValidEpoch == 0
        ? $"{r.Valid} (initial parameters)"
        : FormattableString.Invariant($"{r.Valid} (after epoch {r.ValidEpoch})");

    /// <summary>Shows the last report, ends the live table and waits for it to finish drawing.</summary>
    public void Dispose()
    {
        if (live is null || done)
        {
            return;
        }

        done = true;
        signal!.Release();
        live.Wait();
        signal.Dispose();
    }
}
