using SparseLmm.Data;
using SparseLmm.Design;
using SparseLmm.Engine;
using SparseLmm.Formulas;
using SparseLmm.Inference;
using SparseLmm.Optimization;

namespace SparseLmm.Tests.Engine;

/// <summary>The check every linear mixed model fit makes of its optimum (gradient and Hessian of the profiled criterion
/// on one finite-difference stencil), the natural units the search runs in, and Satterthwaite's df from the same
/// stencil.</summary>
public class OptimumCheckTests
{
    private const string Sleep = "Reaction ~ 1 + Days + (1 + Days | Subject)";

    private static DataTable SleepstudyWithDaysTimes(double factor)
    {
        var data = EmbeddedDatasets.Load("sleepstudy");
        var days = ((NumericColumn)data["Days"]).Values;
        return data.WithColumns([new NumericColumn("Days", days.Select(d => factor * d).ToArray())]);
    }

    [Theory]
    [InlineData("sleepstudy", Sleep, false)]
    [InlineData("sleepstudy", Sleep, true)]
    [InlineData("Penicillin", "diameter ~ 1 + (1 | plate) + (1 | sample)", true)]
    [InlineData("Pastes", "strength ~ 1 + (1 | batch/cask)", true)]
    [InlineData("Dyestuff2", "Yield ~ 1 + (1 | Batch)", true)]
    public void ReferenceFitsConfirmTheirOptimum(string data, string formula, bool reml)
    {
        var fit = MixedModel.Fit(formula, EmbeddedDatasets.Load(data), new FitOptions(Reml: reml));
        var check = fit.OptimumCheck!;
        Assert.True(check.Passed);
        Assert.True(fit.Converged);
        Assert.True(check.RelativeStep < 1e-4, $"relative step {check.RelativeStep}");
        Assert.True(check.EigenvalueRatio > 0);
        int m = fit.Theta.Count;
        // The stencil, and the Newton step from its centre unless every parameter is held at a bound.
        int newtonStep = check.ParametersAtBound == m ? 0 : 1;
        Assert.Equal(1 + 2 * m + m * (m - 1) + newtonStep, check.Evaluations);
    }

    [Fact]
    public void ASingularFitHoldsItsZeroVarianceOnTheBound()
    {
        var fit = MixedModel.Fit("Yield ~ 1 + (1 | Batch)", EmbeddedDatasets.Load("Dyestuff2"));
        Assert.Equal(0, fit.Theta[0]);
        Assert.Equal(1, fit.OptimumCheck!.ParametersAtBound);
    }

    [Theory]
    [InlineData(1e5)]
    [InlineData(1e-5)]
    public void DaysInOtherUnitsGiveTheSameFit(double factor)
    {
        // lme4 1.1-31 on Days × 10⁵: log-likelihood −902.555 (REML; the optimum is −883.327), θ (2.70, 2.1e-6, 0),
        // "boundary (singular) fit", i.e. 19 log-likelihood units short and reported as a fit.
        var original = MixedModel.Fit(Sleep, EmbeddedDatasets.Load("sleepstudy"), new FitOptions(Reml: false));
        var fit = MixedModel.Fit(Sleep, SleepstudyWithDaysTimes(factor), new FitOptions(Reml: false));
        Assert.True(fit.Converged, fit.OptimizerMessage);
        Assert.Equal(original.LogLikelihood, fit.LogLikelihood, 1e-6);
        Assert.Equal(original.Theta[0], fit.Theta[0], 1e-4);
        Assert.Equal(original.Theta[1], factor * fit.Theta[1], 1e-4);
        Assert.Equal(original.Theta[2], factor * fit.Theta[2], 1e-4);
        // The slope's SE scales with the units; its t value does not.
        Assert.Equal(original.FixedEffects[1].Statistic, fit.FixedEffects[1].Statistic, 1e-4);
    }

