using SparseLmm;
using SparseLmm.Data;

namespace SparseLmm.ConsumerTests;

/// <summary>Tables from what a .NET program holds: records and string labels.</summary>
public class TablesFromRecordsTests
{
    private sealed record Measurement(string Subject, int Days, double Reaction);

    private enum Arm { Placebo, Active, Withdrawn }

    private sealed record Visit(string Patient, Arm Arm, bool Fasting, double? Score);

    private static IReadOnlyList<Measurement> SleepstudyRecords()
    {
        var table = EmbeddedDatasets.Load("sleepstudy");
        var subject = ColumnConversions.AsCategorical(table["Subject"]);
        var days = ((NumericColumn)table["Days"]).Values;
        var reaction = ((NumericColumn)table["Reaction"]).Values;
        return Enumerable.Range(0, table.RowCount)
            .Select(i => new Measurement(subject.Levels[subject.Codes[i]], (int)days[i], reaction[i])).ToList();
    }

    [Fact]
    public void AFitToRecordsIsTheFitToTheFile()
    {
        const string formula = "Reaction ~ Days + (Days | Subject)";
        var fromRecords = MixedModel.Fit(formula, DataTable.FromRecords(SleepstudyRecords()));
        var fromFile = MixedModel.Fit(formula, "sleepstudy");
        Assert.Equal(fromFile.LogLikelihood, fromRecords.LogLikelihood, 10);
        Assert.Equal(fromFile.FixedEffects.Select(e => e.Estimate), fromRecords.FixedEffects.Select(e => e.Estimate));
        // lme4: logLik(lmer(Reaction ~ Days + (Days | Subject), sleepstudy)) = -871.8141 (REML).
        Assert.Equal(-871.8141, fromRecords.LogLikelihood, 3);
    }

    [Fact]
    public void EnumsBoolsAndNullsBecomeFactorsAndMissingValues()
    {
        var visits = new List<Visit>
        {
            new("p1", Arm.Active, true, 3.5), new("p1", Arm.Placebo, false, null), new("p2", Arm.Active, false, 2.0),
        };
        var table = DataTable.FromRecords(visits, "visits");
        Assert.Equal(["Patient", "Arm", "Fasting", "Score"], table.Columns.Select(c => c.Name));
        var arm = (CategoricalColumn)table["Arm"];
        Assert.Equal(["Placebo", "Active"], arm.Levels); // declaration order, levels that occur
        Assert.Equal([1, 0, 1], arm.Codes);
        var fasting = (CategoricalColumn)table["Fasting"];
        Assert.Equal(["FALSE", "TRUE"], fasting.Levels);
        Assert.Equal([1, 0, 0], fasting.Codes);
        Assert.True(table["Score"].IsMissing(1));
        Assert.False(table["Score"].IsMissing(0));
    }

    [Fact]
    public void APropertyOfAnotherTypeIsRefusedByName()
    {
        var error = Assert.Throws<InputException>(() => DataTable.FromRecords(new[] { new { When = DateTime.Now, Score = 1.0 } }));
        Assert.Contains("'When'", error.Message);
    }

    [Fact]
    public void StringLabelsBecomeSortedLevels()
    {
        var column = CategoricalColumn.FromStrings("g", ["b", null, "a", "b", "10", "a"]);
        Assert.Equal(["10", "a", "b"], column.Levels);
        Assert.Equal([2, -1, 1, 2, 0, 1], column.Codes);
        var numbers = CategoricalColumn.FromStrings("dose", ["10", "9", "100"]);
        Assert.Equal(["9", "10", "100"], numbers.Levels); // numerically, as a column read from a file
    }

    [Fact]
    public void ArraysAndLabelsMakeATable()
    {
        var records = SleepstudyRecords();
        var table = new DataTable(
        [
            new NumericColumn("Reaction", records.Select(r => r.Reaction).ToArray()),
            new NumericColumn("Days", records.Select(r => (double)r.Days).ToArray()),
            CategoricalColumn.FromStrings("Subject", records.Select(r => r.Subject)),
        ]);
        var fit = MixedModel.Fit("Reaction ~ Days + (1 | Subject)", table);
        // lme4: fixef(lmer(Reaction ~ Days + (1 | Subject), sleepstudy)) = 251.40510, 10.46729.
        Assert.Equal(251.40510, fit.FixedEffects[0].Estimate, 4);
        Assert.Equal(10.46729, fit.FixedEffects[1].Estimate, 4);
    }
}
