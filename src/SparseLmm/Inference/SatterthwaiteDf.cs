using SparseLmm.Numerics;

namespace SparseLmm.Inference;

/// <summary>Satterthwaite's degrees of freedom for each fixed effect, as lmerTest computes them: with varpar = (θ, σ),
/// df = 2 Var(β̂ⱼ)² / (∇ⱼ' A ∇ⱼ), ∇ⱼ the gradient of Var(β̂ⱼ) = σ² [(L_X L_X')⁻¹]ⱼⱼ in varpar and A = 2 H⁻¹ the
/// asymptotic covariance of varpar (H the Hessian of the ML deviance or REML criterion in varpar).
/// <para>The cost is a fixed number of factorizations over the fit's cross-products, whatever the number of rows.
/// The criterion is D(θ) + c log(2πσ²) + r²(θ)/σ² (D the log-determinants, c = n or n − p), so every derivative in σ
/// is exact from D, r² and their derivatives in θ, and only θ is differenced: one second-order central stencil,
/// 1 + 2m + m(m − 1) factorizations for m parameters in θ (the ±hᵢ points give the gradient of r² and the Jacobian of
/// Cov(β̂) as well). The step, 5·10⁻⁴ of each θ (at least 2.5·10⁻⁵), balances the stencil's O(h²) truncation against
/// the rounding of the factor's log-determinants and r²: on the reference cases the df agree with lmerTest's (numDeriv,
/// Richardson extrapolated) to better than 10⁻⁵ relative, the last digits a df is ever read to.</para></summary>
internal static class SatterthwaiteDf
{
    public static double[] Compute(FittedMixedModel model)
    {
        var fit = model.Fit;
        var evaluator = model.Evaluator();
        int n = evaluator.RowCount, p = evaluator.FixedCount, m = fit.Theta.Count;
        double sigma = fit.Sigma ?? double.NaN, s2 = sigma * sigma;
        bool reml = model.Reml;
        var theta = fit.Theta.ToArray();
        var steps = theta.Select(v => 5e-4 * Math.Max(Math.Abs(v), 0.05)).ToArray();

        ThetaPieces? At(int i, double di, int j, double dj)
        {
            var point = (double[])theta.Clone();
            if (i >= 0) point[i] += di;
            if (j >= 0) point[j] += dj;
            return evaluator.Evaluate(point, withCovariance: j < 0);
        }
        double LogDeterminants(ThetaPieces pieces) => pieces.LogDetRandom + (reml ? pieces.LogDetFixed : 0);

        var centre = At(-1, 0, -1, 0);
        if (centre is null) return Nan(p);
        var plus = new ThetaPieces[m];
        var minus = new ThetaPieces[m];
        for (int i = 0; i < m; i++)
        {
            if (At(i, steps[i], -1, 0) is not { } up || At(i, -steps[i], -1, 0) is not { } down) return Nan(p);
            plus[i] = up;
            minus[i] = down;
        }
        // Hessians of D and r² in θ, the gradient of r², the Jacobian of the diagonal of (L_X L_X')⁻¹.
        var hessianD = new double[m * m];
        var hessianR = new double[m * m];
        var gradientR = new double[m];
        var jacobian = new double[m * p];
        double d0 = LogDeterminants(centre), r0 = centre.PenalizedResidualSquares;
        for (int i = 0; i < m; i++)
        {
            double h = steps[i];
            hessianD[i * m + i] = (LogDeterminants(plus[i]) - 2 * d0 + LogDeterminants(minus[i])) / (h * h);
            hessianR[i * m + i] = (plus[i].PenalizedResidualSquares - 2 * r0 + minus[i].PenalizedResidualSquares) / (h * h);
            gradientR[i] = (plus[i].PenalizedResidualSquares - minus[i].PenalizedResidualSquares) / (2 * h);
            for (int j = 0; j < p; j++)
                jacobian[i * p + j] = (plus[i].UnscaledCovariance![j * p + j] - minus[i].UnscaledCovariance![j * p + j]) / (2 * h);
            for (int k = 0; k < i; k++)
            {
                // f(+i+k) + f(−i−k) − f(±i) − f(±k) + 2f₀ = 2 hᵢ hₖ ∂²f/∂θᵢ∂θₖ + O(h⁴).
                if (At(i, h, k, steps[k]) is not { } both || At(i, -h, k, -steps[k]) is not { } neither) return Nan(p);
                double scale = 2 * h * steps[k];
                hessianD[i * m + k] = hessianD[k * m + i] = (LogDeterminants(both) + LogDeterminants(neither)
                    - LogDeterminants(plus[i]) - LogDeterminants(minus[i]) - LogDeterminants(plus[k]) - LogDeterminants(minus[k]) + 2 * d0) / scale;
                hessianR[i * m + k] = hessianR[k * m + i] = (both.PenalizedResidualSquares + neither.PenalizedResidualSquares
                    - plus[i].PenalizedResidualSquares - minus[i].PenalizedResidualSquares
                    - plus[k].PenalizedResidualSquares - minus[k].PenalizedResidualSquares + 2 * r0) / scale;
            }
        }

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

        var v0 = centre.UnscaledCovariance!;
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

    private static double[] Nan(int p) => Enumerable.Repeat(double.NaN, p).ToArray();
}
