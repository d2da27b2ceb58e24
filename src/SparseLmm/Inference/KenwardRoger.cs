using SparseLmm.Numerics;

namespace SparseLmm.Inference;

/// <summary>Kenward and Roger's (1997) small-sample adjustment, in the form pbkrtest computes it. The marginal
/// covariance Σ = Σᵣ σᵣ Gᵣ is linear in the (co)variance parameters σᵣ (each entry of each term's covariance matrix,
/// then the residual variance), evaluated at the REML estimates. With M = Σ⁻¹ and Φ = (X'MX)⁻¹:
/// Pᵣ = X'MGᵣMX, Qᵣₛ = X'MGᵣMGₛMX, W = 2 [tr(ΩGᵣΩGₛ)]⁻¹ (Ω = M − MXΦX'M, the REML projection),
/// Φ_A = Φ + 2Φ [Σ Wᵣₛ (Qᵣₛ − PᵣΦPₛ)] Φ, and for each coefficient the degrees of freedom m of the scaled F(1, m).
/// The traces and products come from <see cref="KenwardRogerTraces"/>, through the penalized system's blocks: no
/// n×n matrix is formed, and the cost grows with the rows only through the first term's levels.</summary>
internal static class KenwardRoger
{
    /// <summary>Adjusted standard errors, df and F scaling (pbkrtest's <c>F.scaling</c>) of each coefficient.</summary>
    /// <exception cref="InputException">The fit is not REML, is singular, or is too large for memory.</exception>
    public static (double[] StandardErrors, double[] Df, double[] Scaling) Compute(FittedMixedModel model)
    {
        var fit = model.Fit;
        if (!model.Reml)
            throw new InputException("Kenward-Roger df are defined at the REML estimates: fit without --ml (REML), or use --ddf satterthwaite");
        if (model.Design.Weights is not null)
            throw new InputException("Kenward-Roger is not available with prior weights (--weights); use --ddf satterthwaite");
        // Σ is linear in each entry of an unstructured covariance, which this form relies on; a structured term's
        // covariance is not linear in its SDs and ρ.
        if (model.Source.Parameterization.IsStructured)
            throw new InputException("Kenward-Roger is not available for diag(), cs() or ar1() terms; use --ddf satterthwaite");
        double sigma = fit.Sigma ?? throw new InputException("Kenward-Roger needs a residual variance"), s2 = sigma * sigma;
        var traces = KenwardRogerTraces.Compute(model.Source, fit.Theta.ToArray(), model.Cancellation);
        int p = model.Design.FixedEffectCount, r = traces.Count;
        var phi = SmallMatrix.Inverse(traces.FixedInformation, p) ?? throw new InputException("Kenward-Roger: X'Σ⁻¹X is singular");
        var pMats = traces.P;
        var qMats = traces.Q;

        var phiP = pMats.Select(pm => SmallMatrix.Multiply(phi, pm, p, p, p)).ToArray();
        var ie2 = new double[r * r];
        for (int i = 0; i < r; i++)
            for (int j = 0; j <= i; j++)
            {
                double trPhiQ = SmallMatrix.Trace(SmallMatrix.Multiply(phi, qMats[i * r + j], p, p, p), p);
                double trPhiPPhiP = SmallMatrix.Trace(SmallMatrix.Multiply(phiP[i], phiP[j], p, p, p), p);
                ie2[i * r + j] = ie2[j * r + i] = traces.K[i * r + j] - 2 * trPhiQ + trPhiPPhiP;
            }
        var w = SmallMatrix.Inverse(ie2, r) ?? throw new InputException("Kenward-Roger: the information matrix of the variance parameters is singular");
        for (int i = 0; i < w.Length; i++) w[i] *= 2;

        var u = new double[p * p];
        for (int i = 0; i < r; i++)
            for (int j = 0; j < r; j++)
            {
                var pphip = SmallMatrix.Multiply(SmallMatrix.Multiply(pMats[i], phi, p, p, p), pMats[j], p, p, p);
                for (int e = 0; e < p * p; e++) u[e] += w[i * r + j] * (qMats[i * r + j][e] - pphip[e]);
            }
        var adjustment = SmallMatrix.Multiply(SmallMatrix.Multiply(phi, u, p, p, p), phi, p, p, p);
        var phiA = phi.Select((v, e) => v + 2 * adjustment[e]).ToArray();

        // Back to the original coordinates of X (everything above is in the engine's internal ones; Φ, Φ_A and ΦPΦ
        // transform alike, W not at all).
        var scaling = model.Source.Products.Scaling;
        var phiOriginal = scaling.MapCovariance(phi);
        var phiAOriginal = scaling.MapCovariance(phiA);
        var phiPPhi = phiP.Select(pp => scaling.MapCovariance(SmallMatrix.Multiply(pp, phi, p, p, p))).ToArray();
        var se = new double[p];
        var df = new double[p];
        var fScaling = new double[p];
        for (int c = 0; c < p; c++)
        {
            se[c] = Math.Sqrt(s2 * phiAOriginal[c * p + c]);
            // Θ = e_c e_c' / Φ_cc; u_i = Θ Φ P_i Φ has one non-zero row, so tr(u_i u_j) = tr(u_i) tr(u_j) and A₁ = A₂.
            double a = 0;
            for (int i = 0; i < r; i++)
                for (int j = 0; j < r; j++)
                    a += w[i * r + j] * (phiPPhi[i][c * p + c] / phiOriginal[c * p + c]) * (phiPPhi[j][c * p + c] / phiOriginal[c * p + c]);
            df[c] = DenominatorDf(a, a, 1);
            fScaling[c] = Math.Abs(df[c] - 2) < 1e-2 ? 1 : df[c] * (1 - a) / (df[c] - 2);
        }
        return (se, df, fScaling);
    }

    /// <summary>Kenward and Roger's m from A₁, A₂ and the number of contrasts q.</summary>
    internal static double DenominatorDf(double a1, double a2, int q)
    {
        double b = (a1 + 6 * a2) / (2 * q);
        double g = ((q + 1) * a1 - (q + 4) * a2) / ((q + 2) * a2);
        double denominator = 3 * q + 2 * (1 - g);
        double c1 = g / denominator, c2 = (q - g) / denominator, c3 = (q + 2 - g) / denominator;
        double v0 = 1 + c1 * b, v1 = 1 - c2 * b, v2 = 1 - c3 * b;
        if (Math.Abs(v0) < 1e-10) v0 = 0;
        double ratio = v1 == 0 ? 0 : (1 - a2 / q) / v1;
        double rho = ratio * ratio * v0 / v2 / q;
        return 4 + (q + 2) / (q * rho - 1);
    }
}
