using Microsoft.Data.Analysis;
using SparseLmm;
using SparseLmm.Data;
using SparseLmm.DataFrameAdapter;

namespace SparseLmm.ConsumerTests;

/// <summary>A Microsoft.Data.Analysis DataFrame through the adapter assembly.</summary>
public class DataFrameTests
{
    [Fact]
    public void AFitToADataFrameIsTheFitToTheFile()
    {
        var table = EmbeddedDatasets.Load("sleepstudy");
        var subject = ColumnConversions.AsCategorical(table["Subject"]);
        var frame = new DataFrame(
            new DoubleDataFrameColumn("Reaction", ((NumericColumn)table["Reaction"]).Values),
            new Int32DataFrameColumn("Days", ((NumericColumn)table["Days"]).Values.Select(d => (int)d)),
            new StringDataFrameColumn("Subject", subject.Codes.Select(c => subject.Levels[c])));
        const string formula = "Reaction ~ Days + (Days | Subject)";
        var fromFrame = MixedModel.Fit(formula, frame.ToDataTable("sleepstudy frame"));
        var fromFile = MixedModel.Fit(formula, table);
        Assert.Equal(fromFile.LogLikelihood, fromFrame.LogLikelihood, 10);
        Assert.Equal(fromFile.FixedEffects.Select(e => e.Estimate), fromFrame.FixedEffects.Select(e => e.Estimate));
    }

    [Fact]
    public void NullsAreMissingAndOtherTypesAreRefused()
    {
        var frame = new DataFrame(
            new DoubleDataFrameColumn("y", new double?[] { 1.5, null, 3 }),
            new BooleanDataFrameColumn("treated", new bool?[] { true, false, null }));
        var table = frame.ToDataTable();
        Assert.True(table["y"].IsMissing(1));
        var treated = (CategoricalColumn)table["treated"];
        Assert.Equal(["FALSE", "TRUE"], treated.Levels);
        Assert.Equal([1, 0, -1], treated.Codes);
        var dated = new DataFrame(new PrimitiveDataFrameColumn<DateTime>("when", new[] { DateTime.UnixEpoch }));
        Assert.Contains("'when'", Assert.Throws<InputException>(() => dated.ToDataTable()).Message);
    }
}
