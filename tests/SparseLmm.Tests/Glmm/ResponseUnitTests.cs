using System.Text.Json;
using SparseLmm.Data;

namespace SparseLmm.Tests.Glmm;

/// <summary>With a power link (here Gamma's inverse) η carries the response's units, so y × c divides β, the random
/// effects and θ by c and moves the log-likelihood by −n log c; the search measures θ (and the Hessian's steps in β) in
/// η's unit, |g(ȳ)|, so the fit is lme4's for any c. Before, y × 10⁸ was refused ("PIRLS failed at every θ tried") and
/// y × 10⁻⁸ stopped 112 log-likelihood units short, not converged; lme4 1.1.31 fails on the first ("Downdated VtV is not
/// positive definite"). Reference: lme4 on the unscaled data (data/gamma_inverse.json, from data/make_references.R).</summary>
public class ResponseUnitTests
{
    [Theory]
    [InlineData(1e8)]
    [InlineData(1e-8)]
    [InlineData(1e3)]
    public void AGammaInverseFitOfAResponseInOtherUnitsIsLme4sFitInTheseUnits(double c)
    {
        var reference = JsonDocument.Parse(File.ReadAllText(SimulatedReferenceTests.DataPath("gamma_inverse.json"))).RootElement;
        var data = MixedModel.LoadData(SimulatedReferenceTests.DataPath("gamma.csv"));
        var scaled = data.WithColumns([new NumericColumn("y", ((NumericColumn)data["y"]).Values.Select(y => y * c).ToArray())]);
        var fit = MixedModel.Fit(reference.GetProperty("formula").GetString()!, scaled, new FitOptions(Family: Family.Gamma(Link.Inverse)));
        Assert.True(fit.Converged, fit.OptimizerMessage);
        int n = reference.GetProperty("nobs").GetInt32();
        Assert.Equal(reference.GetProperty("loglik").GetDouble() - n * Math.Log(c), fit.LogLikelihood, 1e-4);
        var fixef = reference.GetProperty("fixef");
        for (int j = 0; j < 2; j++)
        {
            double estimate = fixef.GetProperty("estimate")[j].GetDouble(), error = fixef.GetProperty("stderr")[j].GetDouble();
            // GlmmReference's tolerances, in the scaled units.
            Assert.Equal(estimate / c, fit.FixedEffects[j].Estimate, 2e-3 * error / c);
            Assert.Equal(error / c, fit.FixedEffects[j].StandardError, 2e-3 * error / c);
        }
        double sd = reference.GetProperty("varcorr")[0].GetProperty("sd")[0].GetDouble();
        double sigma = reference.GetProperty("sigma").GetDouble();
        Assert.Equal(sd / c, fit.VarianceComponents.Single().StandardDeviations[0], 2e-3 * Math.Max(sd, sigma) / c);
        Assert.Equal(sigma, fit.Sigma!.Value, 2e-3 * Math.Max(sd, sigma));
    }
}
