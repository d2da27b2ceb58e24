using SparseLmm.Design;
using SparseLmm.Engine;
using SparseLmm.Numerics;

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

/// <summary>Evaluates the pieces of the linear mixed model's likelihood at any θ, over the cross-products of one
/// design (built once). Not thread-safe: one per thread.</summary>
internal sealed class ThetaEvaluator
{
    private readonly ProfiledDeviance deviance;

    public ThetaEvaluator(ModelDesign design, double[] response)
    {
        Design = design;
        Terms = design.RandomTerms.OrderByDescending(t => t.LevelCount).ToList();
        var layout = new CrossProductLayout(Terms, design.FixedEffectCount, design.RowCount);
        var products = new CrossProducts(layout);
        products.Accumulate(design.X, response, ReadOnlySpan<double>.Empty);
        deviance = new ProfiledDeviance(products, reml: false);
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
        var layout = deviance.Layout;
        var f = deviance.Factor;
        int size = layout.RestSize, p = layout.FixedEffectCount, fo = layout.FixedOffset;
        pieces.LogDetRandom = deviance.FirstLogDeterminant + DenseCholesky.LogDeterminantOfFactor(f, size, 0, fo);
        pieces.LogDetFixed = p == 0 ? 0 : DenseCholesky.LogDeterminantOfFactor(f, size, fo, layout.ResponseIndex);
        double r = f[size * size - 1];
        pieces.PenalizedResidualSquares = r * r;
        if (!double.IsFinite(pieces.LogDetRandom) || !double.IsFinite(r)) return false;
        if (pieces.Beta.Length != p) pieces.Beta = new double[p];
        var lx = new double[p * p];
        for (int i = 0; i < p; i++)
            for (int j = 0; j <= i; j++) lx[i * p + j] = f[(fo + i) * size + fo + j];
        for (int j = 0; j < p; j++) pieces.Beta[j] = f[(size - 1) * size + fo + j];
        // L_X' β = c_X.
        for (int i = p - 1; i >= 0; i--)
        {
            double v = pieces.Beta[i];
            for (int j = i + 1; j < p; j++) v -= lx[j * p + i] * pieces.Beta[j];
            pieces.Beta[i] = v / lx[i * p + i];
        }
        if (!withCovariance) return true;
        // (L_X L_X')⁻¹ = L_X⁻ᵀ L_X⁻¹.
        var inv = new double[p * p];
        for (int c = 0; c < p; c++)
        {
            for (int i = 0; i < p; i++)
            {
                double v = i == c ? 1 : 0;
                for (int j = 0; j < i; j++) v -= lx[i * p + j] * inv[j * p + c];
                inv[i * p + c] = v / lx[i * p + i];
            }
        }
        if (pieces.UnscaledCovariance.Length != p * p) pieces.UnscaledCovariance = new double[p * p];
        for (int a = 0; a < p; a++)
            for (int b = 0; b < p; b++)
            {
                double v = 0;
                for (int k = Math.Max(a, b); k < p; k++) v += inv[k * p + a] * inv[k * p + b];
                pieces.UnscaledCovariance[a * p + b] = v;
            }
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
