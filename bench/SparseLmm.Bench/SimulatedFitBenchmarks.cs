using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using SparseLmm.Data;
using SparseLmm.Results;

namespace SparseLmm.Bench;

/// <summary>A whole ML fit of the simulated panel, 1,000,000 rows:
/// <c>y ~ 1 + time + x1 + x2 + grp + (1 + time | subj) + (1 | site)</c> (100,000 subjects × 2 random effects, 2,000 sites).
/// lme4 takes about 116 s and 1 GB. Category <c>Simulated</c>: run it alone with <c>--anyCategories Simulated</c>;
/// <c>--anyCategories Fit Kernel</c> runs the rest without it.</summary>
[MemoryDiagnoser]
[BenchmarkCategory("Simulated")]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3)]
public class SimulatedFitBenchmarks
{
    private DataTable data = null!;

    /// <summary>Generates the data in memory (the values the CSV from <c>generate --rows 1M --seed 42</c> holds).</summary>
    [GlobalSetup]
    public void Setup() => data = Workload.Simulated.Load();

    /// <summary>One ML fit.</summary>
    [Benchmark]
    public MixedModelFit Simulated1MMl() => MixedModel.Fit(Workload.Simulated.Formula, data, Workload.Simulated.Options);
}
