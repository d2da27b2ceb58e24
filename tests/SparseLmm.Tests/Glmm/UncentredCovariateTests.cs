using SparseLmm.Data;
using SparseLmm.Results;

namespace SparseLmm.Tests.Glmm;

/// <summary>GLMMs with covariates far from zero or on odd scales (issue 10, item 2). The reference numbers are lme4's
/// (1.1.31) on the centred model, mapped back to the uncentred one (lme4 gets the uncentred model wrong: for the
/// binomial case it reports 0.5354 ± 0.00021, loglik −87.2998, and warns "Rescale variables?"):
/// <code>
/// d &lt;- sleepstudy; d$y &lt;- as.integer(d$Reaction > 300); d$cy &lt;- d$Days + 2010 - 2014.5
/// m &lt;- glmer(y ~ cy + (1|Subject), d, binomial)        # 0.5852287566 ± 0.09805557888, logLik −87.16310349
/// glmer(TICKS ~ scale(HEIGHT) + (1|BROOD), grouseticks, poisson)   # mapped back: −0.02521385889 ± 0.003887396473
/// </code>
/// For Gamma (log link) lme4's own finite-difference Hessian is unreliable (its objective jumps where PIRLS takes one
/// more iteration): R's central differences of lme4's deviance function, with steps of 0.03–0.1 SE, give the intercept
/// SE 0.04379–0.04382 and the slope SE 0.00244–0.00248.</summary>
public class UncentredCovariateTests
{
    private static DataTable SleepBinary()
    {
        var data = EmbeddedDatasets.Load("sleepstudy");
        var reaction = ((NumericColumn)data["Reaction"]).Values;
        var days = ((NumericColumn)data["Days"]).Values;
        var columns = data.Columns.ToList();
        columns.Add(new NumericColumn("y", reaction.Select(r => r > 300 ? 1.0 : 0.0).ToArray()));
        columns.Add(new NumericColumn("year", days.Select(d => d + 2010).ToArray()));
        return new DataTable(columns, "sleepstudy");
    }

    private static FixedEffect Effect(MixedModelFit fit, string name) => fit.FixedEffects.Single(e => e.Name == name);

    [Fact]
    public void ARandomSlopeInTinyUnitsGivesTheSameFit()
    {
        // Days × 10⁵ in a random slope: the θ entries of its row are 10⁵ smaller. Searched in raw θ, the slope's SD
        // stayed at its start and the fit ended 14.7 log-likelihood units short (now refused by the optimum check);
        // searched in θ's natural units it is the original fit.
        var data = SleepBinary();
        var days = ((NumericColumn)data["Days"]).Values;
        var scaled = data.WithColumns([new NumericColumn("Days", days.Select(d => d * 1e5).ToArray())]);
        var options = new FitOptions(Family: Family.Binomial());
        var original = MixedModel.Fit("y ~ Days + (1 + Days | Subject)", data, options);
        var fit = MixedModel.Fit("y ~ Days + (1 + Days | Subject)", scaled, options);
        Assert.True(fit.Converged, fit.OptimizerMessage);
        Assert.Equal(original.LogLikelihood, fit.LogLikelihood, 1e-5);
        Assert.Equal(original.Theta[2], 1e5 * fit.Theta[2], 1e-3);
        Assert.Equal(Effect(original, "Days").Statistic, Effect(fit, "Days").Statistic, 1e-3);
    }

    [Fact]
    public void BinomialWithAYearCovariateMatchesLme4OnTheCentredModel()
    {
        var fit = MixedModel.Fit("y ~ year + (1|Subject)", SleepBinary(), new FitOptions(Family: Family.Binomial()));
        Assert.True(fit.Converged);
        Assert.Equal(-87.16310349, fit.LogLikelihood, 1e-4);
        Assert.Equal(0.5852287566, Effect(fit, "year").Estimate, 2e-3 * 0.098);
        Assert.Equal(0.09805557888, Effect(fit, "year").StandardError, 2e-3 * 0.098);
        // The intercept mapped back: β₀ = β₀c − 2014.5 β₁, SE 197.595.
        Assert.Equal(-1179.5052561341, Effect(fit, "(Intercept)").Estimate, 2e-3 * 197.6);
        Assert.Equal(197.59498203463, Effect(fit, "(Intercept)").StandardError, 2e-3 * 197.6);
    }

