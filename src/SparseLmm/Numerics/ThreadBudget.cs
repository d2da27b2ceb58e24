namespace SparseLmm.Numerics;

/// <summary>
/// How many threads (the caller included) the parallel parts of one fit may use: the number asked for
/// (<see cref="FitOptions.Threads"/>, <c>--threads</c>), or, when none was, the cores free when the fit first needs to
/// know. One budget per fit, handed to the parallel kernels' constructors; nothing process-wide.
/// </summary>
/// <remarks>A second thread on a core that another process keeps busy does not help: the kernels' helpers spin
/// between phases and the caller waits for the slowest chunk, so with both cores of a 2-core machine busy the
/// 2-thread kernels ran 7× slower than on a quiet machine against 2.7× for one thread (issue 11). The free cores are
/// therefore read once, lazily (small fits never ask and pay nothing), from the scheduler's count of runnable
/// threads.</remarks>
internal sealed class ThreadBudget
{
    private readonly int requested;
    private int degree;

    /// <summary>A budget of <paramref name="requested"/> threads (at most the processor count); null or 0: the cores
    /// free at the first use.</summary>
    public ThreadBudget(int? requested = null)
    {
        if (requested < 0) throw new ArgumentOutOfRangeException(nameof(requested), requested, "a thread count is 0 (automatic) or more");
        this.requested = requested ?? 0;
    }

    /// <summary>One thread: for callers that must not start any.</summary>
    public static ThreadBudget Single => new(1);

    /// <summary>The threads to use, caller included (≥ 1).</summary>
    public int Degree
    {
        get
        {
            if (degree == 0)
                degree = requested > 0 ? Math.Min(requested, Environment.ProcessorCount) : FreeCores();
            return degree;
        }
    }

    /// <summary>Processors this process may use that no other runnable thread is waiting for, at least 1. On Linux
    /// from /proc/loadavg (runnable threads machine-wide, this one included) and the machine's processor count from
    /// /proc/stat, which exceeds <see cref="Environment.ProcessorCount"/> in a container limited to fewer CPUs;
    /// elsewhere every processor counts as free.</summary>
    internal static int FreeCores()
    {
        int usable = Environment.ProcessorCount;
        if (usable == 1 || !OperatingSystem.IsLinux()) return usable;
        try
        {
            var fields = File.ReadAllText("/proc/loadavg").Split(' ');
            int runnable = int.Parse(fields[3].AsSpan(0, fields[3].IndexOf('/')));
            int machine = File.ReadLines("/proc/stat").Count(line => line.Length > 3 && line.StartsWith("cpu") && char.IsDigit(line[3]));
            return Math.Clamp(Math.Max(machine, usable) - (runnable - 1), 1, usable);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return usable;
        }
    }
}
