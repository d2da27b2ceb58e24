using BenchmarkDotNet.Attributes;
using SparseLmm.Data;
using SparseLmm.Results;

namespace SparseLmm.Bench;

/// <summary>Whole GLMM fits (issue 3): cbpp (binomial, Laplace and nAGQ = 25) and grouseticks (Poisson, three
/// grouping factors). The 1M-row logistic model is <see cref="SimulatedLogisticFitBenchmarks"/>.</summary>
[MemoryDiagnoser]
[BenchmarkCategory("Fit", "Glmm")]
// Throughput, not Monitoring: these fits take milliseconds, and a handful of monitored iterations measured
// mostly unoptimised tier-0 code (cbpp 4-6 ms against 0.66 ms in the CLI, which runs fully optimised code).
[SimpleJob(launchCount: 1, warmupCount: 5, iterationCount: 15)]
public class GlmmFitBenchmarks
{
    private const string Cbpp = "cbind(incidence, size - incidence) ~ 1 + period + (1 | herd)";
    private const string Grouseticks = "TICKS ~ 1 + YEAR + cHEIGHT + (1 | BROOD) + (1 | INDEX) + (1 | LOCATION)";

    private DataTable cbpp = null!;
    private DataTable grouseticks = null!;

    /// <summary>Loads the embedded sets (not timed).</summary>
    [GlobalSetup]
    public void Setup()
    {
        cbpp = EmbeddedDatasets.Load("cbpp");
        grouseticks = EmbeddedDatasets.Load("grouseticks");
    }

    /// <summary>cbpp by the Laplace approximation.</summary>
    [Benchmark]
    public MixedModelFit CbppLaplace() =>
        MixedModel.Fit(Cbpp, cbpp, new FitOptions(Family: Family.Binomial(), FactorColumns: ["period"]));

    /// <summary>cbpp by adaptive Gauss–Hermite quadrature with 25 nodes.</summary>
    [Benchmark]
    public MixedModelFit CbppQuadrature25() =>
        MixedModel.Fit(Cbpp, cbpp, new FitOptions(Family: Family.Binomial(), FactorColumns: ["period"], QuadratureNodes: 25));

    /// <summary>grouseticks, Poisson, three crossed and nested factors.</summary>
    [Benchmark]
    public MixedModelFit GrouseticksPoisson() =>
        MixedModel.Fit(Grouseticks, grouseticks, new FitOptions(Family: Family.Poisson(), FactorColumns: ["YEAR"]));
}
