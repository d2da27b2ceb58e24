using System.Globalization;
using System.Text;
using SparseLmm.Data;

namespace SparseLmm.Tests.Data;

/// <summary>Reading a file in many small chunks (in parallel) gives the same table as parsing the whole text.</summary>
public sealed class ChunkedCsvReadTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SmallChunksGiveTheSameTable(bool quoted)
    {
        var random = new Random(3);
        var text = new StringBuilder("y,label,x,late\n");
        for (int i = 0; i < 20_000; i++)
        {
            string label = quoted && i % 7 == 0 ? $"\"l,{i % 13}\"" : $"l{i % 13}";
            // 'late' looks numeric until the last rows, which makes it categorical after numeric chunks were stored.
            string late = i < 19_990 ? (i % 5).ToString(CultureInfo.InvariantCulture) : "text";
            string x = i % 101 == 0 ? "NA" : random.NextDouble().ToString("R", CultureInfo.InvariantCulture);
            text.Append(CultureInfo.InvariantCulture, $"{random.NextDouble()},{label},{x},{late}\n");
        }
        var path = Path.Combine(Path.GetTempPath(), $"sparselmm-chunks-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, text.ToString());
        try
        {
            var whole = CsvReader.Parse(text.ToString(), path);
            var chunked = CsvReader.ReadFile(path, chunkSize: 4096);
            Assert.Equal(whole.RowCount, chunked.RowCount);
            foreach (var column in whole.Columns)
            {
                var other = chunked[column.Name];
                switch (column)
                {
                    case NumericColumn numeric:
                        var numericOther = Assert.IsType<NumericColumn>(other);
                        Assert.Equal(numeric.Values, numericOther.Values);
                        for (int i = 0; i < numeric.Length; i++) Assert.Equal(numeric.IsMissing(i), numericOther.IsMissing(i));
                        break;
                    case CategoricalColumn categorical:
                        var categoricalOther = Assert.IsType<CategoricalColumn>(other);
                        Assert.Equal(categorical.Levels, categoricalOther.Levels);
                        Assert.Equal(categorical.Codes, categoricalOther.Codes);
                        break;
                }
            }
            Assert.IsType<CategoricalColumn>(chunked["late"]);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
