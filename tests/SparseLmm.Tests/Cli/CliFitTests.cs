using System.Text.Json;
using static SparseLmm.Tests.Cli.CliRunner;

namespace SparseLmm.Tests.Cli;

/// <summary>End-to-end runs of <c>sparselmm fit</c> and <c>demo</c> (these use the engine).</summary>
public class CliFitTests
{
    private const string Formula = "Reaction ~ 1 + Days + (1 + Days | Subject)";

    [Fact]
    public void Demo_prints_an_lme4_style_summary()
    {
        var result = Run("demo");
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal("", result.Stderr);
        Assert.StartsWith("Linear mixed model fit by REML ['lmerMod']\n", result.Stdout);
        Assert.Contains("Formula: " + Formula, result.Stdout);
        Assert.Contains("REML criterion at convergence: 1743.6", result.Stdout);
        Assert.Contains("Scaled residuals:", result.Stdout);
        Assert.Contains("Random effects:", result.Stdout);
        Assert.Contains("Number of obs: 180, groups:  Subject, 18", result.Stdout);
        Assert.Contains("Fixed effects:", result.Stdout);
        Assert.Contains("Correlation of Fixed Effects:", result.Stdout);
    }

    [Fact]
    public void Json_output_is_one_object_with_the_reference_fields()
    {
        var result = Run("fit", "sleepstudy", Formula, "--json");
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal("", result.Stderr);
        var root = JsonDocument.Parse(result.Stdout).RootElement;
        foreach (var field in new[] { "formula", "family", "link", "method", "nAGQ", "nobs", "ngroups", "fixef", "theta", "sigma",
                     "varcorr", "loglik", "df", "aic", "bic", "deviance", "reml_criterion", "singular", "ranef", "converged",
                     "notes", "dropped_rows", "icc", "timing" })
            Assert.True(root.TryGetProperty(field, out _), $"missing field {field}");
        Assert.Equal("REML", root.GetProperty("method").GetString());
        Assert.Equal(180, root.GetProperty("nobs").GetInt32());
        Assert.Equal(18, root.GetProperty("ngroups").GetProperty("Subject").GetInt32());
        var timing = root.GetProperty("timing");
        Assert.True(timing.GetProperty("read_ms").GetDouble() >= 0);
        Assert.True(timing.GetProperty("fit_ms").GetDouble() > 0);
        Assert.True(timing.GetProperty("evaluations").GetInt32() > 0);
    }

    [Fact]
    public void Json_matches_the_lme4_reference_log_likelihood()
    {
        var reference = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "data", "reference", "sleepstudy_reml.json"))).RootElement;
        var result = Run("fit", "sleepstudy", Formula, "--json");
        Assert.True(result.ExitCode == 0, result.Stderr);
        var root = JsonDocument.Parse(result.Stdout).RootElement;
        Assert.Equal(reference.GetProperty("loglik").GetDouble(), root.GetProperty("loglik").GetDouble(), 2e-3);
        Assert.Equal(reference.GetProperty("sigma").GetDouble(), root.GetProperty("sigma").GetDouble(), 0.05);
    }

    [Fact]
    public void Ml_and_repeat_report_the_median_fit_time()
    {
        var result = Run("fit", "sleepstudy", Formula, "--ml", "--json", "--repeat", "3");
        Assert.True(result.ExitCode == 0, result.Stderr);
        var root = JsonDocument.Parse(result.Stdout).RootElement;
        Assert.Equal("ML", root.GetProperty("method").GetString());
        Assert.Equal(JsonValueKind.Number, root.GetProperty("deviance").ValueKind);
        Assert.Equal(3, root.GetProperty("timing").GetProperty("repeats").GetInt32());
    }

    [Fact]
    public void Threads_option_gives_the_same_fit()
    {
        var single = JsonDocument.Parse(Run("fit", "sleepstudy", Formula, "--json", "--threads", "1").Stdout).RootElement;
        var automatic = JsonDocument.Parse(Run("fit", "sleepstudy", Formula, "--json").Stdout).RootElement;
        Assert.Equal(automatic.GetProperty("loglik").GetDouble(), single.GetProperty("loglik").GetDouble());
    }

    [Fact]
    public void Csv_file_with_factor_option_fits()
    {
        var rows = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "data", "csv", "sleepstudy.csv"));
        using var file = new TempFile(string.Join("\n", rows) + "\n");
        var result = Run("fit", file.Path, Formula, "--factor", "Subject");
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal("", result.Stderr);
        Assert.Contains("Number of obs: 180, groups:  Subject, 18", result.Stdout);
    }

    [Fact]
    public void Rows_with_missing_values_are_dropped_with_one_note_on_stderr()
    {
        var rows = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "data", "csv", "sleepstudy.csv")).ToList();
        rows[1] = "NA,0,308";
        rows[2] = ",1,308";
        using var file = new TempFile(string.Join("\n", rows) + "\n");
        var result = Run("fit", file.Path, Formula, "--factor", "Subject", "--json");
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Single(result.StderrLines);
        Assert.Contains("dropped", result.Stderr);
        var root = JsonDocument.Parse(result.Stdout).RootElement;
        Assert.Equal(178, root.GetProperty("nobs").GetInt32());
        Assert.Equal(2, root.GetProperty("dropped_rows").GetInt32());
        Assert.Contains(root.GetProperty("notes").EnumerateArray(), n => n.GetString()!.Contains("dropped"));
    }
}
