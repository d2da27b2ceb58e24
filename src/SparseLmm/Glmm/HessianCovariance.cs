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
    /// symmetrized. Null when the block is not positive definite. Two departures from lme4, both so that the Hessian is
    /// the objective's: β is in the centred-and-scaled coordinates of <see cref="Engine.FixedEffectScaling.Standardized"/>
    /// (a step of 1e-4 there is 1e-4 of a covariate's SD, whatever its units), and every point of the stencil runs the
    /// optimum's number of PIRLS iterations (see <see cref="GlmmObjective.StageTwo"/>).</summary>
    public static OptimumDerivatives Compute(GlmmObjective objective, double[] theta, double[] beta, int nodes,
        IReadOnlyList<double> thetaUnits)
    {
        int thetaLength = theta.Length, p = beta.Length;
        int d = thetaLength + p;
        // 10⁻⁴ of each θ's natural unit (1 for an intercept's; see ThetaScales) and of each scaled β.
        var delta = Enumerable.Range(0, d).Select(j => 1e-4 * (j < thetaLength ? thetaUnits[j] : 1)).ToArray();
        var x = theta.Concat(beta).ToArray();
        var point = new double[d];
        // Every point of the stencil takes as many PIRLS iterations as the optimum did.
        objective.StageTwo(theta, beta, nodes);
        int iterations = objective.LastPirlsIterations;
        double center = objective.StageTwo(theta, beta, nodes, iterations);
        double Evaluate(int a, double da, int b, double db)
        {
            x.CopyTo(point, 0);
            if (a >= 0) point[a] += da;
            if (b >= 0) point[b] += db;
            return objective.StageTwo(point.AsSpan(0, thetaLength), point.AsSpan(thetaLength), nodes, iterations);
        }
        // Second differences along each axis (2 evaluations each) and along each pair of axes (2 more each):
        // H_ij = [f(+i+j) + f(−i−j) − f(+i) − f(−i) − f(+j) − f(−j) + 2f] / (2δ²), as accurate as deriv12's four-point
        // formula (both O(δ²)) for half its evaluations.
        var hessian = new double[d * d];
        var gradient = new double[d];
        var plus = new double[d];
        var minus = new double[d];
        for (int j = 0; j < d; j++)
        {
            plus[j] = Evaluate(j, delta[j], -1, 0);
            minus[j] = Evaluate(j, -delta[j], -1, 0);
            gradient[j] = (plus[j] - minus[j]) / (2 * delta[j]);
            hessian[j * d + j] = (plus[j] - 2 * center + minus[j]) / (delta[j] * delta[j]);
        }
        for (int j = 0; j < d; j++)
        {
            for (int i = 0; i < j; i++)
            {
                double value = (Evaluate(i, delta[i], j, delta[j]) + Evaluate(i, -delta[i], j, -delta[j])
                    - plus[i] - minus[i] - plus[j] - minus[j] + 2 * center) / (2 * delta[i] * delta[j]);
                hessian[i * d + j] = hessian[j * d + i] = value;
            }
        }
        // Restore the state at the optimum.
        objective.StageTwo(theta, beta, nodes);
        // The centre twice (to learn the PIRLS iterations, then with them), the axes, the pairs, the restore.
        return new OptimumDerivatives(gradient, hessian, 3 + 2 * d + d * (d - 1), Covariance(hessian, thetaLength, p));
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
