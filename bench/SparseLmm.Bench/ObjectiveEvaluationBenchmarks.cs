using BenchmarkDotNet.Attributes;
using SparseLmm.Engine;

namespace SparseLmm.Bench;

/// <summary>One evaluation of the profiled objective at a fixed θ (the optimiser's starting point), after the
/// cross-products were accumulated once. This is what the optimiser pays per step, and the Allocated column must read
/// "-" (zero bytes): an evaluation allocates nothing. For simulated1M it is dominated by the dense 2,006² factor; for
/// nested1M by the first term's 125,000 levels and their Schur contributions to the supernodal rest; for crossed1M by
/// the dense 4,003² factor (21 GFLOP), after the Schur update row by row.</summary>
[MemoryDiagnoser]
[BenchmarkCategory("Kernel", "Objective")]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class ObjectiveEvaluationBenchmarks
{
    private ProfiledDeviance objective = null!;
    private double[] theta = null!;

    /// <summary>The workload.</summary>
    [Params("sleepstudy", "InstEval", "simulated1M", "nested1M", "crossed1M")]
    public string Dataset { get; set; } = "sleepstudy";

    /// <summary>Builds the design and the cross-products once, and checks the objective is finite at θ.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var workload = Workload.Named(Dataset);
        objective = workload.Objective(workload.BuildDesign(workload.Load()));
        theta = objective.Parameterization.Start();
        double value = objective.Evaluate(theta);
        if (!double.IsFinite(value) || value >= ProfiledDeviance.FailedEvaluation)
            throw new InvalidOperationException($"{Dataset}: the objective at the start is {value}");
    }

    /// <summary>One evaluation.</summary>
    [Benchmark]
    public double Evaluate() => objective.Evaluate(theta);
}
