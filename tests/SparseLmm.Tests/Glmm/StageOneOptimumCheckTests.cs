using SparseLmm.Data;
using SparseLmm.Design;
using SparseLmm.Engine;
using SparseLmm.Formulas;
using SparseLmm.Glmm;
using SparseLmm.Optimization;

namespace SparseLmm.Tests.Glmm;

/// <summary>The check a GLMM fitted with nAGQ = 0 makes of its optimum: the gradient and Hessian of the θ criterion
/// it minimised (the Laplace deviance with β in PIRLS). The lme4 nAGQ = 0 references pass it
/// (<see cref="SimulatedReferenceTests"/> holds their values to lme4's); a search stopped short must not be reported
/// converged.</summary>
public class StageOneOptimumCheckTests
{
    [Theory]
    [InlineData("binomial_nagq0", 1)]
    [InlineData("binomial_slopes_nagq0", 3)]
    [InlineData("crossed_binomial_nagq0", 2)]
    public void Lme4ReferencesConfirmTheirOptimum(string name, int thetaLength)
    {
        var (_, fit) = SimulatedReferenceTests.FitCase(name);
        var check = fit.OptimumCheck!;
        Assert.True(fit.Converged, fit.OptimizerMessage);
        Assert.True(check.Passed);
        Assert.True(check.RelativeStep < 1e-4, $"relative step {check.RelativeStep}");
        Assert.True(check.EigenvalueRatio > 0);
        Assert.Equal(thetaLength, fit.Theta.Count);
        // The stencil and the evaluation that learns the optimum's PIRLS iterations.
        Assert.Equal(1 + 2 * thetaLength + thetaLength * (thetaLength - 1) + 1, check.Evaluations);
    }

    [Fact]
    public void TheCheckPassesAtTheOptimumAndFailsAPercentAway()
    {
        // The check alone, on the stage-one criterion of the correlated-slope case: at lme4's θ̂ it passes; with the
        // intercept's SD 1 % off (ten times the tolerance, relative to the SD) it must not.
        var (reference, _) = SimulatedReferenceTests.FitCase("binomial_slopes_nagq0");
        double[] lme4Theta = [.. reference.GetProperty("theta").EnumerateArray().Select(value => value.GetDouble())];
        var data = ColumnConversions.ToCategorical(CsvReader.ReadFile(SimulatedReferenceTests.DataPath("slopes.csv")), "g");
        var design = ModelDesignBuilder.Build(FormulaParser.Parse(reference.GetProperty("formula").GetString()!), data);
        var terms = design.RandomTerms.ToList();
        var objective = new GlmmObjective(design, terms, GlmmResponse.Build(design.Response, Family.Binomial(), null, i => i + 1, null));
        objective.InitializeStageOne();
        var parameterization = objective.Parameterization;
        var units = ThetaScales.Of(terms, parameterization, 1);
        (bool Passed, double Step) CheckAt(double[] theta)
        {
            var (check, _) = CriterionCheck.Assess(point => objective.StageOne(point), GlmmObjective.FailedEvaluation, theta,
                parameterization.LowerBounds(), parameterization.UpperBounds(), units, ["theta[1]", "theta[2]", "theta[3]"]);
            return (check.Passed, check.RelativeStep);
        }
        var atOptimum = CheckAt(lme4Theta);
        Assert.True(atOptimum.Passed, $"relative step {atOptimum.Step}");
        double[] off = [.. lme4Theta];
        off[0] *= 1.01;
        var away = CheckAt(off);
        Assert.False(away.Passed, $"relative step {away.Step}");
    }

    [Fact]
    public void ASearchStoppedByTheEvaluationLimitFailsTheCheck()
    {
        var fit = SimulatedReferenceTests.FitCase("binomial_slopes_nagq0", maxEvaluations: 8).Fit;
        Assert.False(fit.OptimumCheck!.Passed);
        Assert.False(fit.Converged);
    }
}