    [Fact]
    public void PoissonWithAnUncentredHeightMatchesLme4OnTheScaledModel()
    {
        var fit = MixedModel.Fit("TICKS ~ HEIGHT + (1|BROOD)", EmbeddedDatasets.Load("grouseticks"),
            new FitOptions(Family: Family.Poisson()));
        Assert.Equal(-0.02521385889, Effect(fit, "HEIGHT").Estimate, 2e-3 * 0.00389);
        Assert.Equal(0.003887396473, Effect(fit, "HEIGHT").StandardError, 2e-3 * 0.00389);
        Assert.Equal(12.22322504930, Effect(fit, "(Intercept)").Estimate, 2e-3 * 1.79);
        Assert.Equal(1.790437839209, Effect(fit, "(Intercept)").StandardError, 2e-3 * 1.79);
        Assert.Equal(-1019.237266, fit.LogLikelihood, 1e-4);
    }

    [Fact]
    public void GammaLogStandardErrorsAreTheDevianceHessians()
    {
        var fit = MixedModel.Fit("Reaction ~ Days + (1|Subject)", EmbeddedDatasets.Load("sleepstudy"),
            new FitOptions(Family: Family.Gamma(Link.Log)));
        Assert.Equal(-870.4043426, fit.LogLikelihood, 1e-4);
        Assert.InRange(Effect(fit, "(Intercept)").StandardError, 0.04370, 0.04392);
        Assert.InRange(Effect(fit, "Days").StandardError, 0.00243, 0.00249);
    }

    /// <summary>Shifting and rescaling a covariate changes β̂ and its SE exactly as the reparameterization says, and
    /// nothing else: the deviance, the slope's z value and the random effects stay put.</summary>
    [Theory]
    [InlineData("y ~ Days + (1|Subject)", "y ~ year + (1|Subject)", 1.0)]
    [InlineData("y ~ Days + (1|Subject)", "y ~ I(Days*1000) + (1|Subject)", 1000.0)]
    [InlineData("y ~ Days + (1|Subject)", "y ~ I(year*1e6) + (1|Subject)", 1e6)]
    [InlineData("y ~ Days + (1|Subject)", "y ~ I(Days/1e4 - 7) + (1|Subject)", 1e-4)]
    public void ShiftingOrRescalingACovariateChangesNothingElse(string reference, string transformed, double scale)
    {
        var data = SleepBinary();
        var options = new FitOptions(Family: Family.Binomial());
        var a = MixedModel.Fit(reference, data, options);
        var b = MixedModel.Fit(transformed, data, options);
        Assert.Equal(a.LogLikelihood, b.LogLikelihood, 1e-6);
        Assert.Equal(a.FixedEffects[1].Estimate / scale, b.FixedEffects[1].Estimate, 1e-5 * a.FixedEffects[1].StandardError / scale);
        Assert.Equal(a.FixedEffects[1].StandardError / scale, b.FixedEffects[1].StandardError, 1e-4 * a.FixedEffects[1].StandardError / scale);
        Assert.Equal(a.VarianceComponents[0].StandardDeviations[0], b.VarianceComponents[0].StandardDeviations[0], 1e-5);
    }

    [Fact]
    public void PoissonStandardErrorsDoNotDependOnTheUnitsOfHeight()
    {
        var data = EmbeddedDatasets.Load("grouseticks");
        var options = new FitOptions(Family: Family.Poisson());
        var metres = MixedModel.Fit("TICKS ~ HEIGHT + (1|BROOD)", data, options);
        var millimetres = MixedModel.Fit("TICKS ~ I(HEIGHT*1000) + (1|BROOD)", data, options);
        Assert.Equal(metres.FixedEffects[1].StandardError / 1000, millimetres.FixedEffects[1].StandardError,
            1e-4 * metres.FixedEffects[1].StandardError / 1000);
        Assert.Equal(metres.FixedEffects[0].StandardError, millimetres.FixedEffects[0].StandardError,
            1e-4 * metres.FixedEffects[0].StandardError);
    }
}
