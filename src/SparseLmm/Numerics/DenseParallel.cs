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
/// step). <see cref="BeginSession"/> hires idle threads from a small process-wide crew of dedicated background helper
/// threads (<see cref="DenseHelperCrew"/>, <c>Environment.ProcessorCount − 1</c> of them, created on first use) and
/// returns at once; a hired helper wakes (a few microseconds), stays for the rest of the session and spins between
/// phases, so a session costs one wake-up per helper, not one per phase. Dedicated threads are used rather than the
/// .NET thread pool because a queued pool work item sometimes waits milliseconds for a worker, which is longer than a
/// whole factorisation of order 1,000. Each <see cref="Run(IDenseParallelJob, int)"/> publishes a phase; the calling
/// thread always works on it too, and chunks are claimed dynamically with an interlocked counter, so a helper that
/// joins late simply does fewer chunks. Nothing is allocated per session or phase.</para>
/// <para>Phase protocol: the phase word holds (generation, closed bit, participant count). A helper joins a phase by
/// incrementing the participant count with a compare-and-swap that fails once the phase is closed; when the caller has
/// run out of chunks it closes the phase and waits until as many participants have finished as had joined. A helper can
/// therefore never touch a phase the caller has finished with, and the caller never waits for a helper to wake up: if
/// none comes (all busy with other runners, or the machine is overloaded) it simply does all the work itself.</para>
/// <para>One runner serves one owner at a time (not re-entrant, not thread-safe): each
/// <see cref="DenseCholeskyWorkspace"/> owns its own. Runners of different workspaces share the crew; a helper serves
/// one runner at a time.</para>
/// </remarks>
internal sealed class DenseParallelRunner
{
    private const long ClosedBit = 1L << 31;
    private const long CountMask = ClosedBit - 1;

    private readonly int _maxHelpers;

    // Helpers hired for the open session, and how many of them have gone back to the crew since.
    private int _hired;
    private int _left;
    private bool _inSession;

    // Phase state. Written by the caller before a phase is published; read by participants while it is open.
    private IDenseParallelJob? _job;
    private int _count;
    private int _next;
    private int _finished;
    private long _phaseWord = ClosedBit; // generation 0, closed
    private int _stop = 1;
    private Exception? _error;

    /// <summary>Creates a runner that hires at most <paramref name="helperCount"/> helpers (and never more than the
    /// crew has) besides the calling thread.</summary>
    public DenseParallelRunner(int helperCount)
    {
        _maxHelpers = Math.Clamp(helperCount, 0, DenseHelperCrew.MaxSize);
    }

    /// <summary>How many helpers (besides the caller) this runner may use at most.</summary>
    public int HelperCount => _maxHelpers;

    /// <summary>Runs one phase as a session of its own: chunks 0 … <paramref name="chunkCount"/> − 1 of
    /// <paramref name="job"/> on the caller and at most <paramref name="maxHelpers"/> helpers.</summary>
    public void Run(IDenseParallelJob job, int chunkCount, int maxHelpers)
    {
        if (chunkCount <= 0) return;
        if (Math.Min(maxHelpers, chunkCount - 1) <= 0 || _maxHelpers == 0)
        {
            for (int c = 0; c < chunkCount; c++) job.RunChunk(c);
            return;
        }
        BeginSession(maxHelpers);
        try
        {
            Run(job, chunkCount);
        }
        finally
        {
            EndSession();
        }
    }

    /// <summary>Starts a session: hires up to <paramref name="maxHelpers"/> idle helpers, which join the phases run
    /// until <see cref="EndSession"/>. Returns at once.</summary>
    public void BeginSession(int maxHelpers)
    {
        if (_inSession) throw new InvalidOperationException("A session is already open.");
        _inSession = true;
        Volatile.Write(ref _stop, 0);
        int want = Math.Min(maxHelpers, _maxHelpers);
        _left = 0;
        _hired = want > 0 ? DenseHelperCrew.Hire(this, want) : 0;
    }

    /// <summary>Ends the session; helpers leave by themselves. Returns at once.</summary>
    public void EndSession()
    {
        if (!_inSession) return;
        _inSession = false;
        Volatile.Write(ref _stop, 1);
        // Wait until the helpers are back in the crew: a session started right after this one (the next kernel of the
        // same evaluation) would otherwise find none idle and run on one core.
        SpinWait spinner = default;
        while (Volatile.Read(ref _left) != _hired) spinner.SpinOnce(sleep1Threshold: -1);
    }

    /// <summary>Called by a crew helper once it is idle again after serving this runner's session.</summary>
    internal void HelperLeft() => Interlocked.Increment(ref _left);

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

    /// <summary>Helper side: joins every open phase until the session stops (returns at once if it already has).</summary>
    internal void Serve()
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
}

/// <summary>
/// The process-wide crew of dedicated helper threads used by <see cref="DenseParallelRunner"/>: at most
/// <see cref="MaxSize"/> background threads, created on first use, each blocked on its own semaphore while idle.
/// </summary>
internal static class DenseHelperCrew
{
    private const int Idle = 0, Hired = 1;

    /// <summary>Number of helper threads: one per processor besides the caller's, at most 63.</summary>
    public static readonly int MaxSize = Math.Clamp(Environment.ProcessorCount - 1, 0, 63);

    private static Helper[]? s_helpers;
    private static readonly object s_createLock = new();

    /// <summary>Hires up to <paramref name="count"/> idle helpers for <paramref name="runner"/>'s session; never blocks.</summary>
    public static int Hire(DenseParallelRunner runner, int count)
    {
        Helper[] helpers = s_helpers ?? Create();
        int hired = 0;
        for (int i = 0; i < helpers.Length && hired < count; i++)
        {
            Helper h = helpers[i];
            if (Volatile.Read(ref h.State) != Idle || Interlocked.CompareExchange(ref h.State, Hired, Idle) != Idle) continue;
            Volatile.Write(ref h.Runner, runner);
            h.Wake.Release();
            hired++;
        }
        return hired;
    }

    private static Helper[] Create()
    {
        lock (s_createLock)
        {
            if (s_helpers is not null) return s_helpers;
            var helpers = new Helper[MaxSize];
            for (int i = 0; i < helpers.Length; i++)
            {
                var h = new Helper();
                helpers[i] = h;
                var thread = new Thread(h.Loop, maxStackSize: 1 << 20)
                {
                    IsBackground = true,
                    Name = $"SparseLmm dense helper {i + 1}",
                };
                thread.Start();
            }
            Volatile.Write(ref s_helpers, helpers);
            return helpers;
        }
    }

    private sealed class Helper
    {
        internal int State;
        internal DenseParallelRunner? Runner;
        internal readonly SemaphoreSlim Wake = new(0);

        internal void Loop()
        {
            while (true)
            {
                Wake.Wait();
                if (Volatile.Read(ref State) != Hired) continue; // spurious
                DenseParallelRunner? runner;
                while ((runner = Volatile.Read(ref Runner)) is null) Thread.SpinWait(1); // the hirer is about to set it
                try
                {
                    runner.Serve();
                }
                catch
                {
                    // Serve catches chunk exceptions itself; nothing else can throw. Never let a helper die.
                }
                Volatile.Write(ref Runner, null);
                Volatile.Write(ref State, Idle);
                runner.HelperLeft();
            }
        }
    }
}
