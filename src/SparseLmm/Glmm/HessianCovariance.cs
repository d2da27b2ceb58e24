using SparseLmm.Numerics;

namespace SparseLmm.Glmm;

/// <summary>The derivatives of a GLMM's stage-two objective at its optimum over (θ, β) (β in the centred-and-scaled
/// coordinates), from <paramref name="Evaluations"/> evaluations, and the fixed effects' covariance they give (null when
/// its block is not positive definite).</summary>
internal sealed record OptimumDerivatives(double[] Gradient, double[] Hessian, int Evaluations, double[]? Covariance);

/// <summary>The fixed effects' covariance of a GLMM fitted with nAGQ ≥ 1, from the Hessian of its deviance, whose
/// gradient and Hessian also confirm the optimum.</summary>
internal static class HessianCovariance
{
    /// <summary>Cov(β̂) as lme4's default <c>vcov</c>: the β block of 2H⁻¹, H the Hessian of the stage-two objective
    /// over (θ, β) by lme4's central differences (<c>deriv12</c>: step 1e-4 in every coordinate (of θ's natural unit), no bounds; a scalar
    /// term's deviance is even in its θ, so steps below 0 are harmless), H inverted with partial pivoting and the block
    /// symmetrized. Null when the block is not positive definite. θ is <paramref name="frame"/>'s (lme4's when it
    /// centres no term), mapped to lme4's at every point. Two departures from lme4, both so that the Hessian is
    /// the objective's (on a <see cref="CentralStencil{T}"/>, whose pair formula takes half deriv12's evaluations): β is in
    /// the centred-and-scaled coordinates of <see cref="Engine.FixedEffectScaling.Standardized"/>
    /// (a step of 1e-4 there is 1e-4 of a covariate's SD, whatever its units), and every point of the stencil runs the
    /// optimum's number of PIRLS iterations (see <see cref="GlmmObjective.StageTwo"/>).</summary>
    public static OptimumDerivatives Compute(GlmmObjective objective, Engine.CentredFrame frame, double[] theta, double[] beta,
        int nodes, IReadOnlyList<double> thetaUnits, double fixedEffectUnit)
    {
        int thetaLength = theta.Length, p = beta.Length;
        int d = thetaLength + p;
        // 10⁻⁴ of each θ's natural unit (1 for an intercept's; see ThetaScales) and of each scaled β's (η's unit per
        // SD of the covariate: 1 but for a power link on a response of extreme units).
        var delta = Enumerable.Range(0, d).Select(j => 1e-4 * (j < thetaLength ? thetaUnits[j] : fixedEffectUnit)).ToArray();
        // Every point of the stencil takes as many PIRLS iterations as the optimum did.
        var original = frame.ToOriginal(theta);
        objective.StageTwo(original, beta, nodes);
        int iterations = objective.LastPirlsIterations;
        var thetaPoint = new double[thetaLength];
        bool Evaluate(double[] point, bool singleStep, out double value)
        {
            frame.ToOriginal(point.AsSpan(0, thetaLength), thetaPoint);
            value = objective.StageTwo(thetaPoint, point.AsSpan(thetaLength), nodes, iterations);
            return true;
        }
        var stencil = CentralStencil<double>.Compute(Evaluate, [.. theta, .. beta], delta)!;
        var hessian = stencil.Hessian(value => value);
        // Restore the state at the optimum.
        objective.StageTwo(original, beta, nodes);
        // The stencil, the centre once more to learn the PIRLS iterations, and the restore.
        return new OptimumDerivatives(stencil.Gradient(value => value), hessian, CentralStencil<double>.EvaluationCount(d) + 2,
            Covariance(hessian, thetaLength, p));
    }

    private static double[]? Covariance(double[] hessian, int thetaLength, int p)
    {
        if (p == 0) return [];
        int d = thetaLength + p;
        var inverse = SmallMatrix.Inverse(hessian, d);
        if (inverse is null) return null;
        var covariance = new double[p * p];
        for (int a = 0; a < p; a++)
            for (int b = 0; b < p; b++)
                covariance[a * p + b] = inverse[(thetaLength + a) * d + thetaLength + b] + inverse[(thetaLength + b) * d + thetaLength + a];
        for (int a = 0; a < p * p; a++)
            if (!double.IsFinite(covariance[a])) return null;
        return SmallMatrix.IsPositiveDefinite(covariance, p) ? covariance : null;
    }
}
