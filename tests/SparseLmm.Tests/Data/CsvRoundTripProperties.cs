using System.Globalization;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using SparseLmm.Data;

namespace SparseLmm.Tests.Data;

/// <summary>A random table and a way of writing it: labels with delimiters, quotes and newlines; doubles of every
/// kind; missing cells written as NA, as an empty field or as a quoted empty field; random quoting, line ends, BOM and
/// trailing newline.</summary>
public sealed record RandomTable(string[] Names, bool[] IsNumeric, double?[][] Numbers, string?[][] Labels, int Rows,
    int StyleSeed, bool Tabs)
{
    public string ToCsv()
    {
        var rng = new Random(StyleSeed);
        char delim = Tabs ? '\t' : ',';
        string newline = rng.Next(2) == 0 ? "\n" : "\r\n";
        bool quoteAll = rng.Next(4) == 0;
        var sb = new StringBuilder();
        if (rng.Next(4) == 0) sb.Append('\uFEFF');
        sb.AppendJoin(delim, Names.Select(n => Quote(n, delim, quoteAll || rng.Next(4) == 0)));
        for (int r = 0; r < Rows; r++)
        {
            sb.Append(newline);
            for (int j = 0; j < Names.Length; j++)
            {
                if (j > 0) sb.Append(delim);
                bool quote = quoteAll || rng.Next(5) == 0;
                string? text = IsNumeric[j] ? FormatNumber(Numbers[j][r]) : Labels[j][r];
                if (text is null)
                {
                    // Missing: NA, a quoted empty field, or (unless it would make a blank line) an empty field.
                    int style = rng.Next(3);
                    if (style == 0) sb.Append("NA");
                    else if (style == 1 || Names.Length == 1) sb.Append("\"\"");
                    continue;
                }
                sb.Append(Quote(text, delim, quote));
            }
        }
        if (rng.Next(2) == 0) sb.Append(newline);
        return sb.ToString();
    }

    private static string? FormatNumber(double? value) => value switch
    {
        null => null,
        double.PositiveInfinity => "Inf",
        double.NegativeInfinity => "-Inf",
        double v => v.ToString("R", CultureInfo.InvariantCulture),
    };

    private static string Quote(string text, char delim, bool always)
    {
        bool needed = text.Length == 0 || text == "NA" || text.Contains(delim) || text.Contains('"')
            || text.Contains('\n') || text.Contains('\r');
        return always || needed ? "\"" + text.Replace("\"", "\"\"") + "\"" : text;
    }

    public override string ToString() => ToCsv().Replace("\r", "\\r").Replace("\n", "\\n\n");
}

public static class RandomTables
{
    private static readonly string[] Fragments =
        ["a", "b", "x", "A", ",", "\"", "\"\"", "\n", "\r\n", " ", "\t", "1", "2", ".", "-", "é", "NA", "Inf"];

    // A label of white space only is a missing cell (as R reads a blank field), not a label.
    private static Gen<string> Label =>
        (from n in Gen.Choose(1, 5)
         from parts in Gen.ArrayOf(Gen.Elements(Fragments), n)
         select string.Concat(parts)).Where(s => !string.IsNullOrWhiteSpace(s));

    private static Gen<double> Double =>
        Gen.OneOf(
            Gen.Choose(-1000, 1000).Select(i => (double)i),
            Gen.Choose(-100000, 100000).Select(i => i / 100.0),
            from hi in Gen.Choose(int.MinValue, int.MaxValue)
            from lo in Gen.Choose(int.MinValue, int.MaxValue)
            select BitConverter.Int64BitsToDouble(((long)hi << 32) | (uint)lo),
            Gen.Elements(0.0, -0.0, double.NaN, double.PositiveInfinity, double.NegativeInfinity, double.Epsilon,
                double.MaxValue, double.MinValue, 1e-300, 0.1, 1.0 / 3));

    private static Gen<double?> Number => Gen.Frequency((1, Gen.Constant<double?>(null)), (6, Double.Select(d => (double?)d)));

    private static Gen<string?> Cell => Gen.Frequency((1, Gen.Constant<string?>(null)), (6, Label.Select(s => (string?)s)));

