using SparseLmm.Numerics;

namespace SparseLmm.Engine;

/// <summary>The profiled deviance (ML) or REML criterion of a linear mixed model as a function of θ.
/// <para>Each evaluation scales the cross-products by Λθ, factors the first term's diagonal blocks, folds their
/// sparse off-diagonal block into the dense rest (a Schur complement) and factors the rest. The response rides along
/// as the last row, so the factor's last diagonal entry is the penalized residual r(θ). No per-row work and no
/// allocation happens here: every buffer belongs to this object.</para></summary>
internal sealed class ProfiledDeviance
{
    /// <summary>Returned for a θ whose system cannot be factored: large but finite, so a quadratic model stays usable.</summary>
    public const double FailedEvaluation = 1e15;

    private readonly CrossProducts products;
    private readonly CovarianceParameterization parameterization;
    private readonly double[][] factors;
    private readonly double[] lowerRows;
    private readonly SchurComplementUpdate schurUpdate;
    private readonly double[] restRowScale;
    private readonly FirstTermLevels firstTermLevels;
    private readonly bool anyVectorRestTerm;
    private readonly RestScaling restScaling;

    /// <summary>Creates the objective over accumulated cross-products.</summary>
    public ProfiledDeviance(CrossProducts products, bool reml)
    {
        this.products = products;
        Reml = reml;
        var layout = products.Layout;
        parameterization = new CovarianceParameterization(layout.Terms.Select(t => t.ColumnCount).ToList());
        factors = layout.Terms.Select(t => new double[t.ColumnCount * t.ColumnCount]).ToArray();
        int k1 = layout.First.ColumnCount;
        lowerRows = new double[layout.PatternRow.Length * k1];
        schurUpdate = new SchurComplementUpdate(layout);
        restRowScale = new double[layout.RestSize];
        firstTermLevels = new FirstTermLevels(this, lowerRows);
        anyVectorRestTerm = layout.Terms.Skip(1).Any(t => t.ColumnCount > 1);
        Factor = new double[layout.RestSize * layout.RestSize];
        Workspace = new DenseCholeskyWorkspace(layout.RestSize);
        restScaling = new RestScaling(layout);
    }

    /// <summary>True for the REML criterion, false for the ML deviance.</summary>
    public bool Reml { get; }

    /// <summary>The θ ↔ T mapping (terms largest first).</summary>
    public CovarianceParameterization Parameterization => parameterization;

    /// <summary>The structure.</summary>
    public CrossProductLayout Layout => products.Layout;

    /// <summary>After <see cref="FactorAt"/>: the dense factor of the rest, row-major, lower triangle.</summary>
    public double[] Factor { get; }

    private DenseCholeskyWorkspace Workspace { get; }

    /// <summary>After <see cref="FactorAt"/>: log-determinant of the first term's diagonal blocks of L.</summary>
    public double FirstLogDeterminant { get; private set; }

    /// <summary>The objective at θ: −2 log-likelihood (ML) or the REML criterion.</summary>
    public double Evaluate(ReadOnlySpan<double> theta) => FactorAt(theta) ? ObjectiveFromFactor() : FailedEvaluation;

    /// <summary>The objective from the factor left by the last successful <see cref="FactorAt"/>.</summary>
    public double ObjectiveFromFactor()
    {
        var layout = Layout;
        int n = layout.RowCount, p = layout.FixedEffectCount, size = layout.RestSize;
        double logDetRandom = FirstLogDeterminant + DenseCholesky.LogDeterminantOfFactor(Factor, size, 0, layout.FixedOffset);
        double residual = Factor[size * size - 1];
        double penalizedResidualSquares = residual * residual;
        if (!Reml)
            return logDetRandom + n * (1 + Math.Log(2 * Math.PI * penalizedResidualSquares / n));
        double logDetFixed = DenseCholesky.LogDeterminantOfFactor(Factor, size, layout.FixedOffset, layout.ResponseIndex);
        int residualDf = n - p;
        return logDetRandom + logDetFixed + residualDf * (1 + Math.Log(2 * Math.PI * penalizedResidualSquares / residualDf));
    }

