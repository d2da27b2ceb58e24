using SparseLmm.Engine;
using SparseLmm.Numerics;

namespace SparseLmm.Inference;

/// <summary>Satterthwaite's degrees of freedom for each fixed effect, as lmerTest computes them: with varpar = (θ, σ),
/// df = 2 Var(β̂ⱼ)² / (∇ⱼ' A ∇ⱼ), ∇ⱼ the gradient of Var(β̂ⱼ) = σ² [(L_X L_X')⁻¹]ⱼⱼ in varpar and A = 2 H⁻¹ the
/// asymptotic covariance of varpar (H the Hessian of the ML deviance or REML criterion in varpar).
/// <para>The criterion is D(θ) + c log(2πσ²) + r²(θ)/σ² (D the log-determinants, c = n or n − p), so every derivative
/// in σ is exact from D, r² and their derivatives in θ, and only θ is differenced, on the <see cref="OptimumStencil"/>
/// the fit evaluated to confirm its optimum when it serves θ̂ (its centre, or within a small polishing step of it): the
/// df then cost no factorization of their own. When the fit carries none (a rescue's Newton step moved θ̂ off the
/// centre, or <c>with</c> changed θ) they evaluate one at θ̂, 1 + m² factorizations for m θ's
/// (<see cref="CentralStencil{T}.EvaluationCount"/>).</para></summary>
internal static class SatterthwaiteDf
{
    public static double[] Compute(FittedMixedModel model)
    {
        var fit = model.Fit;
        int n = model.Source.Design.RowCount, p = model.Source.Design.FixedEffectCount, m = fit.Theta.Count;
        double sigma = fit.Sigma ?? double.NaN, s2 = sigma * sigma;
        bool reml = model.Reml;
        var stencil = fit.Stencil is { } carried && carried.Serves.SequenceEqual(fit.Theta)
            ? carried
            : ComputeStencil(model.Evaluator(), fit.Theta, model.Source.Products, model.Source.Parameterization);
        if (stencil is null) return Nan(p);
        double LogDeterminants(ThetaPieces pieces) => pieces.LogDetRandom + (reml ? pieces.LogDetFixed : 0);
        static double ResidualSquares(ThetaPieces pieces) => pieces.PenalizedResidualSquares;
        // Hessians of D and r² in θ, the gradient of r², the Jacobian of the diagonal of (L_X L_X')⁻¹.
        var hessianD = stencil.Hessian(LogDeterminants);
        var hessianR = stencil.Hessian(ResidualSquares);
        var gradientR = stencil.Gradient(ResidualSquares);
        var jacobian = stencil.CovarianceDiagonalJacobian(p);
        double r0 = stencil.Centre.PenalizedResidualSquares;

        // H in varpar = (θ, σ): D_θθ + r²_θθ/σ², −2 r²_θ/σ³, and −2c/σ² + 6r²/σ⁴.
        int size = m + 1;
        double residualDf = reml ? n - p : n;
        var hessian = new double[size * size];
        for (int i = 0; i < m; i++)
        {
            for (int k = 0; k < m; k++) hessian[i * size + k] = hessianD[i * m + k] + hessianR[i * m + k] / s2;
            hessian[i * size + m] = hessian[m * size + i] = -2 * gradientR[i] / (s2 * sigma);
        }
        hessian[m * size + m] = -2 * residualDf / s2 + 6 * r0 / (s2 * s2);
        var a = SmallMatrix.Inverse(hessian, size);
        if (a is null) return Nan(p);
        for (int i = 0; i < a.Length; i++) a[i] *= 2;

        var v0 = stencil.Centre.UnscaledCovariance!;
        var df = new double[p];
        var gradient = new double[size];
        for (int j = 0; j < p; j++)
        {
            for (int i = 0; i < m; i++) gradient[i] = s2 * jacobian[i * p + j];
            gradient[m] = 2 * sigma * v0[j * p + j];
            double variance = s2 * v0[j * p + j], denominator = 0;
            for (int r = 0; r < size; r++)
                for (int c = 0; c < size; c++) denominator += gradient[r] * a[r * size + c] * gradient[c];
            df[j] = denominator > 0 ? 2 * variance * variance / denominator : double.NaN;
        }
        return df;
    }

    /// <summary>The stencil at <paramref name="theta"/> in the coordinates and units the fit's check took its own in: a
    /// far slope's term centred (<see cref="CentredFrame"/>). In lme4's θ the steps of such a term mix its entries:
    /// sleepstudy with Days + 30 gave Days 17.0075 df instead of the unshifted data's 16.999999.</summary>
    private static OptimumStencil? ComputeStencil(ThetaEvaluator evaluator, IReadOnlyList<double> theta, CrossProducts products,
        CovarianceParameterization parameterization)
    {
        var frame = CentredFrame.Of(products, parameterization);
        var units = frame.Active ? frame.Units(products, parameterization) : ThetaScales.Of(products, parameterization);
        return OptimumStencil.Compute((point, withCovariance) => evaluator.Evaluate(frame.ToOriginal(point), withCovariance),
            frame.ToCentred(theta), units);
    }

    private static double[] Nan(int p) => Enumerable.Repeat(double.NaN, p).ToArray();
}
