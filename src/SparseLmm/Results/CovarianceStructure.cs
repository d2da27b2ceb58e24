namespace SparseLmm.Results;

/// <summary>The covariance structure of a random-effects term, written in the formula as glmmTMB writes it:
/// <c>(1 + x | g)</c> or <c>us(1 + x | g)</c>, <c>diag(1 + x | g)</c>, <c>cs(0 + factor(t) | g)</c>,
/// <c>ar1(0 + factor(t) | g)</c>.</summary>
public enum CovarianceStructure
{
    /// <summary><c>us</c>: a general covariance, k SDs and k(k−1)/2 correlations (lme4's default).</summary>
    Unstructured,

    /// <summary><c>diag</c>: k SDs, no correlations (lme4's <c>(1 + x || g)</c>).</summary>
    Diagonal,

    /// <summary><c>cs</c>: compound symmetry as glmmTMB defines it, heterogeneous: k SDs and one correlation ρ shared
    /// by every pair, −1/(k−1) ≤ ρ ≤ 1.</summary>
    CompoundSymmetry,

    /// <summary><c>ar1</c>: first-order autoregressive as glmmTMB defines it, homogeneous: one SD, and correlation
    /// ρ^|i−j| between columns i and j (in the term's column order), −1 ≤ ρ ≤ 1.</summary>
    AutoRegressive,
}

/// <summary>glmmTMB's names of the structures, as the formula and the JSON write them.</summary>
internal static class CovarianceStructureNames
{
    /// <summary><c>us</c>, <c>diag</c>, <c>cs</c> or <c>ar1</c>.</summary>
    public static string Name(this CovarianceStructure structure) => structure switch
    {
        CovarianceStructure.Diagonal => "diag",
        CovarianceStructure.CompoundSymmetry => "cs",
        CovarianceStructure.AutoRegressive => "ar1",
        _ => "us",
    };
}
