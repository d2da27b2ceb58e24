using SparseLmm.Data;

namespace SparseLmm.Tests.Data;

public class EmbeddedDatasetsTests
{
    [Theory]
    [InlineData("sleepstudy", 180, 3)]
    [InlineData("Dyestuff", 30, 2)]
    [InlineData("Dyestuff2", 30, 2)]
    [InlineData("Penicillin", 144, 3)]
    [InlineData("Pastes", 60, 4)]
    [InlineData("cbpp", 56, 4)]
    [InlineData("grouseticks", 403, 7)]
    [InlineData("InstEval", 73421, 7)]
    public void LoadsWithTheRightShape(string name, int rows, int columns)
    {
        Assert.True(EmbeddedDatasets.TryLoad(name, out var table));
        Assert.Equal(rows, table.RowCount);
        Assert.Equal(columns, table.Columns.Count);
        Assert.Equal(name, table.Source);
    }

    [Fact]
    public void NamesAreAllLoadable()
    {
        Assert.Equal(8, EmbeddedDatasets.Names.Count);
        foreach (var name in EmbeddedDatasets.Names)
            Assert.True(EmbeddedDatasets.TryLoad(name, out _), name);
    }

    [Fact]
    public void NameMatchIsCaseInsensitiveAndSourceIsCanonical()
    {
        Assert.True(EmbeddedDatasets.TryLoad("SLEEPSTUDY", out var table));
        Assert.Equal("sleepstudy", table.Source);
        Assert.True(EmbeddedDatasets.TryLoad("insteval", out table));
        Assert.Equal("InstEval", table.Source);
    }

    [Fact]
    public void UnknownName()
    {
        Assert.False(EmbeddedDatasets.TryLoad("sleepy", out var table));
        Assert.Null(table);
        var e = Assert.Throws<InputException>(() => EmbeddedDatasets.Load("sleepstudie"));
        Assert.Equal("unknown data set 'sleepstudie' (did you mean 'sleepstudy'?)", e.Message);
    }

    [Fact]
    public void SleepstudyMatchesR()
    {
        var t = EmbeddedDatasets.Load("sleepstudy");
        var reaction = Assert.IsType<NumericColumn>(t["Reaction"]);
        Assert.Equal(249.56, reaction.Values[0]);
        Assert.Equal(364.1236, reaction.Values[^1]);
        var subject = Assert.IsType<CategoricalColumn>(t["Subject"]);
        Assert.Equal(18, subject.Levels.Length);
        Assert.Equal("308", subject.Levels[0]);
        Assert.Equal("372", subject.Levels[^1]);
        Assert.IsType<NumericColumn>(t["Days"]);
    }

    [Fact]
    public void FactorsAreCategoricalLikeInR()
    {
        var cbpp = EmbeddedDatasets.Load("cbpp");
        Assert.Equal(["1", "2", "3", "4"], Assert.IsType<CategoricalColumn>(cbpp["period"]).Levels);
        Assert.Equal(15, Assert.IsType<CategoricalColumn>(cbpp["herd"]).Levels.Length);
        Assert.Equal("15", ((CategoricalColumn)cbpp["herd"]).Levels[^1]);
        Assert.IsType<NumericColumn>(cbpp["size"]);

        var inst = EmbeddedDatasets.Load("InstEval");
        Assert.Equal(2972, Assert.IsType<CategoricalColumn>(inst["s"]).Levels.Length);
        Assert.Equal(1128, Assert.IsType<CategoricalColumn>(inst["d"]).Levels.Length);
        Assert.Equal(14, Assert.IsType<CategoricalColumn>(inst["dept"]).Levels.Length);
        Assert.IsType<NumericColumn>(inst["y"]);

        var grouse = EmbeddedDatasets.Load("grouseticks");
        Assert.Equal(["95", "96", "97"], Assert.IsType<CategoricalColumn>(grouse["YEAR"]).Levels);
        Assert.IsType<NumericColumn>(grouse["cHEIGHT"]);
    }

    [Fact]
    public void EmbeddedCopiesMatchTheTestDataFiles()
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "data", "csv");
        foreach (var name in EmbeddedDatasets.Names)
        {
            var file = CsvReader.ReadFile(Path.Combine(dir, name + ".csv"));
            var embedded = EmbeddedDatasets.Load(name);
            Assert.Equal(file.RowCount, embedded.RowCount);
            Assert.Equal(file.Columns.Select(c => c.Name), embedded.Columns.Select(c => c.Name));
            foreach (var column in file.Columns)
            {
                var other = embedded[column.Name];
                if (column is NumericColumn n && other is NumericColumn m) Assert.Equal(n.Values, m.Values);
            }
        }
    }
}