    /// <summary>Builds and factors the system at θ, leaving the factor of the rest in <see cref="Factor"/>.
    /// False when the system is not positive definite.</summary>
    public bool FactorAt(ReadOnlySpan<double> theta)
    {
        var layout = Layout;
        for (int t = 0; t < factors.Length; t++) parameterization.FillFactor(theta, t, factors[t]);
        restScaling.Apply(products.Rest, Factor, factors);
        for (int r = 0; r < layout.RestSize; r++)
            restRowScale[r] = r < layout.RestRandomSize && layout.Terms[layout.RestRowTerm[r]].ColumnCount == 1
                ? factors[layout.RestRowTerm[r]][0]
                : 1.0;
        if (!firstTermLevels.Compute(out double logDet)) return false;
        FirstLogDeterminant = logDet;
        schurUpdate.Apply(Factor, lowerRows);
        return DenseCholesky.Factor(Factor, layout.RestSize, Workspace);
    }

    /// <summary>For level l of the first term: its k₁×k₁ factor L₁₁ and the rows of L₂₁ (one k₁-vector per pattern
    /// entry), computed from the cross-products at the current T's: row e is L₁₁⁻¹ T₁' a_e scaled by the T of the
    /// rest row it belongs to. Levels are independent: safe to call for different levels at once.</summary>
    public bool FirstLevelRows(int level, Span<double> blockFactor, Span<double> rows)
    {
        var layout = Layout;
        int k1 = layout.First.ColumnCount;
        var t1 = factors[0];
        SmallDense.ScaledPlusIdentity(products.FirstBlocks.AsSpan(level * k1 * k1, k1 * k1), t1, k1, blockFactor);
        if (!SmallDense.Factor(blockFactor, k1)) return false;
        int start = layout.PatternStart[level], end = layout.PatternStart[level + 1];
        var source = products.FirstRest.AsSpan(start * k1, (end - start) * k1);
        var patternRows = layout.PatternRow.AsSpan(start, end - start);
        if (k1 == 1)
        {
            double scale = t1[0] / blockFactor[0];
            for (int e = 0; e < patternRows.Length; e++) rows[e] = source[e] * scale * restRowScale[patternRows[e]];
        }
        else
        {
            // M = L₁₁⁻¹ T₁', column c of T₁' being row c of T₁.
            Span<double> transform = stackalloc double[k1 * k1];
            Span<double> column = stackalloc double[k1];
            for (int c = 0; c < k1; c++)
            {
                for (int d = 0; d < k1; d++) column[d] = t1[c * k1 + d];
                SmallDense.SolveLower(blockFactor, k1, column);
                for (int d = 0; d < k1; d++) transform[d * k1 + c] = column[d];
            }
            for (int e = 0; e < patternRows.Length; e++)
            {
                double scale = restRowScale[patternRows[e]];
                var from = source.Slice(e * k1, k1);
                var to = rows.Slice(e * k1, k1);
                for (int a = 0; a < k1; a++)
                {
                    double value = 0;
                    for (int c = 0; c < k1; c++) value += transform[a * k1 + c] * from[c];
                    to[a] = value * scale;
                }
            }
        }
        if (anyVectorRestTerm) ScalePatternRowsByRestFactors(start, end, rows, k1);
        return true;
    }

    /// <summary>Applies T' of the other terms to the pattern rows that belong to their random effects.</summary>
    private void ScalePatternRowsByRestFactors(int start, int end, Span<double> rows, int k1)
    {
        var layout = Layout;
        int e = start;
        while (e < end && layout.PatternRow[e] < layout.RestRandomSize)
        {
            int term = layout.RestRowTerm[layout.PatternRow[e]];
            int k = layout.Terms[term].ColumnCount;
            if (k == 1)
            {
                e++;
                continue;
            }
            var t = factors[term];
            var block = rows.Slice((e - start) * k1, k * k1);
            for (int column = 0; column < k1; column++)
            {
                for (int a = 0; a < k; a++)
                {
                    double value = 0;
                    for (int c = a; c < k; c++) value += t[c * k + a] * block[c * k1 + column];
                    block[a * k1 + column] = value;
                }
            }
            e += k;
        }
    }
}
