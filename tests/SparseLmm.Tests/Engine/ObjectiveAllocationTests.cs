using SparseLmm.Data;
using SparseLmm.Design;
using SparseLmm.Engine;
using SparseLmm.Formulas;

namespace SparseLmm.Tests.Engine;

/// <summary>An objective evaluation allocates nothing, on the serial path (small models) and the parallel one. The count
/// covers every thread, so these tests run alone (no other test allocating meanwhile).</summary>
[Collection(nameof(AllocationMeasurement))]
public sealed class ObjectiveAllocationTests
{
    [Theory]
    [InlineData(180, 18, 4, false)]
    [InlineData(60_000, 12_000, 300, false)]
    [InlineData(180, 18, 4, true)]
    public void EvaluationAllocatesNothing(int rows, int firstLevels, int secondLevels, bool supernodal)
    {
        var storage = supernodal ? RestStorage.Supernodal : RestStorage.Dense;
        var table = SimulatedDesigns.Crossed(seed: 5, rows: rows, firstLevels: firstLevels, secondLevels: secondLevels);
        AssertNoAllocation(table, "y ~ 1 + x + (1 + x | g) + (1 | h)", storage, [0.8, 0.1, 0.3, 0.5]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void SupernodalEvaluationAllocatesNothing(int shape)
    {
        // Nested (shape 0) and partially crossed (shape 1) designs, with a vector term in the rest.
        var table = SparseRestTests.RandomDesign(seed: 11, shape);
        AssertNoAllocation(table, "y ~ 1 + x + (1 | a) + (1 + x | b) + (1 | c)", RestStorage.Supernodal, [0.8, 0.7, 0.1, 0.3, 0.5]);
    }

    [Theory]
    [InlineData("diag(1 + x | g)", new[] { 0.8, 0.1, 0.5 })]
    [InlineData("cs(1 + x | g)", new[] { 0.8, 0.1, 0.4, 0.5 })]
    [InlineData("ar1(1 + x | g)", new[] { 0.8, -0.3, 0.5 })]
    public void StructuredEvaluationAllocatesNothing(string term, double[] theta)
    {
        // T comes from the structure's closed form at every evaluation.
        var table = SimulatedDesigns.Crossed(seed: 5, rows: 180, firstLevels: 18, secondLevels: 4);
        AssertNoAllocation(table, $"y ~ 1 + x + {term} + (1 | h)", RestStorage.Dense, theta);
    }

    private static void AssertNoAllocation(DataTable table, string formula, RestStorage storage, double[] theta)
    {
        var design = ModelDesignBuilder.Build(FormulaParser.Parse(formula), table);
        var terms = design.RandomTerms.OrderByDescending(t => t.LevelCount).ToList();
        var layout = new CrossProductLayout(terms, design.FixedEffectCount, design.RowCount, storage);
        Assert.Equal(storage == RestStorage.Supernodal, layout.Supernodal is not null);
        var products = new CrossProducts(layout);
        products.Accumulate(design.X, ((NumericResponse)design.Response).Values, ReadOnlySpan<double>.Empty);
        var deviance = new ProfiledDeviance(products, reml: true);
        for (int i = 0; i < 5; i++) deviance.Evaluate(theta);

        // The count covers every thread of the process, the test runner's too, which allocates now and then (its
        // timers fire more often inside a window when a loaded machine stretches the window); an evaluation that
        // allocated would show in every window, so the quietest of many one-evaluation windows must be zero.
        long fewest = long.MaxValue;
        for (int window = 0; window < 40 && fewest > 0; window++)
        {
            long before = GC.GetTotalAllocatedBytes(precise: true);
            deviance.Evaluate(theta);
            fewest = Math.Min(fewest, GC.GetTotalAllocatedBytes(precise: true) - before);
        }

        Assert.Equal(0, fewest);
    }
}

/// <summary>Tests that measure allocation across all threads: run with nothing else in parallel.</summary>
[CollectionDefinition(nameof(AllocationMeasurement), DisableParallelization = true)]
public sealed class AllocationMeasurement;
