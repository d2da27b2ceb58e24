using System.Diagnostics;
using SparseLmm;
using SparseLmm.Data;
using SparseLmm.Inference;
using SparseLmm.Mcmc;
using SparseLmm.Results;
using Xunit.Abstractions;

namespace SparseLmm.ConsumerTests;

/// <summary>The token given to <c>fit.Inference</c> and <c>MixedModelSampler.Sample</c> stops the df, the profile, the
/// bootstrap and the chains: at once when it has already fired, and within a second when it fires midway.</summary>
public class InferenceCancellationTests(ITestOutputHelper output)
{
    private static readonly Lazy<MixedModelFit> Sleepstudy = new(() =>
        MixedModel.Fit("Reaction ~ Days + (Days | Subject)", "sleepstudy"));

    public static TheoryData<DdfMethod, IntervalMethod> InferenceKinds => new()
    {
        { DdfMethod.Satterthwaite, IntervalMethod.Wald },
        { DdfMethod.KenwardRoger, IntervalMethod.Wald },
        { DdfMethod.None, IntervalMethod.Profile },
        { DdfMethod.None, IntervalMethod.Bootstrap },
    };

    [Theory]
    [MemberData(nameof(InferenceKinds))]
    public void AnAlreadyCancelledTokenStopsTheInference(DdfMethod ddf, IntervalMethod intervals)
    {
        var options = new InferenceOptions(Ddf: ddf, Intervals: intervals, BootstrapReplicates: 20);
        // The same work runs to the end without the token.
        Assert.NotNull(Sleepstudy.Value.Inference(options));
        var thrown = Record.Exception(() => Sleepstudy.Value.Inference(options, new CancellationToken(canceled: true)));
        // One OperationCanceledException, not the AggregateException of a parallel loop.
        Assert.IsAssignableFrom<OperationCanceledException>(thrown);
    }

    [Fact]
    public void AnAlreadyCancelledTokenStopsTheChains()
    {
        var thrown = Record.Exception(() => MixedModelSampler.Sample(Sleepstudy.Value, new McmcOptions(Draws: 100, Chains: 2),
            new CancellationToken(canceled: true)));
        Assert.IsAssignableFrom<OperationCanceledException>(thrown);
    }

    /// <summary>Each runs for minutes when not stopped: 10⁵ bootstrap replicates; one chain of 10⁶ draws (so that the
    /// chain's own check, not the parallel loop's, stops it); the profile of a 73k-row crossed model (a minute on
    /// the shared machine).</summary>
    public static TheoryData<string> LongWork => ["bootstrap", "mcmc", "profile"];

    [Theory]
    [MemberData(nameof(LongWork))]
    public void ATokenFiredMidwayStopsTheWorkWithinASecond(string work)
    {
        var fit = work == "profile"
            ? MixedModel.Fit("y ~ service + (1 | s) + (1 | d)", EmbeddedDatasets.Load("InstEval"))
            : Sleepstudy.Value;
        using var source = new CancellationTokenSource();
        var sinceCancel = new Stopwatch();
        using var registration = source.Token.Register(sinceCancel.Start);
        // From a thread of its own: CancelAfter's timer runs on the thread pool, which the bootstrap keeps busy.
        new Thread(() =>
        {
            Thread.Sleep(300);
            source.Cancel();
        }).Start();
        var thrown = Record.Exception(() =>
        {
            _ = work switch
            {
                "bootstrap" => fit.Inference(new InferenceOptions(Intervals: IntervalMethod.Bootstrap, BootstrapReplicates: 100_000), source.Token),
                "profile" => fit.Inference(new InferenceOptions(Ddf: DdfMethod.None, Intervals: IntervalMethod.Profile), source.Token),
                _ => (object)MixedModelSampler.Sample(fit, new McmcOptions(Draws: 1_000_000, Chains: 1), source.Token),
            };
        });
        output.WriteLine($"{work}: stopped {sinceCancel.Elapsed.TotalMilliseconds:F0} ms after the cancel");
        Assert.IsAssignableFrom<OperationCanceledException>(thrown);
        Assert.True(sinceCancel.Elapsed < TimeSpan.FromSeconds(1), $"{work} went on {sinceCancel.Elapsed.TotalMilliseconds:F0} ms after the cancel");
    }
}