    [Fact]
    public void SatterthwaiteReusesTheFitsStencilWhenThetaIsItsCentre()
    {
        // Dyestuff2's θ̂ is on its bound 0, where the Newton step cannot move it: the fit carries the check's stencil.
        var fit = MixedModel.Fit("Yield ~ 1 + (1 | Batch)", EmbeddedDatasets.Load("Dyestuff2"));
        Assert.NotNull(fit.Stencil);
        Assert.Equal(fit.Theta, fit.Stencil.Serves);
        var carried = FixedEffectTests.Satterthwaite(fit);
        var recomputed = FixedEffectTests.Satterthwaite(fit with { Stencil = null });
        for (int j = 0; j < carried.Length; j++) Assert.Equal(recomputed[j], carried[j], 1e-9 * recomputed[j]);
        // lmerTest 3.1.3: 28.9999999994 (no batch variance: the 30 rows' residual df).
        Assert.Equal(28.9999999994, carried[0], 1e-6);
    }

    [Fact]
    public void AResponseThatIsAnExactFunctionOfTheModelIsNotAFit()
    {
        // y = 2 + x/2 + g/10 exactly: the likelihood grows without bound as σ → 0, and the search stops where rounding
        // flattens it; no θ̂ there is an estimate.
        var random = new Random(3);
        int rows = 240;
        var g = Enumerable.Range(0, rows).Select(i => i / 8).ToArray();
        var x = Enumerable.Range(0, rows).Select(_ => 10 * random.NextDouble()).ToArray();
        var table = new DataTable(
        [
            new NumericColumn("y", Enumerable.Range(0, rows).Select(i => 2 + 0.5 * x[i] + 0.1 * g[i]).ToArray()),
            new NumericColumn("x", x),
            new CategoricalColumn("g", g, Enumerable.Range(0, 30).Select(l => $"g{l}").ToArray()),
        ]);
        var fit = MixedModel.Fit("y ~ x + (1 | g)", table);
        Assert.False(fit.Converged);
        Assert.Contains("reproduces the response up to rounding", fit.OptimizerMessage);
    }

    [Fact]
    public void AFitStoppedByTheEvaluationLimitIsNotConverged()
    {
        var fit = MixedModel.Fit(Sleep, EmbeddedDatasets.Load("sleepstudy"), new FitOptions { MaxEvaluations = 8 });
        Assert.False(fit.Converged);
        Assert.NotEmpty(fit.OptimizerMessage);
    }

    [Fact]
    public void AFailedCheckRestartsFromItsNewtonPoint()
    {
        // A search that stopped on its own criterion 3 % off θ̂ (as a flat stage can): the check fails there, and the
        // Newton steps from it, each confirmed by a new check, lead back to the optimum.
        var design = ModelDesignBuilder.Build(FormulaParser.Parse(Sleep), EmbeddedDatasets.Load("sleepstudy"));
        var fit = LinearMixedModelFitter.Fit(design, reml: false, threads: null, out var products);
        var deviance = new ProfiledDeviance(products, reml: false);
        var units = ThetaScales.Of(products, deviance.Parameterization);
        var start = fit.Theta.Select(t => 1.03 * t).ToArray();
        double startValue = deviance.Evaluate(start);

        var refused = LinearMixedModelFitter.ConfirmOptimum(deviance, deviance.Evaluate, products.LogWeightSum,
            products.Layout.Terms, start, startValue, CentredFrame.Of(products, deviance.Parameterization), units,
            new FitMonitor(), rescue: false);
        Assert.False(refused.Check.Passed);
        Assert.NotNull(refused.Problem);
        Assert.Equal(start, refused.Theta);

        var rescued = LinearMixedModelFitter.ConfirmOptimum(deviance, deviance.Evaluate, products.LogWeightSum,
            products.Layout.Terms, start, startValue, CentredFrame.Of(products, deviance.Parameterization), units,
            new FitMonitor(), rescue: true);
        Assert.True(rescued.Check.Passed, rescued.Problem);
        Assert.True(rescued.Check.Evaluations > 2 * CentralStencilEvaluations(fit.Theta.Count));
        for (int i = 0; i < fit.Theta.Count; i++) Assert.Equal(fit.Theta[i], rescued.Theta[i], 1e-5);
        // The stencil comes back only centred at the θ̂ returned (the last Newton step moved θ̂ off it here).
        if (rescued.Stencil is { } stencil) Assert.Equal(rescued.Theta, stencil.Serves);
    }

