using SparseLmm.Data;
using SparseLmm.Formulas;

namespace SparseLmm.Tests.Formulas;

/// <summary>lme4's names for nested grouping factors (issue 10, item 21). lme4 1.1.31:
/// <c>sapply(findbars(y ~ (1|a/b/c/e) + (1|p:(q:r))), function(x) deparse(x[[3]]))</c> gives
/// <c>e:(c:(b:a))</c>, <c>c:(b:a)</c>, <c>b:a</c>, <c>a</c>, <c>p:(q:r)</c>; and
/// <c>glmer(TICKS ~ 1 + (1|LOCATION/BROOD/INDEX), grouseticks, poisson)</c> has <c>ngrps</c>
/// INDEX:(BROOD:LOCATION) 403, BROOD:LOCATION 118, LOCATION 63, ranef rows "1:501:32", "2:501:32", "3:502:36".</summary>
public class NestedGroupNameTests
{
    [Theory]
    [InlineData("y ~ (1|a/b/c/e)", "a;b:a;c:(b:a);e:(c:(b:a))")]
    [InlineData("y ~ (1|a/b)", "a;b:a")]
    [InlineData("y ~ (1|a:b)", "a:b")]
    [InlineData("y ~ (1|p:(q:r))", "p:(q:r)")]
    [InlineData("y ~ (1|LOCATION/BROOD/INDEX)", "LOCATION;BROOD:LOCATION;INDEX:(BROOD:LOCATION)")]
    public void GroupNamesAreLme4s(string formula, string names)
    {
        var parsed = FormulaParser.Parse(formula);
        Assert.Equal(names.Split(';'), parsed.RandomTerms.Select(t => t.GroupName));
    }

    [Fact]
    public void ThreeLevelNestingOnGrouseticksIsNamedAsLme4NamesIt()
    {
        var fit = MixedModel.Fit("TICKS ~ 1 + (1|LOCATION/BROOD/INDEX)", EmbeddedDatasets.Load("grouseticks"),
            new FitOptions(Family: Family.Poisson()));
        var counts = fit.GroupCounts.ToDictionary(g => g.Group, g => g.Levels);
        Assert.Equal(403, counts["INDEX:(BROOD:LOCATION)"]);
        Assert.Equal(118, counts["BROOD:LOCATION"]);
        Assert.Equal(63, counts["LOCATION"]);
        Assert.Contains(fit.VarianceComponents, c => c.Group == "INDEX:(BROOD:LOCATION)");
        var effects = fit.RandomEffects["INDEX:(BROOD:LOCATION)"];
        Assert.Equal(["1:501:32", "2:501:32", "3:502:36"], effects.Levels.Take(3));
        var json = fit.ToJson();
        Assert.Contains("\"INDEX:(BROOD:LOCATION)\"", json);
        Assert.DoesNotContain("\"INDEX:BROOD:LOCATION\"", json);
    }
}
