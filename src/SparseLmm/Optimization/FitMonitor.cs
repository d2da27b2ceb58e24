using System.Diagnostics;

namespace SparseLmm.Optimization;

/// <summary>Watches one fit on behalf of its caller: stops it when the caller's token fires (checked before every
/// objective evaluation and inside the long loops an evaluation can hide: the pass over the rows, PIRLS), reports its
/// progress at most every 100 ms, and carries the evaluation limit of each search. One per fit, used by the fit's
/// thread only; callers inside the library that need none of this pass null.</summary>
internal sealed class FitMonitor
{
    /// <summary>The evaluation limit of a search when the caller gives none: lme4's is 10,000 for glmer too.</summary>
    public const int DefaultMaxEvaluations = 10_000;

    private static readonly long ReportInterval = Stopwatch.Frequency / 10;

    private readonly IProgress<FitProgress>? progress;
    private readonly long started = Stopwatch.GetTimestamp();
    private long lastReport;
    private FitStage stage;
    private double best = double.NaN;

    public FitMonitor(CancellationToken cancellation = default, IProgress<FitProgress>? progress = null,
        int maxEvaluations = DefaultMaxEvaluations)
    {
        Cancellation = cancellation;
        this.progress = progress;
        MaxEvaluations = maxEvaluations;
    }

    /// <summary>The caller's token.</summary>
    public CancellationToken Cancellation { get; }

    /// <summary>The most evaluations one search may spend.</summary>
    public int MaxEvaluations { get; }

    /// <summary>Evaluations so far, all searches together.</summary>
    public int Evaluations { get; private set; }

    /// <summary>Stops the fit (<see cref="OperationCanceledException"/>) if the caller asked.</summary>
    public void ThrowIfCancelled() => Cancellation.ThrowIfCancellationRequested();

    /// <summary>A new stage begins: a report now; a search starts its best value over, and the stages after a search
    /// (the covariance, the check of the optimum) report its best.</summary>
    public void Enter(FitStage next)
    {
        ThrowIfCancelled();
        stage = next;
        if (next is FitStage.Search or FitStage.JointSearch) best = double.NaN;
        Report(Stopwatch.GetTimestamp());
    }

    /// <summary><paramref name="objective"/> with the token checked before each evaluation and each value counted and
    /// reported. The wrapper is made once per search; an evaluation allocates nothing unless a report is due.</summary>
    public ObjectiveFunction Watch(ObjectiveFunction objective) => point =>
    {
        ThrowIfCancelled();
        double value = objective(point);
        Evaluations++;
        if (!double.IsNaN(value) && !(value >= best)) best = value;
        if (progress is not null)
        {
            long now = Stopwatch.GetTimestamp();
            if (now - lastReport >= ReportInterval) Report(now);
        }
        return value;
    };

    /// <summary>A search ended: a report now, whatever the interval, so that the last report of a search carries its
    /// final count and best value.</summary>
    public void SearchEnded() => Report(Stopwatch.GetTimestamp());

    private void Report(long now)
    {
        if (progress is null) return;
        lastReport = now;
        progress.Report(new FitProgress(stage, Evaluations, best, Stopwatch.GetElapsedTime(started, now)));
    }
}