    private static int CentralStencilEvaluations(int m) => 1 + 2 * m + m * (m - 1);

    [Fact]
    public void TheSolutionFromTheHeldFactorIsTheSolutionAtItsTheta()
    {
        // The fit solves with the factor its last evaluation left when that was at θ̂, instead of factoring again.
        var design = ModelDesignBuilder.Build(FormulaParser.Parse(Sleep), EmbeddedDatasets.Load("sleepstudy"));
        var fit = LinearMixedModelFitter.Fit(design, reml: true, threads: null, out var products);
        var deviance = new ProfiledDeviance(products, reml: true);
        var theta = fit.Theta.ToArray();
        Assert.False(deviance.LastFactored(theta));
        var computed = ModeSolution.Compute(deviance, theta);
        Assert.True(deviance.LastFactored(theta));
        Assert.False(deviance.LastFactored([theta[0] + 1e-12, theta[1], theta[2]]));
        var held = ModeSolution.FromFactor(deviance);
        Assert.Equal(computed.Beta, held.Beta);
        Assert.Equal(computed.PenalizedResidualSquares, held.PenalizedResidualSquares);
        Assert.False(deviance.FactorAt([double.NaN, 0, 1]));
        Assert.False(deviance.LastFactored(theta));
    }

    private static DataTable SleepstudyWithDaysPlus(double shift)
    {
        var data = EmbeddedDatasets.Load("sleepstudy");
        var days = ((NumericColumn)data["Days"]).Values;
        return data.WithColumns([new NumericColumn("Days", days.Select(d => d + shift).ToArray())]);
    }

    [Theory]
    [InlineData(200.0, true)]
    [InlineData(200.0, false)]
    [InlineData(-2000.0, true)]
    [InlineData(2000.0, false)]
    public void ShiftingARandomSlopeGivesTheSameFitAtTheNewOrigin(double shift, bool reml)
    {
        // Days + 200 is 70 SDs from zero: lme4's coordinates have a correlation within 10⁻⁴ of −1 there, which the search
        // did not resolve; it runs with the slope centred (CentredFrame) and reports lme4's θ at the new origin.
        var original = MixedModel.Fit(Sleep, EmbeddedDatasets.Load("sleepstudy"), new FitOptions(Reml: reml));
        var fit = MixedModel.Fit(Sleep, SleepstudyWithDaysPlus(shift), new FitOptions(Reml: reml));
        Assert.True(fit.Converged, fit.OptimizerMessage);
        Assert.Equal(original.LogLikelihood, fit.LogLikelihood, 1e-6);
        Assert.Equal(original.FixedEffects[1].Estimate, fit.FixedEffects[1].Estimate, 1e-5);
        Assert.Equal(original.FixedEffects[1].StandardError, fit.FixedEffects[1].StandardError, 1e-5);
        var (before, after) = (original.VarianceComponents[0], fit.VarianceComponents[0]);
        Assert.Equal(before.StandardDeviations[1], after.StandardDeviations[1], 1e-4);
        // The intercept at the new origin is b₀ − shift·b₁: var σ₀² − 2·shift·σ₀₁ + shift²σ₁².
        double s0 = before.StandardDeviations[0], s1 = before.StandardDeviations[1], covariance = before.Correlations[1][0] * s0 * s1;
        double expected = s0 * s0 - 2 * shift * covariance + shift * shift * s1 * s1;
        Assert.Equal(Math.Sqrt(expected), after.StandardDeviations[0], 1e-5 * Math.Sqrt(expected));
        double covarianceAfter = after.Correlations[1][0] * after.StandardDeviations[0] * after.StandardDeviations[1];
        Assert.Equal(covariance - shift * s1 * s1, covarianceAfter, 1e-5 * Math.Abs(shift) * s1 * s1);
        // A streamed fit, which keeps no model matrix, centres from the cross-products.
        using var source = DataSource.FromTable(SleepstudyWithDaysPlus(shift), 50);
        var streamed = MixedModel.FitStreamed(Sleep, source, new FitOptions(Reml: reml));
        Assert.True(streamed.Converged, streamed.OptimizerMessage);
        Assert.Equal(original.LogLikelihood, streamed.LogLikelihood, 1e-6);
    }
}
