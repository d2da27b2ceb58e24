using SparseLmm.Design;
using SparseLmm.Results;

namespace SparseLmm.Engine;

/// <summary>Maps θ to the lower-triangular relative covariance factors T (one k×k block per random-effects term, with
/// σ²TT' the term's covariance), terms one after another. θ holds what each term's structure has, relative to σ:
/// <list type="bullet">
/// <item>unstructured: T's lower triangle column by column, as lme4 orders it;</item>
/// <item><c>diag</c>: the k SDs (T is diagonal, as lme4's <c>||</c> terms);</item>
/// <item><c>cs</c>: the k SDs, then ρ, with T = D L, D the SDs and L the Cholesky factor of the correlation matrix
/// (1 − ρ)I + ρ11';</item>
/// <item><c>ar1</c>: the SD, then ρ, with T = s L and L the Cholesky factor of [ρ^|i−j|].</item>
/// </list>
/// Both correlation factors have closed forms that stay defined on the bounds of ρ (where the correlation is
/// singular), so every evaluation writes T without factoring or allocating.</summary>
internal sealed class CovarianceParameterization
{
    private readonly int[] offsets;
    private readonly CovarianceStructure[] structures;
    private readonly bool[] scale;
    private readonly double[] lower, upper;

    /// <summary>Creates the mapping for the terms (their column counts and structures), in θ's order.</summary>
    public CovarianceParameterization(IReadOnlyList<RandomEffectsDesign> terms)
    {
        ColumnCounts = terms.Select(t => t.ColumnCount).ToArray();
        structures = terms.Select(t => t.Structure).ToArray();
        offsets = new int[ColumnCounts.Length + 1];
        for (int t = 0; t < ColumnCounts.Length; t++)
            offsets[t + 1] = offsets[t] + ParameterCount(structures[t], ColumnCounts[t]);
        scale = new bool[offsets[^1]];
        lower = new double[offsets[^1]];
        upper = new double[offsets[^1]];
        Array.Fill(upper, double.PositiveInfinity);
        for (int t = 0; t < ColumnCounts.Length; t++)
        {
            int k = ColumnCounts[t], index = offsets[t];
            if (structures[t] == CovarianceStructure.Unstructured)
            {
                for (int column = 0; column < k; column++)
                    for (int row = column; row < k; row++, index++)
                    {
                        scale[index] = row == column;
                        lower[index] = row == column ? 0 : double.NegativeInfinity;
                    }
                continue;
            }
            for (; index < offsets[t + 1]; index++) scale[index] = true;
            if (structures[t] == CovarianceStructure.Diagonal) continue;
            // The last entry is ρ: (1 − ρ)I + ρ11' is positive semi-definite for −1/(k−1) ≤ ρ ≤ 1, [ρ^|i−j|] for
            // −1 ≤ ρ ≤ 1 (glmmTMB's ranges).
            int correlation = offsets[t + 1] - 1;
            scale[correlation] = false;
            lower[correlation] = structures[t] == CovarianceStructure.CompoundSymmetry ? -1.0 / (k - 1) : -1;
            upper[correlation] = 1;
        }
    }

    /// <summary>The number of θ entries of a term of <paramref name="k"/> columns with the given structure.</summary>
    public static int ParameterCount(CovarianceStructure structure, int k) => structure switch
    {
        CovarianceStructure.Diagonal => k,
        CovarianceStructure.CompoundSymmetry => k + 1,
        CovarianceStructure.AutoRegressive => 2,
        _ => k * (k + 1) / 2,
    };

    /// <summary>The term θ entry <paramref name="index"/> belongs to.</summary>
    public int TermOf(int index)
    {
        int term = 0;
        while (offsets[term + 1] <= index) term++;
        return term;
    }

    /// <summary>Columns (k) of each term.</summary>
    public int[] ColumnCounts { get; }

    /// <summary>Length of θ.</summary>
    public int Length => offsets[^1];

    /// <summary>True when some term has a structure other than unstructured.</summary>
    public bool IsStructured => structures.Any(s => s != CovarianceStructure.Unstructured);

    /// <summary>The structure of term <paramref name="term"/>.</summary>
    public CovarianceStructure Structure(int term) => structures[term];

    /// <summary>Where term <paramref name="term"/>'s entries start in θ.</summary>
    public int Offset(int term) => offsets[term];

    /// <summary>θ at the start of the search: T = I (SDs 1, correlations 0).</summary>
    public double[] Start()
    {
        var theta = new double[Length];
        for (int i = 0; i < theta.Length; i++) theta[i] = scale[i] ? 1 : 0;
        return theta;
    }

    /// <summary>Lower bounds: 0 for diagonal entries of T and for SDs, the least valid ρ for correlations, −∞ for the
    /// off-diagonal entries of an unstructured T.</summary>
    public double[] LowerBounds() => (double[])lower.Clone();

    /// <summary>Upper bounds: 1 for correlations, +∞ elsewhere.</summary>
    public double[] UpperBounds() => (double[])upper.Clone();

    /// <summary>True for the θ entries bounded below by 0 whose 0 is a boundary (singular) fit: the diagonal entries
    /// of an unstructured T, and the SDs of a structured term.</summary>
    public bool IsDiagonal(int index) => scale[index];

