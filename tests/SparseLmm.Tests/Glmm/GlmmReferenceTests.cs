using SparseLmm.Results;

namespace SparseLmm.Tests.Glmm;

/// <summary>The public lme4 GLMM references match at the reference tolerances of <see cref="GlmmReference"/>.</summary>
public class GlmmReferenceTests
{
    private const string CbppFormula = "cbind(incidence, size - incidence) ~ 1 + period + (1 | herd)";
    private const string GrouseFormula = "TICKS ~ 1 + YEAR + cHEIGHT + (1 | BROOD) + (1 | INDEX) + (1 | LOCATION)";

    internal static MixedModelFit FitCbpp(int nodes = 1) =>
        MixedModel.Fit(CbppFormula, GlmmReference.DataPath("cbpp.csv"),
            new FitOptions(FactorColumns: ["period"], Family: Family.Binomial(), QuadratureNodes: nodes));

    [Fact]
    public void CbppLaplaceMatchesLme4()
    {
        var fit = FitCbpp();
        Assert.Empty(GlmmReference.Compare(GlmmReference.Load("cbpp_laplace.json"), fit));
        Assert.Equal(EstimationMethod.Laplace, fit.Method);
        Assert.Equal(1, fit.QuadratureNodes);
        Assert.Equal(FamilyKind.Binomial, fit.Family.Kind);
        Assert.Same(Link.Logit, fit.Link);
        Assert.Null(fit.Sigma);
        Assert.Equal(5, fit.DegreesOfFreedom);
        Assert.True(fit.Converged);
        // lme4's Laplace deviance to rounding, which is also what makes its standard errors match.
        Assert.Equal(-92.0265663895303, fit.LogLikelihood, 1e-6);
        Assert.Equal(194.053132779061, fit.Aic, 1e-5);
        Assert.Equal(204.179891232736, fit.Bic, 1e-5);
        Assert.Equal(184.053132779061, fit.Deviance!.Value, 1e-5);
    }

    [Fact]
    public void CbppQuadratureMatchesTheIntegratedLikelihood()
    {
        var fit = FitCbpp(25);
        Assert.Empty(GlmmReference.Compare(GlmmReference.Load("cbpp_agq25.json"), fit));
        Assert.Equal(EstimationMethod.AdaptiveGaussHermite, fit.Method);
        Assert.Equal(25, fit.QuadratureNodes);
        // The reference integrates the likelihood directly, with every constant: −91.98337.
        Assert.Equal(-91.9833690390309, fit.LogLikelihood, 1e-5);
    }

    [Fact]
    public void GrouseticksPoissonWithThreeFactorsMatchesLme4()
    {
        var fit = MixedModel.Fit(GrouseFormula, GlmmReference.DataPath("grouseticks.csv"),
            new FitOptions(FactorColumns: ["YEAR"], Family: Family.Poisson()));
        Assert.Empty(GlmmReference.Compare(GlmmReference.Load("grouseticks_poisson.json"), fit));
        Assert.Equal(FamilyKind.Poisson, fit.Family.Kind);
        Assert.Same(Link.Log, fit.Link);
        Assert.Equal(7, fit.DegreesOfFreedom);
        Assert.Equal(new[] { "INDEX", "BROOD", "LOCATION" }, fit.VarianceComponents.Select(c => c.Group));
    }

    [Fact]
    public void ZValuesPValuesAndResidualsAreLme4s()
    {
        // lme4's summary and residuals(fit, type) for the cbpp fit, from data/reference/glmm/cbpp_residuals.R.
        var reference = GlmmReference.Load(Path.Combine("glmm", "cbpp_residuals.json"));
        double[] Values(string name) => reference.GetProperty(name).EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var fit = FitCbpp();
        var z = Values("z");
        var p = Values("p");
        for (int j = 0; j < fit.FixedEffects.Count; j++)
        {
            Assert.Equal(z[j], fit.FixedEffects[j].Statistic, 2e-3 * Math.Abs(z[j]));
            Assert.Equal(p[j], fit.FixedEffectPValues![j], 2e-2 * p[j]);
        }
        var fitted = Values("fitted");
        var response = Values("response_residuals");
        var deviance = Values("deviance_residuals");
        var pearson = Values("pearson_residuals");
        int n = fit.ObservationCount;
        Assert.Equal(fitted.Length, n);
        for (int i = 0; i < n; i++)
        {
            Assert.Equal(fitted[i], fit.Fitted[i], 1e-4);
            Assert.Equal(response[i], fit.Residuals[i], 1e-4);
            Assert.Equal(deviance[i], fit.DevianceResiduals![i], 1e-3);
            Assert.Equal(pearson[i], fit.PearsonResiduals![i], 1e-3);
        }
    }
}
