using SparseLmm.Numerics;
using SparseLmm.Results;

namespace SparseLmm.Inference;

/// <summary>Cov(β̂) of a linear model with <c>diag</c>, <c>cs</c> or <c>ar1</c> terms as glmmTMB, where those come
/// from, computes it: σ²(X'V⁻¹X)⁻¹ plus the spread that the estimated covariance parameters φ = (θ, σ) pass on to β̂,
/// J C J' with J = ∂β̂(θ)/∂θ and C = 2H⁻¹ (H the Hessian of the criterion the fit minimised, β profiled). Under ML this
/// is the β block of the inverse Hessian of the deviance in (β, φ), glmmTMB's <c>vcov</c> (the Schur complement of
/// that Hessian reduces to it by the Woodbury identity, since β̂ is linear in y at fixed θ); under REML, where glmmTMB
/// integrates β out as a random effect, TMB's sdreport adds the same term to the conditional variance. lme4's
/// σ²(X'V⁻¹X)⁻¹ alone, which the unstructured terms keep, is smaller by J C J'. θ entries on a bound (an SD of 0, ρ at
/// ±1 or cs's −1/(k−1)) are held there, as glmmTMB's transformed parameters are at their limits.</summary>
internal static class StructuredFixedCovariance
{
    private const double BoundTolerance = 1e-4;

    /// <summary>The fit with glmmTMB's Cov(β̂) and standard errors when it has a structured term; as it is
    /// otherwise, or with a note when the Hessian is not positive definite.</summary>
    public static MixedModelFit Apply(MixedModelFit fit)
    {
        var model = FittedMixedModel.Of(fit);
        var evaluator = model.Evaluator();
        var parameterization = evaluator.Parameterization;
        if (!parameterization.IsStructured || fit.Sigma is not double sigma) return fit;
        int n = evaluator.RowCount, p = evaluator.FixedCount;
        bool reml = model.Reml;
        var thetaHat = fit.Theta.ToArray();
        var lower = parameterization.LowerBounds();
        var upper = parameterization.UpperBounds();
        var free = Enumerable.Range(0, thetaHat.Length)
            .Where(i => thetaHat[i] - lower[i] > BoundTolerance && upper[i] - thetaHat[i] > BoundTolerance).ToArray();
        if (p == 0 || free.Length == 0) return fit;

        // Steps as the Satterthwaite derivatives take them, kept inside the bounds (past ρ = 1 the factor's closed
        // form goes on smoothly but is no longer the structure).
        var steps = free.Select(i => Math.Min(1e-3 * Math.Max(Math.Abs(thetaHat[i]), 0.05),
            0.5 * Math.Min(thetaHat[i] - lower[i], upper[i] - thetaHat[i]))).Append(1e-3 * sigma).ToArray();
        var theta = (double[])thetaHat.Clone();
        double[] ThetaAt(double[] x)
        {
            for (int a = 0; a < free.Length; a++) theta[free[a]] = x[a];
            return theta;
        }
        double Criterion(double[] x) =>
            evaluator.Evaluate(ThetaAt(x), withCovariance: false) is { } pieces
                ? ThetaEvaluator.AtSigma(pieces, n, p, x[free.Length], reml)
                : double.NaN;
        double[] Beta(double[] x) =>
            evaluator.Evaluate(ThetaAt(x), withCovariance: false)?.Beta ?? Enumerable.Repeat(double.NaN, p).ToArray();

        var x0 = free.Select(i => thetaHat[i]).Append(sigma).ToArray();
        int m = x0.Length;
        var hessian = NumericalDerivatives.Hessian(Criterion, x0, steps);
        var inverse = SmallMatrix.Inverse(hessian, m);
        var jacobian = NumericalDerivatives.Jacobian(Beta, x0[..free.Length], steps[..free.Length], p); // [parameter][β]
        if (inverse is null || inverse.Any(v => !double.IsFinite(v)) || jacobian.Any(row => row.Any(v => !double.IsFinite(v))))
            return fit with { Notes = [.. fit.Notes, "the Hessian in the covariance parameters is not positive definite: fixed-effect standard errors are σ²(X'V⁻¹X)⁻¹ without the parameters' uncertainty"] };

        var covariance = fit.FixedEffectsCovariance.Select(row => row.ToArray()).ToArray();
        for (int a = 0; a < p; a++)
            for (int b = 0; b < p; b++)
            {
                double added = 0;
                for (int r = 0; r < free.Length; r++)
                    for (int c = 0; c < free.Length; c++)
                        added += jacobian[r][a] * 2 * inverse[r * m + c] * jacobian[c][b];
                covariance[a][b] += added;
            }
        return fit with
        {
            FixedEffectsCovariance = covariance,
            FixedEffects = fit.FixedEffects.Select((e, j) => e with { StandardError = Math.Sqrt(covariance[j][j]) }).ToList(),
        };
    }
}

/// <summary>Central-difference derivatives with one Richardson extrapolation (error O(h⁴)), for
/// <see cref="StructuredFixedCovariance"/>.</summary>
internal static class NumericalDerivatives
{
    /// <summary>The Hessian of f at x, row-major.</summary>
    public static double[] Hessian(Func<double[], double> f, double[] x, double[] steps)
    {
        var h1 = RawHessian(f, x, steps);
        var h2 = RawHessian(f, x, steps.Select(s => s / 2).ToArray());
        var result = new double[h1.Length];
        for (int i = 0; i < result.Length; i++) result[i] = (4 * h2[i] - h1[i]) / 3;
        return result;
    }

    private static double[] RawHessian(Func<double[], double> f, double[] x, double[] h)
    {
        int n = x.Length;
        var hess = new double[n * n];
        double f0 = f(x);
        double At(int i, double di, int j, double dj)
        {
            var y = (double[])x.Clone();
            y[i] += di;
            y[j] += dj;
            return f(y);
        }
        for (int i = 0; i < n; i++)
        {
            hess[i * n + i] = (At(i, h[i], i, 0) - 2 * f0 + At(i, -h[i], i, 0)) / (h[i] * h[i]);
            for (int j = 0; j < i; j++)
            {
                double v = (At(i, h[i], j, h[j]) - At(i, h[i], j, -h[j]) - At(i, -h[i], j, h[j]) + At(i, -h[i], j, -h[j]))
                    / (4 * h[i] * h[j]);
                hess[i * n + j] = hess[j * n + i] = v;
            }
        }
        return hess;
    }

    /// <summary>∂f/∂xᵢ for a vector-valued f: result[i][entry].</summary>
    public static double[][] Jacobian(Func<double[], double[]> f, double[] x, double[] steps, int outputs)
    {
        var result = new double[x.Length][];
        for (int i = 0; i < x.Length; i++)
        {
            var d1 = Difference(f, x, i, steps[i]);
            var d2 = Difference(f, x, i, steps[i] / 2);
            result[i] = new double[outputs];
            for (int e = 0; e < outputs; e++) result[i][e] = (4 * d2[e] - d1[e]) / 3;
        }
        return result;
    }

    private static double[] Difference(Func<double[], double[]> f, double[] x, int i, double h)
    {
        var plus = (double[])x.Clone();
        var minus = (double[])x.Clone();
        plus[i] += h;
        minus[i] -= h;
        var fp = f(plus);
        var fm = f(minus);
        return fp.Select((v, e) => (v - fm[e]) / (2 * h)).ToArray();
    }
}
