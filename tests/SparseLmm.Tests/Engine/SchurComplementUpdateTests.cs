using SparseLmm.Design;
using SparseLmm.Engine;
using SparseLmm.Formulas;
using SparseLmm.Numerics;

namespace SparseLmm.Tests.Engine;

/// <summary>The dense rest's elimination of the first term cuts its rows into one band per thread: every entry must
/// still receive the levels' contributions in the same order, so one thread and two give the same bits (the one-band
/// result itself is checked against a dense reference in <see cref="ProfiledDevianceTests"/>). On a one-core machine
/// both budgets are one thread.</summary>
public sealed class SchurComplementUpdateTests
{
    [Theory]
    [InlineData("y ~ 1 + x + (1 + x | g) + (1 | h)", 15_000, 400)]
    [InlineData("y ~ 1 + x + z + c + (1 | g) + (1 | h)", 15_000, 400)]
    [InlineData("y ~ 1 + x + (1 + x | g) + (1 | h)", 5_000, 24)]
    [InlineData("y ~ 1 + x + z + c + (1 | g) + (1 | h)", 5_000, 24)]
    public void BandsGiveTheSameBitsAsOneSweep(string formula, int firstLevels, int secondLevels)
    {
        // 15,000 levels of about ten rows over 400 crossed levels: over a million pattern pairs, enough to be banded.
        // With 30 rows over 24 crossed levels most levels meet most of them, and their rows are updated as dense spans: whether a
        // level's rows are a dense span depends on where its band ends, so the bits must not depend on that either.
        var table = SimulatedDesigns.Crossed(seed: 9, rows: 150_000, firstLevels: firstLevels, secondLevels: secondLevels);
        var design = ModelDesignBuilder.Build(FormulaParser.Parse(formula), table);
        var one = Deviance(design, threads: 1);
        var two = Deviance(design, threads: 2);
        Assert.Null(one.Layout.Supernodal);
        var random = new Random(4);
        for (int trial = 0; trial < 3; trial++)
        {
            var theta = one.Parameterization.Start();
            for (int i = 0; i < theta.Length; i++)
                theta[i] = one.Parameterization.IsDiagonal(i) ? 0.2 + random.NextDouble() * 1.5 : random.NextDouble() - 0.5;
            Assert.Equal(one.Evaluate(theta), two.Evaluate(theta));
            Assert.Equal(one.FirstLogDeterminant, two.FirstLogDeterminant);
            Assert.True(one.Rest.Tail.SequenceEqual(two.Rest.Tail));
        }
    }

    [Theory]
    [InlineData("y ~ 1 + x + (1 | g) + (1 | h)", 1)]
    [InlineData("y ~ 1 + x + (1 | g) + (1 | h)", 2)]
    [InlineData("y ~ 1 + x + (1 + x | g) + (1 | h)", 2)]
    [InlineData("y ~ 1 + x + (1 | g) + (1 + x | h)", 2)]
    public void RowByRowGivesTheSameBitsAsTheSweep(string formula, int threads)
    {
        // 3,000 levels of about ten rows over 2,100 crossed levels: a block large enough to be updated row by row.
        var table = SimulatedDesigns.Crossed(seed: 12, rows: 30_000, firstLevels: 3_000, secondLevels: 2_100);
        var design = ModelDesignBuilder.Build(FormulaParser.Parse(formula), table);
        var (deviance, products) = DevianceAndProducts(design, threads);
        var layout = deviance.Layout;
        Assert.True(SchurComplementUpdate.PrefersRows(layout));
        var random = new Random(5);
        var theta = deviance.Parameterization.Start();
        for (int i = 0; i < theta.Length; i++)
            theta[i] = deviance.Parameterization.IsDiagonal(i) ? 0.2 + random.NextDouble() * 1.5 : random.NextDouble() - 0.5;
        // FactorAt sets the T's the first term's rows are formed from; the rest is then scaled at them, as the dense factor does.
        Assert.True(deviance.FactorAt(theta));
        var factors = layout.Terms.Select((t, index) =>
        {
            var factor = new double[t.ColumnCount * t.ColumnCount];
            deviance.Parameterization.FillFactor(theta, index, factor);
            return factor;
        }).ToArray();
        var byRows = new double[layout.RestSize * layout.RestSize];
        new RestScaling(layout).Apply(products.Rest, byRows, factors);
        var bySweep = (double[])byRows.Clone();

        Assert.True(new SchurComplementUpdate(deviance, byRows: true).Apply(byRows, out double rowsLogDeterminant));
        Assert.True(new SchurComplementUpdate(deviance, byRows: false).Apply(bySweep, out double sweepLogDeterminant));
        Assert.Equal(sweepLogDeterminant, rowsLogDeterminant);
        for (int r = 0; r < layout.RestSize; r++)
            Assert.True(byRows.AsSpan(r * layout.RestSize, r + 1).SequenceEqual(bySweep.AsSpan(r * layout.RestSize, r + 1)), $"row {r}");
    }

    private static ProfiledDeviance Deviance(ModelDesign design, int threads) => DevianceAndProducts(design, threads).Deviance;

    private static (ProfiledDeviance Deviance, CrossProducts Products) DevianceAndProducts(ModelDesign design, int threads)
    {
        var terms = design.RandomTerms.OrderByDescending(t => t.LevelCount).ToList();
        var layout = new CrossProductLayout(terms, design.FixedEffectCount, design.RowCount, threads: new ThreadBudget(threads));
        var products = new CrossProducts(layout);
        products.Accumulate(design.X, ((NumericResponse)design.Response).Values, ReadOnlySpan<double>.Empty);
        return (new ProfiledDeviance(products, reml: false), products);
    }
}
