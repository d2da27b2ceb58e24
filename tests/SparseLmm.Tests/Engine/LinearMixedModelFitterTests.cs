using SparseLmm.Data;

namespace SparseLmm.Tests.Engine;

public sealed class LinearMixedModelFitterTests
{
    [Fact]
    public void Dyestuff2IsASingularFit()
    {
        var fit = MixedModel.Fit("Yield ~ 1 + (1 | Batch)", EmbeddedDatasets.Load("Dyestuff2"));
        Assert.True(fit.IsSingular);
        Assert.Contains(fit.Notes, note => note.Contains("singular"));
        Assert.Equal(0.0, fit.VarianceComponents[0].StandardDeviations[0], 6);
    }

    [Fact]
    public void RandomInterceptModelReportsItsIntraclassCorrelation()
    {
        var fit = MixedModel.Fit("Yield ~ 1 + (1 | Batch)", EmbeddedDatasets.Load("Dyestuff"));
        double between = Math.Pow(fit.VarianceComponents[0].StandardDeviations[0], 2);
        Assert.Equal(between / (between + fit.Sigma!.Value * fit.Sigma.Value), fit.IntraclassCorrelation!.Value, 12);
        Assert.Null(MixedModel.Fit("Reaction ~ 1 + Days + (1 + Days | Subject)", EmbeddedDatasets.Load("sleepstudy")).IntraclassCorrelation);
    }

    [Fact]
    public void GroupingFactorWithALevelPerRowIsRefused()
    {
        var table = EmbeddedDatasets.Load("Dyestuff");
        var table2 = new DataTable(table.Columns.Append(new CategoricalColumn("row", Enumerable.Range(0, table.RowCount).ToArray(),
            Enumerable.Range(0, table.RowCount).Select(i => $"r{i:D2}").ToArray())).ToList(), "Dyestuff");
        var error = Assert.Throws<InputException>(() => MixedModel.Fit("Yield ~ 1 + (1 | row)", table2));
        Assert.Contains("'row'", error.Message);
    }

    [Fact]
    public void FittedPlusResidualIsTheResponse()
    {
        var fit = MixedModel.Fit("Reaction ~ 1 + Days + (1 + Days | Subject)", EmbeddedDatasets.Load("sleepstudy"));
        for (int i = 0; i < fit.ObservationCount; i++)
            Assert.Equal(fit.Response[i], fit.Fitted[i] + fit.Residuals[i], 9);
        Assert.True(fit.Converged);
        Assert.InRange(fit.Timing.Evaluations, 10, 200);
    }
}
