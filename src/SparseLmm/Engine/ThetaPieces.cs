namespace SparseLmm.Engine;

/// <summary>What one factorization at θ gives: log-determinants, r²(θ), β̂(θ) and (L_X L_X')⁻¹ (row-major p×p:
/// Cov(β̂)/σ² at θ; null when not asked for). <c>LogDetRandom</c> is log|L_Z|² − Σ log wᵢ with prior weights: every
/// term of −2 log-likelihood that depends neither on σ nor on the fixed-effects block.</summary>
internal sealed record ThetaPieces(
    double LogDetRandom, double LogDetFixed, double PenalizedResidualSquares, double[] Beta, double[]? UnscaledCovariance)
{
    /// <summary>The pieces of the factor <paramref name="deviance"/> holds after a successful
    /// <see cref="ProfiledDeviance.FactorAt"/>; null when they are not finite.</summary>
    public static ThetaPieces? FromFactor(ProfiledDeviance deviance, double logWeightSum, bool withCovariance)
    {
        double logDetRandom = deviance.LogDeterminantRandom, residualSquares = deviance.PenalizedResidualSquares;
        if (!double.IsFinite(logDetRandom) || !double.IsFinite(residualSquares)) return null;
        var beta = new double[deviance.Layout.FixedEffectCount];
        deviance.FixedEffects(beta);
        return new ThetaPieces(logDetRandom - logWeightSum, deviance.LogDeterminantFixed, residualSquares, beta,
            withCovariance ? deviance.UnscaledFixedCovariance() : null);
    }

    /// <summary>The profiled criterion at θ (β and σ profiled out): the ML deviance, or the REML criterion.</summary>
    public double ProfiledCriterion(int n, int p, bool reml)
    {
        int residualDf = reml ? n - p : n;
        return LogDetRandom + (reml ? LogDetFixed : 0)
            + residualDf * (1 + Math.Log(2 * Math.PI * PenalizedResidualSquares / residualDf));
    }
}
