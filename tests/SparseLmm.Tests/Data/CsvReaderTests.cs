using System.Text;
using SparseLmm.Data;

namespace SparseLmm.Tests.Data;

public class CsvReaderTests
{
    private static DataTable Parse(string text, string source = "t.csv", char? delimiter = null) =>
        CsvReader.Parse(text, source, delimiter);

    private static InputException ParseError(string text, string source = "t.csv") =>
        Assert.Throws<InputException>(() => CsvReader.Parse(text, source));

    private static double[] Numbers(DataTable t, string name) => Assert.IsType<NumericColumn>(t[name]).Values;

    private static IEnumerable<string?> Labels(DataTable t, string name)
    {
        var c = Assert.IsType<CategoricalColumn>(t[name]);
        return c.Codes.Select(code => code < 0 ? null : c.Levels[code]).ToList();
    }

    [Fact]
    public void ReadsNumericAndCategoricalColumns()
    {
        var t = Parse("y,g,x\n1.5,a,1\n2,b,2\n-3e2,a,3\n");
        Assert.Equal(3, t.RowCount);
        Assert.Equal(["y", "g", "x"], t.Columns.Select(c => c.Name));
        Assert.Equal([1.5, 2, -300], Numbers(t, "y"));
        Assert.Null(((NumericColumn)t["y"]).Missing);
        Assert.Equal(["a", "b", "a"], Labels(t, "g"));
        Assert.Equal(["a", "b"], ((CategoricalColumn)t["g"]).Levels);
        Assert.Equal("t.csv", t.Source);
    }

    [Fact]
    public void QuotedFieldsMayHoldDelimitersQuotesAndNewlines()
    {
        var t = Parse("name,n\n\"a,b\",1\n\"say \"\"hi\"\"\",2\n\"two\nlines\",3\n\"\"\"\",4\nplain,5\n");
        Assert.Equal(["a,b", "say \"hi\"", "two\nlines", "\"", "plain"], Labels(t, "name"));
        Assert.Equal([1.0, 2, 3, 4, 5], Numbers(t, "n"));
    }

    [Fact]
    public void QuotedNumbersAreNumbers()
    {
        var t = Parse("x,y\n\"1.5\",1\n\"2\",2\n");
        Assert.Equal([1.5, 2], Numbers(t, "x"));
    }

    [Fact]
    public void QuoteInsideUnquotedFieldIsLiteral()
    {
        var t = Parse("h,n\n5'11\",1\nab\"c,2\n");
        Assert.Equal(["5'11\"", "ab\"c"], Labels(t, "h"));
    }

    [Fact]
    public void SpacesAfterClosingQuoteAreIgnored()
    {
        var t = Parse("a,b\n\"x\"  ,1\n");
        Assert.Equal(["x"], Labels(t, "a"));
    }

    [Theory]
    [InlineData("a,b\r\n1,x\r\n2,y\r\n")]
    [InlineData("a,b\r\n1,x\r\n2,y")]
    [InlineData("a,b\n1,x\n2,y")]
    [InlineData("a,b\n1,x\n2,y\n\n\n")]
    [InlineData("\na,b\n\n1,x\n\r\n2,y\n")]
    [InlineData("\"a\",\"b\"\r\n1,\"x\"\r\n\"2\",y\r\n")]
    public void LineEndingsTrailingAndBlankLines(string text)
    {
        var t = Parse(text);
        Assert.Equal([1.0, 2], Numbers(t, "a"));
        Assert.Equal(["x", "y"], Labels(t, "b"));
    }

    [Fact]
    public void CrLfInsideQuotesIsKept()
    {
        var t = Parse("a,b\r\n\"one\r\ntwo\",1\r\n");
        Assert.Equal(["one\r\ntwo"], Labels(t, "a"));
    }

