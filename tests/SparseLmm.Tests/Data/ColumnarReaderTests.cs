using SparseLmm.Data;
using SparseLmm.Tests.Cli;

namespace SparseLmm.Tests.Data;

/// <summary>Parquet files written by DuckDB and Arrow files written by Apache.Arrow's writer (data/columnar/README.md)
/// read into the same tables, and give the same fits, as the CSV files they were written from.</summary>
public class ColumnarReaderTests
{
    internal static string Columnar(string file) => Path.Combine(AppContext.BaseDirectory, "data", "columnar", file);

    private static string Csv(string file) => Path.Combine(AppContext.BaseDirectory, "data", "csv", file);

    public static TheoryData<string, string, string[]> Models => new()
    {
        { "sleepstudy", "Reaction ~ 1 + Days + (1 + Days | Subject)", [] },
        { "cbpp", "incidence / size ~ 1 + period + (1 | herd)", ["period"] },
        { "InstEval", "y ~ 1 + service + (1 | s) + (1 | d) + (1 | dept:service)", ["service"] },
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void ParquetAndArrowFitsEqualTheCsvFit(string name, string formula, string[] factors)
    {
        var options = new FitOptions(Reml: false, FactorColumns: factors);
        var csv = MixedModel.Fit(formula, CsvReader.ReadFile(Csv(name + ".csv")), options);
        foreach (var extension in new[] { ".parquet", ".arrow" })
        {
            var fit = MixedModel.Fit(formula, MixedModel.LoadData(Columnar(name + extension)), options);
            Assert.Equal(csv.LogLikelihood, fit.LogLikelihood);
            Assert.Equal(csv.FixedEffects.Select(f => f.Estimate), fit.FixedEffects.Select(f => f.Estimate));
            Assert.Equal(csv.Theta, fit.Theta);
            Assert.Equal(csv.ObservationCount, fit.ObservationCount);
        }
    }

    [Theory]
    [InlineData("sleepstudy-labels.parquet")]
    [InlineData("sleepstudy-labels.arrow")]
    public void TextAndDictionaryColumnsAreCategoricalAndNullsAreMissingCells(string file)
    {
        var csv = CsvReader.ReadFile(Columnar("sleepstudy-labels.csv"));
        var table = ColumnarReader.ReadFile(Columnar(file));
        var subject = Assert.IsType<CategoricalColumn>(table["Subject"]);
        var expected = (CategoricalColumn)csv["Subject"];
        Assert.Equal(expected.Levels, subject.Levels);
        Assert.Equal(expected.Codes, subject.Codes);
        foreach (var name in new[] { "Reaction", "Days" })
        {
            var column = Assert.IsType<NumericColumn>(table[name]);
            var reference = (NumericColumn)csv[name];
            Assert.Equal(reference.Missing, column.Missing);
            for (int row = 0; row < column.Length; row++)
                if (!column.IsMissing(row)) Assert.Equal(reference.Values[row], column.Values[row]);
        }
        var fit = MixedModel.Fit("Reaction ~ 1 + Days + (1 + Days | Subject)", table);
        var csvFit = MixedModel.Fit("Reaction ~ 1 + Days + (1 + Days | Subject)", csv);
        Assert.Equal(17, fit.DroppedRowCount);
        Assert.Equal(163, fit.ObservationCount);
        Assert.Equal(csvFit.LogLikelihood, fit.LogLikelihood);
    }

    [Fact]
    public void ParquetTypesMapAsAUserExpects()
    {
        // DuckDB: i INTEGER, x DOUBLE, s VARCHAR, b BOOLEAN, d DATE, l BIGINT, m DECIMAL(6,2), small TINYINT; row 2 null
        // in the first five columns.
        var table = ColumnarReader.ReadFile(Columnar("types.parquet"));
        Assert.Equal(["i", "x", "s", "b", "d", "l", "m", "small"], table.Columns.Select(c => c.Name));
        var i = Assert.IsType<NumericColumn>(table["i"]);
        Assert.Equal([false, true, false], i.Missing!);
        Assert.Equal(3.0, i.Values[2]);
        Assert.Equal([2.5, -1.0], new[] { ((NumericColumn)table["x"]).Values[0], ((NumericColumn)table["x"]).Values[2] });
        var s = Assert.IsType<CategoricalColumn>(table["s"]);
        Assert.Equal(["a", "b"], s.Levels);
        Assert.Equal([1, -1, 0], s.Codes);
        var b = Assert.IsType<CategoricalColumn>(table["b"]);
        Assert.Equal(["FALSE", "TRUE"], b.Levels);
        Assert.Equal([1, -1, 0], b.Codes);
        var d = Assert.IsType<CategoricalColumn>(table["d"]);
        Assert.Equal(["2023-12-31", "2024-01-02"], d.Levels);
        Assert.Equal([1, -1, 0], d.Codes);
        Assert.Equal([7.0, 8.0, 9.0], ((NumericColumn)table["l"]).Values);
        Assert.Equal([1.25, 2.5, 3.75], ((NumericColumn)table["m"]).Values);
        Assert.Equal([3.0, 4.0, 5.0], ((NumericColumn)table["small"]).Values);
    }

    [Fact]
    public void TheFormatIsToldByContentNotByName()
    {
        var path = Path.Combine(Path.GetTempPath(), $"sparselmm-test-{Guid.NewGuid():N}.csv");
        File.Copy(Columnar("sleepstudy.parquet"), path);
        try
        {
            var result = CliRunner.Run("fit", path, "Reaction ~ 1 + Days + (1 + Days | Subject)", "--json");
            Assert.Equal(0, result.ExitCode);
            double expected = MixedModel.Fit("Reaction ~ 1 + Days + (1 + Days | Subject)", CsvReader.ReadFile(Csv("sleepstudy.csv"))).LogLikelihood;
            Assert.Equal(expected, System.Text.Json.JsonDocument.Parse(result.Stdout).RootElement.GetProperty("loglik").GetDouble());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ATruncatedParquetFileIsRefusedWithOneLine()
    {
        var bytes = File.ReadAllBytes(Columnar("sleepstudy.parquet"));
        var path = Path.Combine(Path.GetTempPath(), $"sparselmm-test-{Guid.NewGuid():N}.parquet");
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        try
        {
            var result = CliRunner.Run("fit", path, "Reaction ~ 1 + Days + (1 + Days | Subject)");
            CliRunner.AssertBadInput(result, "as Parquet");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ATruncatedArrowFileIsRefusedWithOneLine()
    {
        var bytes = File.ReadAllBytes(Columnar("sleepstudy.arrow"));
        var path = Path.Combine(Path.GetTempPath(), $"sparselmm-test-{Guid.NewGuid():N}.arrow");
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        try
        {
            var result = CliRunner.Run("fit", path, "Reaction ~ 1 + Days + (1 + Days | Subject)");
            CliRunner.AssertBadInput(result, "as Arrow");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void PredictReadsNewDataFromParquet()
    {
        var result = CliRunner.Run("predict", Csv("sleepstudy.csv"), "Reaction ~ 1 + Days + (1 + Days | Subject)",
            "--newdata", Columnar("sleepstudy.parquet"), "--json");
        var reference = CliRunner.Run("predict", Csv("sleepstudy.csv"), "Reaction ~ 1 + Days + (1 + Days | Subject)",
            "--newdata", Csv("sleepstudy.csv"), "--json");
        Assert.Equal(0, result.ExitCode);
        // The same output but for the name of --newdata.
        Assert.Equal(reference.Stdout.Replace($"\"newdata\": \"{Csv("sleepstudy.csv")}\"", ""),
            result.Stdout.Replace($"\"newdata\": \"{Columnar("sleepstudy.parquet")}\"", ""));
    }
}
