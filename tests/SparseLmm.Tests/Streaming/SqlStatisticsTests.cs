using DuckDB.NET.Data;
using SparseLmm.Data;
using SparseLmm.Tests.Cli;

namespace SparseLmm.Tests.Streaming;

/// <summary>The statements of <c>sparselmm sql</c>, run by DuckDB on two partitions of the panel, give partials
/// (saved as Parquet and as CSV) whose merged fit equals the fit to the whole file.</summary>
public class SqlStatisticsTests
{
    private static string Data(string file) => Path.Combine(AppContext.BaseDirectory, "data", "partials", file);

    [Theory]
    [InlineData("y ~ 1 + time + x1 + (1 + time | subj) + (1 | site)", "parquet")]
    [InlineData("log(y + 20) ~ 1 + time + I(x1^2) + time:x1 + (1 | subj) + (0 + time | subj) + (1 | site)", "csv")]
    public void DuckDbRunsTheStatementsAndTheMergedFitEqualsTheWholeFit(string formula, string format)
    {
        var whole = MixedModel.Fit(formula, CsvReader.ReadFile(Data("panel.csv")), new FitOptions(Reml: false));
        var directory = Directory.CreateTempSubdirectory("sparselmm-sql-");
        try
        {
            var printed = CliRunner.Run("sql", formula, "--table", "part");
            Assert.Equal(0, printed.ExitCode);
            string statement = printed.Stdout.TrimEnd().TrimEnd(';');
            var parts = new List<string>();
            using var connection = new DuckDBConnection("Data Source=:memory:");
            connection.Open();
            for (int k = 1; k <= 2; k++)
            {
                using var command = connection.CreateCommand();
                // Two partitions of two of the shuffled quarters each, loaded as the table the statements read.
                command.CommandText =
                    $"CREATE OR REPLACE TABLE part AS SELECT * FROM read_csv(['{Data($"panel-part{2 * k - 1}.csv")}', '{Data($"panel-part{2 * k}.csv")}'])";
                command.ExecuteNonQuery();
                var output = Path.Combine(directory.FullName, $"p{k}.{format}");
                command.CommandText = $"COPY ({statement}) TO '{output}' (FORMAT {format})";
                command.ExecuteNonQuery();
                parts.Add(output);
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
    public void ACategoricalCovariateIsRefused()
    {
        CliRunner.AssertBadInput(CliRunner.Run("sql", "y ~ grp + (1 | subj)", "--table", "t", "--factor", "grp"), "partial");
    }
}
