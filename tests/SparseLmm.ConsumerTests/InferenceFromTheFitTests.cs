using SparseLmm;
using SparseLmm.Data;
using SparseLmm.Inference;

namespace SparseLmm.ConsumerTests;

/// <summary>df, p-values and intervals come from the fit itself, with lmerTest's numbers (R 4, lmerTest 3.1:
/// <c>coef(summary(lmer(Reaction ~ Days + (Days | Subject), sleepstudy)))</c> and <c>confint(m, method = "Wald")</c>).</summary>
public class InferenceFromTheFitTests
{
    private static readonly Lazy<Results.MixedModelFit> Sleepstudy =
        new(() => MixedModel.Fit("Reaction ~ Days + (Days | Subject)", "sleepstudy"));

    private static void Relative(double expected, double actual, double tolerance) =>
        Assert.True(Math.Abs(actual - expected) <= tolerance * Math.Abs(expected), $"expected {expected:R}, got {actual:R}");

    [Fact]
    public void SatterthwaiteTestsAndWaldIntervalsAreLmerTests()
    {
        var inference = Sleepstudy.Value.Inference();
        Assert.Equal(DdfMethod.Satterthwaite, inference.Method);
        var days = inference.FixedEffectTests[1];
        Assert.Equal("Days", days.Name);
        Relative(16.9999837255917, days.Df, 1e-4);
        Relative(6.77148148899918, days.Statistic, 1e-4);
        Relative(3.26382446992738e-06, days.PValue, 1e-3);
        // A p-value of 1e-17 is a number, not 0 (R prints it as < 2e-16).
        Relative(1.17155811120829e-17, inference.FixedEffectTests[0].PValue, 1e-3);
        Relative(238.029141117362, inference.WaldIntervals.Lower[0], 1e-6);
        Relative(13.4969779893267, inference.WaldIntervals.Upper[1], 1e-6);
        Assert.Null(inference.Intervals);
    }

    [Fact]
    public void TheSummaryShowsDfPValuesAndIntervals()
    {
        var lines = Sleepstudy.Value.Summary("sleepstudy").Split('\n');
        Assert.Contains("            Estimate Std. Error df t value Pr(>|t|)", lines);
        Assert.Contains(lines, l => l.StartsWith("Days ", StringComparison.Ordinal) && l.EndsWith("3.26e-06 ***", StringComparison.Ordinal));
        Assert.Contains("(degrees of freedom by Satterthwaite's method)", lines);
        Assert.Contains("Confidence intervals (Wald, level 0.95):", lines);
    }

    [Fact]
    public void KenwardRogerAndProfileIntervalsAreOptions()
    {
        var inference = Sleepstudy.Value.Inference(new InferenceOptions(Ddf: DdfMethod.KenwardRoger, Intervals: IntervalMethod.Profile));
        Assert.Equal(DdfMethod.KenwardRoger, inference.Method);
        // pbkrtest::get_Lb_ddf(m, c(0, 1)) = 17; lme4's confint(m, parm = "Days") = [7.358653275, 13.57591875].
        Relative(17, inference.FixedEffectTests[1].Df, 1e-3);
        var profile = inference.Intervals!;
        int days = profile.Names.ToList().IndexOf("Days");
        Relative(7.358653275, profile.Lower[days], 1e-4);
        Relative(13.57591875, profile.Upper[days], 1e-4);
        Assert.Contains("Confidence intervals (profile, level 0.95):", inference.Summary());
    }

    [Fact]
    public void AGlmmHasZTestsAndRefusesDf()
    {
        var data = ColumnConversions.ToCategorical(EmbeddedDatasets.Load("cbpp"), "period");
        var fit = MixedModel.Fit("cbind(incidence, size - incidence) ~ 1 + period + (1 | herd)", data,
            new FitOptions(Family: Family.Binomial()));
        var inference = fit.Inference();
        Assert.Equal(DdfMethod.None, inference.Method);
        Assert.All(inference.FixedEffectTests, t => Assert.True(double.IsPositiveInfinity(t.Df)));
        // lme4: coef(summary(glmer(...)))["period2", "Pr(>|z|)"] = 1.0676956e-03.
        Relative(1.0676956e-03, inference.FixedEffectTests[1].PValue, 1e-3);
        Assert.Throws<InputException>(() => fit.Inference(new InferenceOptions(Ddf: DdfMethod.Satterthwaite)));
        Assert.Contains("Confidence intervals (Wald, level 0.95):", fit.Summary());
    }
}
