using SparseLmm.Numerics;

namespace SparseLmm.Engine;

/// <summary>The profiled deviance (ML) or REML criterion of a linear mixed model as a function of θ, and the one
/// factorization behind it.
/// <para>Each evaluation scales the cross-products by Λθ, factors the first term's diagonal blocks, and hands their
/// off-diagonal rows to the rest's factor (<see cref="IRestFactor"/>: dense or supernodal, chosen per model), which
/// subtracts them (a Schur complement) and factors the rest. The response rides along as the last row, so the tail of
/// the factor holds L_X and the penalized residual r(θ). Everything that needs the factor — the objective, PIRLS,
/// β̂ and û, Cov(β̂), conditional variances, inference — reads it through this class. No per-row work and no
/// allocation happens in an evaluation: every buffer belongs to this object.</para></summary>
internal sealed class ProfiledDeviance
{
    /// <summary>Returned for a θ whose system cannot be factored: large but finite, so a quadratic model stays usable.</summary>
    public const double FailedEvaluation = 1e15;

    private readonly CrossProducts products;
    private readonly CovarianceParameterization parameterization;
    private readonly double[][] factors;
    private readonly double[] restRowScale;
    private readonly FirstTermLevels? firstTermLevels;
    private readonly DenseRestFactor? dense;
    private readonly bool anyVectorRestTerm;
    private readonly IRestFactor rest;
    // θ of the last successful FactorAt, so that a caller that ends on θ̂ need not factor there again.
    private readonly double[] factoredTheta;
    private bool factored;

    /// <summary>Creates the objective over accumulated cross-products.</summary>
    public ProfiledDeviance(CrossProducts products, bool reml)
    {
        this.products = products;
        Reml = reml;
        var layout = products.Layout;
        parameterization = new CovarianceParameterization(layout.Terms);
        factors = layout.Terms.Select(t => new double[t.ColumnCount * t.ColumnCount]).ToArray();
        restRowScale = new double[layout.RestSize];
        factoredTheta = new double[parameterization.Length];
        // The supernodal rest takes the first term's rows level by level before it is factored; the dense rest forms
        // them itself, into the block it has just scaled.
        if (layout.Supernodal is { } positions)
        {
            var supernodal = new SupernodalRestFactor(layout, positions);
            firstTermLevels = new FirstTermLevels(this, supernodal);
            rest = supernodal;
        }
        else rest = dense = new DenseRestFactor(this);
        anyVectorRestTerm = layout.Terms.Skip(1).Any(t => t.ColumnCount > 1);
    }

    /// <summary>True for the REML criterion, false for the ML deviance.</summary>
    public bool Reml { get; }

    /// <summary>The θ ↔ T mapping (terms largest first).</summary>
    public CovarianceParameterization Parameterization => parameterization;

    /// <summary>The structure.</summary>
    public CrossProductLayout Layout => products.Layout;

    /// <summary>The factor of the rest (after <see cref="FactorAt"/>).</summary>
    public IRestFactor Rest => rest;

    /// <summary>After <see cref="FactorAt"/>: log-determinant of the first term's diagonal blocks of L.</summary>
    public double FirstLogDeterminant { get; private set; }

    /// <summary>After <see cref="FactorAt"/>: log|L_Z|², over all random effects.</summary>
    public double LogDeterminantRandom => FirstLogDeterminant + rest.RandomLogDeterminant;

    /// <summary>After <see cref="FactorAt"/>: log|L_X|².</summary>
    public double LogDeterminantFixed
    {
        get
        {
            var tail = rest.Tail;
            int size = Layout.FixedEffectCount + 1;
            double sum = 0;
            for (int a = 0; a < size - 1; a++) sum += Math.Log(tail[a * size + a]);
            return 2 * sum + products.Scaling.LogDeterminantCorrection;
        }
    }

