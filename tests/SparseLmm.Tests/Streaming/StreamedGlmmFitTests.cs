using System.Runtime.CompilerServices;
using System.Text.Json;
using SparseLmm.Data;
using SparseLmm.Results;
using SparseLmm.Streaming;

namespace SparseLmm.Tests.Streaming;

/// <summary>A streamed GLMM (every PIRLS pass over the spilled coded rows, no table held) equals the in-memory fit of the
/// same file: it runs the same stages with the same kernels over the same rows in the same order.</summary>
public class StreamedGlmmFitTests
{
    private static string Here([CallerFilePath] string source = "") => Path.GetDirectoryName(source)!;

    private static string Data(string folder, string file) => folder switch
    {
        "csv" => Path.Combine(AppContext.BaseDirectory, "data", "csv", file),
        "glmm" => Path.Combine(Here(), "..", "Glmm", "data", file),
        _ => Path.Combine(Here(), "data", file),
    };

    public static TheoryData<string, string, string, string, string?, int, string[]> Models => new()
    {
        { "csv", "cbpp.csv", "cbind(incidence, size - incidence) ~ 1 + period + (1 | herd)", "binomial", null, 1, ["period"] },
        { "csv", "cbpp.csv", "cbind(incidence, size - incidence) ~ 1 + period + (1 | herd)", "binomial", null, 0, ["period"] },
        { "glmm", "crossed.csv", "resp ~ 1 + x + (1 | subj) + (1 | item)", "binomial", null, 1, [] },
        { "glmm", "slopes.csv", "cbind(s, n - s) ~ 1 + x + (1 + x | g)", "binomial", null, 1, ["g"] },
        { "glmm", "slopes.csv", "cbind(s, n - s) ~ 1 + x + (1 + x | g)", "binomial", null, 0, ["g"] },
        { "glmm", "slopes.csv", "prop ~ 1 + x + (1 | g) @n", "binomial", null, 1, ["g"] },
        { "streaming", "poisson_slopes.csv", "count ~ 1 + x + (1 + x | g) + (1 | h)", "poisson", null, 1, [] },
        { "streaming", "poisson_slopes.csv", "count ~ 1 + x + (1 + x | g) + (1 | h)", "poisson", null, 0, [] },
        { "glmm", "poisson.csv", "count ~ 1 + x + (1 | g)", "poisson", "sqrt", 1, ["g"] },
        { "glmm", "gamma.csv", "y ~ 1 + x + (1 | g)", "Gamma", "log", 1, [] },
        { "glmm", "gamma.csv", "y ~ 1 + x + (1 | g)", "Gamma", "inverse", 0, [] },
    };

    private static FitOptions Options(string family, string? link, int nodes, string[] factors) =>
        new(FactorColumns: factors, Family: Family.Parse(family, link), QuadratureNodes: nodes);

    private static void Close(double expected, double actual, double relative, string what) =>
        Assert.True(Math.Abs(expected - actual) <= relative * Math.Abs(expected) + 1e-300,
            $"{what}: {actual:R} for {expected:R} (relative {Math.Abs(expected - actual) / Math.Abs(expected):G3})");

