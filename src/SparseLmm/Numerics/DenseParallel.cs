using System.Runtime.ExceptionServices;

namespace SparseLmm.Numerics;

/// <summary>A unit of parallel work split into numbered chunks (see <see cref="DenseParallelRunner"/>).</summary>
internal interface IDenseParallelJob
{
    /// <summary>Runs chunk number <paramref name="chunk"/>. Chunks of one phase may execute concurrently on different threads.</summary>
    void RunChunk(int chunk);
}

/// <summary>
/// A tiny allocation-free fork/join helper for the dense kernels.
/// </summary>
/// <remarks>
/// <para>Work is organised in <em>sessions</em> (one per factorisation) made of <em>phases</em> (one per parallel
/// step). <see cref="BeginSession"/> queues up to <c>Environment.ProcessorCount − 1</c> helpers on the .NET thread pool as
/// cached <see cref="IThreadPoolWorkItem"/> objects (no delegate, closure or task is created); a helper that starts
/// stays for the rest of the session, spinning between phases, so a session costs one thread-pool wake-up per helper
/// rather than one per phase. Each <see cref="Run(IDenseParallelJob, int)"/> publishes a phase; the calling thread
/// always works on it too, and chunks are claimed dynamically with an interlocked counter, so a helper that starts late
/// simply does fewer chunks.</para>
/// <para>Phase protocol: the phase word holds (generation, closed bit, participant count). A helper joins a phase by
/// incrementing the participant count with a compare-and-swap that fails once the phase is closed; when the caller has
/// run out of chunks it closes the phase and waits until as many participants have finished as had joined. A helper
/// can therefore never touch a phase the caller has finished with, and a helper that never starts (thread-pool
/// starvation) is cancelled at the end of the session and never touches anything: the caller then simply does all the
/// work itself.</para>
/// <para>One runner serves one owner at a time (not re-entrant, not thread-safe): each
/// <see cref="DenseCholeskyWorkspace"/> owns its own.</para>
/// </remarks>
internal sealed class DenseParallelRunner
{
    private const int Idle = 0, Queued = 1, Running = 2, Cancelled = 3;
    private const long ClosedBit = 1L << 31;
    private const long CountMask = ClosedBit - 1;

    private readonly Helper[] _helpers;
    private bool _inSession;

    // Phase state. Written by the caller before a phase is published; read by participants while it is open.
    private IDenseParallelJob? _job;
    private int _count;
    private int _next;
    private int _finished;
    private long _phaseWord = ClosedBit; // generation 0, closed
    private int _stop = 1;
    private Exception? _error;

    /// <summary>Creates a runner able to use up to <paramref name="helperCount"/> thread-pool helpers besides the caller.</summary>
    public DenseParallelRunner(int helperCount)
    {
        helperCount = Math.Max(0, helperCount);
        _helpers = new Helper[helperCount];
        for (int i = 0; i < helperCount; i++) _helpers[i] = new Helper(this);
    }

    /// <summary>How many helpers (besides the caller) this runner can use at most.</summary>
    public int HelperCount => _helpers.Length;

    /// <summary>Runs one phase as a session of its own: chunks 0 … <paramref name="chunkCount"/> − 1 of
    /// <paramref name="job"/> on the caller and at most <paramref name="maxHelpers"/> helpers.</summary>
    public void Run(IDenseParallelJob job, int chunkCount, int maxHelpers)
    {
        if (chunkCount <= 0) return;
        int helpers = Math.Min(maxHelpers, chunkCount - 1);
        if (helpers <= 0 || _helpers.Length == 0)
        {
            for (int c = 0; c < chunkCount; c++) job.RunChunk(c);
            return;
        }
        BeginSession(helpers);
        try
        {
            Run(job, chunkCount);
        }
        finally
        {
            EndSession();
        }
    }

