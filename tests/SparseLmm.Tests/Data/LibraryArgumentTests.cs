using SparseLmm.Data;

namespace SparseLmm.Tests.Data;

/// <summary>Library arguments (issue 10, item 19): nulls throw ArgumentNullException naming the parameter; codes
/// out of range, short missing-flag arrays and duplicate names throw ArgumentException naming the column.</summary>
public class LibraryArgumentTests
{
    private static void AssertNull(string parameter, Action call) =>
        Assert.Equal(parameter, Assert.Throws<ArgumentNullException>(call).ParamName);

    [Fact]
    public void Null_arguments_name_the_parameter()
    {
        var sleep = MixedModel.LoadData("sleepstudy");
        AssertNull("formula", () => MixedModel.Fit(null!, sleep));
        AssertNull("data", () => MixedModel.Fit("Reaction ~ Days + (1 | Subject)", (DataTable)null!));
        AssertNull("formula", () => MixedModel.Fit(null!, "sleepstudy"));
        AssertNull("dataPathOrName", () => MixedModel.LoadData(null!));
        AssertNull("columns", () => new DataTable(null!));
        AssertNull("source", () => new DataTable([], null!));
        AssertNull("Name", () => new NumericColumn(null!, [1.0]));
        AssertNull("Values", () => new NumericColumn("x", null!));
        AssertNull("Codes", () => new CategoricalColumn("g", null!, ["a"]));
        AssertNull("Levels", () => new CategoricalColumn("g", [0], null!));
        AssertNull("name", () => EmbeddedDatasets.Load(null!));
        AssertNull("fit", () => SparseLmm.MixedModelFitExtensions.Summary(null!));
        AssertNull("fit", () => SparseLmm.MixedModelFitExtensions.ToJson(null!));
        AssertNull("text", () => CsvReader.Parse((string)null!));
        AssertNull("stream", () => CsvReader.ReadStream(null!, "x"));
        Assert.Throws<ArgumentException>(() => new DataTable([new NumericColumn("x", [1.0]), null!]));
    }

    [Theory]
    [InlineData(3)]
    [InlineData(-2)]
    [InlineData(int.MinValue)]
    public void Level_codes_out_of_range_name_the_column(int code)
    {
        var e = Assert.Throws<ArgumentException>(() => new CategoricalColumn("grp", [0, code, 1], ["a", "b", "c"]));
        Assert.Contains("'grp'", e.Message);
        Assert.Contains("row 1", e.Message);
        Assert.Equal("Codes", e.ParamName);
        // −1 is missing and in range.
        Assert.True(new CategoricalColumn("grp", [0, -1, 2], ["a", "b", "c"]).IsMissing(1));
    }

    [Fact]
    public void Missing_flags_must_cover_every_row()
    {
        var e = Assert.Throws<ArgumentException>(() => new NumericColumn("x", [1.0, 2, 3], [false, true]));
        Assert.Contains("'x'", e.Message);
        Assert.Equal("Missing", e.ParamName);
        Assert.Throws<ArgumentException>(() => new NumericColumn("x", [1.0, 2], [false, true, false]));
    }

    [Fact]
    public void Duplicate_column_names_are_refused()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            new DataTable([new NumericColumn("x", [1.0]), new NumericColumn("y", [2.0]), new NumericColumn("x", [3.0])]));
        Assert.Contains("duplicate column name 'x'", e.Message);
    }
}
