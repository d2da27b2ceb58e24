using SparseLmm.Inference;
using static SparseLmm.Tests.Inference.InferenceReference;

namespace SparseLmm.Tests.Inference;

public class ModelComparisonTests
{
    [Theory]
    [InlineData("dyestuff_batch_lrt")]
    [InlineData("penicillin_sample_lrt")]
    [InlineData("sleepstudy_slope_lrt")]
    public void Likelihood_ratio_test_matches_lme4(string name)
    {
        var reference = Load(name);
        var test = ModelComparison.Compare(LoadData(reference), reference.GetProperty("small").GetString()!,
            reference.GetProperty("big").GetString()!, new FitOptions(Reml: false));
        Close(reference.GetProperty("loglik_small").GetDouble(), test.LogLikSmall, 1e-7, "loglik_small");
        Close(reference.GetProperty("loglik_big").GetDouble(), test.LogLikBig, 1e-7, "loglik_big");
        Assert.Equal(reference.GetProperty("df_small").GetInt32(), test.DfSmall);
        Assert.Equal(reference.GetProperty("df_big").GetInt32(), test.DfBig);
        Assert.Equal(reference.GetProperty("df").GetInt32(), test.Df);
        Close(reference.GetProperty("aic_big").GetDouble(), test.AicBig, 1e-7, "aic_big");
        Close(reference.GetProperty("bic_small").GetDouble(), test.BicSmall, 1e-7, "bic_small");
        Close(reference.GetProperty("statistic").GetDouble(), test.Statistic, 1e-4, "statistic");
        Close(reference.GetProperty("p_naive").GetDouble(), test.PNaive, 1e-3, "p_naive");
        Close(reference.GetProperty("p_boundary_mixture").GetDouble(), test.PValue, 1e-3, "p");
        Assert.Equal(reference.GetProperty("mixture").GetString(), test.Mixture);
    }

    [Fact]
    public void Two_added_independent_variances_use_the_binomial_chi_bar_square_mixture()
    {
        var data = SparseLmm.Data.EmbeddedDatasets.Load("Penicillin");
        var test = ModelComparison.Compare(data, "diameter ~ 1", "diameter ~ 1 + (1 | plate) + (1 | sample)");
        Assert.Equal(2, test.Df);
        Assert.Equal("0.25*chi2(0) + 0.5*chi2(1) + 0.25*chi2(2)", test.Mixture);
        double expected = 0.5 * Distributions.ChiSquareUpperTail(test.Statistic, 1) + 0.25 * Distributions.ChiSquareUpperTail(test.Statistic, 2);
        Assert.Equal(expected, test.PValue, expected * 1e-12);
        Assert.True(test.PValue < test.PNaive);
    }

    [Fact]
    public void Refuses_models_that_are_not_nested()
    {
        var data = MixedModel.LoadData("sleepstudy");
        var error = Assert.Throws<InputException>(() =>
            ModelComparison.Compare(data, "Reaction ~ 1 + Days + (1 | Subject)", "Reaction ~ 1 + (1 | Subject)"));
        Assert.Contains("not nested", error.Message);
        Assert.Throws<InputException>(() =>
            ModelComparison.Compare(data, "Reaction ~ 1 + Days + (1 + Days | Subject)", "Reaction ~ 1 + Days + (1 | Subject) + (0 + Days | Subject)"));
    }

    [Fact]
    public void Information_criteria_refuse_REML_fits_with_different_fixed_effects()
    {
        var data = MixedModel.LoadData("sleepstudy");
        var a = MixedModel.Fit("Reaction ~ 1 + Days + (1 | Subject)", data);
        var b = MixedModel.Fit("Reaction ~ 1 + (1 | Subject)", data);
        Assert.Throws<InputException>(() => ModelComparison.InformationCriteria([a, b]));
        var c = MixedModel.Fit("Reaction ~ 1 + Days + (1 + Days | Subject)", data);
        var table = ModelComparison.InformationCriteria([a, c]);
        Assert.Equal(2, table.Count);
        Assert.Equal(0, table.Min(r => r.DeltaAic));
        var ml = ModelComparison.InformationCriteria([
            MixedModel.Fit("Reaction ~ 1 + Days + (1 | Subject)", data, new FitOptions(Reml: false)),
            MixedModel.Fit("Reaction ~ 1 + (1 | Subject)", data, new FitOptions(Reml: false))]);
        Assert.True(ml[0].Aic < ml[1].Aic);
    }
}
