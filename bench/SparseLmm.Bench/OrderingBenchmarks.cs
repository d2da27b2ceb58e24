using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using SparseLmm.Numerics.Sparse;

namespace SparseLmm.Bench;

/// <summary>
/// The approximate minimum degree ordering (the symbolic phase of the sparse Cholesky) on a 500 × 500 five-point grid
/// (250,000 nodes) and on the level graph of a school study of about 100,000 levels: pupils in classes in schools,
/// neighbourhoods partially crossed with schools. The graphs are built once, untimed.
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory("Sparse")]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 2, iterationCount: 8)]
public class OrderingBenchmarks
{
    private OrderingGraph graph = null!;

    /// <summary>Which graph.</summary>
    [Params("Grid500", "Nested100k")]
    public string Graph { get; set; } = "";

    /// <summary>Builds the graph.</summary>
    [GlobalSetup]
    public void Setup() => graph = Graph switch
    {
        "Grid500" => OrderingGraph.Grid(500),
        // 500 schools × 10 classes × 19 pupils = 95,000 pupils, 5,000 classes, 500 schools, 2,000 neighbourhoods.
        _ => OrderingGraph.NestedPartiallyCrossed(schools: 500, classesPerSchool: 10, pupilsPerClass: 19,
            neighbourhoods: 2000, rowsPerPupil: 2, crossing: 0.1, seed: 42),
    };

    /// <summary>One ordering.</summary>
    [Benchmark]
    public int[] Order() => ApproximateMinimumDegree.Order(graph.NodeCount, graph.Start, graph.Adjacency);
}
