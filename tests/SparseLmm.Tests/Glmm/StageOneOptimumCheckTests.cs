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
    public void ASearchStoppedByTheEvaluationLimitFailsTheCheck()
    {
        var fit = SimulatedReferenceTests.FitCase("binomial_slopes_nagq0", maxEvaluations: 8).Fit;
        Assert.False(fit.OptimumCheck!.Passed);
        Assert.False(fit.Converged);
    }
}
