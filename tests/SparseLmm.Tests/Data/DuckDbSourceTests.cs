using DuckDB.NET.Data;
using SparseLmm.Data;
using SparseLmm.DuckDb;
using SparseLmm.Tests.Cli;
using SparseLmm.Tests.Streaming;

namespace SparseLmm.Tests.Data;

/// <summary><c>duckdb:</c> data paths: a query over a Parquet file and a database file's table or query give the fits
/// of the same rows read from CSV.</summary>
public class DuckDbSourceTests
{
    private const string Formula = "Reaction ~ 1 + Days + (1 + Days | Subject)";

    private static string Csv(string file) => Path.Combine(AppContext.BaseDirectory, "data", "csv", file);

    public DuckDbSourceTests() => DuckDbSource.Register();

    [Fact]
    public void AQueryOverAParquetFileFitsAsTheCsvFile()
    {
        var parquet = ColumnarReaderTests.Columnar("sleepstudy.parquet").Replace("'", "''");
        var expected = MixedModel.Fit(Formula, CsvReader.ReadFile(Csv("sleepstudy.csv")));
        var read = MixedModel.Fit(Formula, MixedModel.LoadData($"duckdb:SELECT * FROM '{parquet}'"));
        Assert.Equal(expected.LogLikelihood, read.LogLikelihood);
        StreamedFitTests.AssertSameFit(expected, MixedModel.FitStreamed(Formula, $"duckdb:SELECT * FROM '{parquet}'"));
    }

    [Fact]
    public void ADatabaseFilesTableAndQuery()
    {
        var database = Path.Combine(Path.GetTempPath(), $"sparselmm-test-{Guid.NewGuid():N}.duckdb");
        try
        {
            using (var connection = new DuckDBConnection($"Data Source={database}"))
            {
                connection.Open();
                using var command = connection.CreateCommand();
                command.CommandText = $"CREATE TABLE sleep AS SELECT * FROM read_csv('{Csv("sleepstudy.csv").Replace("'", "''")}')";
                command.ExecuteNonQuery();
            }
            var table = CsvReader.ReadFile(Csv("sleepstudy.csv"));
            var expected = MixedModel.Fit(Formula, table);
            Assert.Equal(expected.LogLikelihood, MixedModel.Fit(Formula, MixedModel.LoadData($"duckdb:{database}::sleep")).LogLikelihood);
            var early = TableRows(table, ((NumericColumn)table["Days"]).Values.Select((d, i) => (d, i)).Where(x => x.d < 8).Select(x => x.i).ToArray());
            var subset = MixedModel.Fit(Formula, MixedModel.LoadData($"duckdb:{database}::SELECT * FROM sleep WHERE Days < 8"));
            Assert.Equal(MixedModel.Fit(Formula, early).LogLikelihood, subset.LogLikelihood, 1e-9);
            Assert.Equal(144, subset.ObservationCount);
        }
        finally
        {
            File.Delete(database);
        }
    }

    private static DataTable TableRows(DataTable table, int[] rows) => SparseLmm.Design.TableRows.Subset(table, rows);

    [Fact]
    public void ABadQueryIsOneLineOnStderr()
    {
        var result = CliRunner.Run("fit", "duckdb:SELECT * FROM 'no-such-file.parquet'", Formula);
        CliRunner.AssertBadInput(result, "no-such-file.parquet");
    }
}