    /// <summary>The issue's tolerances: 1e-8 relative in the log-likelihood, 1e-6 in θ, β, the SEs and the modes.</summary>
    internal static void AssertSameFit(MixedModelFit expected, MixedModelFit actual)
    {
        Close(expected.LogLikelihood, actual.LogLikelihood, 1e-8, "log-likelihood");
        Assert.Equal(expected.ObservationCount, actual.ObservationCount);
        Assert.Equal(expected.DroppedRowCount, actual.DroppedRowCount);
        Assert.Equal(expected.Converged, actual.Converged);
        Assert.Equal(expected.Method, actual.Method);
        Assert.Equal(expected.FixedEffects.Select(f => f.Name), actual.FixedEffects.Select(f => f.Name));
        for (int j = 0; j < expected.FixedEffects.Count; j++)
        {
            Close(expected.FixedEffects[j].Estimate, actual.FixedEffects[j].Estimate, 1e-6, expected.FixedEffects[j].Name);
            Close(expected.FixedEffects[j].StandardError, actual.FixedEffects[j].StandardError, 1e-6, "SE of " + expected.FixedEffects[j].Name);
        }
        Assert.Equal(expected.Theta.Count, actual.Theta.Count);
        for (int i = 0; i < expected.Theta.Count; i++) Close(expected.Theta[i], actual.Theta[i], 1e-6, $"theta[{i + 1}]");
        Assert.Equal(expected.Sigma.HasValue, actual.Sigma.HasValue);
        if (expected.Sigma is { } sigma) Close(sigma, actual.Sigma!.Value, 1e-6, "sigma");
        foreach (var (group, effects) in expected.RandomEffects)
        {
            Assert.Equal(effects.Levels, actual.RandomEffects[group].Levels);
            for (int l = 0; l < effects.Levels.Count; l++)
                for (int c = 0; c < effects.Terms.Count; c++)
                {
                    Assert.Equal(effects.Values[l][c], actual.RandomEffects[group].Values[l][c], 1e-6 * (1 + Math.Abs(effects.Values[l][c])));
                    Assert.Equal(effects.ConditionalStandardDeviations[l][c], actual.RandomEffects[group].ConditionalStandardDeviations[l][c], 1e-6 * effects.ConditionalStandardDeviations[l][c]);
                }
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void AStreamedGlmmEqualsTheInMemoryFit(string folder, string file, string formula, string family, string? link, int nodes,
        string[] factors)
    {
        // "@w": prior weights from column w.
        var options = Options(family, link, nodes, factors) with { WeightsColumn = formula.Contains('@') ? formula.Split('@')[1] : null };
        formula = formula.Split(" @")[0];
        var expected = MixedModel.Fit(formula, Data(folder, file), options);
        var streamed = MixedModel.FitStreamed(formula, Data(folder, file), options);
        AssertSameFit(expected, streamed);
        // No rows were kept: what needs them is absent, not zeros.
        Assert.Empty(streamed.Fitted);
        Assert.Empty(streamed.Residuals);
        Assert.Empty(streamed.Response);
        Assert.Null(streamed.FittedLinkScale);
        Assert.Null(streamed.PearsonResiduals);
        Assert.Null(streamed.DevianceResiduals);
        Assert.Null(streamed.PriorWeights);
        Assert.Contains(streamed.Notes, note => note.StartsWith("rows streamed: ", StringComparison.Ordinal));
    }

    [Fact]
    public void AStreamedParquetGlmmEqualsTheInMemoryCsvFit()
    {
        const string formula = "cbind(incidence, size - incidence) ~ 1 + period + (1 | herd)";
        var options = Options("binomial", null, 1, ["period"]);
        var expected = MixedModel.Fit(formula, Data("csv", "cbpp.csv"), options);
        var streamed = MixedModel.FitStreamed(formula, Path.Combine(AppContext.BaseDirectory, "data", "columnar", "cbpp.parquet"), options);
        AssertSameFit(expected, streamed);
    }

    [Fact]
    public void ManySmallChunksAndBlocksGiveTheInMemoryFitToTheBit()
    {
        // Every sum continues across chunk and block boundaries in row order, so the numbers are the in-memory ones exactly.
        string path = Data("streaming", "poisson_slopes.csv");
        const string formula = "count ~ 1 + x + (1 + x | g) + (1 | h)";
        var options = Options("poisson", null, 1, []);
        var expected = MixedModel.Fit(formula, path, options);
        using var source = DataSource.FromTable(CsvReader.ReadFile(path), chunkRows: 37);
        var passes = new List<(int Pass, long Rows)>();
        var streamed = StreamedGlmmFit.Fit(formula, source, options, (pass, rows) => passes.Add((pass, rows)), blockRows: 16);
        Assert.Equal(expected.LogLikelihood, streamed.LogLikelihood);
        Assert.Equal(expected.Theta, streamed.Theta);
        Assert.Equal(expected.FixedEffects, streamed.FixedEffects);
        // Progress: the two passes over the source, then every pass over the coded rows, each ending at all 600 rows.
        var ends = passes.GroupBy(p => p.Pass).ToDictionary(g => g.Key, g => g.Max(p => p.Rows));
        Assert.True(ends.Count > 10);
        Assert.Equal(Enumerable.Range(1, ends.Count), ends.Keys.Order());
        Assert.All(ends.Values, rows => Assert.Equal(600, rows));
    }

    [Fact]
    public void WeightsAndMissingWeightsStreamAsInMemory()
    {
        // Gamma with weights 0.5, 1.5, 2.5 in turn and every 17th missing (those rows are dropped, as in memory).
        var table = CsvReader.ReadFile(Data("glmm", "gamma.csv"));
        int n = table.RowCount;
        var weights = new NumericColumn("w", Enumerable.Range(0, n).Select(i => i % 3 + 0.5).ToArray(),
            Enumerable.Range(0, n).Select(i => i % 17 == 5).ToArray());
        table = new DataTable([.. table.Columns, weights], "weighted gamma");
        const string formula = "y ~ 1 + x + (1 | g)";
        var options = Options("Gamma", "log", 1, []) with { WeightsColumn = "w" };
        var expected = MixedModel.Fit(formula, table, options);
        using var source = DataSource.FromTable(table, chunkRows: 50);
        var streamed = StreamedGlmmFit.Fit(formula, source, options, null, blockRows: 64);
        Assert.Equal(expected.LogLikelihood, streamed.LogLikelihood);
        Assert.Equal(expected.Theta, streamed.Theta);
        Assert.Equal(expected.FixedEffects, streamed.FixedEffects);
        Assert.Equal(expected.DroppedRowCount, streamed.DroppedRowCount);
        Assert.True(streamed.DroppedRowCount > 0);
    }

    [Fact]
    public void TheInMemoryFitOfThePoissonSlopesMatchesLme4()
    {
        // The data set is new (poisson_slopes.R): the in-memory fit the streamed one is compared with is lme4's.
        var reference = JsonDocument.Parse(File.ReadAllText(Data("streaming", "poisson_slopes.json"))).RootElement;
        var fit = MixedModel.Fit(reference.GetProperty("formula").GetString()!, Data("streaming", "poisson_slopes.csv"),
            Options("poisson", null, 1, []));
        Assert.Equal(reference.GetProperty("loglik").GetDouble(), fit.LogLikelihood, 1e-4);
        var theta = reference.GetProperty("theta").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        for (int i = 0; i < theta.Length; i++) Assert.Equal(theta[i], fit.Theta[i], 2e-3);
        var beta = reference.GetProperty("beta").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        for (int j = 0; j < beta.Length; j++) Assert.Equal(beta[j], fit.FixedEffects[j].Estimate, 1e-3);
    }

    [Theory]
    [InlineData("poisson.csv", "count ~ 1 + x + (1 | g)", "poisson", 2, null, "nAGQ = 2")]
    [InlineData("poisson.csv", "count ~ 1 + x + offset(x) + (1 | g)", "poisson", 1, null, "offset()")]
    [InlineData("poisson.csv", "count ~ 1 + x + (1 | g)", "poisson", 1, "x", "weights column 'x' is -0.195 at data row 1")]
    [InlineData("poisson.csv", "count ~ 1 + x + (1 | g)", "poisson", 1, "weight", "unknown weights column 'weight'")]
    [InlineData("slopes.csv", "cbind(s, n - s) ~ 1 + x + (1 | g)", "binomial", 1, "n", "cbind(successes, failures)")]
    public void WhatAStreamedGlmmCannotDoIsRefused(string file, string formula, string family, int nodes, string? weights, string mentions)
    {
        var options = Options(family, null, nodes, ["g"]) with { WeightsColumn = weights };
        var error = Assert.Throws<InputException>(() => MixedModel.FitStreamed(formula, Data("glmm", file), options));
        Assert.Contains(mentions, error.Message);
    }

    [Theory]
    [InlineData("--mcmc", "100")]
    [InlineData("--nagq", "5")]
    public void TheCliRefusesWhatAStreamedGlmmCannotDo(string option, string value)
    {
        var result = SparseLmm.Tests.Cli.CliRunner.Run("fit", Data("glmm", "poisson.csv"), "count ~ 1 + x + (1 | g)", "--family", "poisson",
            "--factor", "g", "--stream", option, value);
        SparseLmm.Tests.Cli.CliRunner.AssertBadInput(result, option == "--nagq" ? "nAGQ" : option);
    }

    [Fact]
    public void ACancelledStreamedGlmmStops()
    {
        using var source = DataSource.Open(Data("glmm", "poisson.csv"));
        Assert.ThrowsAny<OperationCanceledException>(() => StreamedGlmmFit.Fit("count ~ 1 + x + (1 | g)", source,
            Options("poisson", null, 1, ["g"]), null, new CancellationToken(canceled: true)));
    }
}

/// <summary>The spill of a streamed GLMM: rows come back in blocks of its size, in order, X reduced to the kept columns
/// and put in the fit's coordinates; the file is out of the directory from the start.</summary>
public class GlmmSpillTests
{
    [Fact]
    public void RowsComeBackInFixedBlocksWithTheKeptColumnsInTheFitsCoordinates()
    {
        const int rows = 23, p = 3;
        var x = Enumerable.Range(0, rows * p).Select(i => i % p == 0 ? 1.0 : i * 0.5).ToArray();
        var y = Enumerable.Range(0, rows).Select(i => i % 2 * 1.0).ToArray();
        var weights = Enumerable.Range(0, rows).Select(i => 1.0 + i).ToArray();
        var muStart = Enumerable.Range(0, rows).Select(i => 0.25 + i * 0.01).ToArray();
        var levels = new[] { Enumerable.Range(0, rows).Select(i => i % 4).ToArray() };
        var z = new[] { Enumerable.Range(0, rows * 2).Select(i => i % 2 == 0 ? 1.0 : -i).ToArray() };
        using var spill = new GlmmSpill(p, [2], blockRows: 5);
        if (!OperatingSystem.IsWindows()) Assert.False(File.Exists(spill.FilePath));
        // Appended in uneven pieces: 7 rows, then 16.
        spill.Append(7, x[..(7 * p)], y[..7], weights[..7], muStart[..7], [levels[0][..7]], [z[0][..14]]);
        spill.Append(16, x[(7 * p)..], y[7..], weights[7..], muStart[7..], [levels[0][7..]], [z[0][14..]]);
        spill.Finish([0, 2]);
        var scaling = SparseLmm.Engine.FixedEffectScaling.StandardizedBlocks(spill.FixedRows, rows, 2);
        Assert.Equal(0, scaling.InterceptColumn);
        spill.SetCoordinates(scaling);
        var term = new SparseLmm.Design.RandomEffectsDesign("g", ["(Intercept)", "v"], new int[5], ["a", "b", "c", "d"], new double[10]);
        var block = new SparseLmm.Glmm.RowState
        {
            RowCount = 0, FixedEffectCount = 2, X = new double[10], Y = new double[5], Weights = new double[5], Terms = [term],
            TermOffsets = [0], B = [], FixedPart = [], Offset = [], Eta = [], Mu = [], IrlsWeights = [], Working = [], Shift = [],
        };
        var start = new double[5];
        for (int pass = 0; pass < 2; pass++)
        {
            spill.Rewind();
            var sizes = new List<int>();
            int at = 0;
            for (int m; (m = spill.Next(block, start)) > 0; at += m)
            {
                sizes.Add(m);
                for (int i = 0; i < m; i++)
                {
                    int row = at + i;
                    Assert.Equal(1.0, block.X[i * 2]);
                    Assert.Equal((x[row * p + 2] - scaling.ColumnShift[1]) * scaling.ColumnScale[1], block.X[i * 2 + 1]);
                    Assert.Equal(y[row], block.Y[i]);
                    Assert.Equal(weights[row], block.Weights[i]);
                    Assert.Equal(muStart[row], start[i]);
                    Assert.Equal(levels[0][row], term.LevelOfRow[i]);
                    Assert.Equal(z[0][row * 2 + 1], term.Z[i * 2 + 1]);
                }
            }
            Assert.Equal([5, 5, 5, 5, 3], sizes);
        }
        // The coordinates are those of the whole kept X in memory.
        var kept = Enumerable.Range(0, rows).SelectMany(i => new[] { x[i * p], x[i * p + 2] }).ToArray();
        var expected = SparseLmm.Engine.FixedEffectScaling.Standardized(kept, rows, 2);
        Assert.Equal(expected.ColumnShift, scaling.ColumnShift);
        Assert.Equal(expected.ColumnScale, scaling.ColumnScale);
    }
}
