using System.Runtime.InteropServices;

namespace Downhill;

/// <summary>
/// Ranks that are threads of one process, sharing memory: the collectives of MPI without MPI, so data-parallel
/// training over several ranks is tested in the normal test suite. Each rank's communicator is used by one thread.
/// A rank that calls <see cref="Abort"/> makes every other rank's waiting and later operations throw
/// <see cref="RankFailedException"/>, and a wait longer than <see cref="Timeout"/> throws it too.
/// </summary>
public sealed class InProcessCommunicator : ICommunicator
{
    private readonly Hub hub;

    private InProcessCommunicator(Hub hub, int rank)
    {
        this.hub = hub;
        Rank = rank;
    }

    /// <inheritdoc/>
    public int Rank { get; }

    /// <inheritdoc/>
    public int Size => hub.Size;

    /// <inheritdoc/>
    public int LocalSize => hub.Size;

    /// <summary>How long an operation waits for the other ranks before it throws (default 60 s).</summary>
    public TimeSpan Timeout
    {
        get => hub.Timeout;
        set => hub.Timeout = value;
    }

    /// <summary>Creates <paramref name="size"/> connected communicators, one per rank (index = rank).</summary>
    public static InProcessCommunicator[] Create(int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        var hub = new Hub(size);
        return [.. Enumerable.Range(0, size).Select(r => new InProcessCommunicator(hub, r))];
    }

    /// <inheritdoc/>
    public void AllReduceSum<T>(Span<T> values)
        where T : unmanaged
    {
        CommunicatorChecks.ElementType<T>();
        T[] mine = values.ToArray();
        T[] sum = new T[mine.Length];
        Exchange(mine, all =>
        {
            // Rank order: the sum is the same on every rank.
            for (int j = 0; j < sum.Length; j++)
            {
                sum[j] = Sum<T>(all, j);
            }
        });
        sum.CopyTo(values);
    }

    /// <inheritdoc/>
    public void AllGather<T>(ReadOnlySpan<T> send, Span<T> receive)
        where T : unmanaged
    {
        CommunicatorChecks.ElementType<T>();
        CommunicatorChecks.GatherLength(send.Length, receive.Length, Size);
        T[] mine = send.ToArray();
        int n = mine.Length;
        T[][] gathered = null!;
        Exchange(mine, all => gathered = [.. all.Select(a => (T[])a!)]);
        for (int r = 0; r < gathered.Length; r++)
        {
            gathered[r].AsSpan().CopyTo(receive.Slice(r * n, n));
        }
    }

    /// <inheritdoc/>
    public void Broadcast<T>(Span<T> values, int root)
        where T : unmanaged
    {
        CommunicatorChecks.ElementType<T>();
        CommunicatorChecks.Rank(root, Size, nameof(root));
        T[]? mine = Rank == root ? values.ToArray() : [];
        T[] rootValues = null!;
        Exchange(mine, all => rootValues = (T[])all[root]!);
        if (Rank != root)
        {
            if (rootValues.Length != values.Length)
            {
                throw new ArgumentException($"Rank {root} broadcast {rootValues.Length} elements; rank {Rank} expects {values.Length}.", nameof(values));
            }

            rootValues.CopyTo(values);
        }
    }

    /// <inheritdoc/>
    public void Send<T>(ReadOnlySpan<T> values, int destination)
        where T : unmanaged
    {
        CommunicatorChecks.ElementType<T>();
        CommunicatorChecks.Rank(destination, Size, nameof(destination));
        hub.Check();
        Queue<byte[]> queue = hub.Mailbox(Rank, destination);
        lock (hub.Gate)
        {
            queue.Enqueue(MemoryMarshal.AsBytes(values).ToArray());
            Monitor.PulseAll(hub.Gate);
        }
    }

    /// <inheritdoc/>
    public void Receive<T>(Span<T> values, int source)
        where T : unmanaged
    {
        CommunicatorChecks.ElementType<T>();
        CommunicatorChecks.Rank(source, Size, nameof(source));
        Queue<byte[]> queue = hub.Mailbox(source, Rank);
        byte[] message;
        lock (hub.Gate)
        {
            hub.WaitUntil(() => queue.Count > 0, Rank, $"a message from rank {source}");
            message = queue.Dequeue();
        }

        Span<byte> target = MemoryMarshal.AsBytes(values);
        if (message.Length != target.Length)
        {
            throw new ArgumentException($"Rank {source} sent {message.Length} bytes; rank {Rank} expects {target.Length}.", nameof(values));
        }

        message.CopyTo(target);
    }

