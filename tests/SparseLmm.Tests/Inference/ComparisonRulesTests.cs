using System.Text.Json;
using SparseLmm.Inference;
using static SparseLmm.Tests.Cli.CliRunner;

namespace SparseLmm.Tests.Inference;

/// <summary><c>compare</c> and <c>predict</c> with GLMM options (issue 10, item 4) and models of different data (item 5).
/// The GLMM reference numbers are lme4 1.1.31's <c>anova(m1, m2)</c>:
/// <code>
/// m1 &lt;- glmer(TICKS ~ YEAR + (1|BROOD), grouseticks, poisson)                # logLik −1015.29377177
/// m2 &lt;- glmer(TICKS ~ YEAR + (1|BROOD) + (1|LOCATION), grouseticks, poisson) # logLik −1005.06331070, Chisq 20.46092
/// c1 &lt;- glmer(cbind(incidence, size - incidence) ~ 1 + (1 | herd), cbpp, binomial)      # −104.8315351875
/// c2 &lt;- glmer(cbind(incidence, size - incidence) ~ period + (1 | herd), cbpp, binomial) # −92.0265663895, Chisq 25.60994, p 1.151e-05
/// </code></summary>
public class ComparisonRulesTests
{
    [Fact]
    public void PoissonComparisonIsTheGlmmLikelihoodRatioTest()
    {
        var test = ModelComparison.Compare(MixedModel.LoadData("grouseticks"), "TICKS ~ YEAR + (1|BROOD)",
            "TICKS ~ YEAR + (1|BROOD) + (1|LOCATION)", new FitOptions(FactorColumns: ["YEAR"], Family: Family.Poisson()));
        Assert.Equal(-1015.29377177, test.LogLikSmall, 2e-3);
        Assert.Equal(-1005.06331070, test.LogLikBig, 2e-3);
        Assert.Equal(20.46092, test.Statistic, 4e-3);
        Assert.Equal(1, test.Df);
        Assert.Equal(6.0861e-06, test.PNaive, 1e-8);
        Assert.Equal(FamilyKind.Poisson, test.Family.Kind);
        // A gaussian fit of the counts would give a very different statistic: the family was used.
        var gaussian = ModelComparison.Compare(MixedModel.LoadData("grouseticks"), "TICKS ~ YEAR + (1|BROOD)",
            "TICKS ~ YEAR + (1|BROOD) + (1|LOCATION)", new FitOptions(Reml: false, FactorColumns: ["YEAR"]));
        Assert.True(Math.Abs(gaussian.Statistic - test.Statistic) > 1, $"{gaussian.Statistic} vs {test.Statistic}");
    }

    [Fact]
    public void BinomialComparisonThroughTheCliMatchesLme4()
    {
        var result = Run("compare", "cbpp", "cbind(incidence, size - incidence) ~ 1 + (1 | herd)",
            "cbind(incidence, size - incidence) ~ 1 + period + (1 | herd)", "--family", "binomial", "--factor", "period", "--json");
        Assert.True(result.ExitCode == 0, result.Stderr);
        var root = JsonDocument.Parse(result.Stdout).RootElement;
        Assert.Equal("binomial", root.GetProperty("family").GetString());
        Assert.Equal(-104.8315351875, root.GetProperty("loglik_small").GetDouble(), 2e-3);
        Assert.Equal(-92.0265663895, root.GetProperty("loglik_big").GetDouble(), 2e-3);
        Assert.Equal(25.60994, root.GetProperty("statistic").GetDouble(), 4e-3);
        Assert.Equal(1.151e-05, root.GetProperty("p_value").GetDouble(), 1e-7);
    }

    [Fact]
    public void GlmmOptionsThatCannotApplyAreRefused()
    {
        AssertBadInput(Run("compare", "grouseticks", "TICKS ~ 1", "TICKS ~ YEAR + (1|BROOD)", "--family", "poisson"),
            "no random-effects term");
        AssertBadInput(Run("compare", "sleepstudy", "Reaction ~ Days + (1|Subject)", "Reaction ~ Days + (Days|Subject)", "--nagq", "3"),
            "nAGQ");
        AssertBadInput(Run("compare", "sleepstudy", "Reaction ~ Days + (1|Subject)", "Reaction ~ Days + (Days|Subject)", "--weights", "Days"),
            "weights");
    }

    [Fact]
    public void PredictRefusesAGlmmInsteadOfFittingItAsGaussian()
    {
        using var fresh = new TempFile("TICKS,YEAR,BROOD\n1,96,501\n");
        AssertBadInput(Run("predict", "grouseticks", "TICKS ~ YEAR + (1|BROOD)", "--family", "poisson", "--newdata", fresh.Path),
            "poisson");
        AssertBadInput(Run("predict", "sleepstudy", "Reaction ~ Days + (1|Subject)", "--nagq", "5", "--newdata", fresh.Path),
            "nAGQ");
    }

    [Fact]
    public void ModelsOfDifferentResponsesAreRefused()
    {
        var result = Run("compare", "sleepstudy", "Reaction ~ Days + (1|Subject)", "log(Reaction) ~ Days + (Days|Subject)");
        AssertBadInput(result, "different responses");
        Assert.Contains("log(Reaction)", result.Stderr);
        Assert.Throws<InputException>(() => ModelComparison.Compare(MixedModel.LoadData("sleepstudy"),
            "Reaction ~ Days + (1|Subject)", "I(Reaction * 2) ~ Days + (Days|Subject)"));
        // The same response written two ways is the same response.
        var same = ModelComparison.Compare(MixedModel.LoadData("sleepstudy"), "I(Reaction + 0) ~ Days + (1|Subject)",
            "Reaction ~ Days + (Days|Subject)", new FitOptions(Reml: false));
        Assert.Equal(180, same.ObservationCount);
    }

    [Fact]
    public void ModelsOfDifferentRowsAreRefusedNamingTheColumn()
    {
        var lines = new List<string> { "Reaction,Days,Subject,x" };
        var data = MixedModel.LoadData("sleepstudy");
        var reaction = ((SparseLmm.Data.NumericColumn)data["Reaction"]).Values;
        var days = ((SparseLmm.Data.NumericColumn)data["Days"]).Values;
        var subject = (SparseLmm.Data.CategoricalColumn)data["Subject"];
        for (int i = 0; i < 180; i++)
            lines.Add(FormattableString.Invariant($"{reaction[i]},{days[i]},{subject.Levels[subject.Codes[i]]},{(i % 20 == 3 ? "NA" : (i % 7).ToString())}"));
        using var file = new TempFile(string.Join("\n", lines) + "\n");
        var result = Run("compare", file.Path, "Reaction ~ Days + (1|Subject)", "Reaction ~ Days + x + (1|Subject)");
        AssertBadInput(result, "different rows");
        Assert.Contains("'x'", result.Stderr);
        Assert.Contains("180 and 171", result.Stderr);
    }
}