    /// <summary>After <see cref="FactorAt"/>: r²(θ), the minimum penalized residual sum of squares.</summary>
    public double PenalizedResidualSquares
    {
        get
        {
            var tail = rest.Tail;
            double residual = tail[^1] / products.Scaling.ResponseScale;
            return residual * residual;
        }
    }

    /// <summary>The objective at θ: −2 log-likelihood (ML) or the REML criterion.</summary>
    public double Evaluate(ReadOnlySpan<double> theta) => FactorAt(theta) ? ObjectiveFromFactor() : FailedEvaluation;

    /// <summary>The objective from the factor left by the last successful <see cref="FactorAt"/>.</summary>
    public double ObjectiveFromFactor()
    {
        var layout = Layout;
        int n = layout.RowCount, p = layout.FixedEffectCount;
        double penalizedResidualSquares = PenalizedResidualSquares;
        // Prior weights: log|σ²W⁻¹| = n log σ² − Σ log wᵢ (lme4's ldW).
        double logWeights = products.LogWeightSum;
        if (!Reml)
            return LogDeterminantRandom - logWeights + n * (1 + Math.Log(2 * Math.PI * penalizedResidualSquares / n));
        int residualDf = n - p;
        return LogDeterminantRandom - logWeights + LogDeterminantFixed
            + residualDf * (1 + Math.Log(2 * Math.PI * penalizedResidualSquares / residualDf));
    }

    /// <summary>How X and y were centred and scaled inside the factor; every β, Cov(β̂), û and r² this class gives out is
    /// mapped back to the original coordinates.</summary>
    public FixedEffectScaling Scaling => products.Scaling;

    /// <summary>After <see cref="FactorAt"/>: β̂(θ) from the tail alone (L_X' β = the response row's fixed part).</summary>
    public void FixedEffects(Span<double> beta)
    {
        var tail = rest.Tail;
        int p = Layout.FixedEffectCount, size = p + 1;
        for (int j = 0; j < p; j++) beta[j] = tail[p * size + j];
        for (int i = p - 1; i >= 0; i--)
        {
            double value = beta[i];
            for (int j = i + 1; j < p; j++) value -= tail[j * size + i] * beta[j];
            beta[i] = value / tail[i * size + i];
        }
        products.Scaling.MapFixedEffects(beta[..p]);
    }

    /// <summary>After <see cref="FactorAt"/>: (L_X L_X')⁻¹, row-major p×p: Cov(β̂)/σ² at θ.</summary>
    public double[] UnscaledFixedCovariance()
    {
        var tail = rest.Tail;
        int p = Layout.FixedEffectCount, size = p + 1;
        var inverse = new double[p * p];
        for (int i = 0; i < p; i++)
            for (int j = 0; j <= i; j++) inverse[i * p + j] = tail[i * size + j];
        DenseCholesky.InvertLower(inverse, p);
        var covariance = new double[p * p];
        for (int a = 0; a < p; a++)
            for (int b = 0; b <= a; b++)
            {
                double value = 0;
                for (int k = a; k < p; k++) value += inverse[k * p + a] * inverse[k * p + b];
                covariance[a * p + b] = covariance[b * p + a] = value;
            }
        return products.Scaling.MapCovariance(covariance);
    }

    /// <summary>Builds and factors the system at θ. False when the system is not positive definite.</summary>
    public bool FactorAt(ReadOnlySpan<double> theta)
    {
        factored = false;
        var layout = Layout;
        for (int t = 0; t < factors.Length; t++) parameterization.FillFactor(theta, t, factors[t]);
        for (int r = 0; r < layout.RestSize; r++)
            restRowScale[r] = r < layout.RestRandomSize && layout.Terms[layout.RestRowTerm[r]].ColumnCount == 1
                ? factors[layout.RestRowTerm[r]][0]
                : 1.0;
        double firstLogDeterminant = 0;
        if (firstTermLevels is not null && !firstTermLevels.Compute(out firstLogDeterminant)) return false;
        if (!rest.Factor(products.Rest, factors)) return false;
        FirstLogDeterminant = dense?.FirstLogDeterminant ?? firstLogDeterminant;
        theta.CopyTo(factoredTheta);
        factored = true;
        return true;
    }

