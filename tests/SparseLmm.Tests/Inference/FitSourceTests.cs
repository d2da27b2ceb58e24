using SparseLmm.Inference;

namespace SparseLmm.Tests.Inference;

/// <summary>A linear fit carries what it was fitted from, and a record copy keeps it.</summary>
public class FitSourceTests
{
    private const string Formula = "Reaction ~ 1 + Days + (1 + Days | Subject)";

    [Fact]
    public void A_with_copy_keeps_the_design_for_inference_and_prediction()
    {
        var data = MixedModel.LoadData("sleepstudy");
        var fit = MixedModel.Fit(Formula, data);
        var copy = fit with { Notes = ["edited"] };
        Assert.Same(fit.Source, copy.Source);
        Assert.Equal(FixedEffectTests.Compute(fit).Select(t => t.Df), FixedEffectTests.Compute(copy).Select(t => t.Df));
        Assert.Equal(fit.Fitted[7], copy.Predict(data)[7].Fitted, 8);
    }

    [Fact]
    public void The_ml_refit_reuses_the_cross_products_and_matches_a_fresh_ml_fit()
    {
        var data = MixedModel.LoadData("sleepstudy");
        var reml = MixedModel.Fit(Formula, data);
        var refit = reml.Source!.Refit(reml: false);
        var fresh = MixedModel.Fit(Formula, data, new FitOptions(Reml: false));
        Assert.Same(reml.Source.Products, refit.Source!.Products);
        Assert.False(refit.Source.Options.Reml);
        Assert.Equal(fresh.LogLikelihood, refit.LogLikelihood, 9);
        Assert.Equal(fresh.Theta, refit.Theta);
    }

    [Fact]
    public void A_glmm_fit_is_refused_by_linear_inference_with_the_reason()
    {
        var fit = MixedModel.Fit("cbind(incidence, size - incidence) ~ 1 + period + (1 | herd)", "cbpp",
            new FitOptions(Family: Family.Binomial(), FactorColumns: ["period"]));
        Assert.Null(fit.Source);
        var e = Assert.Throws<InputException>(() => FixedEffectTests.Compute(fit));
        Assert.Contains("linear mixed models", e.Message);
    }
}
