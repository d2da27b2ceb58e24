using SparseLmm.Reporting;
using SparseLmm.Results;

namespace SparseLmm.Tests.Reporting;

/// <summary>The lme4-style part of the summary (SummaryWriter, before the df, p-values and intervals are added) of
/// hand-made fits, compared with what lme4 prints (trailing blanks removed).</summary>
public class SummaryTests
{
    private static string[] Lines(string text) => text.Split('\n');

    [Fact]
    public void Reml_summary_reads_like_lme4()
    {
        string expected = """
            Linear mixed model fit by REML ['lmerMod']
            Formula: Reaction ~ 1 + Days + (1 + Days | Subject)
               Data: sleepstudy

            REML criterion at convergence: 1743.6

            Scaled residuals:
                Min      1Q  Median      3Q     Max
            -3.9536 -0.4634  0.0231  0.4634  5.1793

            Random effects:
             Groups   Name        Variance Std.Dev. Corr
             Subject  (Intercept) 612.10   24.741
                      Days         35.07    5.922   0.07
             Residual             654.94   25.592
            Number of obs: 180, groups:  Subject, 18

            Fixed effects:
                        Estimate Std. Error t value
            (Intercept)  251.405      6.825  36.838
            Days          10.467      1.546   6.771

            Correlation of Fixed Effects:
                 (Intr)
            Days -0.138

            Optimizer: 29 objective evaluations, converged

            """.Replace("\r\n", "\n");
        Assert.Equal(expected, SummaryWriter.Write(ReportingFixtures.SleepstudyReml(), "sleepstudy"));
    }

    [Fact]
    public void Ml_summary_shows_the_information_criteria_table()
    {
        var lines = Lines(SummaryWriter.Write(ReportingFixtures.SleepstudyMl(), null));
        Assert.Equal("Linear mixed model fit by maximum likelihood  ['lmerMod']", lines[0]);
        Assert.Equal("Formula: Reaction ~ 1 + Days + (1 + Days | Subject)", lines[1]);
        Assert.Equal("", lines[2]);
        Assert.Equal("     AIC      BIC   logLik deviance df.resid", lines[3]);
        Assert.Equal("  1763.9   1783.1   -876.0   1751.9      174", lines[4]);
        Assert.DoesNotContain(lines, l => l.StartsWith("REML criterion", StringComparison.Ordinal));
    }

    [Fact]
    public void Summary_without_data_name_has_no_data_line()
    {
        Assert.DoesNotContain("Data:", SummaryWriter.Write(ReportingFixtures.SleepstudyReml(), null));
    }

    [Fact]
    public void Uncorrelated_terms_on_one_factor_get_unique_group_names()
    {
        var fit = ReportingFixtures.SleepstudyReml(f => f with
        {
            Formula = "Reaction ~ 1 + Days + (1 + Days || Subject)",
            Theta = [0.979896527914237, 0.234231225347045],
            Sigma = 25.5652792015696,
            VarianceComponents =
            [
                new VarianceComponent("Subject", ["(Intercept)"], [25.0513283247761], [[1.0]]),
                new VarianceComponent("Subject", ["Days"], [5.98818667372297], [[1.0]]),
            ],
        });
        var lines = Lines(SummaryWriter.Write(fit, null));
        int start = Array.IndexOf(lines, "Random effects:");
        Assert.Equal(" Groups    Name        Variance Std.Dev.", lines[start + 1]);
        Assert.Equal(" Subject   (Intercept) 627.57   25.051", lines[start + 2]);
        Assert.Equal(" Subject.1 Days         35.86    5.988", lines[start + 3]);
        Assert.Equal(" Residual              653.58   25.565", lines[start + 4]);
    }

    [Fact]
    public void Notes_icc_and_nonconvergence_are_listed_at_the_end()
    {
        var fit = ReportingFixtures.SleepstudyReml(f => f with
        {
            DroppedRowCount = 3,
            IsSingular = true,
            Converged = false,
            OptimizerMessage = "maximum number of evaluations reached",
            AliasedFixedEffects = ["x2"],
            IntraclassCorrelation = 0.4836,
        });
        var text = SummaryWriter.Write(fit, null);
        Assert.Contains("\nICC: 0.4836\n", text);
        Assert.Contains("Optimizer: 29 objective evaluations, did not converge", text);
        Assert.Contains("3 rows dropped for missing values; 180 used", text);
        Assert.Contains("boundary (singular) fit: see help('isSingular')", text);
        Assert.Contains("rank deficient", text);
        Assert.Contains("maximum number of evaluations reached", text);
    }

