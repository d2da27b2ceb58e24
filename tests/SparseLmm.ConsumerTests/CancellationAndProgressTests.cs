using Xunit.Abstractions;
using System.Diagnostics;
using SparseLmm;
using SparseLmm.Data;

namespace SparseLmm.ConsumerTests;

/// <summary>A caller's token stops a long fit promptly, and progress reports describe the fit that ran.</summary>
public class CancellationAndProgressTests(ITestOutputHelper output)
{
    /// <summary>Collects reports on the fitting thread (a <see cref="Progress{T}"/> would post them to the thread pool,
    /// where they may arrive after the fit returned).</summary>
    private sealed class Recorder(Action<FitProgress>? onReport = null) : IProgress<FitProgress>
    {
        public List<FitProgress> Reports { get; } = [];

        public void Report(FitProgress value)
        {
            Reports.Add(value);
            onReport?.Invoke(value);
        }
    }

    private static readonly Lazy<DataTable> InstEval = new(() => EmbeddedDatasets.Load("InstEval"));

    // Each of these fits takes tens of seconds (a minute on the shared build machine): the token fires long before.
    public static TheoryData<string, bool> LongFits => new()
    {
        { "y ~ 1 + service + (1 + service | d) + (1 | s) + (1 | dept:service)", false },
        { "service ~ 1 + (1 | s) + (1 | d)", true },
    };

    private static FitOptions OptionsFor(bool binomial) =>
        new(Family: binomial ? Family.Binomial() : null, FactorColumns: binomial ? null : ["service"]);

    [Theory]
    [MemberData(nameof(LongFits))]
    public void ATokenFiredAt200MillisecondsStopsALongFitPromptly(string formula, bool binomial)
    {
        var data = InstEval.Value;
        using var source = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var clock = Stopwatch.StartNew();
        Assert.ThrowsAny<OperationCanceledException>(() => MixedModel.Fit(formula, data, OptionsFor(binomial),
            cancellationToken: source.Token));
        output.WriteLine($"stopped {clock.Elapsed.TotalMilliseconds:F0} ms after it began");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"the fit stopped {clock.Elapsed.TotalMilliseconds:F0} ms after it began");
    }

    /// <summary>Cancelled from another thread 50 ms after the search's first report with evaluations done, so that
    /// the token fires while an evaluation runs: the fit stops at its next check (a PIRLS step, 65,536 rows of a pass,
    /// or the next evaluation), not at the end of the search. A linear model's evaluation (one sparse factorization,
    /// about 2 s for this model on a loaded 2-core machine) is not interrupted inside, so the bound is one evaluation.</summary>
    [Theory]
    [MemberData(nameof(LongFits))]
    public void ACancelDuringTheSearchStopsItPromptly(string formula, bool binomial)
    {
        var data = InstEval.Value;
        using var source = new CancellationTokenSource();
        var sinceCancel = new Stopwatch();
        using var registration = source.Token.Register(sinceCancel.Start);
        FitProgress? first = null;
        var progress = new Recorder(report =>
        {
            if (first is null && report.Stage == FitStage.Search && report.Evaluations > 0)
            {
                first = report;
                source.CancelAfter(50);
            }
        });
        Assert.ThrowsAny<OperationCanceledException>(() => MixedModel.Fit(formula, data, OptionsFor(binomial), progress, source.Token));
        Assert.NotNull(first);
        var searchStart = progress.Reports.First(r => r.Stage == FitStage.Search);
        var perEvaluation = (first.Elapsed - searchStart.Elapsed) / first.Evaluations;
        output.WriteLine($"stopped {sinceCancel.Elapsed.TotalMilliseconds:F0} ms after the cancel; an evaluation took {perEvaluation.TotalMilliseconds:F0} ms");
        var bound = TimeSpan.FromSeconds(1) + (binomial ? TimeSpan.Zero : 1.5 * perEvaluation);
        Assert.True(sinceCancel.Elapsed < bound, $"the fit went on {sinceCancel.Elapsed.TotalMilliseconds:F0} ms after the cancel");
    }

    [Fact]
    public void AnAlreadyCancelledTokenStopsTheFitBeforeItStarts()
    {
        var recorder = new Recorder();
        Assert.ThrowsAny<OperationCanceledException>(() => MixedModel.Fit("Reaction ~ Days + (Days | Subject)", "sleepstudy",
            progress: recorder, cancellationToken: new CancellationToken(canceled: true)));
        Assert.Empty(recorder.Reports);
    }

    [Fact]
    public void ProgressOfALinearFitEndsWithItsEvaluationsAndItsCriterion()
    {
        var recorder = new Recorder();
        var fit = MixedModel.Fit("Reaction ~ Days + (Days | Subject)", "sleepstudy", progress: recorder);
        var reports = recorder.Reports;
        Assert.Equal(FitStage.Rows, reports[0].Stage);
        Assert.Equal(0, reports[0].Evaluations);
        Assert.Equal([FitStage.Rows, FitStage.Search, FitStage.Checking], reports.Select(r => r.Stage).Distinct());
        Assert.True(reports.Zip(reports.Skip(1)).All(pair => pair.Second.Evaluations >= pair.First.Evaluations
            && pair.Second.Elapsed >= pair.First.Elapsed));
        var last = reports[^1];
        Assert.Equal(fit.Timing.Evaluations, last.Evaluations);
        // lme4's REML criterion for this model is 1743.628 (the search's best value; snapping a variance to 0 may
        // accept up to 1e-6 more).
        Assert.Equal(fit.RemlCriterion!.Value, last.BestObjective, 1e-5);
        Assert.Equal(1743.628, last.BestObjective, 1e-3);
    }

    [Fact]
    public void ProgressOfAGlmmGoesThroughItsTwoSearchesAndTheHessian()
    {
        var data = ColumnConversions.ToCategorical(EmbeddedDatasets.Load("cbpp"), "period");
        var recorder = new Recorder();
        var fit = MixedModel.Fit("cbind(incidence, size - incidence) ~ 1 + period + (1 | herd)", data,
            new FitOptions(Family: Family.Binomial()), recorder);
        Assert.Equal([FitStage.Rows, FitStage.Search, FitStage.JointSearch, FitStage.Covariance],
            recorder.Reports.Select(r => r.Stage).Distinct());
        var endOfJointSearch = recorder.Reports.Last(r => r.Stage == FitStage.JointSearch);
        // lme4: deviance 184.0531 (−2 log-likelihood 2 × 92.02657) for cbpp's Laplace fit.
        Assert.Equal(-2 * fit.LogLikelihood, endOfJointSearch.BestObjective, 1e-3);
        Assert.Equal(fit.Timing.Evaluations, endOfJointSearch.Evaluations);
    }

    [Fact]
    public void TheEvaluationLimitStopsTheSearchUnconverged()
    {
        var fit = MixedModel.Fit("Reaction ~ Days + (Days | Subject)", "sleepstudy", FitOptions.Default with { MaxEvaluations = 8 });
        Assert.False(fit.Converged);
        Assert.Contains("after 8 evaluations", fit.OptimizerMessage);
        Assert.Throws<InputException>(() => MixedModel.Fit("Reaction ~ Days + (Days | Subject)", "sleepstudy",
            FitOptions.Default with { MaxEvaluations = 0 }));
    }
}
