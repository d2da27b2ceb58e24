using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using SparseLmm.Data;
using SparseLmm.Results;

namespace SparseLmm.Bench;

/// <summary>Whole ML fits of issue 9's shapes at 1M rows: the three-level nested design with random slopes (supernodal
/// rest, no fill) and the cross-classified design (its secondary block fills in: the dense rest). lme4 1.1-31 took
/// 544 s and 173 s on the same files (perf-data/lme4-sparse-2026-12-01.md). Category <c>SparseFit</c>; run alone.</summary>
[MemoryDiagnoser]
[BenchmarkCategory("SparseFit")]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3)]
public class SparseFitBenchmarks
{
    private Workload workload = null!;
    private DataTable data = null!;

    /// <summary>The workload.</summary>
    [Params("nested1M", "crossed1M")]
    public string Dataset { get; set; } = "nested1M";

    /// <summary>Generates and reads the data once.</summary>
    [GlobalSetup]
    public void Setup()
    {
        workload = Workload.Named(Dataset);
        data = workload.Load();
    }

    /// <summary>One ML fit.</summary>
    [Benchmark]
    public MixedModelFit Fit() => MixedModel.Fit(workload.Formula, data, workload.Options);
}
