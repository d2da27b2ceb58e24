using SparseLmm.Design;
using SparseLmm.Engine;
using SparseLmm.Formulas;

namespace SparseLmm.Tests.Engine;

/// <summary>The rest's peak memory is predicted from its structure and a model that cannot fit is refused in one line
/// before anything large is allocated.</summary>
public class RestMemoryTests
{
    [Fact]
    public void DensePeakCountsProductsFactorAndTheInverseAtTheOptimum()
    {
        // Crossed 1M (4,000 secondaries, 2 fixed effects and y): 128 MB each for the products and the factor, 512 MB for
        // the augmented inverse: the 727–775 MB peak measured for that fit, with the data.
        Assert.Equal((2L * 4003 * 4003 + 4L * 4000 * 4000) * 8, RestMemory.DenseBytes(4003, 4000));
        Assert.Equal(4L * 1_000_000 * 8, RestMemory.SupernodalBytes(1_000_000));
    }

    [Fact]
    public void RefusesARestBeyondTheAvailableMemoryNamingTheTerms()
    {
        var table = SimulatedDesigns.Crossed(seed: 3, rows: 2_000, firstLevels: 200, secondLevels: 40);
        var design = ModelDesignBuilder.Build(FormulaParser.Parse("y ~ 1 + x + (1 | g) + (1 | h)"), table);
        var terms = design.RandomTerms.OrderByDescending(t => t.LevelCount).ToList();
        var layout = new CrossProductLayout(terms, design.FixedEffectCount, design.RowCount);
        long bytes = RestMemory.DenseBytes(layout.RestSize, layout.RestRandomSize);

        RestMemory.Require(bytes, layout, "one dense block", available: 2 * bytes);
        var refusal = Assert.Throws<InputException>(() => RestMemory.Require(bytes, layout, "one dense block", available: bytes / 2));
        Assert.Contains("too large for this machine's memory", refusal.Message);
        Assert.Contains("after eliminating 'g'", refusal.Message);
        Assert.Contains("40 random effects of 'h'", refusal.Message);
        Assert.DoesNotContain("\n", refusal.Message);
    }
}
