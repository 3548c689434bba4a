using System.Globalization;
using Spectre.Console;

namespace Downhill;

/// <summary>
/// The console display of <see cref="TrainingOptions.ShowProgress"/>: a Spectre.Console live table updated after
/// every epoch, or one plain line per epoch when the output is redirected (logs, CI).
/// </summary>
internal sealed class ProgressDisplay : IDisposable
{
    private readonly Table? table;
    private readonly Task? live;
    private readonly SemaphoreSlim? signal;
    private readonly object gate = new();
    private EpochReport? pending;
    private volatile bool done;

    public ProgressDisplay(string lossName)
    {
        if (Console.IsOutputRedirected)
        {
            Console.WriteLine($"Training {lossName}");
            return;
        }

        table = new Table().Title(Markup.Escape(lossName)).AddColumns("epoch", "train", "valid", "best valid");
        table.AddRow("0", "-", "-", "-");
        signal = new SemaphoreSlim(0);
        live = Task.Run(() => AnsiConsole.Live(table).Start(ctx =>
        {
            while (true)
            {
                signal.Wait();
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
                    table.UpdateCell(0, 2, Markup.Escape(r.Valid.ToString()));
                    table.UpdateCell(0, 3, r.BestValidLoss.ToString("G6", CultureInfo.InvariantCulture));
                    ctx.Refresh();
                }

                if (done)
                {
                    return;
                }
            }
        }));
    }

    public void Report(EpochReport report)
    {
        if (table is null)
        {
            Console.WriteLine(FormattableString.Invariant($"epoch {report.Epoch}: train {report.Train} | valid {report.Valid} | best {report.BestValidLoss:G6}"));
            return;
        }

        lock (gate)
        {
            pending = report;
        }

        signal!.Release();
    }

    public void Dispose()
    {
        if (live is null)
        {
            return;
        }

        done = true;
        signal!.Release();
        live.Wait();
        signal.Dispose();
    }
}