    /// <summary>lme4's singularity rule carried over to the structures: some diagonal entry of T or SD within
    /// <paramref name="tolerance"/> of 0, or some ρ within it of a bound (where the correlation matrix, and so T, is
    /// singular).</summary>
    public bool IsSingular(ReadOnlySpan<double> theta, double tolerance)
    {
        for (int i = 0; i < theta.Length; i++)
        {
            if (scale[i] && theta[i] < tolerance) return true;
            if (double.IsFinite(upper[i]) && (theta[i] > upper[i] - tolerance || theta[i] < lower[i] + tolerance)) return true;
        }
        return false;
    }

    /// <summary>ρ of a <c>cs</c> or <c>ar1</c> term; null for the other structures.</summary>
    public double? Correlation(ReadOnlySpan<double> theta, int term) =>
        structures[term] is CovarianceStructure.CompoundSymmetry or CovarianceStructure.AutoRegressive
            ? theta[offsets[term + 1] - 1]
            : null;

    /// <summary>Writes term <paramref name="term"/>'s T as a dense row-major k×k matrix (upper triangle zero).</summary>
    public void FillFactor(ReadOnlySpan<double> theta, int term, Span<double> factor)
    {
        int k = ColumnCounts[term], index = offsets[term];
        factor[..(k * k)].Clear();
        switch (structures[term])
        {
            case CovarianceStructure.Diagonal:
                for (int c = 0; c < k; c++) factor[c * k + c] = theta[index + c];
                break;
            case CovarianceStructure.CompoundSymmetry:
                FillCompoundSymmetry(theta.Slice(index, k), theta[index + k], k, factor);
                break;
            case CovarianceStructure.AutoRegressive:
                FillAutoRegressive(theta[index], theta[index + 1], k, factor);
                break;
            default:
                for (int column = 0; column < k; column++)
                    for (int row = column; row < k; row++)
                        factor[row * k + column] = theta[index++];
                break;
        }
    }

    /// <summary>T = D L for (1 − ρ)I + ρ11' = LL'. Eliminating one variable of aI + bJ leaves aI + (ab/(a + b))J, so
    /// column j of L has pivot √(a + bⱼ) and entries bⱼ/√(a + bⱼ) below it, with a = 1 − ρ, b₀ = ρ. A zero pivot (on
    /// the bounds of ρ) leaves its column zero: the semi-definite factor.</summary>
    private static void FillCompoundSymmetry(ReadOnlySpan<double> sds, double rho, int k, Span<double> factor)
    {
        double a = 1 - rho, b = rho;
        for (int column = 0; column < k; column++)
        {
            double pivot = a + b;
            if (pivot <= 0) continue;
            double root = Math.Sqrt(pivot), below = b / root;
            factor[column * k + column] = sds[column] * root;
            for (int row = column + 1; row < k; row++) factor[row * k + column] = sds[row] * below;
            b = a * b / pivot;
        }
    }

    /// <summary>T = s L for [ρ^|i−j|] = LL': the AR(1) recursion xᵢ = ρxᵢ₋₁ + √(1 − ρ²)eᵢ gives L's first column
    /// ρ^i and, below the diagonal of column j ≥ 1, ρ^(i−j)√(1 − ρ²).</summary>
    private static void FillAutoRegressive(double sd, double rho, int k, Span<double> factor)
    {
        double innovation = Math.Sqrt(Math.Max(0, 1 - rho * rho));
        for (int column = 0; column < k; column++)
        {
            double value = sd * (column == 0 ? 1 : innovation);
            for (int row = column; row < k; row++, value *= rho) factor[row * k + column] = value;
        }
    }

    /// <summary>The θ entries of structured term <paramref name="term"/> closest to a relative covariance
    /// (row-major k×k): its SDs (for <c>ar1</c> their root mean square), and ρ as the mean correlation over the pairs
    /// (<c>cs</c>) or the mean lag-one correlation (<c>ar1</c>), kept inside its bounds. For starting values.</summary>
    public void ProjectCovariance(ReadOnlySpan<double> covariance, int term, Span<double> theta)
    {
        int k = ColumnCounts[term], index = offsets[term];
        var structure = structures[term];
        double meanVariance = 0, correlation = 0;
        int pairs = 0;
        for (int a = 0; a < k; a++)
        {
            meanVariance += covariance[a * k + a] / k;
            for (int b = 0; b < a; b++)
            {
                if (structure == CovarianceStructure.AutoRegressive && b != a - 1) continue;
                double product = covariance[a * k + a] * covariance[b * k + b];
                if (product > 0) correlation += covariance[a * k + b] / Math.Sqrt(product);
                pairs++;
            }
        }
        switch (structure)
        {
            case CovarianceStructure.AutoRegressive:
                theta[index] = Math.Sqrt(Math.Max(0, meanVariance));
                break;
            case CovarianceStructure.Diagonal or CovarianceStructure.CompoundSymmetry:
                for (int a = 0; a < k; a++) theta[index + a] = Math.Sqrt(Math.Max(0, covariance[a * k + a]));
                break;
            default:
                throw new InvalidOperationException("an unstructured term's start is its Cholesky factor");
        }
        if (structure == CovarianceStructure.Diagonal) return;
        int last = offsets[term + 1] - 1;
        // Away from the bounds, where the correlation matrix is singular and the objective's curvature in ρ is lost.
        double margin = 0.1 * (upper[last] - lower[last]);
        theta[last] = Math.Clamp(pairs > 0 ? correlation / pairs : 0, lower[last] + margin, upper[last] - margin);
    }
}
