using SparseLmm;
using SparseLmm.Data;

namespace SparseLmm.ConsumerTests;

/// <summary>The fit says which table rows it used and each observation's level, so a caller lines its own columns up
/// with the fit's residuals without parsing the formula.</summary>
public class ObservationRowsTests
{
    [Fact]
    public void RowsWithMissingValuesAreNotObservationsAndLevelsMatchTheTable()
    {
        var sleep = EmbeddedDatasets.Load("sleepstudy");
        var reaction = (NumericColumn)sleep["Reaction"];
        var values = reaction.Values.ToArray();
        var missing = new bool[values.Length];
        missing[3] = missing[100] = true;
        var data = sleep.WithColumns([new NumericColumn("Reaction", values, missing)]);
        var fit = MixedModel.Fit("Reaction ~ Days + (Days | Subject)", data);

        var expectedRows = Enumerable.Range(0, values.Length).Where(r => !missing[r]).ToArray();
        Assert.Equal(expectedRows, fit.ObservationRows);
        for (int i = 0; i < expectedRows.Length; i++) Assert.Equal(values[expectedRows[i]], fit.Response[i]);

        var subject = ColumnConversions.AsCategorical(data["Subject"]);
        var group = fit.RandomEffects["Subject"];
        for (int i = 0; i < expectedRows.Length; i++)
            Assert.Equal(subject.Levels[subject.Codes[expectedRows[i]]], group.Levels[group.ObservationLevels[i]]);
    }

    [Fact]
    public void AGlmmWithMissingWeightsCountsRowsOfTheOriginalTable()
    {
        var cbpp = EmbeddedDatasets.Load("cbpp");
        var size = ((NumericColumn)cbpp["size"]).Values.ToArray();
        var incidence = ((NumericColumn)cbpp["incidence"]).Values;
        var proportion = size.Select((n, i) => incidence[i] / n).ToArray();
        var missing = new bool[size.Length];
        missing[0] = missing[10] = true;
        var data = new DataTable([.. cbpp.Columns.Where(c => c.Name != "size"), new NumericColumn("size", size, missing),
            new NumericColumn("proportion", proportion)], "cbpp");
        var fit = MixedModel.Fit("proportion ~ 1 + (1 | herd)", data, new FitOptions(Family: Family.Binomial(), WeightsColumn: "size"));
        var expectedRows = Enumerable.Range(0, size.Length).Where(r => !missing[r]).ToArray();
        Assert.Equal(expectedRows, fit.ObservationRows);
        for (int i = 0; i < expectedRows.Length; i++) Assert.Equal(proportion[expectedRows[i]], fit.Response[i], 12);
    }

    [Fact]
    public void AWeightedLinearFitCountsRowsOfTheOriginalTable()
    {
        var sleep = EmbeddedDatasets.Load("sleepstudy");
        var weights = Enumerable.Repeat(1.0, sleep.RowCount).ToArray();
        var missing = new bool[sleep.RowCount];
        missing[5] = true;
        weights[9] = 0; // a zero weight drops the row, as lme4 does
        weights[20] = 2;
        var data = new DataTable([.. sleep.Columns, new NumericColumn("w", weights, missing)], "sleepstudy");
        var fit = MixedModel.Fit("Reaction ~ Days + (1 | Subject)", data, new FitOptions(WeightsColumn: "w"));
        var expectedRows = Enumerable.Range(0, sleep.RowCount).Where(r => r != 5 && r != 9).ToArray();
        Assert.Equal(expectedRows, fit.ObservationRows);
        var reaction = ((NumericColumn)sleep["Reaction"]).Values;
        for (int i = 0; i < expectedRows.Length; i++) Assert.Equal(reaction[expectedRows[i]], fit.Response[i]);
    }
}
