using System.Text.Json;
using SparseLmm.Tests.Cli;
using static SparseLmm.Tests.Cli.CliRunner;
using static SparseLmm.Tests.Inference.InferenceReference;

namespace SparseLmm.Tests.Inference;

public class InferenceCliTests
{
    /// <summary>The library's summary is the CLI's text, df, p-values and intervals included (issue 13, item 8).</summary>
    [Theory]
    [InlineData("sleepstudy", "Reaction ~ 1 + Days + (1 + Days | Subject)")]
    [InlineData("Dyestuff", "Yield ~ 1 + (1 | Batch)")]
    public void The_library_summary_is_what_the_cli_prints(string data, string formula)
    {
        var result = Run("fit", data, formula);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(MixedModel.Fit(formula, data).Summary(data), result.Stdout);
    }

    [Fact]
    public void Fit_json_has_satterthwaite_df_and_p_by_default()
    {
        var result = Run("fit", "sleepstudy", "Reaction ~ 1 + Days + (1 + Days | Subject)", "--json");
        Assert.Equal(0, result.ExitCode);
        var fixef = JsonDocument.Parse(result.Stdout).RootElement.GetProperty("fixef");
        var expected = Load("sleepstudy_fixef").GetProperty("fixef");
        var df = Doubles(fixef.GetProperty("df"));
        var p = Doubles(fixef.GetProperty("p_value"));
        Close(Doubles(expected.GetProperty("satterthwaite_df"))[0], df[0], 1e-3, "df");
        Close(Doubles(expected.GetProperty("satterthwaite_p"))[1], p[1], 1e-2, "p");
    }

    [Fact]
    public void Fit_json_kenward_roger_and_profile()
    {
        var result = Run("fit", "sleepstudy", "Reaction ~ 1 + Days + (1 + Days | Subject)", "--ddf", "kenward-roger", "--ci", "profile", "--json");
        Assert.Equal(0, result.ExitCode);
        var root = JsonDocument.Parse(result.Stdout).RootElement;
        var expected = Load("sleepstudy_fixef");
        Close(17, Doubles(root.GetProperty("fixef").GetProperty("df"))[1], 1e-3, "KR df");
        Close(Doubles(expected.GetProperty("fixef").GetProperty("kenward_roger_stderr"))[0],
            Doubles(root.GetProperty("fixef").GetProperty("stderr"))[0], 1e-4, "KR se");
        var ci = root.GetProperty("profile_ci");
        Assert.Equal(Strings(expected.GetProperty("profile_ci").GetProperty("names")), Strings(ci.GetProperty("names")));
        Close(Doubles(expected.GetProperty("profile_ci").GetProperty("upper"))[3], Doubles(ci.GetProperty("upper"))[3], 1e-3, "sigma upper");
        Assert.Equal(0.95, ci.GetProperty("level").GetDouble());
    }

    [Fact]
    public void Summary_shows_df_and_p_columns()
    {
        var result = Run("demo", "--ddf", "none");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Pr(>|z|)", result.Stdout);
        result = Run("demo");
        Assert.Contains("Pr(>|t|)", result.Stdout);
        Assert.Contains("Satterthwaite", result.Stdout);
    }

    [Fact]
    public void Compare_json_matches_the_reference()
    {
        var reference = Load("sleepstudy_slope_lrt");
        var result = Run("compare", "sleepstudy", reference.GetProperty("small").GetString()!, reference.GetProperty("big").GetString()!, "--json");
        Assert.Equal(0, result.ExitCode);
        var root = JsonDocument.Parse(result.Stdout).RootElement;
        Close(reference.GetProperty("statistic").GetDouble(), root.GetProperty("statistic").GetDouble(), 1e-4, "statistic");
        Close(reference.GetProperty("p_boundary_mixture").GetDouble(), root.GetProperty("p_value").GetDouble(), 1e-3, "p");
        Assert.Equal(reference.GetProperty("mixture").GetString(), root.GetProperty("mixture").GetString());
        Assert.Equal(2, root.GetProperty("df").GetInt32());
    }

    [Fact]
    public void Compare_refuses_models_that_are_not_nested()
    {
        var result = Run("compare", "sleepstudy", "Reaction ~ 1 + Days + (1 | Subject)", "Reaction ~ 1 + (1 | Subject)");
        AssertBadInput(result, "not nested");
    }

    [Fact]
    public void Predict_writes_csv_and_refuses_new_levels_on_request()
    {
        using var file = new TempFile("Days,Subject\n3,308\n4,999\n");
        var result = Run("predict", "sleepstudy", "Reaction ~ Days + (Days | Subject)", "--newdata", file.Path);
        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("row,fit,fit_population", result.Stdout);
        AssertBadInput(Run("predict", "sleepstudy", "Reaction ~ Days + (Days | Subject)", "--newdata", file.Path, "--new-levels", "error"), "999");
    }
}