    [Fact]
    public void ByteOrderMarkIsSkipped()
    {
        var t = Parse("\uFEFFReaction,Days\n1,2\n");
        Assert.Equal(["Reaction", "Days"], t.Columns.Select(c => c.Name));

        var path = Path.Combine(Path.GetTempPath(), $"bom-{Guid.NewGuid():N}.csv");
        try
        {
            File.WriteAllText(path, "Reaction,Days\n1,2\n", new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
            Assert.Equal(0xEF, File.ReadAllBytes(path)[0]);
            var fromFile = CsvReader.ReadFile(path);
            Assert.Equal(["Reaction", "Days"], fromFile.Columns.Select(c => c.Name));
            Assert.Equal(path, fromFile.Source);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void TabSeparated()
    {
        var t = Parse("a\tb\tc\n1\tx,y\t\"q\tr\"\n", "t.tsv");
        Assert.Equal([1.0], Numbers(t, "a"));
        Assert.Equal(["x,y"], Labels(t, "b"));
        Assert.Equal(["q\tr"], Labels(t, "c"));
    }

    [Theory]
    [InlineData("data.tsv", "a,b\tc\n1,2\t3\n", '\t')]
    [InlineData("data.TAB", "a\tb\n1\t2\n", '\t')]
    [InlineData("data.csv", "a,b\tc\n1,2\t3\n", ',')]
    [InlineData("data.txt", "a\tb\tc\n1\t2\t3\n", '\t')]
    [InlineData("data.txt", "a,b,c\n1,2,3\n", ',')]
    [InlineData("data", "a\tb\n1\t2\n", '\t')]
    [InlineData("data.csv", "a\tb\n1\t2\n", '\t')] // header has only tabs: it is tab-separated whatever the name says
    [InlineData("data.tsv", "a,b\n1,2\n", ',')]
    [InlineData("data.csv.gz", "a\tb,c\n1\t2,3\n", ',')]
    [InlineData("data.tsv.gz", "a\tb,c\n1\t2,3\n", '\t')]
    public void DelimiterFromExtensionOrHeader(string name, string text, char expected)
    {
        Assert.Equal(expected, CsvReader.ChooseDelimiter(text, name));
    }

    [Fact]
    public void ExplicitDelimiterWins()
    {
        var t = CsvReader.Read(new StringReader("a;b\n1;2\n"), "x", ';');
        Assert.Equal([2.0], Numbers(t, "b"));
    }

    [Fact]
    public void MissingCells()
    {
        var t = Parse("x,g,z\n1,a,\nNA,,NA\n\"\",\"NA\",3\n4,NA,\"\"\n");
        var x = Assert.IsType<NumericColumn>(t["x"]);
        Assert.Equal([false, true, true, false], Enumerable.Range(0, 4).Select(x.IsMissing));
        Assert.True(double.IsNaN(x.Values[1]) && double.IsNaN(x.Values[2]));
        Assert.Equal([1.0, 4.0], new[] { x.Values[0], x.Values[3] });
        // Quoted "NA" is the text NA, not a missing cell; unquoted NA and empty cells are missing.
        Assert.Equal(["a", null, "NA", null], Labels(t, "g"));
        Assert.Equal(["NA", "a"], ((CategoricalColumn)t["g"]).Levels);
        var z = Assert.IsType<NumericColumn>(t["z"]);
        Assert.Equal([true, true, false, true], Enumerable.Range(0, 4).Select(z.IsMissing));
        Assert.Equal(3.0, z.Values[2]);
    }

    [Fact]
    public void AllMissingColumnIsNumeric()
    {
        var t = Parse("a,b\nNA,1\n,2\n");
        var a = Assert.IsType<NumericColumn>(t["a"]);
        Assert.True(a.IsMissing(0) && a.IsMissing(1));
    }

    [Fact]
    public void NonFiniteSpellingsAreValuesNotMissing()
    {
        var t = Parse("x\nInf\n-Inf\nNaN\n+Inf\ninf\nInfinity\n-infinity\nnan\n1e400\n");
        var x = Assert.IsType<NumericColumn>(t["x"]);
        Assert.Null(x.Missing);
        Assert.Equal(
            [double.PositiveInfinity, double.NegativeInfinity, double.NaN, double.PositiveInfinity, double.PositiveInfinity,
             double.PositiveInfinity, double.NegativeInfinity, double.NaN, double.PositiveInfinity],
            x.Values);
    }

    [Theory]
    [InlineData("1,000")] // thousands separators are not numbers
    [InlineData("0x10")]
    [InlineData("1.2.3")]
    [InlineData("TRUE")]
    [InlineData("-")]
    [InlineData(".")]
    public void NotNumbers(string cell)
    {
        var t = Parse($"x,n\n1,1\n\"{cell}\",2\n");
        Assert.Equal(["1", cell], Labels(t, "x"));
    }

    [Fact]
    public void ColumnTurningCategoricalLateKeepsEarlierTextExactly()
    {
        // The first rows look numeric; their labels must be their original text, not reformatted numbers.
        var t = Parse("site,n\n01,1\n1.50,2\nNA,3\n 7,4\n1e3,5\nA1,6\n01,7\n");
        Assert.Equal(["01", "1.50", null, " 7", "1e3", "A1", "01"], Labels(t, "site"));
        Assert.Equal([" 7", "01", "1.50", "1e3", "A1"], ((CategoricalColumn)t["site"]).Levels);
    }

    [Fact]
    public void CategoricalLevelsAreInOrdinalOrder()
    {
        var t = Parse("g\nb\nB\na\nA\n10\n9\n_\n");
        Assert.Equal(["10", "9", "A", "B", "_", "a", "b"], ((CategoricalColumn)t["g"]).Levels);
        Assert.Equal(["b", "B", "a", "A", "10", "9", "_"], Labels(t, "g"));
    }

    [Fact]
    public void LevelsAreSortedNumericallyWhenAllAreNumbers()
    {
        var rank = LevelOrdering.Sort(["10", "9", "-1", "2.5", "1e1"], out var sorted);
        Assert.Equal(["-1", "2.5", "9", "10", "1e1"], sorted);
        Assert.Equal([3, 2, 0, 1, 4], rank);
        LevelOrdering.Sort(["10", "9", "x"], out sorted);
        Assert.Equal(["10", "9", "x"], sorted);
    }

    [Fact]
    public void HeaderNamesAreTrimmedAndMayBeQuoted()
    {
        var t = Parse(" a ,\"b c\",\"d,e\"\n1,2,3\n");
        Assert.Equal(["a", "b c", "d,e"], t.Columns.Select(c => c.Name));
    }

    [Fact]
    public void SingleColumn()
    {
        var t = Parse("y\n1\n\"\"\n3");
        var y = Assert.IsType<NumericColumn>(t["y"]);
        Assert.Equal(3, t.RowCount);
        Assert.True(y.IsMissing(1));
    }

    [Fact]
    public void ErrorFileNotFound()
    {
        var e = Assert.Throws<InputException>(() => CsvReader.ReadFile("no/such/x.csv"));
        Assert.Equal("cannot read 'no/such/x.csv': no such file", e.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\uFEFF")]
    [InlineData("\n\r\n\n")]
    public void ErrorEmpty(string text)
    {
        var e = ParseError(text);
        Assert.Equal("t.csv: the file is empty (expected a header line and data rows)", e.Message);
    }

    [Theory]
    [InlineData("a,b")]
    [InlineData("a,b\n")]
    [InlineData("a,b\r\n\r\n\n")]
    public void ErrorHeaderOnly(string text)
    {
        var e = ParseError(text);
        Assert.Equal("t.csv: no data rows (line 1 is the header and nothing follows it)", e.Message);
    }

    [Fact]
    public void ErrorRaggedRowNamesPhysicalLine()
    {
        var e = ParseError("a,b,c\n1,2,3\n\"x\ny\",2,3\n\n4,5,6\n1,2,3,4\n1,2,3\n");
        Assert.Equal("t.csv line 7: 4 fields, expected 3 (header has 3 columns)", e.Message);

        e = ParseError("a,b,c\r\n1,2,3\r\n1,2\r\n");
        Assert.Equal("t.csv line 3: 2 fields, expected 3 (header has 3 columns)", e.Message);

        e = ParseError("a,b\n1,2\n\"x\",\"multi\nline\nfield\"\n7\n");
        Assert.Equal("t.csv line 6: 1 field, expected 2 (header has 2 columns)", e.Message);
    }

    [Fact]
    public void ErrorDuplicateColumnName()
    {
        var e = ParseError("\na,b,a\n1,2,3\n");
        Assert.Equal("t.csv line 2: duplicate column name 'a' (columns 1 and 3)", e.Message);
    }

    [Fact]
    public void ErrorEmptyColumnName()
    {
        var e = ParseError("a,,c\n1,2,3\n");
        Assert.Equal("t.csv line 1: column 2 of the header has an empty name", e.Message);
        e = ParseError("a,b,\n1,2,3\n");
        Assert.Contains("line 1: column 3", e.Message);
    }

    [Fact]
    public void ErrorUnterminatedQuoteNamesOpeningLine()
    {
        var e = ParseError("a,b\n1,2\n3,\"abc\n4,5\n6,7\n");
        Assert.Equal("t.csv line 3: unterminated quoted field (field 2 opens a quote that is never closed)", e.Message);
        e = ParseError("a,b\n1,\"x\"\"\n");
        Assert.Contains("t.csv line 2: unterminated quoted field", e.Message);
    }

    [Fact]
    public void ErrorTextAfterClosingQuote()
    {
        var e = ParseError("a,b\n1,2\n\"ab\"c,2\n");
        Assert.StartsWith("t.csv line 3: unexpected 'c' after the closing quote of field 1", e.Message);
    }

    [Fact]
    public void ErrorMessagesAreOneLine()
    {
        string[] bad = ["", "a", "a,a\n1,2", "a,b\n1\n", "a,b\n\"1,2\n", "a,b\n\"x\"\ny,1\n"];
        foreach (var text in bad)
        {
            var e = ParseError(text);
            Assert.DoesNotContain('\n', e.Message);
            Assert.StartsWith("t.csv", e.Message);
        }
    }

    [Fact]
    public void ReadsGzipFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"gz-{Guid.NewGuid():N}.tsv.gz");
        try
        {
            using (var file = File.Create(path))
            using (var gz = new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionLevel.Fastest))
            using (var w = new StreamWriter(gz))
                w.Write("a\tb\n1\tx\n");
            var t = CsvReader.ReadFile(path);
            Assert.Equal(["x"], Labels(t, "b"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ReadsTheRealDataFiles()
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "data", "csv");
        var sleep = CsvReader.ReadFile(Path.Combine(dir, "sleepstudy.csv"));
        Assert.Equal(180, sleep.RowCount);
        Assert.Equal(249.56, Numbers(sleep, "Reaction")[0]);
        Assert.IsType<NumericColumn>(sleep["Subject"]);

        var pastes = CsvReader.ReadFile(Path.Combine(dir, "Pastes.csv"));
        Assert.Equal(60, pastes.RowCount);
        Assert.Equal(30, ((CategoricalColumn)pastes["sample"]).Levels.Length);

        var inst = CsvReader.ReadFile(Path.Combine(dir, "InstEval.csv"));
        Assert.Equal(73421, inst.RowCount);
    }

    [Fact]
    public void ChunkedParseMatchesSingleChunk()
    {
        // No quotes, so the chunked path applies. Column "mixed" is numeric in the early rows and categorical late;
        // "late" only has a missing value late; "g" has labels appearing in different chunks.
        var rng = new Random(42);
        var sb = new StringBuilder("y,g,mixed,late\n");
        int rows = 5000;
        for (int i = 0; i < rows; i++)
        {
            if (i % 997 == 0) sb.Append('\n');
            sb.Append(Math.Round(rng.NextDouble() * 100, 3).ToString(System.Globalization.CultureInfo.InvariantCulture));
            sb.Append(',').Append("g").Append(rng.Next(i < 2500 ? 10 : 40));
            sb.Append(',').Append(i == 4000 ? "x" : (i % 7 == 0 ? "NA" : (i % 13).ToString()));
            sb.Append(',').Append(i == 4999 ? "" : "1");
            sb.Append(i % 2 == 0 ? "\r\n" : "\n");
        }
        var text = sb.ToString().AsMemory();
        var single = CsvReader.Parse(text, "s.csv", null, int.MaxValue, 1);
        var chunked = CsvReader.Parse(text, "s.csv", null, 0, 1000);
        Assert.Equal(rows, single.RowCount);
        TableAssert.Equal(single, chunked);
        Assert.IsType<CategoricalColumn>(chunked["mixed"]);
        Assert.Equal("x", ((CategoricalColumn)chunked["mixed"]).Levels[^1]);
        Assert.True(chunked["late"].IsMissing(rows - 1));
    }

    [Fact]
    public void ChunkedParseReportsTheFirstErrorWithItsLine()
    {
        var sb = new StringBuilder("a,b\n");
        for (int i = 0; i < 3000; i++) sb.Append(i == 2100 || i == 2900 ? "1,2,3\n" : "1,2\n");
        var e = Assert.Throws<InputException>(() => CsvReader.Parse(sb.ToString().AsMemory(), "c.csv", null, 0, 500));
        Assert.Equal("c.csv line 2102: 3 fields, expected 2 (header has 2 columns)", e.Message);
    }
}

internal static class TableAssert
{
    public static void Equal(DataTable expected, DataTable actual)
    {
        Assert.Equal(expected.RowCount, actual.RowCount);
        Assert.Equal(expected.Columns.Select(c => c.Name), actual.Columns.Select(c => c.Name));
        for (int j = 0; j < expected.Columns.Count; j++)
        {
            switch (expected.Columns[j], actual.Columns[j])
            {
                case (NumericColumn e, NumericColumn a):
                    Assert.Equal(e.Values.Select(BitConverter.DoubleToInt64Bits), a.Values.Select(BitConverter.DoubleToInt64Bits));
                    Assert.Equal(e.Missing is null, a.Missing is null);
                    if (e.Missing is not null) Assert.Equal(e.Missing, a.Missing);
                    break;
                case (CategoricalColumn e, CategoricalColumn a):
                    Assert.Equal(e.Levels, a.Levels);
                    Assert.Equal(e.Codes, a.Codes);
                    break;
                default:
                    Assert.Fail($"column {expected.Columns[j].Name}: {expected.Columns[j].GetType().Name} vs {actual.Columns[j].GetType().Name}");
                    break;
            }
        }
    }
}
