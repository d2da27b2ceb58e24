using SparseLmm.Design;
using SparseLmm.Engine;

namespace SparseLmm.Inference;

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
        return deviance.FactorAt(theta) ? ThetaPieces.FromFactor(deviance, source.Products.LogWeightSum, withCovariance) : null;
    }

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
