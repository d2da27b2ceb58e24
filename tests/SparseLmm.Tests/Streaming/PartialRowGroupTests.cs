using Parquet;
using Parquet.Schema;
using SparseLmm.Data;

namespace SparseLmm.Tests.Streaming;

/// <summary>Partials are merged a row group at a time: the same partials rewritten in row groups of a few rows (so that
/// every pass over them crosses many chunk boundaries, and a level's entries straddle groups) give the same fit to the
/// bit as in one group each, and as a CSV copy of them.</summary>
public class PartialRowGroupTests
{
    private static string Data(string file) => Path.Combine(AppContext.BaseDirectory, "data", "partials", file);

    [Theory]
    [InlineData("y ~ 1 + time + x1 + grp + (1 + time | subj) + (1 | site)", false)]
    [InlineData("y ~ 1 + time * grp + (1 | subj) + (1 | site)", true)]
    public void SmallRowGroupsGiveTheSameFitToTheBit(string formula, bool reml)
    {
        var options = new FitOptions(Reml: reml);
        var directory = Directory.CreateTempSubdirectory("sparselmm-partial-groups-");
        try
        {
            var parts = new List<string>();
            var small = new List<string>();
            var csv = new List<string>();
            for (int k = 1; k <= 4; k++)
            {
                var part = Path.Combine(directory.FullName, $"part{k}.cp");
                MixedModel.WritePartial(formula, Data($"panel-part{k}.csv"), part, options);
                parts.Add(part);
                var table = ColumnarReader.ReadFile(part);
                small.Add(WriteInGroups(table, Path.Combine(directory.FullName, $"small{k}.parquet"), groupRows: 7));
                var text = Path.Combine(directory.FullName, $"part{k}.csv");
                WriteCsv(table, text);
                csv.Add(text);
            }
            var whole = MixedModel.FitPartials(formula, parts, options);
            foreach (var other in new[] { MixedModel.FitPartials(formula, small, options), MixedModel.FitPartials(formula, csv, options) })
            {
                Assert.Equal(whole.LogLikelihood, other.LogLikelihood);
                Assert.Equal(whole.Theta, other.Theta);
                Assert.Equal(whole.FixedEffects.Select(f => f.Estimate), other.FixedEffects.Select(f => f.Estimate));
                Assert.Equal(whole.FixedEffects.Select(f => f.StandardError), other.FixedEffects.Select(f => f.StandardError));
            }
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static string[] Texts(DataTable table, string name) =>
        ((CategoricalColumn)table[name]).Codes.Select(c => c < 0 ? "" : ((CategoricalColumn)table[name]).Levels[c]).ToArray();

    private static string WriteInGroups(DataTable table, string path, int groupRows)
    {
        string[] names = ["a_term", "a_level", "a_column", "b_term", "b_level", "b_column"];
        var fields = names.Select(name => new DataField<string>(name, false)).Cast<DataField>()
            .Append(new DataField<double>("value", false)).ToArray();
        var texts = names.Select(name => Texts(table, name)).ToArray();
        var values = ((NumericColumn)table["value"]).Values;
        using var stream = File.Create(path);
        var writer = ParquetWriter.CreateAsync(new ParquetSchema(fields), stream).GetAwaiter().GetResult();
        for (int start = 0; start < table.RowCount; start += groupRows)
        {
            int length = Math.Min(groupRows, table.RowCount - start);
            using var group = writer.CreateRowGroup();
            for (int c = 0; c < names.Length; c++)
                group.WriteAsync(fields[c], texts[c].AsSpan(start, length).ToArray()).GetAwaiter().GetResult();
            group.WriteAsync(fields[6], new ReadOnlyMemory<double>(values, start, length)).GetAwaiter().GetResult();
        }
        writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return path;
    }

    private static void WriteCsv(DataTable table, string path)
    {
        string[] names = ["a_term", "a_level", "a_column", "b_term", "b_level", "b_column"];
        var texts = names.Select(name => Texts(table, name)).ToArray();
        var values = ((NumericColumn)table["value"]).Values;
        static string Quoted(string text) => "\"" + text.Replace("\"", "\"\"") + "\"";
        var lines = new List<string> { string.Join(",", names.Append("value")) };
        for (int i = 0; i < table.RowCount; i++)
            lines.Add(string.Join(",", texts.Select(t => Quoted(t[i])).Append(values[i].ToString("R", System.Globalization.CultureInfo.InvariantCulture))));
        File.WriteAllLines(path, lines);
    }
}
