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

    private static ProfiledDeviance Deviance(ModelDesign design, int threads)
    {
        var terms = design.RandomTerms.OrderByDescending(t => t.LevelCount).ToList();
        var layout = new CrossProductLayout(terms, design.FixedEffectCount, design.RowCount, threads: new ThreadBudget(threads));
        var products = new CrossProducts(layout);
        products.Accumulate(design.X, ((NumericResponse)design.Response).Values, ReadOnlySpan<double>.Empty);
        return new ProfiledDeviance(products, reml: false);
    }
}