    [Fact]
    public void Engine_notes_are_not_repeated()
    {
        var fit = ReportingFixtures.SleepstudyReml(f => f with
        {
            IsSingular = true,
            Notes = ["boundary (singular) fit: see help('isSingular')"],
        });
        var text = SummaryWriter.Write(fit, null);
        Assert.Equal(1, text.Split("isSingular").Length - 1);
    }

    [Fact]
    public void Single_fixed_effect_has_no_correlation_section()
    {
        var fit = ReportingFixtures.SleepstudyReml(f => f with
        {
            FixedEffects = [new FixedEffect("(Intercept)", 60.0533333333354, 0.676870215074031)],
            FixedEffectsCovariance = [[0.676870215074031 * 0.676870215074031]],
        });
        var text = SummaryWriter.Write(fit, null);
        Assert.Contains("\n(Intercept)  60.0533     0.6769   88.72\n", text);
        Assert.DoesNotContain("Correlation of Fixed Effects", text);
    }

    [Fact]
    public void Three_term_correlations_fill_a_lower_triangle()
    {
        var fit = ReportingFixtures.SleepstudyReml(f => f with
        {
            VarianceComponents =
            [
                new VarianceComponent("g", ["(Intercept)", "x", "z"], [1.0, 2.0, 3.0],
                    [[1, -0.5, 0.25], [-0.5, 1, 0.3], [0.25, 0.3, 1]]),
            ],
        });
        var lines = Lines(SummaryWriter.Write(fit, null));
        int start = Array.IndexOf(lines, "Random effects:");
        Assert.Equal(" Groups   Name        Variance Std.Dev. Corr", lines[start + 1]);
        Assert.Equal(" g        (Intercept)   1.0     1.00", lines[start + 2]);
        Assert.Equal("          x             4.0     2.00    -0.50", lines[start + 3]);
        Assert.Equal("          z             9.0     3.00     0.25  0.30", lines[start + 4]);
        Assert.Equal(" Residual             654.9    25.59", lines[start + 5]);
    }

    [Fact]
    public void Generalized_fit_shows_family_and_z_tests()
    {
        var fit = ReportingFixtures.SleepstudyReml(f => f with
        {
            Formula = "cbind(incidence, size - incidence) ~ 1 + period + (1 | herd)",
            Family = Family.Binomial(Link.Logit),
            Method = EstimationMethod.Laplace,
            Sigma = null,
            FixedEffects =
            [
                new FixedEffect("(Intercept)", -1.39834286447115, 0.231214048099463),
                new FixedEffect("period2", -0.991924974975739, 0.303150644541277),
            ],
            FixedEffectsCovariance = [[0.0535, -0.02], [-0.02, 0.0919]],
            VarianceComponents = [new VarianceComponent("herd", ["(Intercept)"], [0.642069927729179], [[1.0]])],
            GroupCounts = [new GroupCount("herd", 15)],
            LogLikelihood = -92.0265663895303,
            DegreesOfFreedom = 5,
        });
        var text = SummaryWriter.Write(fit, null);
        var lines = Lines(text);
        Assert.Equal("Generalized linear mixed model fit by maximum likelihood (Laplace Approximation) ['glmerMod']", lines[0]);
        Assert.Equal(" Family: binomial  ( logit )", lines[1]);
        Assert.Contains("            Estimate Std. Error z value Pr(>|z|)", text);
        Assert.Contains("(Intercept)  -1.3983     0.2312  -6.048 1.47e-09 ***", text);
        Assert.Contains("period2      -0.9919     0.3032  -3.272  0.00107 **", text);
        Assert.Contains("Signif. codes:", text);

        // format.pval: p values down to 1e-4 share a fixed format, smaller ones are scientific (lme4's cbpp summary).
        Assert.Equal(new[] { "1.47e-09", "0.001068", "0.000474", "0.000182" },
            SparseLmm.Reporting.RNumberFormat.FormatPValues([1.466e-09, 0.0010677, 0.00047441, 0.00018177], 3));
        Assert.DoesNotContain("Residual", text);
        Assert.DoesNotContain("Scaled residuals", text);
    }
}
