using SparseLmm.Data;
using SparseLmm.Results;
using SparseLmm.Tests.Data;

namespace SparseLmm.Tests.Streaming;

/// <summary>A streamed fit (two passes over the file, a chunk at a time, no table held) equals the in-memory fit of the
/// same file: the same model frame, levels and coding, and estimates equal to rounding.</summary>
public class StreamedFitTests
{
    private static string Csv(string file) => Path.Combine(AppContext.BaseDirectory, "data", "csv", file);

    public static TheoryData<string, string, string[], bool> Models => new()
    {
        { "sleepstudy", "Reaction ~ 1 + Days + (1 + Days | Subject)", [], true },
        { "sleepstudy", "Reaction ~ 1 + Days + (1 | Subject) + (0 + Days | Subject)", [], false },
        { "cbpp", "incidence / size ~ 1 + period + (1 | herd)", ["period"], true },
        { "InstEval", "y ~ 1 + service + (1 | s) + (1 | d) + (1 | dept:service)", ["service"], false },
        { "Penicillin", "diameter ~ 1 + (1 | plate) + (1 | sample)", [], true },
        { "Pastes", "strength ~ 1 + (1 | batch/cask)", [], false },
    };

    internal static void AssertSameFit(MixedModelFit expected, MixedModelFit actual, double tolerance = 1e-9)
    {
        Assert.Equal(expected.LogLikelihood, actual.LogLikelihood, tolerance * Math.Max(1, Math.Abs(expected.LogLikelihood)));
        Assert.Equal(expected.ObservationCount, actual.ObservationCount);
        Assert.Equal(expected.DroppedRowCount, actual.DroppedRowCount);
        Assert.Equal(expected.FixedEffects.Select(f => f.Name), actual.FixedEffects.Select(f => f.Name));
        Assert.Equal(expected.AliasedFixedEffects, actual.AliasedFixedEffects);
        // The objectives agree to rounding; θ̂, β̂ and the SEs to the optimiser's resolution (its final trust radius is
        // 1e-5), which two objectives equal to 1e-13 may reach by slightly different paths.
        for (int j = 0; j < expected.FixedEffects.Count; j++)
        {
            Assert.Equal(expected.FixedEffects[j].Estimate, actual.FixedEffects[j].Estimate, 1e-5 * (1 + Math.Abs(expected.FixedEffects[j].Estimate)));
            Assert.Equal(expected.FixedEffects[j].StandardError, actual.FixedEffects[j].StandardError, 1e-4 * expected.FixedEffects[j].StandardError);
        }
        Assert.Equal(expected.Theta.Count, actual.Theta.Count);
        for (int i = 0; i < expected.Theta.Count; i++) Assert.Equal(expected.Theta[i], actual.Theta[i], 1e-5 * (1 + Math.Abs(expected.Theta[i])));
        Assert.Equal(expected.GroupCounts, actual.GroupCounts);
        foreach (var (group, effects) in expected.RandomEffects)
        {
            Assert.Equal(effects.Levels, actual.RandomEffects[group].Levels);
            Assert.Equal(effects.Terms, actual.RandomEffects[group].Terms);
            for (int l = 0; l < effects.Levels.Count; l++)
                for (int c = 0; c < effects.Terms.Count; c++)
                    Assert.Equal(effects.Values[l][c], actual.RandomEffects[group].Values[l][c], 1e-5 * (1 + Math.Abs(effects.Values[l][c])));
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void AStreamedCsvFitEqualsTheInMemoryFit(string name, string formula, string[] factors, bool reml)
    {
        var options = new FitOptions(Reml: reml, FactorColumns: factors);
        var expected = MixedModel.Fit(formula, CsvReader.ReadFile(Csv(name + ".csv")), options);
        var streamed = MixedModel.FitStreamed(formula, Csv(name + ".csv"), options);
        AssertSameFit(expected, streamed);
        Assert.Empty(streamed.Fitted);
    }

    [Theory]
    [InlineData("sleepstudy.parquet")]
    [InlineData("sleepstudy.arrow")]
    [InlineData("sleepstudy-labels.parquet")]
    [InlineData("sleepstudy-labels.arrow")]
    [InlineData("sleepstudy-labels.csv")]
    public void StreamedParquetAndArrowFitsEqualTheInMemoryFits(string file)
    {
        const string formula = "Reaction ~ 1 + Days + (1 + Days | Subject)";
        var path = ColumnarReaderTests.Columnar(file);
        var expected = MixedModel.Fit(formula, MixedModel.LoadData(path));
        AssertSameFit(expected, MixedModel.FitStreamed(formula, path));
    }
}

/// <summary>A CSV column that holds numbers for megabytes and then text: the streamed pass reads it again as labels and
/// fits as the in-memory reader does (which backfills the labels).</summary>
public class StreamedCsvTypeChangeTests
{
    [Fact]
    public void AColumnThatTurnsToTextLateIsReadAgainAsLabels()
    {
        var random = new Random(5);
        var path = Path.Combine(Path.GetTempPath(), $"sparselmm-test-{Guid.NewGuid():N}.csv");
        try
        {
            using (var writer = new StreamWriter(path))
            {
                writer.WriteLine("y,x,lab,g");
                for (int i = 0; i < 120_000; i++)
                {
                    int g = i % 40;
                    // lab: numbers (with leading zeros, which only text keeps) for the first 100,000 rows, then text.
                    string lab = i < 100_000 ? $"0{i % 7}" : $"L{i % 7}";
                    double x = random.NextDouble();
                    writer.WriteLine($"{(2 * x + 0.3 * (i % 7) + 0.1 * g + random.NextDouble()).ToString(System.Globalization.CultureInfo.InvariantCulture)},{x.ToString(System.Globalization.CultureInfo.InvariantCulture)},{lab},{g}");
                }
            }
            Assert.True(new FileInfo(path).Length > 3 * CsvReader.DefaultChunkSize / 2);
            const string formula = "y ~ 1 + x + lab + (1 | g)";
            var options = new FitOptions(Reml: false, FactorColumns: ["lab"]);
            var expected = MixedModel.Fit(formula, CsvReader.ReadFile(path), options);
            Assert.Equal(15, expected.FixedEffects.Count);
            Assert.Contains("lab00", expected.FixedEffects.Select(f => f.Name).Concat(expected.AliasedFixedEffects).Append("lab00").ToList());
            Assert.Contains("lab01", expected.FixedEffects.Select(f => f.Name));
            StreamedFitTests.AssertSameFit(expected, MixedModel.FitStreamed(formula, path, options));
            // Undeclared, the text cells among many more numbers are refused by both paths.
            Assert.Throws<InputException>(() => MixedModel.FitStreamed(formula, path, new FitOptions(Reml: false)));
        }
        finally
        {
            File.Delete(path);
        }
    }
}

/// <summary><c>fit --stream</c> from the command line.</summary>
public class StreamedFitCliTests
{
    private static string Csv(string file) => Path.Combine(AppContext.BaseDirectory, "data", "csv", file);

    [Fact]
    public void FitStreamPrintsTheSameEstimatesAsTheInMemoryFit()
    {
        const string formula = "Reaction ~ 1 + Days + (1 + Days | Subject)";
        var streamed = SparseLmm.Tests.Cli.CliRunner.Run("fit", ColumnarReaderTests.Columnar("sleepstudy.parquet"), formula, "--stream", "--json");
        var memory = SparseLmm.Tests.Cli.CliRunner.Run("fit", Csv("sleepstudy.csv"), formula, "--json");
        Assert.Equal(0, streamed.ExitCode);
        var a = System.Text.Json.JsonDocument.Parse(streamed.Stdout).RootElement;
        var b = System.Text.Json.JsonDocument.Parse(memory.Stdout).RootElement;
        Assert.Equal(b.GetProperty("loglik").GetDouble(), a.GetProperty("loglik").GetDouble(), 1e-9);
        Assert.Equal(b.GetProperty("nobs").GetInt32(), a.GetProperty("nobs").GetInt32());
        var df = a.GetProperty("fixef").GetProperty("df");
        Assert.Equal(b.GetProperty("fixef").GetProperty("df")[1].GetDouble(), df[1].GetDouble(), 1e-4);
    }

    [Theory]
    [InlineData("--ddf", "kenward-roger")]
    [InlineData("--ci", "boot")]
    [InlineData("--repeat", "3")]
    public void OptionsThatNeedTheRowsAreRefused(string option, string value)
    {
        var result = SparseLmm.Tests.Cli.CliRunner.Run("fit", Csv("sleepstudy.csv"), "Reaction ~ 1 + Days + (1 | Subject)", "--stream", option, value);
        SparseLmm.Tests.Cli.CliRunner.AssertBadInput(result, option);
    }

    [Theory]
    [InlineData("Reaction ~ 1 + scale(Days) + (1 | Subject)", "scale()")]
    [InlineData("Reaction ~ 1 + factor(Days) + (1 | Subject)", "factor()")]
    [InlineData("Reaction ~ 1 + Days + offset(Days) + (1 | Subject)", "offset()")]
    public void TransformsThatNeedTheWholeDataAreRefused(string formula, string mentions)
    {
        var result = SparseLmm.Tests.Cli.CliRunner.Run("fit", Csv("sleepstudy.csv"), formula, "--stream");
        SparseLmm.Tests.Cli.CliRunner.AssertBadInput(result, mentions);
    }
}
