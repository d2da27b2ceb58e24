using SparseLmm.Design;
using SparseLmm.Engine;

namespace SparseLmm.Inference;

/// <summary>What one factorization at θ gives: log-determinants, r²(θ), β̂(θ) and (L_X L_X')⁻¹ (row-major p×p:
/// Cov(β̂)/σ² at θ; null when not asked for). <c>LogDetRandom</c> is log|L_Z|² − Σ log wᵢ with prior weights: every
/// term of −2 log-likelihood that depends neither on σ nor on the fixed-effects block.</summary>
internal sealed record ThetaPieces(
    double LogDetRandom, double LogDetFixed, double PenalizedResidualSquares, double[] Beta, double[]? UnscaledCovariance);

/// <summary>Evaluates the pieces of the linear mixed model's likelihood at any θ, over the cross-products a fit carries
/// (<see cref="FitSource"/>). Not thread-safe: one per thread. Every factorization first looks at the caller's token, so
/// the df, profiles and intervals built on it stop when it fires.</summary>
internal sealed class ThetaEvaluator
{
    private readonly ProfiledDeviance deviance;
    private readonly FitSource source;
    private readonly CancellationToken cancellation;

    public ThetaEvaluator(FitSource source, CancellationToken cancellation = default)
    {
        this.source = source;
        this.cancellation = cancellation;
        Design = source.Design;
        Terms = source.Terms;
        deviance = new ProfiledDeviance(source.Products, reml: false);
    }

    public ModelDesign Design { get; }

    /// <summary>Random-effects terms in θ order (most levels first, as the fitter orders them).</summary>
    public IReadOnlyList<RandomEffectsDesign> Terms { get; }

    public CovarianceParameterization Parameterization => deviance.Parameterization;

    public int RowCount => Design.RowCount;

    public int FixedCount => Design.FixedEffectCount;

    /// <summary>Factors at θ; null when the system is not positive definite.</summary>
    /// <exception cref="OperationCanceledException">The caller's token fired.</exception>
    public ThetaPieces? Evaluate(ReadOnlySpan<double> theta, bool withCovariance = true)
    {
        cancellation.ThrowIfCancellationRequested();
        if (!deviance.FactorAt(theta)) return null;
        double logDetRandom = deviance.LogDeterminantRandom, residualSquares = deviance.PenalizedResidualSquares;
        if (!double.IsFinite(logDetRandom) || !double.IsFinite(residualSquares)) return null;
        var beta = new double[deviance.Layout.FixedEffectCount];
        deviance.FixedEffects(beta);
        return new ThetaPieces(logDetRandom - source.Products.LogWeightSum, deviance.LogDeterminantFixed, residualSquares, beta,
            withCovariance ? deviance.UnscaledFixedCovariance() : null);
    }

    /// <summary>The ML deviance at θ with β and σ profiled out.</summary>
    public static double ProfiledMl(ThetaPieces pc, int n) =>
        pc.LogDetRandom + n * (1 + Math.Log(2 * Math.PI * pc.PenalizedResidualSquares / n));

    /// <summary>The REML criterion at θ with σ profiled out.</summary>
    public static double ProfiledReml(ThetaPieces pc, int n, int p) =>
        pc.LogDetRandom + pc.LogDetFixed + (n - p) * (1 + Math.Log(2 * Math.PI * pc.PenalizedResidualSquares / (n - p)));

    /// <summary>−2 log-likelihood (ML) or the REML criterion at (θ, σ), β profiled.</summary>
    public static double AtSigma(ThetaPieces pc, int n, int p, double sigma, bool reml, double extraResidual = 0)
    {
        double s2 = sigma * sigma;
        double r2 = pc.PenalizedResidualSquares + extraResidual;
        return reml
            ? pc.LogDetRandom + pc.LogDetFixed + (n - p) * Math.Log(2 * Math.PI * s2) + r2 / s2
            : pc.LogDetRandom + n * Math.Log(2 * Math.PI * s2) + r2 / s2;
    }
}