    /// <summary>Starts a session: queues up to <paramref name="maxHelpers"/> helpers, which join the phases run until
    /// <see cref="EndSession"/>. Returns at once.</summary>
    public void BeginSession(int maxHelpers)
    {
        if (_inSession) throw new InvalidOperationException("A session is already open.");
        _inSession = true;
        Volatile.Write(ref _stop, 0);
        int want = Math.Min(maxHelpers, _helpers.Length), taken = 0;
        for (int s = 0; s < _helpers.Length && taken < want; s++)
        {
            Helper h = _helpers[s];
            int state = Volatile.Read(ref h.State);
            if (state == Running)
            {
                // Still in the loop from the previous session (it has not seen that session's stop yet): it serves
                // this session too, or exits; either way it needs no queueing.
                taken++;
                continue;
            }
            // A helper still sitting in the pool queue from an earlier, cancelled session is not Idle: skip it.
            if (Interlocked.CompareExchange(ref h.State, Queued, Idle) != Idle) continue;
            taken++;
            ThreadPool.UnsafeQueueUserWorkItem(h, preferLocal: false);
        }
    }

    /// <summary>Ends the session: helpers leave, helpers that never started are cancelled. Returns at once.</summary>
    public void EndSession()
    {
        if (!_inSession) return;
        _inSession = false;
        Volatile.Write(ref _stop, 1);
        for (int u = 0; u < _helpers.Length; u++)
            Interlocked.CompareExchange(ref _helpers[u].State, Cancelled, Queued);
    }

    /// <summary>Runs one phase inside a session: chunks 0 … <paramref name="chunkCount"/> − 1 of <paramref name="job"/>
    /// on the caller and on whichever helpers join; returns when all chunks are done. An exception thrown by a chunk is
    /// rethrown here once every participant has stopped.</summary>
    public void Run(IDenseParallelJob job, int chunkCount)
    {
        if (chunkCount <= 0) return;
        if (!_inSession)
        {
            for (int c = 0; c < chunkCount; c++) job.RunChunk(c);
            return;
        }

        _job = job;
        _count = chunkCount;
        _error = null;
        _next = 0;
        _finished = 0;
        long generation = (Volatile.Read(ref _phaseWord) >> 32) + 1;
        Volatile.Write(ref _phaseWord, generation << 32); // open, no participants yet (publishes the fields above)

        try
        {
            Drain();
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _error, e, null);
            Volatile.Write(ref _next, int.MaxValue / 2); // stop handing out chunks
        }

        // Close the phase; from now on nobody can join it.
        long word = Volatile.Read(ref _phaseWord);
        while (true)
        {
            long seen = Interlocked.CompareExchange(ref _phaseWord, word | ClosedBit, word);
            if (seen == word) break;
            word = seen;
        }
        int participants = (int)(word & CountMask);
        if (participants > 0)
        {
            SpinWait spinner = default;
            while (Volatile.Read(ref _finished) != participants) spinner.SpinOnce(sleep1Threshold: -1);
        }

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

    /// <summary>Helper loop: join every open phase until the session stops.</summary>
    private void Serve()
    {
        long lastGeneration = -1;
        SpinWait spinner = default;
        while (Volatile.Read(ref _stop) == 0)
        {
            long word = Volatile.Read(ref _phaseWord);
            if ((word & ClosedBit) == 0 && (word >> 32) != lastGeneration)
            {
                if (Interlocked.CompareExchange(ref _phaseWord, word + 1, word) != word) continue; // raced: re-read
                lastGeneration = word >> 32;
                try
                {
                    Drain();
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref _error, e, null);
                    Volatile.Write(ref _next, int.MaxValue / 2);
                }
                Interlocked.Increment(ref _finished); // last touch of this phase
                spinner.Reset();
                continue;
            }
            spinner.SpinOnce(sleep1Threshold: -1);
        }
    }

    private sealed class Helper(DenseParallelRunner owner) : IThreadPoolWorkItem
    {
        internal int State;

        public void Execute()
        {
            if (Interlocked.CompareExchange(ref State, Running, Queued) != Queued)
            {
                // Cancelled by the owner before we started: the session is over, do not touch it.
                Volatile.Write(ref State, Idle);
                return;
            }
            owner.Serve();
            Volatile.Write(ref State, Idle);
        }
    }
}