    public static Arbitrary<RandomTable> Tables() => Arb.From(
        from ncol in Gen.Choose(1, 5)
        from rows in Gen.Choose(1, 25)
        from numeric in Gen.ArrayOf(Gen.Elements(true, false), ncol)
        from suffixes in Gen.ArrayOf(Label, ncol)
        from numbers in Gen.ArrayOf(Gen.ArrayOf(Number, rows), ncol)
        from labels in Gen.ArrayOf(Gen.ArrayOf(Cell, rows), ncol)
            .Where(ls => ls.All(column => column.Any(l => l is not null && !NumberParsing.TryParse(l, out _))))
        from seed in Gen.Choose(0, int.MaxValue)
        from tabs in Gen.Elements(true, false)
        select new RandomTable(
            suffixes.Select((s, j) => $"c{j}{s}z").ToArray(), numeric, numbers, labels, rows, seed, tabs));
}

public class CsvRoundTripProperties
{
    [Property(Arbitrary = [typeof(RandomTables)], MaxTest = 400)]
    public void WrittenTableReadsBackTheSame(RandomTable table)
    {
        var text = table.ToCsv();
        var read = CsvReader.Parse(text, "rt.csv", table.Tabs ? '\t' : ',');

        Assert.Equal(table.Rows, read.RowCount);
        Assert.Equal(table.Names, read.Columns.Select(c => c.Name));
        for (int j = 0; j < table.Names.Length; j++)
        {
            if (table.IsNumeric[j])
            {
                var column = Assert.IsType<NumericColumn>(read.Columns[j]);
                for (int r = 0; r < table.Rows; r++)
                {
                    var expected = table.Numbers[j][r];
                    Assert.Equal(expected is null, column.IsMissing(r));
                    if (expected is double v)
                    {
                        if (double.IsNaN(v)) Assert.True(double.IsNaN(column.Values[r]));
                        else Assert.Equal(BitConverter.DoubleToInt64Bits(v), BitConverter.DoubleToInt64Bits(column.Values[r]));
                    }
                    else
                    {
                        Assert.True(double.IsNaN(column.Values[r]));
                    }
                }
                Assert.Equal(table.Numbers[j].Any(v => v is null), column.Missing is not null);
            }
            else
            {
                var column = Assert.IsType<CategoricalColumn>(read.Columns[j]);
                var labels = table.Labels[j];
                var levels = labels.OfType<string>().Distinct().Order(StringComparer.Ordinal).ToArray();
                Assert.Equal(levels, column.Levels);
                for (int r = 0; r < table.Rows; r++)
                    Assert.Equal(labels[r], column.Codes[r] < 0 ? null : column.Levels[column.Codes[r]]);
            }
        }
    }

    [Property(Arbitrary = [typeof(RandomTables)], MaxTest = 100)]
    public void ReadingThroughAFileGivesTheSameTable(RandomTable table)
    {
        // The delimiter is sniffed from the header; with one column a TSV header with a comma is ambiguous.
        if (table.Names.Length == 1) return;
        var text = table.ToCsv();
        var path = Path.Combine(Path.GetTempPath(), $"rt-{Guid.NewGuid():N}{(table.Tabs ? ".tsv" : ".csv")}");
        try
        {
            File.WriteAllText(path, text, new UTF8Encoding(false));
            var fromFile = CsvReader.ReadFile(path);
            var fromString = CsvReader.Parse(text, path, table.Tabs ? '\t' : ',');
            TableAssert.Equal(fromString, fromFile);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Property(MaxTest = 2000)]
    public void FastNumberPathAgreesWithDoubleParse(int whole, int fraction, byte fractionDigits, bool negative)
    {
        int digits = fractionDigits % 12;
        var text = (negative ? "-" : "") + Math.Abs((long)whole) +
            (digits > 0 ? "." + Math.Abs((long)fraction).ToString().PadLeft(digits, '0')[..digits] : "");
        Assert.True(NumberParsing.TryParse(text, out double fast));
        double expected = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
        Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(fast));
    }

    [Property(MaxTest = 2000)]
    public void RoundTripFormattedDoublesParseBack(long bits)
    {
        double value = BitConverter.Int64BitsToDouble(bits);
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        Assert.True(NumberParsing.TryParse(text, out double parsed));
        if (double.IsNaN(value)) Assert.True(double.IsNaN(parsed));
        else Assert.Equal(bits, BitConverter.DoubleToInt64Bits(parsed));
    }
}
