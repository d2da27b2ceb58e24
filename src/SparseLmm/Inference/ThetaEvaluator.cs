using SparseLmm.Design;
using SparseLmm.Engine;

namespace SparseLmm.Inference;

/// <summary>What one factorization at θ gives: log-determinants, r²(θ), β̂(θ) and (L_X L_X')⁻¹.</summary>
internal sealed class ThetaPieces
{
    public double LogDetRandom;
    public double LogDetFixed;
    public double PenalizedResidualSquares;
    public double[] Beta = [];
    /// <summary>(L_X L_X')⁻¹ row-major p×p: Cov(β̂)/σ² at θ.</summary>
    public double[] UnscaledCovariance = [];
}

/// <summary>Evaluates the pieces of the linear mixed model's likelihood at any θ, over the cross-products a fit carries
/// (<see cref="FitSource"/>). Not thread-safe: one per thread.</summary>
internal sealed class ThetaEvaluator
{
    private readonly ProfiledDeviance deviance;

    public ThetaEvaluator(FitSource source)
    {
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

    /// <summary>Factors at θ and fills <paramref name="pieces"/>; false when the system is not positive definite.</summary>
    public bool Evaluate(ReadOnlySpan<double> theta, ThetaPieces pieces, bool withCovariance = true)
    {
        if (!deviance.FactorAt(theta)) return false;
        int p = deviance.Layout.FixedEffectCount;
        pieces.LogDetRandom = deviance.LogDeterminantRandom;
        pieces.LogDetFixed = deviance.LogDeterminantFixed;
        pieces.PenalizedResidualSquares = deviance.PenalizedResidualSquares;
        if (!double.IsFinite(pieces.LogDetRandom) || !double.IsFinite(pieces.PenalizedResidualSquares)) return false;
        if (pieces.Beta.Length != p) pieces.Beta = new double[p];
        deviance.FixedEffects(pieces.Beta);
        if (withCovariance) pieces.UnscaledCovariance = deviance.UnscaledFixedCovariance();
        return true;
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
