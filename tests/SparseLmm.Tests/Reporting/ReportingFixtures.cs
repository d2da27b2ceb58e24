using SparseLmm.Results;

namespace SparseLmm.Tests.Reporting;

/// <summary>Hand-made fits with lme4's numbers, so that the reports can be tested without the engine.</summary>
internal static class ReportingFixtures
{
    /// <summary>lme4's REML fit of Reaction ~ 1 + Days + (1 + Days | Subject) to sleepstudy (lme4 1.1.31), with five
    /// residuals chosen so that the scaled residual quantiles are those lme4 prints.</summary>
    public static MixedModelFit SleepstudyReml(Func<MixedModelFit, MixedModelFit>? change = null)
    {
        const double sigma = 25.5917957216753;
        double[] se = [6.82459669495491, 1.54578964390598];
        const double fixedCorrelation = -0.1375;
        double[] scaled = [-3.9536, -0.4634, 0.0231, 0.4634, 5.1793];
        var residuals = scaled.Select(r => r * sigma).ToArray();
        var levels = new[] { "308", "309" };
        var fit = new MixedModelFit
        {
            Formula = "Reaction ~ 1 + Days + (1 + Days | Subject)",
            ResponseName = "Reaction",
            Method = EstimationMethod.Reml,
            ObservationCount = 180,
            DroppedRowCount = 0,
            GroupCounts = [new GroupCount("Subject", 18)],
            FixedEffects =
            [
                new FixedEffect("(Intercept)", 251.405104848485, se[0]),
                new FixedEffect("Days", 10.467285959596, se[1]),
            ],
            FixedEffectsCovariance =
            [
                [se[0] * se[0], fixedCorrelation * se[0] * se[1]],
                [fixedCorrelation * se[0] * se[1], se[1] * se[1]],
            ],
            Theta = [0.966741773967412, 0.0151690588960361, 0.230909953207795],
            Sigma = sigma,
            VarianceComponents =
            [
                new VarianceComponent("Subject", ["(Intercept)", "Days"], [24.7406579949841, 5.92213765889808],
                    [[1, 0.0655512382381282], [0.0655512382381282, 1]]),
            ],
            RandomEffects = new Dictionary<string, GroupRandomEffects>
            {
                ["Subject"] = new("Subject", levels, ["(Intercept)", "Days"],
                    [[2.25855094990116, 9.1989757655659], [-40.3987380788051, -8.61968061524321]],
                    [[12.0708569505143, 2.30483902090028], [12.0708569505143, 2.30483902090028]]),
            },
            LogLikelihood = -871.814135979976,
            DegreesOfFreedom = 6,
            IsSingular = false,
            Converged = true,
            Timing = new FitTiming(3.5, 29),
            Response = residuals.Select(r => 250 + r).ToArray(),
            Fitted = residuals.Select(_ => 250.0).ToArray(),
            Residuals = residuals,
            MarginalResiduals = residuals,
        };
        return change is null ? fit : change(fit);
    }

    /// <summary>The ML fit of the same model (lme4: AIC 1763.9, BIC 1783.1, logLik −876.0, deviance 1751.9).</summary>
    public static MixedModelFit SleepstudyMl() => SleepstudyReml(f => f with
    {
        Method = EstimationMethod.MaximumLikelihood,
        LogLikelihood = -875.969672803252,
        Sigma = 25.5918,
    });
}
