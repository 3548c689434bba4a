namespace Downhill.Internal;

/// <summary>
/// A fixed set of background threads that run one piece of work each per <see cref="Run"/>, the caller's thread
/// taking part as worker 0. Unlike <c>Parallel.For</c> it allocates nothing per call, so a training step stays
/// allocation-free once warm.
/// </summary>
internal sealed class WorkerPool : IDisposable
{
    private readonly Thread[] threads;
    private readonly SemaphoreSlim[] start;
    // Released once per Run by the last worker to finish. A SemaphoreSlim, not a ManualResetEventSlim: the
    // latter allocates its lock object the first time a wait blocks, 24 bytes in the middle of training.
    private readonly SemaphoreSlim done = new(0);
    private Action<int>? work;
    private int pending;
    private volatile bool stopping;
    private Exception? failure;

    /// <summary>Starts <paramref name="workers"/> − 1 background threads.</summary>
    public WorkerPool(int workers)
    {
        Workers = Math.Max(1, workers);
        threads = new Thread[Workers - 1];
        start = new SemaphoreSlim[Workers - 1];
        for (int i = 0; i < threads.Length; i++)
        {
            int index = i + 1;
            start[i] = new SemaphoreSlim(0);
            threads[i] = new Thread(() => Loop(index)) { IsBackground = true, Name = $"Downhill worker {index}" };
            threads[i].Start();
        }
    }

    /// <summary>The number of workers, the caller included.</summary>
    public int Workers { get; }

    /// <summary>Runs <paramref name="action"/>(w) for every worker w and waits for all; rethrows a worker's exception.</summary>
    public void Run(Action<int> action)
    {
        if (Workers == 1)
        {
            action(0);
            return;
        }

        work = action;
        failure = null;
        Volatile.Write(ref pending, Workers);
        foreach (SemaphoreSlim s in start)
        {
            s.Release();
        }

        try
        {
            action(0);
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref failure, e, null);
        }

        Finish();
        done.Wait();
        work = null;
        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        stopping = true;
        foreach (SemaphoreSlim s in start)
        {
            s.Release();
        }

        foreach (Thread t in threads)
        {
            t.Join();
        }

        foreach (SemaphoreSlim s in start)
        {
            s.Dispose();
        }

        done.Dispose();
    }

    private void Finish()
    {
        if (Interlocked.Decrement(ref pending) == 0)
        {
            done.Release();
        }
    }

    private void Loop(int index)
    {
        while (true)
        {
            start[index - 1].Wait();
            if (stopping)
            {
                return;
            }

            try
            {
                work!(index);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref failure, e, null);
            }

            Finish();
        }
    }
}
