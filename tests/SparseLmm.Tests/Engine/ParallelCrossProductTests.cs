using SparseLmm.Design;
using SparseLmm.Engine;
using SparseLmm.Formulas;
using SparseLmm.Numerics;

namespace SparseLmm.Tests.Engine;

/// <summary>The partitioned (parallel) pass over many rows gives the same cross-products as plain sums.</summary>
public sealed class ParallelCrossProductTests
{
    [Fact]
    public void PartitionedPassMatchesDirectSums()
    {
        int rows = CrossProducts.ParallelRowThreshold + 20_000;
        var table = SimulatedDesigns.Crossed(seed: 11, rows: rows, firstLevels: 30_000, secondLevels: 40);
        var design = ModelDesignBuilder.Build(FormulaParser.Parse("y ~ 1 + x + (1 | g) + (1 | h)"), table);
        var terms = design.RandomTerms.OrderByDescending(t => t.LevelCount).ToList();
        // Two threads asked for, so that the partitioned pass runs whatever the default budget is.
        var layout = new CrossProductLayout(terms, design.FixedEffectCount, design.RowCount, threads: new ThreadBudget(2));
        var products = new CrossProducts(layout);
        var y = ((NumericResponse)design.Response).Values;
        products.Accumulate(design.X, y, ReadOnlySpan<double>.Empty);

        int n = design.RowCount, p = design.FixedEffectCount, size = layout.RestSize;
        var counts = new double[terms[0].LevelCount];
        var secondCounts = new double[terms[1].LevelCount];
        var gram = new double[(p + 1) * (p + 1)];
        for (int i = 0; i < n; i++)
        {
            counts[terms[0].LevelOfRow[i]]++;
            secondCounts[terms[1].LevelOfRow[i]]++;
            for (int a = 0; a <= p; a++)
                for (int b = 0; b <= p; b++)
                    gram[a * (p + 1) + b] += (a < p ? design.X[i * p + a] : y[i]) * (b < p ? design.X[i * p + b] : y[i]);
        }
        for (int level = 0; level < counts.Length; level++) Assert.Equal(counts[level], products.FirstBlocks[level]);
        for (int level = 0; level < secondCounts.Length; level++)
        {
            int row = layout.RestTermOffset[1] + level;
            Assert.Equal(secondCounts[level], products.Rest[row * size + row]);
        }
        for (int a = 0; a <= p; a++)
            for (int b = 0; b <= a; b++)
                Assert.Equal(gram[a * (p + 1) + b], products.Rest[(layout.FixedOffset + a) * size + layout.FixedOffset + b],
                    1e-9 * Math.Max(1, Math.Abs(gram[a * (p + 1) + b])));
    }
}
