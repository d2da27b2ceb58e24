using SparseLmm.Design;
using SparseLmm.Engine;
using SparseLmm.Glmm;

namespace SparseLmm.Mcmc;

/// <summary>log p(y | η) up to a constant of y, for a binomial GLMM with the logit link or a Poisson GLMM with the log
/// link: Σ wᵢ (yᵢ ηᵢ − b(ηᵢ)), b the softplus log(1 + e^η) or e^η, η = offset + Xβ + ZΛ(θ)u. The sampler's every move
/// evaluates this once; for these canonical links it needs one exponential (and a log1p) per row and none of PIRLS's
/// means, IRLS weights and working responses, which the deviance pass computes. The softplus is exact for every finite
/// η, so no row leaves the binomial's range. Every buffer is allocated here, once; not thread-safe.</summary>
internal sealed class CanonicalLikelihood
{
    private readonly double[] x, y, weights, offset, b;
    private readonly int rowCount, fixedEffectCount;
    private readonly bool binomial;
    private readonly IReadOnlyList<RandomEffectsDesign> terms;
    private readonly int[] termOffsets;
    private readonly double[][] relativeFactors;
    private readonly CovarianceParameterization parameterization;

    /// <summary>For <paramref name="design"/>'s rows and <paramref name="terms"/> (largest first, u concatenated at
    /// <paramref name="termOffsets"/>), binomial (logit) or Poisson (log) by <paramref name="response"/>'s family.</summary>
    public CanonicalLikelihood(ModelDesign design, IReadOnlyList<RandomEffectsDesign> terms, int[] termOffsets, GlmmResponse response,
        CovarianceParameterization parameterization)
    {
        binomial = response.Family.Kind == FamilyKind.Binomial;
        x = design.X;
        y = response.Y;
        weights = response.Weights;
        offset = design.Offset ?? [];
        rowCount = design.RowCount;
        fixedEffectCount = design.FixedEffectCount;
        this.terms = terms;
        this.termOffsets = termOffsets;
        this.parameterization = parameterization;
        relativeFactors = terms.Select(t => new double[t.ColumnCount * t.ColumnCount]).ToArray();
        b = new double[terms.Sum(t => t.Size)];
    }

    /// <summary>Sets Λ(θ) for the evaluations that follow.</summary>
    public void SetTheta(ReadOnlySpan<double> theta)
    {
        for (int t = 0; t < terms.Count; t++) parameterization.FillFactor(theta, t, relativeFactors[t]);
    }

    /// <summary>log p(y | η) + constant at (<paramref name="u"/>, <paramref name="beta"/>); −∞ where it is not finite
    /// (a Poisson mean that overflows).</summary>
    public double Evaluate(ReadOnlySpan<double> u, ReadOnlySpan<double> beta)
    {
        // b = Λu, term by term (T lower triangular per level).
        for (int t = 0; t < terms.Count; t++)
        {
            int k = terms[t].ColumnCount, start = termOffsets[t];
            var factor = relativeFactors[t];
            for (int level = 0; level < terms[t].LevelCount; level++)
            {
                int index = start + level * k;
                for (int a = 0; a < k; a++)
                {
                    double value = 0;
                    for (int c = 0; c <= a; c++) value += factor[a * k + c] * u[index + c];
                    b[index + a] = value;
                }
            }
        }
        int p = fixedEffectCount;
        double total = 0;
        for (int i = 0; i < rowCount; i++)
        {
            double eta = offset.Length == 0 ? 0 : offset[i];
            var row = x.AsSpan(i * p, p);
            for (int j = 0; j < p; j++) eta += row[j] * beta[j];
            for (int t = 0; t < terms.Count; t++)
            {
                var term = terms[t];
                int k = term.ColumnCount, index = termOffsets[t] + term.LevelOfRow[i] * k;
                for (int c = 0; c < k; c++) eta += term.Z[i * k + c] * b[index + c];
            }
            double cumulant = binomial
                ? (eta > 0 ? eta + Math.Log(1 + Math.Exp(-eta)) : Math.Log(1 + Math.Exp(eta)))
                : Math.Exp(eta);
            total += weights[i] * (y[i] * eta - cumulant);
        }
        return double.IsFinite(total) ? total : double.NegativeInfinity;
    }
}
