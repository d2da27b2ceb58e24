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
    private readonly double[] firstBlock;
    private readonly double[] patternRows;
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
        firstBlock = new double[k1 * k1];
        patternRows = new double[layout.MaxPatternLength * k1];
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
    public double Evaluate(ReadOnlySpan<double> theta)
    {
        if (!FactorAt(theta)) return FailedEvaluation;
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
        double logDet = 0;
        int q1 = layout.First.LevelCount;
        for (int level = 0; level < q1; level++)
        {
            if (!FirstLevelRows(level, firstBlock, patternRows)) return false;
            int k1 = layout.First.ColumnCount;
            for (int c = 0; c < k1; c++) logDet += 2 * Math.Log(firstBlock[c * k1 + c]);
            SubtractOuterProduct(level);
        }
        FirstLogDeterminant = logDet;
        return DenseCholesky.Factor(Factor, layout.RestSize, Workspace);
    }

    /// <summary>For level l of the first term: its k₁×k₁ factor L₁₁ and the rows of L₂₁ (one k₁-vector per pattern
    /// entry), computed from the cross-products at the current T's.</summary>
    public bool FirstLevelRows(int level, Span<double> blockFactor, Span<double> rows)
    {
        var layout = Layout;
        int k1 = layout.First.ColumnCount;
        var t1 = factors[0];
        SmallDense.ScaledPlusIdentity(products.FirstBlocks.AsSpan(level * k1 * k1, k1 * k1), t1, k1, blockFactor);
        if (!SmallDense.Factor(blockFactor, k1)) return false;
        int start = layout.PatternStart[level], end = layout.PatternStart[level + 1];
        products.FirstRest.AsSpan(start * k1, (end - start) * k1).CopyTo(rows);
        for (int e = 0; e < end - start; e++) SmallDense.MultiplyRowByLower(rows.Slice(e * k1, k1), t1, k1);
        ScalePatternRowsByRestFactors(start, end, rows, k1);
        for (int e = 0; e < end - start; e++) SmallDense.SolveLower(blockFactor, k1, rows.Slice(e * k1, k1));
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

    private void SubtractOuterProduct(int level)
    {
        var layout = Layout;
        int k1 = layout.First.ColumnCount, size = layout.RestSize;
        int start = layout.PatternStart[level], length = layout.PatternStart[level + 1] - start;
        var rows = layout.PatternRow.AsSpan(start, length);
        var factor = Factor;
        var values = patternRows;
        if (k1 == 1)
        {
            for (int a = 0; a < length; a++)
            {
                double va = values[a];
                int offset = rows[a] * size;
                for (int b = 0; b <= a; b++) factor[offset + rows[b]] -= va * values[b];
            }
            return;
        }
        for (int a = 0; a < length; a++)
        {
            int offset = rows[a] * size;
            var va = values.AsSpan(a * k1, k1);
            for (int b = 0; b <= a; b++)
            {
                double dot = 0;
                for (int c = 0; c < k1; c++) dot += va[c] * values[b * k1 + c];
                factor[offset + rows[b]] -= dot;
            }
        }
    }
}
