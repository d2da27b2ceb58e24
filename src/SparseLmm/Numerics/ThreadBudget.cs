namespace SparseLmm.Numerics;

/// <summary>
/// How many threads (the caller included) the parallel parts of one fit may use: the number asked for
/// (<see cref="FitOptions.Threads"/>, <c>--threads</c>), at most the processors this process may use, or all of them.
/// One budget per fit, handed to the parallel kernels' constructors; nothing process-wide.
/// </summary>
/// <remarks>All processors by default, busy or not, by measurement (perf-data/startup-2026-12-01.md): with both cores
/// of the 2-core machine held by other processes, 1M-row fits ran 20–25 % faster on two threads than on one (the
/// scheduler shares a core between threads, not processes), and one thread on a quiet machine costs 20–45 %. Falling
/// back to one thread when the cores looked busy lost those 20–25 %. The kernels never wait for a helper that is not
/// free (<see cref="DenseParallelRunner"/>), and small fits stay on one thread by their own size thresholds.</remarks>
internal sealed class ThreadBudget
{
    /// <summary>A budget of <paramref name="requested"/> threads (at most the processor count); null or 0: every
    /// processor.</summary>
    public ThreadBudget(int? requested = null)
    {
        if (requested < 0) throw new ArgumentOutOfRangeException(nameof(requested), requested, "a thread count is 0 (automatic) or more");
        Degree = requested > 0 ? Math.Min(requested.Value, Environment.ProcessorCount) : Environment.ProcessorCount;
    }

    /// <summary>The threads to use, caller included (≥ 1).</summary>
    public int Degree { get; }
}
