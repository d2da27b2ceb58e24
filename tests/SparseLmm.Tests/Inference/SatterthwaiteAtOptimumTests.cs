using SparseLmm.Data;
using SparseLmm.Inference;
using static SparseLmm.Tests.Inference.InferenceReference;

namespace SparseLmm.Tests.Inference;

/// <summary>Satterthwaite's df of a fit as it comes out of the fitter are taken at the θ̂ it reports, not at the
/// centre of the stencil its optimum check evaluated before the Newton step moved θ̂ (there the df were off by the step
/// times third derivatives: sleepstudy 17.000036 against lmerTest's 17.0000052).</summary>
public class SatterthwaiteAtOptimumTests
{
    [Theory]
    [InlineData("Reaction ~ 1 + Days + (1 + Days | Subject)")]
    [InlineData("Reaction ~ 1 + Days + (1 | Subject) + (0 + Days | Subject)")]
    public void The_df_are_those_of_a_stencil_at_the_reported_theta(string formula)
    {
        var fit = MixedModel.Fit(formula, MixedModel.LoadData("sleepstudy"));
        // A stencil the fit carries serves its θ̂: its centre or a polishing step of at most 10⁻⁴ away, where the df
        // differ from a stencil's at θ̂ by one to two times that step (relative; 2·10⁻⁶ at a step of 8·10⁻⁷ here).
        Assert.Equal(fit.Theta, Assert.IsType<SparseLmm.Engine.OptimumStencil>(fit.Stencil).Serves);
        Assert.True(fit.OptimumCheck!.RelativeStep <= 1e-4);
        var atTheta = FixedEffectTests.Satterthwaite(fit with { Stencil = null });
        var carried = FixedEffectTests.Satterthwaite(fit);
        for (int j = 0; j < atTheta.Length; j++) Close(atTheta[j], carried[j], 3 * fit.OptimumCheck.RelativeStep, $"df {j}");
    }

    [Fact]
    public void A_far_slopes_df_are_those_of_the_centred_data()
    {
        // Days + 30 is searched and checked with the slope centred (CentredFrame); the df at θ̂ must come from a stencil
        // in those coordinates too: in lme4's θ its steps mix the term's entries (Days: 17.0075 df). Shifting a
        // covariate leaves its slope's df as they were, up to the polishing step the check's stencil serves across
        // (16.99993 against 16.999993 unshifted, a step of 2.8·10⁻⁶).
        const string formula = "Reaction ~ 1 + Days + (1 + Days | Subject)";
        var data = EmbeddedDatasets.Load("sleepstudy");
        var days = ((NumericColumn)data["Days"]).Values;
        var shifted = data.WithColumns([new NumericColumn("Days", days.Select(d => d + 30).ToArray())]);
        var expected = FixedEffectTests.Satterthwaite(MixedModel.Fit(formula, data))[1];
        Close(expected, FixedEffectTests.Satterthwaite(MixedModel.Fit(formula, shifted))[1], 1e-5, "Days df, Days + 30");
    }

    [Fact]
    public void Sleepstudy_df_at_the_fitted_theta_match_lmerTest()
    {
        var fit = MixedModel.Fit("Reaction ~ 1 + Days + (1 + Days | Subject)", MixedModel.LoadData("sleepstudy"));
        var expected = Doubles(Load("sleepstudy_slopes").GetProperty("fixef").GetProperty("satterthwaite_df"));
        var df = FixedEffectTests.Satterthwaite(fit);
        // From the check's centre, 3·10⁻⁶ (relative) off θ̂, 1.9·10⁻⁶ relative; from a stencil at θ̂ (within 3·10⁻⁷ of lme4's)
        // 8·10⁻⁸ and 5·10⁻⁹.
        for (int j = 0; j < df.Length; j++) Close(expected[j], df[j], 5e-6, $"df {fit.FixedEffects[j].Name}");
        var atTheta = FixedEffectTests.Satterthwaite(fit with { Stencil = null });
        for (int j = 0; j < df.Length; j++) Close(expected[j], atTheta[j], 5e-7, $"df at θ̂ {fit.FixedEffects[j].Name}");
    }
}