    /// <inheritdoc/>
    public void Barrier() => Exchange(Array.Empty<byte>(), _ => { });

    /// <inheritdoc/>
    public void Abort(string message)
    {
        lock (hub.Gate)
        {
            hub.Failure ??= (Rank, message);
            Monitor.PulseAll(hub.Gate);
        }
    }

    private static T Sum<T>(object?[] all, int j)
        where T : unmanaged
    {
        if (typeof(T) == typeof(double))
        {
            double s = 0;
            foreach (object? a in all)
            {
                s += ((double[])a!)[j];
            }

            return (T)(object)s;
        }

        if (typeof(T) == typeof(float))
        {
            float s = 0;
            foreach (object? a in all)
            {
                s += ((float[])a!)[j];
            }

            return (T)(object)s;
        }

        long t = 0;
        foreach (object? a in all)
        {
            t += a switch
            {
                int[] i => i[j],
                long[] l => l[j],
                _ => ((byte[])a!)[j],
            };
        }

        return typeof(T) == typeof(int) ? (T)(object)(int)t : typeof(T) == typeof(long) ? (T)(object)t : (T)(object)(byte)t;
    }

    /// <summary>Every rank deposits <paramref name="mine"/>; when all have, each reads them all; then all leave together.</summary>
    private void Exchange(Array mine, Action<object?[]> read)
    {
        lock (hub.Gate)
        {
            hub.Arrive(Rank, mine);
            read(hub.Slots);
            hub.Depart();
        }
    }

    /// <summary>The state the ranks share.</summary>
    private sealed class Hub(int size)
    {
        private readonly Queue<byte[]>[,] mailboxes = CreateMailboxes(size);
        private int arrived;
        private int departed;
        private long generation;

        public int Size { get; } = size;

        public object Gate { get; } = new();

        public object?[] Slots { get; } = new object?[size];

        public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);

        public (int Rank, string Message)? Failure { get; set; }

        public Queue<byte[]> Mailbox(int from, int to) => mailboxes[from, to];

        public void Check()
        {
            lock (Gate)
            {
                ThrowIfFailed();
            }
        }

        /// <summary>Called under the gate: deposits and waits for the others.</summary>
        public void Arrive(int rank, Array mine)
        {
            // A rank still reading the last exchange's slots holds the next one back.
            WaitUntil(() => departed == 0, rank, "the other ranks to finish the last collective");
            long gen = generation;
            Slots[rank] = mine;
            arrived++;
            if (arrived == Size)
            {
                generation++;
                Monitor.PulseAll(Gate);
            }
            else
            {
                WaitUntil(() => generation != gen, rank, "the other ranks to join a collective");
            }
        }

        /// <summary>Called under the gate after reading: the last to leave clears the slots for the next exchange.</summary>
        public void Depart()
        {
            departed++;
            if (departed == Size)
            {
                arrived = 0;
                departed = 0;
                Array.Clear(Slots);
                Monitor.PulseAll(Gate);
            }
        }

        /// <summary>Called under the gate: waits for <paramref name="condition"/>, failing on an abort or the timeout.</summary>
        public void WaitUntil(Func<bool> condition, int rank, string what)
        {
            DateTime deadline = DateTime.UtcNow + Timeout;
            while (!condition())
            {
                ThrowIfFailed();
                TimeSpan left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero)
                {
                    throw new RankFailedException(-1, $"Rank {rank} waited {Timeout.TotalSeconds:G4} s for {what}; another rank hung or stopped without calling Abort.");
                }

                Monitor.Wait(Gate, left < TimeSpan.FromMilliseconds(100) ? left : TimeSpan.FromMilliseconds(100));
            }

            ThrowIfFailed();
        }

        private void ThrowIfFailed()
        {
            if (Failure is (int r, string m))
            {
                throw new RankFailedException(r, $"Rank {r} failed: {m}");
            }
        }

        private static Queue<byte[]>[,] CreateMailboxes(int size)
        {
            var boxes = new Queue<byte[]>[size, size];
            for (int i = 0; i < size; i++)
            {
                for (int j = 0; j < size; j++)
                {
                    boxes[i, j] = new Queue<byte[]>();
                }
            }

            return boxes;
        }
    }
}
