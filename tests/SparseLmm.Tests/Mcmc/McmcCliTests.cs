using System.Text.Json;
using static SparseLmm.Tests.Cli.CliRunner;

namespace SparseLmm.Tests.Mcmc;

/// <summary><c>fit --mcmc</c> end to end: the posterior table after the summary, the <c>mcmc</c> member of the JSON,
/// the draws CSV, and the refusals of options that do not apply.</summary>
public class McmcCliTests
{
    private const string Formula = "Reaction ~ 1 + Days + (1 + Days | Subject)";

    [Fact]
    public void The_summary_ends_with_the_posterior_table()
    {
        var result = Run("fit", "sleepstudy", Formula, "--mcmc", "500", "--chains", "2", "--seed", "3", "--ddf", "none");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("MCMC: 2 chains x 500 draws (warmup 500), seed 3, prior half-t", result.Stdout);
        Assert.Contains("Rhat ess_bulk ess_tail", result.Stdout);
        Assert.Matches(@"\nsigma\s+2\d\.\d+", result.Stdout);
        Assert.Contains("random effects (36): max Rhat", result.Stdout);
    }

    [Fact]
    public void The_json_has_an_mcmc_member_and_the_draws_go_to_csv()
    {
        using var draws = new TempFile("");
        var result = Run("fit", "sleepstudy", Formula, "--json", "--mcmc", "200", "--chains", "2", "--warmup", "100",
            "--draws", draws.Path, "--prior", "rstanarm-decov", "--level", "0.9");
        Assert.True(result.ExitCode is 0 or 3, result.Stderr);
        using var document = JsonDocument.Parse(result.Stdout);
        var mcmc = document.RootElement.GetProperty("mcmc");
        Assert.Equal(2, mcmc.GetProperty("chains").GetInt32());
        Assert.Equal(100, mcmc.GetProperty("warmup").GetInt32());
        Assert.Equal("rstanarm-decov", mcmc.GetProperty("prior").GetString());
        Assert.Equal(0.9, mcmc.GetProperty("level").GetDouble());
        var parameters = mcmc.GetProperty("parameters").EnumerateArray().ToList();
        Assert.Equal(42, parameters.Count);
        var sigma = parameters.Single(p => p.GetProperty("name").GetString() == "sigma");
        foreach (var field in new[] { "mean", "sd", "lower", "upper", "rhat", "ess_bulk", "ess_tail" })
            Assert.True(sigma.GetProperty(field).GetDouble() > 0, field);
        Assert.Equal(result.ExitCode == 0, mcmc.GetProperty("converged").GetBoolean());

        var lines = File.ReadAllLines(draws.Path);
        Assert.Equal(1 + 2 * 200, lines.Length);
        var header = lines[0].Split(',');
        Assert.Equal(["chain", "draw", "sd_(Intercept)|Subject"], header[..3]);
        Assert.Equal(2 + 42, header.Length);
        Assert.StartsWith("2,200,", lines[^1]);
        // The CSV's sigma column averages to the summary's mean.
        int column = Array.IndexOf(header, "sigma");
        double mean = lines.Skip(1).Average(line => double.Parse(line.Split(',')[column], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(sigma.GetProperty("mean").GetDouble(), mean, 9);
    }

    [Theory]
    [InlineData("--chains", "2")]
    [InlineData("--warmup", "10")]
    [InlineData("--prior", "half-t")]
    [InlineData("--draws", "x.csv")]
    public void Mcmc_options_without_mcmc_are_refused(string option, string value) =>
        AssertBadInput(Run("fit", "sleepstudy", Formula, option, value), "--mcmc");

    [Fact]
    public void Bad_mcmc_values_are_refused()
    {
        AssertBadInput(Run("fit", "sleepstudy", Formula, "--mcmc", "2"), "--mcmc");
        AssertBadInput(Run("fit", "sleepstudy", Formula, "--mcmc", "100", "--prior", "flat"), "--prior");
        AssertBadInput(Run("fit", "sleepstudy", Formula, "--mcmc", "100", "--repeat", "2"), "--repeat");
    }

    [Fact]
    public void A_binomial_glmm_samples_without_sigma()
    {
        using var draws = new TempFile("");
        var result = Run("fit", Glmm.GlmmReference.DataPath("cbpp.csv"), "cbind(incidence, size - incidence) ~ period + (1 | herd)",
            "--family", "binomial", "--factor", "period", "--mcmc", "300", "--chains", "2", "--json", "--draws", draws.Path);
        Assert.True(result.ExitCode is 0 or 3, result.Stderr);
        using var document = JsonDocument.Parse(result.Stdout);
        var mcmc = document.RootElement.GetProperty("mcmc");
        Assert.StartsWith("Metropolis-Hastings", mcmc.GetProperty("algorithm").GetString());
        var names = mcmc.GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString()).ToList();
        Assert.Equal(["sd_(Intercept)|herd", "(Intercept)", "period2", "period3", "period4"], names.Take(5));
        Assert.DoesNotContain("sigma", names);
        Assert.Equal(5 + 15, names.Count);
        Assert.Equal(1 + 2 * 300, File.ReadAllLines(draws.Path).Length);
    }

    [Fact]
    public void Draws_to_a_parquet_file_hold_the_csv_draws_of_the_same_seed()
    {
        using var csv = new TempFile("");
        using var parquet = new TempFile("", ".parquet");
        string[] fit = [Glmm.GlmmReference.DataPath("cbpp.csv"), "cbind(incidence, size - incidence) ~ period + (1 | herd)",
            "--family", "binomial", "--factor", "period", "--mcmc", "100", "--chains", "2", "--seed", "5"];
        var first = Run(["fit", .. fit, "--draws", csv.Path]);
        var second = Run(["fit", .. fit, "--draws", parquet.Path]);
        Assert.True(first.ExitCode is 0 or 3 && second.ExitCode is 0 or 3, first.Stderr + second.Stderr);
        var lines = File.ReadAllLines(csv.Path);
        var header = lines[0].Split(',');
        var table = MixedModel.LoadData(parquet.Path);
        Assert.Equal(header, table.Columns.Select(c => c.Name));
        Assert.Equal(2 * 100, table.RowCount);
        for (int j = 0; j < header.Length; j++)
        {
            var column = (SparseLmm.Data.NumericColumn)table[header[j]];
            for (int row = 0; row < table.RowCount; row++)
                Assert.Equal(double.Parse(lines[1 + row].Split(',')[j], System.Globalization.CultureInfo.InvariantCulture), column.Values[row]);
        }
    }

    [Fact]
    public void A_glmm_without_a_sampler_is_refused_before_fitting()
    {
        var result = Run("fit", Glmm.GlmmReference.DataPath("cbpp.csv"), "cbind(incidence, size - incidence) ~ period + (1 | herd)",
            "--family", "binomial", "--link", "cloglog", "--factor", "period", "--mcmc", "100");
        AssertBadInput(result, "binomial models with the logit link");
    }
}
