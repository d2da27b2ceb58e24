using SparseLmm.Data;
using SparseLmm.Inference;

namespace SparseLmm.Tests.Design;

/// <summary>A numeric column used as a grouping factor stays numeric in the fixed part (issue 10, item 3). Reference:
/// lme4 1.1.31, <c>lmer(Reaction ~ Days + (1|Days) + (1|Subject), sleepstudy)</c>: fixef 251.40510485, 10.46728596,
/// SEs 9.7467164442, 0.8042214271, REML criterion 1786.465085, Subject SD 37.123828, Days SD 0 (singular).</summary>
public class NumericGroupingColumnTests
{
    [Fact]
    public void DaysAsGroupingFactorAndCovariateFitsOneSlopeAsLme4()
    {
        var fit = MixedModel.Fit("Reaction ~ Days + (1|Days) + (1|Subject)", EmbeddedDatasets.Load("sleepstudy"));
        Assert.Equal(["(Intercept)", "Days"], fit.FixedEffects.Select(e => e.Name));
        Assert.Equal(251.40510485, fit.FixedEffects[0].Estimate, 1e-4);
        Assert.Equal(10.46728596, fit.FixedEffects[1].Estimate, 1e-5);
        Assert.Equal(0.8042214271, fit.FixedEffects[1].StandardError, 1e-5);
        Assert.Equal(1786.465085, fit.RemlCriterion!.Value, 1e-4);
        Assert.Equal(10, fit.GroupCounts.Single(g => g.Group == "Days").Levels);
    }

    [Fact]
    public void PredictionsKeepTheNumericColumnNumericInTheFixedPart()
    {
        var data = MixedModel.LoadData("sleepstudy");
        var fit = MixedModel.Fit("Reaction ~ Days + (1|Days) + (1|Subject)", data);
        var predictions = fit.Predict(data);
        for (int i = 0; i < 180; i += 13) Assert.Equal(fit.Fitted[i], predictions[i].Fitted, 8);
    }
}
