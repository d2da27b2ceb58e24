using SparseLmm.Data;

namespace SparseLmm.Tests.Streaming;

/// <summary>The public <see cref="IDataSource"/>: every format read as chunk tables gives the table read whole, an
/// in-memory table streams to the in-memory fit, and a source is read again from its first chunk on every pass.</summary>
public class DataSourceTests
{
    private static string Columnar(string file) => Path.Combine(AppContext.BaseDirectory, "data", "columnar", file);

    [Theory]
    [InlineData("sleepstudy.parquet")]
    [InlineData("sleepstudy-labels.arrow")]
    [InlineData("sleepstudy-labels.csv")]
    [InlineData("cbpp.parquet")]
    public void TheChunksOfASourceHoldTheRowsOfTheWholeTable(string file)
    {
        var whole = MixedModel.LoadData(Columnar(file));
        using var source = DataSource.Open(Columnar(file));
        Assert.Equal(whole.Columns.Select(c => c.Name), source.ColumnNames);
        for (int pass = 0; pass < 2; pass++)
        {
            var chunks = source.ReadChunks().ToList();
            Assert.Equal(whole.RowCount, chunks.Sum(c => c.RowCount));
            foreach (var column in whole.Columns)
            {
                var labels = chunks.SelectMany(chunk => Cells(chunk[column.Name])).ToList();
                Assert.Equal(Cells(column), labels);
            }
        }
    }

    [Fact]
    public void ASourceReadsOnlyTheColumnsAskedForInTheirOrder()
    {
        using var source = DataSource.Open(Columnar("sleepstudy.parquet"));
        var chunk = source.ReadChunks(["Subject", "Days"]).First();
        Assert.Equal(["Subject", "Days"], chunk.Columns.Select(c => c.Name));
        Assert.Throws<InputException>(() => source.ReadChunks(["Nope"]).ToList());
    }

    [Theory]
    [InlineData(7)]
    [InlineData(1000)]
    public void AnInMemoryTableStreamsToTheInMemoryFit(int chunkRows)
    {
        const string formula = "Reaction ~ 1 + Days + (1 + Days | Subject)";
        var table = MixedModel.LoadData(Columnar("sleepstudy-labels.csv"));
        var expected = MixedModel.Fit(formula, table, new FitOptions(Reml: false));
        using var source = DataSource.FromTable(table, chunkRows);
        Assert.Equal(table.RowCount, source.RowCount);
        Assert.Equal(table.RowCount, source.ReadChunks().Sum(c => c.RowCount));
        StreamedFitTests.AssertSameFit(expected, MixedModel.FitStreamed(formula, source, new FitOptions(Reml: false)));
    }

    private static IEnumerable<string> Cells(DataColumn column) => column switch
    {
        NumericColumn numbers => numbers.Values.Select((v, i) => numbers.IsMissing(i) ? "NA" : v.ToString("R")),
        CategoricalColumn labels => labels.Codes.Select(code => code < 0 ? "NA" : labels.Levels[code]),
        _ => throw new InvalidOperationException(),
    };
}

/// <summary>The first streamed pass skips numeric Parquet columns whose statistics count no nulls: with nulls in one row
/// group of a numeric column (written by DuckDB), the column is read and the rows with them dropped, as in memory.</summary>
public class ParquetNullStatisticsTests
{
    [Theory]
    [InlineData("Days")]
    [InlineData("Reaction")]
    public void NullsInOneRowGroupOfANumericColumnAreDroppedAsInMemory(string column)
    {
        var csv = Path.Combine(AppContext.BaseDirectory, "data", "csv", "sleepstudy.csv").Replace("'", "''");
        var path = Path.Combine(Path.GetTempPath(), $"sparselmm-nulls-{Guid.NewGuid():N}.parquet");
        try
        {
            using (var connection = new DuckDB.NET.Data.DuckDBConnection("Data Source=:memory:"))
            {
                connection.Open();
                using var command = connection.CreateCommand();
                // Rows 150 to 160 (in the last of the row groups of 50 rows) lose their value of the column.
                command.CommandText =
                    $"COPY (SELECT * REPLACE (CASE WHEN row_number() OVER () BETWEEN 150 AND 160 THEN NULL ELSE {column} END AS {column}) " +
                    $"FROM read_csv('{csv}')) TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE 50)";
                command.ExecuteNonQuery();
            }
            using (var source = DataSource.Open(path))
            {
                Assert.False(source.IsCompleteNumber(column));
                Assert.True(source.IsCompleteNumber(column == "Days" ? "Reaction" : "Days"));
            }
            const string formula = "Reaction ~ 1 + Days + (1 + Days | Subject)";
            var expected = MixedModel.Fit(formula, MixedModel.LoadData(path));
            Assert.Equal(169, expected.ObservationCount);
            var streamed = MixedModel.FitStreamed(formula, path);
            Assert.Equal(169, streamed.ObservationCount);
            Assert.Equal(11, streamed.DroppedRowCount);
            StreamedFitTests.AssertSameFit(expected, streamed);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
