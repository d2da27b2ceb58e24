using SparseLmm.Data;

namespace SparseLmm.Tests.Data;

public class ColumnConversionsTests
{
    [Fact]
    public void NumericToCategoricalSortsNumericallyAndFormatsShortest()
    {
        var column = new NumericColumn("g", [10, 9, 2.5, 308, 9, double.NaN, -0.0, 0, 1e21, 0.1 + 0.2],
            [false, false, false, false, false, true, false, false, false, false]);
        var c = ColumnConversions.ToCategorical(column);
        Assert.Equal("g", c.Name);
        Assert.Equal(["0", "0.30000000000000004", "2.5", "9", "10", "308", "1E+21"], c.Levels);
        Assert.Equal([4, 3, 2, 5, 3, -1, 0, 0, 6, 1], c.Codes);
    }

    [Fact]
    public void NaNValueIsALevelNotMissing()
    {
        var c = ColumnConversions.ToCategorical(new NumericColumn("g", [1, double.NaN, 1]));
        Assert.Equal(["NaN", "1"], c.Levels);
        Assert.Equal([1, 0, 1], c.Codes);
    }

    [Fact]
    public void TableConversionReplacesOnlyThatColumn()
    {
        var t = CsvReader.Parse("Reaction,Days,Subject\n1,0,308\n2,1,309\n3,0,10\n", "s.csv");
        var converted = ColumnConversions.ToCategorical(t, "Subject");
        var subject = Assert.IsType<CategoricalColumn>(converted["Subject"]);
        Assert.Equal(["10", "308", "309"], subject.Levels);
        Assert.Equal([1, 2, 0], subject.Codes);
        Assert.IsType<NumericColumn>(converted["Days"]);
        Assert.Equal(["Reaction", "Days", "Subject"], converted.Columns.Select(c => c.Name));
        Assert.Equal("s.csv", converted.Source);
        Assert.IsType<NumericColumn>(t["Subject"]); // the original is unchanged

        Assert.Same(converted, ColumnConversions.ToCategorical(converted, "Subject"));
        Assert.Same(subject, ColumnConversions.AsCategorical(subject));
    }

    [Fact]
    public void UnknownColumnSuggestsTheClosest()
    {
        var t = CsvReader.Parse("Reaction,Days,Subject\n1,0,308\n", "s.csv");
        var e = Assert.Throws<InputException>(() => ColumnConversions.ToCategorical(t, "Subjcet"));
        Assert.Equal("unknown column 'Subjcet' in s.csv (did you mean 'Subject'?)", e.Message);
        e = Assert.Throws<InputException>(() => ColumnConversions.ToCategorical(t, "zzz"));
        Assert.Equal("unknown column 'zzz' in s.csv (columns are: Reaction, Days, Subject)", e.Message);
    }
}
