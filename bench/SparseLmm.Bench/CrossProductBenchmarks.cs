using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using SparseLmm.Engine;

namespace SparseLmm.Bench;

/// <summary>The one pass over the rows that accumulates the cross-products of [Z X y], on the simulated panel
/// (subjects' 2 columns, sites, 6 fixed effects, y). Reported as M rows/s beside the time per pass.</summary>
[MemoryDiagnoser]
[BenchmarkCategory("Kernel", "CrossProducts")]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 2, iterationCount: 10)]
[Config(typeof(Config))]
public class CrossProductBenchmarks
{
    private CrossProducts products = null!;
    private double[] x = null!;
    private double[] y = null!;

    /// <summary>Rows of simulated data.</summary>
    [Params(1_000_000)]
    public int Rows { get; set; } = 1_000_000;

    /// <summary>Generates the data and builds the design and its layout (symbolic work, not timed).</summary>
    [GlobalSetup]
    public void Setup()
    {
        var workload = Workload.Simulated;
        var design = workload.BuildDesign(new SimulatedPanelData(Rows, Workload.SimulatedSeed).ToDataTable());
        products = new CrossProducts(Workload.Layout(design));
        x = design.X;
        y = Workload.Response(design);
    }

    /// <summary>One pass over all rows.</summary>
    [Benchmark]
    public void Accumulate() => products.Accumulate(x, y, ReadOnlySpan<double>.Empty);

    private sealed class Config : ManualConfig
    {
        public Config() => AddColumn(new PerSecondColumn("M rows/s", c => PerSecondColumn.Parameter(c, nameof(Rows)), 1e6));
    }
}
