using System.Runtime.ExceptionServices;

namespace SparseLmm.Numerics;

/// <summary>A unit of parallel work split into numbered chunks (see <see cref="DenseParallelRunner"/>).</summary>
internal interface IDenseParallelJob
{
    /// <summary>Runs chunk number <paramref name="chunk"/>. Chunks of one run may execute concurrently on different threads.</summary>
    void RunChunk(int chunk);
}

/// <summary>
/// A tiny allocation-free fork/join helper for the dense kernels. The calling thread always takes part in the work;
/// up to <c>Environment.ProcessorCount - 1</c> helpers are queued on the .NET thread pool as cached
/// <see cref="IThreadPoolWorkItem"/> objects (no delegate, closure or task is created per run). Chunks are claimed
/// dynamically with an interlocked counter, so a helper that starts late simply does fewer chunks; a helper that has not
/// started by the time the caller has run out of chunks is cancelled and never touches the job. This makes a run immune to
/// thread-pool starvation (the caller then does everything itself) and keeps steady-state runs free of GC allocation.
/// </summary>
/// <remarks>One runner serves one owner at a time (it is not re-entrant and not thread-safe): each
/// <see cref="DenseCholeskyWorkspace"/> owns its own runner.</remarks>
internal sealed class DenseParallelRunner
{
    private const int Idle = 0, Queued = 1, Running = 2, Cancelled = 3;

    private readonly Helper[] _helpers;
    private readonly int[] _used;
    private IDenseParallelJob? _job;
    private int _count;
    private int _next;
    private int _pending;
    private Exception? _error;

    /// <summary>Creates a runner able to use up to <paramref name="helperCount"/> thread-pool helpers besides the caller.</summary>
    public DenseParallelRunner(int helperCount)
    {
        helperCount = Math.Max(0, helperCount);
        _helpers = new Helper[helperCount];
        for (int i = 0; i < helperCount; i++) _helpers[i] = new Helper(this);
        _used = new int[helperCount];
    }

    /// <summary>How many helpers (besides the caller) this runner can use at most.</summary>
    public int HelperCount => _helpers.Length;

    /// <summary>Runs chunks 0 … <paramref name="chunkCount"/> − 1 of <paramref name="job"/> on the caller and at most
    /// <paramref name="maxHelpers"/> helpers, and returns when all chunks are done. An exception thrown by a chunk is
    /// rethrown here after all helpers have stopped.</summary>
    public void Run(IDenseParallelJob job, int chunkCount, int maxHelpers)
    {
        if (chunkCount <= 0) return;
        int want = Math.Min(Math.Min(maxHelpers, _helpers.Length), chunkCount - 1);
        if (want <= 0)
        {
            for (int c = 0; c < chunkCount; c++) job.RunChunk(c);
            return;
        }

        _job = job;
        _count = chunkCount;
        _error = null;
        Volatile.Write(ref _next, 0);
        Volatile.Write(ref _pending, 0);

        int nUsed = 0;
        for (int s = 0; s < _helpers.Length && nUsed < want; s++)
        {
            Helper h = _helpers[s];
            // A helper still sitting in the pool queue from an earlier, cancelled run is not Idle: skip it.
            if (Interlocked.CompareExchange(ref h.State, Queued, Idle) != Idle) continue;
            Interlocked.Increment(ref _pending);
            _used[nUsed++] = s;
            ThreadPool.UnsafeQueueUserWorkItem(h, preferLocal: false);
        }

        try
        {
            Drain();
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _error, e, null);
            Volatile.Write(ref _next, int.MaxValue / 2); // stop handing out chunks
        }

        for (int u = 0; u < nUsed; u++)
        {
            Helper h = _helpers[_used[u]];
            if (Interlocked.CompareExchange(ref h.State, Cancelled, Queued) == Queued) Interlocked.Decrement(ref _pending);
        }

        SpinWait spinner = default;
        while (Volatile.Read(ref _pending) != 0) spinner.SpinOnce(sleep1Threshold: -1);

        _job = null;
        Exception? error = _error;
        if (error is not null)
        {
            _error = null;
            ExceptionDispatchInfo.Throw(error);
        }
    }

    private void Drain()
    {
        IDenseParallelJob job = _job!;
        int count = _count;
        int c;
        while ((c = Interlocked.Increment(ref _next) - 1) < count) job.RunChunk(c);
    }

    private sealed class Helper(DenseParallelRunner owner) : IThreadPoolWorkItem
    {
        internal int State;

        public void Execute()
        {
            if (Interlocked.CompareExchange(ref State, Running, Queued) != Queued)
            {
                // Cancelled by the owner before we started: the run is over, do not touch it.
                Volatile.Write(ref State, Idle);
                return;
            }

            try
            {
                owner.Drain();
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref owner._error, e, null);
                Volatile.Write(ref owner._next, int.MaxValue / 2);
            }

            Volatile.Write(ref State, Idle);
            Interlocked.Decrement(ref owner._pending); // last touch of the owner's run state
        }
    }
}
