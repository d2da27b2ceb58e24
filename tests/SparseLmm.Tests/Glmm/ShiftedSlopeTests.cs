using System.Text.Json;
using SparseLmm.Data;
using SparseLmm.Results;

namespace SparseLmm.Tests.Glmm;

/// <summary>GLMMs with a random slope far from zero or on odd scales are the fits of the original covariate: the slope is
/// searched centred (Engine/CentredFrame) and the fit reported at the data's origin. With x' = a (x + c), the fit of
/// x' maps back by β₁ = a β₁', β₀ = β₀' + a c β₁', Σ = A Σ' Aᵀ for A = [[1, a c], [0, a]]. Before, the binomial fits
/// below stopped 0.15–0.3 log-likelihood units short at 10–49 SDs (not converged), x × 10⁻³ shifted by 30 SDs was
/// reported converged 0.44 units short (as lme4 1.1.31 reports it), and beyond 50 SDs every fit was refused.
/// References: lme4 1.1.31 on the unshifted data (data/binomial_slopes.json, binomial_slopes_nagq0.json, from
/// data/make_references.R), and for Poisson
/// <code>glmer(s ~ 1 + x + (1 + x | g), read.csv("slopes.csv"), poisson)</code>: logLik −611.339797929, β (1.607618299270,
/// 0.538516980445), SE (0.0825417475957, 0.0807265742860), SDs (0.4172909316, 0.3608510701), ρ −0.84268765.</summary>
public class ShiftedSlopeTests
{
    private static readonly double XDeviation = StandardDeviation(X(Slopes()));

    private static DataTable Slopes() => MixedModel.LoadData(SimulatedReferenceTests.DataPath("slopes.csv"));

    private static double[] X(DataTable data) => ((NumericColumn)data["x"]).Values;

    private static double StandardDeviation(double[] values)
    {
        double mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1));
    }

    /// <summary>The slopes data with x replaced by a (x + shift · SD(x)).</summary>
    private static DataTable Shifted(double shift, double scale)
    {
        var data = Slopes();
        return data.WithColumns([new NumericColumn("x", X(data).Select(x => scale * (x + shift * XDeviation)).ToArray())]);
    }

    /// <summary>The fit's β, SEs, SDs and ρ at the original x, from a fit to a (x + c).</summary>
    private static (double[] Beta, double[] Errors, double[] Deviations, double Correlation) MapBack(MixedModelFit fit, double c, double a)
    {
        var beta = fit.FixedEffects.Select(e => e.Estimate).ToArray();
        var errors = fit.FixedEffects.Select(e => e.StandardError).ToArray();
        var component = fit.VarianceComponents.Single(v => v.Group == "g");
        double s0 = component.StandardDeviations[0], s1 = component.StandardDeviations[1], rho = component.Correlations[1][0];
        double v00 = s0 * s0, v01 = rho * s0 * s1, v11 = s1 * s1;
        // Σ = A Σ' Aᵀ, A = [[1, a c], [0, a]].
        double w00 = v00 + 2 * a * c * v01 + a * a * c * c * v11, w01 = a * v01 + a * a * c * v11, w11 = a * a * v11;
        // Cov(β₀, β₁) is not reported, so the intercept's SE is not mapped; the slope's scales.
        return ([beta[0] + a * c * beta[1], a * beta[1]], [double.NaN, a * errors[1]], [Math.Sqrt(w00), Math.Sqrt(w11)],
            w01 / Math.Sqrt(w00 * w11));
    }

    private static void AssertMatches(MixedModelFit fit, double c, double a, double loglik, double[] beta, double[] errors,
        double[] deviations, double correlation)
    {
        Assert.True(fit.Converged, fit.OptimizerMessage);
        var mapped = MapBack(fit, c, a);
        // The reference comparison's tolerances (GlmmReference), the log-likelihood's tightened to 10⁻⁴ below: PIRLS
        // stops by lme4's rule, whose criterion lies a few 10⁻⁴ from the exact one, so nAGQ = 0 (each PIRLS starting
        // where it ended at θ = 1, another point in the centred frame) ends 1.5·10⁻⁴ above lme4's.
        Assert.InRange(fit.LogLikelihood, loglik - 1e-4, loglik + 2e-3);
        Assert.Equal(beta[0], mapped.Beta[0], 2e-3 * errors[0]);
        Assert.Equal(beta[1], mapped.Beta[1], 2e-3 * errors[1]);
        Assert.Equal(errors[1], mapped.Errors[1], 2e-3 * errors[1]);
        double scale = deviations.Max();
        Assert.Equal(deviations[0], mapped.Deviations[0], 2e-3 * scale);
        Assert.Equal(deviations[1], mapped.Deviations[1], 2e-3 * scale);
        Assert.Equal(correlation, mapped.Correlation, 2e-3);
    }

    public static TheoryData<double, double> Shifts => new()
    {
        { 10, 1 }, { 49, 1 }, { 200, 1 }, { -900, 1 }, { 30, 1e-3 }, { 30, 1e3 },
    };

    [Theory]
    [MemberData(nameof(Shifts))]
    public void ABinomialSlopeShiftedOrRescaledGivesLme4sUnshiftedFit(double shift, double scale)
    {
        foreach (var name in new[] { "binomial_slopes", "binomial_slopes_nagq0" })
        {
            var reference = JsonDocument.Parse(File.ReadAllText(SimulatedReferenceTests.DataPath(name + ".json"))).RootElement;
            int nodes = reference.GetProperty("nAGQ").GetInt32();
            var fit = MixedModel.Fit("cbind(s, n - s) ~ 1 + x + (1 + x | g)", Shifted(shift, scale),
                new FitOptions(Family: Family.Binomial(), QuadratureNodes: nodes));
            var fixef = reference.GetProperty("fixef");
            var group = reference.GetProperty("varcorr")[0];
            AssertMatches(fit, shift * XDeviation, scale, reference.GetProperty("loglik").GetDouble(),
                Doubles(fixef.GetProperty("estimate")), Doubles(fixef.GetProperty("stderr")), Doubles(group.GetProperty("sd")),
                group.GetProperty("corr")[1][0].GetDouble());
        }
    }

    [Theory]
    [MemberData(nameof(Shifts))]
    public void APoissonSlopeShiftedOrRescaledGivesLme4sUnshiftedFit(double shift, double scale)
    {
        var fit = MixedModel.Fit("s ~ 1 + x + (1 + x | g)", Shifted(shift, scale), new FitOptions(Family: Family.Poisson()));
        AssertMatches(fit, shift * XDeviation, scale, -611.339797929, [1.607618299270, 0.538516980445],
            [0.0825417475957, 0.0807265742860], [0.4172909316, 0.3608510701], -0.84268765);
    }

    [Theory]
    [InlineData(1100, 1)]
    [InlineData(1e7, 1e-3)]
    public void ABinomialSlopeBeyondTheCentredSearchsReachIsRefusedWithTheCentring(double shift, double scale)
    {
        var e = Assert.Throws<InputException>(() => MixedModel.Fit("cbind(s, n - s) ~ 1 + x + (1 + x | g)", Shifted(shift, scale),
            new FitOptions(Family: Family.Binomial())));
        Assert.Contains("(1 + x | g)", e.Message);
        Assert.Contains("above 1000", e.Message);
        Assert.Contains("centre it", e.Message);
    }

    private static double[] Doubles(JsonElement array) => array.EnumerateArray().Select(e => e.GetDouble()).ToArray();
}
