using SparseLmm.Engine;

namespace SparseLmm.Mcmc;

/// <summary>log p(θ | y) up to a constant, with the fixed effects, the random effects and σ integrated out exactly:
/// under a flat prior on β and p(σ) ∝ σ^−m, p(θ | y) ∝ p(θ) |L_Z|⁻¹ |L_X|⁻¹ r²(θ)^−a with a = (n − p + m − 1)/2, and
/// σ² | θ, y ~ inverse-gamma(a, r²/2). One factorization per evaluation (the objective's own); after an evaluation
/// the factor is left at that θ. Not thread-safe: one per chain.</summary>
internal sealed class ThetaPosterior
{
    private readonly CovariancePriorDensity prior;

    public ThetaPosterior(CrossProducts products, McmcPrior priorKind)
    {
        Deviance = new ProfiledDeviance(products, reml: false);
        prior = new CovariancePriorDensity(priorKind, Deviance.Parameterization);
        int n = products.Layout.RowCount, p = products.Layout.FixedEffectCount;
        double sigmaExponent = priorKind == McmcPrior.HalfStudentT ? 1 : 0;
        SigmaShape = (n - p + sigmaExponent - 1) / 2;
        if (!(SigmaShape > 0))
            throw new InputException($"MCMC needs more observations than fixed effects plus one ({n} rows, {p} fixed effects)");
    }

    /// <summary>The system whose factor each evaluation leaves at its θ.</summary>
    public ProfiledDeviance Deviance { get; }

    /// <summary>The inverse-gamma shape a of σ² | θ, y.</summary>
    public double SigmaShape { get; }

    /// <summary>log p(θ | y) + constant; −∞ outside the support or where the system cannot be factored.</summary>
    public double LogDensity(ReadOnlySpan<double> theta)
    {
        double logPrior = prior.LogDensity(theta);
        if (double.IsNegativeInfinity(logPrior) || !Deviance.FactorAt(theta)) return double.NegativeInfinity;
        double value = logPrior - 0.5 * (Deviance.LogDeterminantRandom + Deviance.LogDeterminantFixed)
            - SigmaShape * Math.Log(Deviance.PenalizedResidualSquares);
        return double.IsFinite(value) ? value : double.NegativeInfinity;
    }
}
