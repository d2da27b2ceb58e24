using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using SparseLmm.Data;
using SparseLmm.Results;

namespace SparseLmm.Bench;

/// <summary>A logistic GLMM with 1,000,000 rows and 10,000 groups, <c>y ~ 1 + x + (1 | g)</c> (issue 3).</summary>
[MemoryDiagnoser]
[BenchmarkCategory("Simulated", "Glmm")]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3)]
public class SimulatedLogisticFitBenchmarks
{
    private DataTable logistic = null!;

    /// <summary>Generates the data (not timed).</summary>
    [GlobalSetup]
    public void Setup() => logistic = new SimulatedLogisticData(rows: 1_000_000, groups: 10_000, seed: 42).ToDataTable();

    /// <summary>One Laplace fit.</summary>
    [Benchmark]
    public MixedModelFit SimulatedLogistic1M() =>
        MixedModel.Fit(SimulatedLogisticData.Formula, logistic, new FitOptions(Family: Family.Binomial()));
}
