using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using SparseLmm.Data;
using SparseLmm.Results;

namespace SparseLmm.Bench;

/// <summary>A whole fit of InstEval (73,421 rows; 2,972 + 1,128 + 28 random effects) by ML:
/// <c>y ~ 1 + service + (1 | s) + (1 | d) + (1 | dept:service)</c>. lme4 takes about 3 s and 79 evaluations.</summary>
[MemoryDiagnoser]
[BenchmarkCategory("Fit", "InstEval")]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 2, iterationCount: 5)]
public class InstEvalFitBenchmarks
{
    private DataTable data = null!;

    /// <summary>Loads the data once (reading the embedded CSV is not timed).</summary>
    [GlobalSetup]
    public void Setup() => data = Workload.InstEval.Load();

    /// <summary>One ML fit.</summary>
    [Benchmark]
    public MixedModelFit InstEvalMl() => MixedModel.Fit(Workload.InstEval.Formula, data, Workload.InstEval.Options);
}
