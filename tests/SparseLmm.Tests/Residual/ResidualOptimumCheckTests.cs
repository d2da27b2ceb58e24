using SparseLmm.Data;
using SparseLmm.Tests.Reference;

namespace SparseLmm.Tests.Residual;

/// <summary>The check a fit with a residual structure makes of its optimum: the gradient and Hessian of its objective
/// over θ, the log variance ratios and ρ. The nlme reference cases pass it (<see cref="NlmeReferenceTests"/>, which also
/// holds their values to nlme's); a search stopped short must not be reported converged.</summary>
public sealed class ResidualOptimumCheckTests
{
    private static DataTable Orthodont => MixedModel.LoadData(Path.Combine(TestData.Directory, "csv", "Orthodont.csv"));

    private static FitOptions Options(int maxEvaluations = 10_000, bool corAR1 = true) => new(Reml: false)
    {
        Residual = ResidualStructure.Parse("varIdent(~ 1 | Sex)", corAR1 ? "corAR1(~ age | Subject)" : null),
        MaxEvaluations = maxEvaluations,
    };

    [Fact]
    public void TheCheckCoversThetaTheRatiosAndRho()
    {
        // θ: the intercept's SD and the slope's entries (3), one log ratio (Male to Female), ρ: 5 parameters.
        var fit = MixedModel.Fit("distance ~ age + Sex + (1 + age | Subject)", Orthodont, Options());
        var check = fit.OptimumCheck!;
        Assert.True(fit.Converged, fit.OptimizerMessage);
        Assert.True(check.Passed);
        Assert.True(check.RelativeStep < 1e-4, $"relative step {check.RelativeStep}");
        Assert.True(check.EigenvalueRatio > 0);
        const int m = 5;
        Assert.Equal(1 + 2 * m + m * (m - 1), check.Evaluations);
    }

    [Fact]
    public void ASearchStoppedByTheEvaluationLimitFailsTheCheck()
    {
        var fit = MixedModel.Fit("distance ~ age + Sex + (1 + age | Subject)", Orthodont, Options(maxEvaluations: 12));
        Assert.False(fit.OptimumCheck!.Passed);
        Assert.False(fit.Converged);
    }

    [Fact]
    public void ASlopeCovariateInLargeUnitsGivesTheSameFit()
    {
        // Age in thousandths of a year: the likelihood's optimum is the original's (the units of a covariate only
        // rescale the slope's θ). The search over unscaled θ stopped 3.4 log-likelihood units short, which the
        // optimiser alone called converged and the check refused; over θ's natural units it finds the optimum.
        var original = MixedModel.Fit("distance ~ age + Sex + (1 + age | Subject)", Orthodont, Options(corAR1: false));
        var age = ((NumericColumn)Orthodont["age"]).Values;
        var scaled = Orthodont.WithColumns([new NumericColumn("age", age.Select(a => 1000 * a).ToArray())]);
        var fit = MixedModel.Fit("distance ~ age + Sex + (1 + age | Subject)", scaled, Options(corAR1: false));
        Assert.True(original.Converged);
        Assert.True(fit.Converged, fit.OptimizerMessage);
        Assert.True(fit.OptimumCheck!.Passed);
        Assert.Equal(original.LogLikelihood, fit.LogLikelihood, 1e-6);
        Assert.Equal(original.VarianceComponents[0].StandardDeviations[1], 1000 * fit.VarianceComponents[0].StandardDeviations[1], 1e-4);
    }

    [Fact]
    public void TheSummaryAndJsonSayWhy()
    {
        var data = Path.Combine(TestData.Directory, "csv", "Orthodont.csv");
        var result = Cli.CliRunner.Run("fit", data, "distance ~ age + Sex + (1 + age | Subject)", "--ml",
            "--variance", "varIdent(~ 1 | Sex)", "--correlation", "corAR1(~ age | Subject)", "--max-evaluations", "12", "--json");
        Assert.Equal(3, result.ExitCode);
        Assert.Contains("\"optimum_check\"", result.Stdout);
        Assert.Contains("\"converged\": false", result.Stdout);
    }
}
