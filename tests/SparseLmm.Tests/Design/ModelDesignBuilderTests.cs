using SparseLmm.Data;
using SparseLmm.Design;
using SparseLmm.Formulas;
using SparseLmm.Tests.Engine;

namespace SparseLmm.Tests.Design;

public sealed class ModelDesignBuilderTests
{
    private static ModelDesign Build(string formula, DataTable? table = null) =>
        ModelDesignBuilder.Build(FormulaParser.Parse(formula), table ?? SimulatedDesigns.Crossed(seed: 1));

    [Fact]
    public void CategoricalCovariateUsesTreatmentContrastsNamedLikeLme4()
    {
        var design = Build("y ~ 1 + x + c + (1 | g)");
        Assert.Equal(["(Intercept)", "x", "cb", "cc"], design.FixedEffectNames);
    }

    [Fact]
    public void WithoutInterceptEveryLevelGetsAColumn()
    {
        var design = Build("y ~ 0 + c + x + (1 | g)");
        Assert.Equal(["ca", "cb", "cc", "x"], design.FixedEffectNames);
    }

    [Fact]
    public void InteractionColumnsFollowModelMatrixOrder()
    {
        var design = Build("y ~ x * c + (1 | g)");
        Assert.Equal(["(Intercept)", "x", "cb", "cc", "x:cb", "x:cc"], design.FixedEffectNames);
        int p = design.FixedEffectCount;
        for (int i = 0; i < design.RowCount; i++)
            Assert.Equal(design.X[i * p + 1] * design.X[i * p + 2], design.X[i * p + 4], 12);
    }

    [Fact]
    public void InteractionWithoutMarginalFactorUsesIndicators()
    {
        var design = Build("y ~ 1 + x:c + (1 | g)");
        Assert.Equal(["(Intercept)", "x:ca", "x:cb", "x:cc"], design.FixedEffectNames);
    }

    [Fact]
    public void TransformsAreEvaluatedAndNamedAsR()
    {
        var design = Build("y ~ 1 + log(x + 1) + I(x^2) + (1 | g)");
        Assert.Equal(["(Intercept)", "log(x + 1)", "I(x^2)"], design.FixedEffectNames);
        int p = design.FixedEffectCount;
        var table = SimulatedDesigns.Crossed(seed: 1);
        var x = ((NumericColumn)table["x"]).Values;
        Assert.Equal(Math.Log(x[5] + 1), design.X[5 * p + 1], 12);
        Assert.Equal(x[5] * x[5], design.X[5 * p + 2], 12);
    }

    [Fact]
    public void ExactlyCollinearColumnIsDroppedWithItsName()
    {
        var table = SimulatedDesigns.Crossed(seed: 1);
        var x = ((NumericColumn)table["x"]).Values;
        table = new DataTable(table.Columns.Append(new NumericColumn("x2", x.Select(v => 2 * v + 1).ToArray())).ToList(), "t");
        var design = Build("y ~ 1 + x + x2 + (1 | g)", table);
        Assert.Equal(["(Intercept)", "x"], design.FixedEffectNames);
        Assert.Equal(["x2"], design.AliasedFixedEffects);
    }

    [Fact]
    public void RowsWithMissingValuesInUsedColumnsAreDroppedAndCounted()
    {
        var table = SimulatedDesigns.Crossed(seed: 1);
        var z = ((NumericColumn)table["z"]).Values.ToArray();
        var missing = new bool[z.Length];
        missing[3] = missing[10] = true;
        z[3] = z[10] = double.NaN;
        table = table.WithColumns([new NumericColumn("z", z, missing)]);
        Assert.Equal(0, Build("y ~ 1 + x + (1 | g)", table).DroppedRowCount);
        var design = Build("y ~ 1 + z + (1 | g)", table);
        Assert.Equal(2, design.DroppedRowCount);
        Assert.Equal(table.RowCount - 2, design.RowCount);
    }

    [Fact]
    public void NestedGroupingBuildsInteractionLevelsLabelledLikeR()
    {
        var design = Build("y ~ 1 + (1 | h/g)");
        Assert.Equal(["h", "g:h"], design.RandomTerms.Select(t => t.GroupName));
        var inner = design.RandomTerms[1];
        Assert.All(inner.Levels, level => Assert.Matches("^g\\d{3}:h\\d{3}$", level));
        Assert.Equal(inner.Levels.Length, inner.Levels.Distinct().Count());
    }

    [Fact]
    public void UncorrelatedTermsSplitIntoOneColumnEach()
    {
        var design = Build("y ~ 1 + x + (1 + x || g)");
        Assert.Equal(2, design.RandomTerms.Count);
        Assert.Equal(["(Intercept)"], design.RandomTerms[0].TermNames);
        Assert.Equal(["x"], design.RandomTerms[1].TermNames);
    }

    [Theory]
    [InlineData("y ~ 1 + xx + (1 | g)", "unknown column 'xx'", "did you mean 'x'")]
    [InlineData("y ~ 1 + x", "no random-effects term", null)]
    [InlineData("c ~ 1 + (1 | g)", null, null)]
    public void BadModelsAreRefusedWithAClearMessage(string formula, string? contains, string? hint)
    {
        if (contains is null)
        {
            // A text response is fine for the design; the gaussian fitter refuses it.
            var error = Assert.Throws<InputException>(() => MixedModel.Fit(formula, SimulatedDesigns.Crossed(seed: 1)));
            Assert.Contains("text", error.Message);
            return;
        }
        var exception = Assert.Throws<InputException>(() => Build(formula));
        Assert.Contains(contains, exception.Message);
        if (hint is not null) Assert.Contains(hint, exception.Message);
    }

    [Fact]
    public void GroupingFactorWithOneLevelIsRefused()
    {
        var table = SimulatedDesigns.Crossed(seed: 1);
        table = new DataTable(table.Columns.Append(new CategoricalColumn("one", new int[table.RowCount], ["only"])).ToList(), "t");
        var exception = Assert.Throws<InputException>(() => Build("y ~ 1 + (1 | one)", table));
        Assert.Contains("'one'", exception.Message);
    }
}
