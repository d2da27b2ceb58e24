using SparseLmm.Data;

namespace SparseLmm.Tests.Streaming;

/// <summary>A panel split into 4 partitions (rows shuffled first, so subjects, sites and levels of grp are spread over
/// them and some partitions lack levels) → one partial per partition → the merged fit equals the fit to the whole file.</summary>
public class PartialsTests
{
    private static string Data(string file) => Path.Combine(AppContext.BaseDirectory, "data", "partials", file);

    public static TheoryData<string, bool> Models => new()
    {
        { "y ~ 1 + time + x1 + grp + (1 + time | subj) + (1 | site)", false },
        { "y ~ 1 + time * grp + (1 | subj) + (1 | site)", true },
        { "y ~ 0 + grp + x1 + (1 | subj) + (1 | grp:site)", false },
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void TheFitFromFourPartialsEqualsTheWholeFit(string formula, bool reml)
    {
        var options = new FitOptions(Reml: reml);
        var whole = MixedModel.Fit(formula, CsvReader.ReadFile(Data("panel.csv")), options);
        var directory = Directory.CreateTempSubdirectory("sparselmm-partials-");
        try
        {
            var parts = new List<string>();
            for (int k = 1; k <= 4; k++)
            {
                var part = Path.Combine(directory.FullName, $"part{k}.cp");
                Assert.Equal(750, MixedModel.WritePartial(formula, Data($"panel-part{k}.csv"), part, options));
                parts.Add(part);
            }
            var merged = MixedModel.FitPartials(formula, parts, options);
            Assert.Equal(whole.LogLikelihood, merged.LogLikelihood, 1e-8);
            StreamedFitTests.AssertSameFit(whole, merged);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void PartitionsThatEachHoldOneLevelOfAFactorMergeToTheWholeFit()
    {
        // Partitioned by grp: no partition sees the reference level of grp beside the others, nor all subjects.
        const string formula = "y ~ 1 + time + grp + (1 | subj) + (1 | site)";
        var whole = MixedModel.Fit(formula, CsvReader.ReadFile(Data("panel.csv")), new FitOptions(Reml: false));
        var lines = File.ReadAllLines(Data("panel.csv"));
        var directory = Directory.CreateTempSubdirectory("sparselmm-partials-");
        try
        {
            var parts = new List<string>();
            foreach (var level in new[] { "a", "b", "c" })
            {
                var csv = Path.Combine(directory.FullName, $"{level}.csv");
                File.WriteAllLines(csv, lines.Take(1).Concat(lines.Skip(1).Where(l => l.Split(',')[4] == level)));
                var part = Path.Combine(directory.FullName, $"{level}.cp");
                MixedModel.WritePartial(formula, csv, part, new FitOptions(Reml: false));
                parts.Add(part);
            }
            var merged = MixedModel.FitPartials(formula, parts, new FitOptions(Reml: false));
            Assert.Equal(whole.LogLikelihood, merged.LogLikelihood, 1e-8);
            StreamedFitTests.AssertSameFit(whole, merged);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void PartialAndFitPartialsFromTheCommandLine()
    {
        const string formula = "y ~ 1 + time + x1 + grp + (1 + time | subj) + (1 | site)";
        var directory = Directory.CreateTempSubdirectory("sparselmm-partials-");
        try
        {
            for (int k = 1; k <= 4; k++)
            {
                var written = SparseLmm.Tests.Cli.CliRunner.Run("partial", Data($"panel-part{k}.csv"), formula, "--out", Path.Combine(directory.FullName, $"p{k}.cp"));
                Assert.Equal(0, written.ExitCode);
            }
            var merged = SparseLmm.Tests.Cli.CliRunner.Run("fit", "--partials", Path.Combine(directory.FullName, "*.cp"), formula, "--ml", "--json");
            var whole = SparseLmm.Tests.Cli.CliRunner.Run("fit", Data("panel.csv"), formula, "--ml", "--json");
            Assert.Equal(0, merged.ExitCode);
            double Loglik(string json) => System.Text.Json.JsonDocument.Parse(json).RootElement.GetProperty("loglik").GetDouble();
            Assert.Equal(Loglik(whole.Stdout), Loglik(merged.Stdout), 1e-8);
            SparseLmm.Tests.Cli.CliRunner.AssertBadInput(
                SparseLmm.Tests.Cli.CliRunner.Run("fit", "--partials", Path.Combine(directory.FullName, "*.none"), formula), "no files match");
            SparseLmm.Tests.Cli.CliRunner.AssertBadInput(
                SparseLmm.Tests.Cli.CliRunner.Run("fit", "--partials", Data("panel.csv"), formula), "not a partial");
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
