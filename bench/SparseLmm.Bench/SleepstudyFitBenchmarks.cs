using BenchmarkDotNet.Attributes;
using SparseLmm.Data;
using SparseLmm.Results;

namespace SparseLmm.Bench;

/// <summary>A whole warm fit of sleepstudy by REML through the public façade: formula parsing, design, cross-products,
/// optimisation and results. lme4 takes about 8.5 ms here; the target is 1/20 of that.</summary>
[MemoryDiagnoser]
[BenchmarkCategory("Fit", "Sleepstudy")]
public class SleepstudyFitBenchmarks
{
    private DataTable data = null!;

    /// <summary>Loads the data once.</summary>
    [GlobalSetup]
    public void Setup() => data = Workload.Sleepstudy.Load();

    /// <summary>One REML fit.</summary>
    [Benchmark]
    public MixedModelFit SleepstudyReml() => MixedModel.Fit(Workload.Sleepstudy.Formula, data, Workload.Sleepstudy.Options);
}
