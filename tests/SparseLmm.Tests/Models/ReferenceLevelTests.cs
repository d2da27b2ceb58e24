using SparseLmm.Data;
using SparseLmm.Inference;
using SparseLmm.Tests.Cli;

namespace SparseLmm.Tests.Models;

/// <summary>Reference levels (R's relevel); the fits are held to lme4's in the reference tests (models/*_ref*.json).</summary>
public class ReferenceLevelTests
{
    private static readonly DataTable Mmmec = ModelsTestData.Table("Mmmec.csv");
    private const string Formula = "log(deaths + 1) ~ nation + uvb + (1 | region)";

    private static FitOptions Reference(string column, string level) =>
        new() { ReferenceLevels = new Dictionary<string, string> { [column] = level } };

    [Fact]
    public void The_level_moves_to_the_front_and_the_others_keep_their_order()
    {
        var fit = MixedModel.Fit(Formula, Mmmec, Reference("nation", "Italy"));
        var names = fit.FixedEffects.Select(e => e.Name).ToList();
        Assert.Equal(["(Intercept)", "nationBelgium", "nationDenmark", "nationFrance", "nationIreland", "nationLuxembourg",
            "nationNetherlands", "nationUK", "nationW.Germany", "uvb"], names);
    }

    [Fact]
    public void Releveling_reparameterises_the_same_model()
    {
        var plain = MixedModel.Fit(Formula, Mmmec);
        var releveled = MixedModel.Fit(Formula, Mmmec, Reference("nation", "Italy"));
        Assert.Equal(plain.LogLikelihood, releveled.LogLikelihood, 1e-7);
        Assert.Equal(plain.FixedEffects.Single(e => e.Name == "uvb").Estimate, releveled.FixedEffects.Single(e => e.Name == "uvb").Estimate, 1e-6);
        // Italy against Belgium, from either side.
        Assert.Equal(plain.FixedEffects.Single(e => e.Name == "nationItaly").Estimate,
            -releveled.FixedEffects.Single(e => e.Name == "nationBelgium").Estimate, 1e-6);
        // Predictions do not depend on the coding.
        var a = plain.Predict(Mmmec);
        var b = releveled.Predict(Mmmec);
        for (int i = 0; i < Mmmec.RowCount; i += 31) Assert.Equal(a[i].Fitted, b[i].Fitted, 1e-6);
    }

    [Theory]
    [InlineData("natoin", "Italy", "unknown column 'natoin'")]
    [InlineData("nation", "Atlantis", "column 'nation' has no level 'Atlantis'")]
    [InlineData("uvb", "1", "which is numeric")]
    public void Bad_reference_levels_are_refused(string column, string level, string message)
    {
        var error = Assert.Throws<InputException>(() => MixedModel.Fit(Formula, Mmmec, Reference(column, level)));
        Assert.Contains(message, error.Message);
    }

    [Theory]
    [InlineData("nation", "is not COL=LEVEL")]
    [InlineData("=Italy", "is not COL=LEVEL")]
    public void Malformed_ref_options_exit_2(string value, string message)
    {
        var result = CliRunner.Run("fit", ModelsTestData.File("Mmmec.csv"), Formula, "--ref", value);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, Assert.Single(result.StderrLines));
    }

    [Fact]
    public void A_column_given_two_reference_levels_exits_2()
    {
        var result = CliRunner.Run("fit", ModelsTestData.File("Mmmec.csv"), Formula, "--ref", "nation=Italy", "--ref", "nation=UK");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("more than once", Assert.Single(result.StderrLines));
    }
}