    /// <summary>True when the factor held is that of the last <see cref="FactorAt"/>, made at exactly
    /// <paramref name="theta"/> and successful (the cross-products being fixed for the objective's life).</summary>
    public bool LastFactored(ReadOnlySpan<double> theta) => factored && theta.SequenceEqual(factoredTheta);

    /// <summary>For level l of the first term: its k₁×k₁ factor L₁₁ and the rows of L₂₁ (one k₁-vector per pattern
    /// entry), computed from the cross-products at the current T's: row e is L₁₁⁻¹ T₁' a_e scaled by the T of the
    /// rest row it belongs to. Levels are independent: safe to call for different levels at once.</summary>
    public bool FirstLevelRows(int level, Span<double> blockFactor, Span<double> rows)
    {
        var layout = Layout;
        int k1 = layout.First.ColumnCount;
        var t1 = factors[0];
        if (k1 == 2) return FirstLevelRowsOfTwo(level, blockFactor, rows);
        SmallMatrix.ScaledPlusIdentity(products.FirstBlocks.AsSpan(level * k1 * k1, k1 * k1), t1, k1, blockFactor);
        if (!SmallMatrix.Cholesky(blockFactor, k1)) return false;
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
                SmallMatrix.SolveLower(blockFactor, k1, column);
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

    /// <summary><see cref="FirstLevelRows"/> for a first term of two columns (a random intercept and slope, the
    /// commonest vector term) in closed form: T'BT + I, its 2×2 Cholesky factor and L⁻¹T' written out, without the
    /// general loops (this runs for every first-term level in every evaluation).</summary>
    private bool FirstLevelRowsOfTwo(int level, Span<double> blockFactor, Span<double> rows)
    {
        var layout = Layout;
        var t = factors[0];
        double t00 = t[0], t10 = t[2], t11 = t[3];
        var b = products.FirstBlocks.AsSpan(level * 4, 4);
        double b00 = b[0], b01 = b[1], b11 = b[3];
        // T'BT with T lower: (T'BT)_ij = Σ_cd T[c,i] B[c,d] T[d,j].
        double m00 = t00 * (t00 * b00 + t10 * b01) + t10 * (t00 * b01 + t10 * b11);
        double m10 = t11 * (t00 * b01 + t10 * b11);
        double m11 = t11 * t11 * b11;
        double pivot0 = m00 + 1;
        if (!(pivot0 > 0) || !double.IsFinite(pivot0)) return false;
        double l00 = Math.Sqrt(pivot0), l10 = m10 / l00;
        double pivot1 = m11 + 1 - l10 * l10;
        if (!(pivot1 > 0) || !double.IsFinite(pivot1)) return false;
        double l11 = Math.Sqrt(pivot1);
        blockFactor[0] = l00;
        blockFactor[1] = 0;
        blockFactor[2] = l10;
        blockFactor[3] = l11;
        // M = L⁻¹ T'.
        double a00 = t00 / l00, a01 = t10 / l00;
        double a10 = -l10 * a00 / l11, a11 = (t11 - l10 * a01) / l11;
        int start = layout.PatternStart[level], end = layout.PatternStart[level + 1];
        var source = products.FirstRest.AsSpan(start * 2, (end - start) * 2);
        var patternRows = layout.PatternRow.AsSpan(start, end - start);
        var target = rows[..((end - start) * 2)];
        for (int e = 0; e < patternRows.Length; e++)
        {
            double scale = restRowScale[patternRows[e]];
            double from0 = source[2 * e], from1 = source[2 * e + 1];
            target[2 * e] = (a00 * from0 + a01 * from1) * scale;
            target[2 * e + 1] = (a10 * from0 + a11 * from1) * scale;
        }
        if (anyVectorRestTerm) ScalePatternRowsByRestFactors(start, end, rows, 2);
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
