using SparseLmm.Design;
using SparseLmm.Numerics;
using SparseLmm.Results;

namespace SparseLmm.Engine;

/// <summary>The conditional AIC of a linear mixed model as R's cAIC4 computes it for an lmer fit (<c>cAIC(fit)</c>, its
/// defaults): −2 × the conditional log-likelihood Σ log φ(yᵢ; μ̂ᵢ, σ̂) plus 2 × Greven and Kneib's (2010) effective
/// degrees of freedom, the trace of the hat matrix y ↦ μ̂ = Xβ̂ + Zb̂ corrected for the estimated variance parameters
/// (their analytic correction), plus 1 for σ.
/// <para>Every n-vector involved lies in the span of the columns of [Z X y], so each is held as its coefficients over
/// them and every inner product and every application of A = V⁻¹ − V⁻¹X(X'V⁻¹X)⁻¹X'V⁻¹ (V = I + ZΛΛ'Z', the marginal
/// covariance over σ²) is dense algebra of order q + p + 1 on the Gram matrix of [Z X y], built in one pass over the
/// rows: no n×n matrix, any number of rows. The cost is cubic in the number of random effects q (one blocked inverse
/// of the factor of order q + p and the Gram matrix of its random-effects columns), so the criterion is computed up to
/// <see cref="MaxOrder"/> random and fixed effects.</para>
/// <para>As cAIC4, the variance parameters are the entries of the relative covariance ΛΛ' at Λ's pattern (its
/// derivative matrices W_s = Z D_s Z', D_s the symmetric indicator of entry s); scalar terms whose θ is 0 are left
/// out (cAIC4 refits without them, which is the same fit). A zero diagonal in a term with several columns needs
/// cAIC4's refit of a smaller model (<see cref="ZeroColumns"/>; the caller refits). With prior weights the fit's
/// projections (A = W r(·), r the weighted penalized least-squares residual) use the weighted Gram matrix and cAIC4's
/// plain inner products of e and W_s e the unweighted one.</para></summary>
internal static class ConditionalAicCalculator
{
    /// <summary>The largest q + p for which the criterion is computed (its dense algebra is cubic in it).</summary>
    public const int MaxOrder = 3000;

    /// <summary>The criterion, or null with the reason it was not computed.</summary>
    /// <param name="design">The design (its response is what was fitted: y − offset with an offset).</param>
    /// <param name="terms">The random-effects terms in θ order.</param>
    /// <param name="parameterization">θ ↔ T.</param>
    /// <param name="theta">θ̂.</param>
    /// <param name="reml">True for a REML fit (the correction uses A and n − p, as cAIC4 for a REML fit).</param>
    /// <param name="sigma">σ̂ (REML or ML, as the fit reports it).</param>
    /// <param name="offsetResiduals">Σ offsetᵢ eᵢ over the conditional residuals e (0 without an offset): cAIC4 takes
    /// y'e with the y that includes the offset, where the fitted response is y − offset.</param>
    public static (ConditionalAic? Value, string? Reason) Compute(ModelDesign design, IReadOnlyList<RandomEffectsDesign> terms,
        CovarianceParameterization parameterization, double[] theta, bool reml, double sigma, double offsetResiduals = 0)
    {
        int q = terms.Sum(t => t.Size), p = design.FixedEffectCount, n = design.RowCount;
        if (q + p > MaxOrder)
            return (null, $"cAIC is not computed for more than {MaxOrder:N0} random and fixed effects (this model has {q + p:N0})");
        var parameters = Parameters(terms, parameterization, theta, out bool needsRefit);
        if (needsRefit)
            return (null, "cAIC of a term with several columns and a zero variance needs cAIC4's refit without them (ConditionalAicMethods does it)");
        var system = new GramSystem(design, terms, parameterization, theta);
        return system.Criterion(parameters, reml, sigma, n, offsetResiduals) is { } value && double.IsFinite(value.Value)
            ? (value, null)
            : (null, "cAIC is not computed: the matrix of second derivatives in its correction is singular or not finite at this fit (a response whose squares overflow, or a degenerate fit)");
    }

    /// <summary>The columns of each term (θ order) whose diagonal of T is exactly 0, for terms with several columns
    /// (cAIC4 refits the model without them before computing the criterion); empty when there are none.</summary>
    public static IReadOnlyList<(int Term, int[] Columns)> ZeroColumns(IReadOnlyList<RandomEffectsDesign> terms,
        CovarianceParameterization parameterization, double[] theta)
    {
        var result = new List<(int, int[])>();
        for (int t = 0; t < terms.Count; t++)
        {
            int k = terms[t].ColumnCount, index = parameterization.Offset(t);
            if (k == 1) continue;
            int rows = PatternRows(parameterization, t, k);
            var zero = new List<int>();
            for (int column = 0, at = index; column < k; column++)
                for (int row = column; row < Math.Min(k, column + rows); row++, at++)
                    if (row == column && theta[at] == 0) zero.Add(column);
            if (zero.Count > 0) result.Add((t, zero.ToArray()));
        }
        return result;
    }

    /// <summary>How many rows of each column of Λ's pattern, from the diagonal down: all for an unstructured term, the
    /// diagonal only for a diag() term (whose θ is its SDs). cs() and ar1() terms are not given a criterion.</summary>
    private static int PatternRows(CovarianceParameterization parameterization, int term, int k) =>
        parameterization.Structure(term) == CovarianceStructure.Diagonal ? 1 : k;

    /// <summary>One variance parameter: the positions of its symmetric indicator D_s among the random effects.</summary>
    private sealed record VarianceParameter(int[] Rows, int[] Columns);

    private static List<VarianceParameter> Parameters(IReadOnlyList<RandomEffectsDesign> terms,
        CovarianceParameterization parameterization, double[] theta, out bool needsRefit)
    {
        needsRefit = false;
        var result = new List<VarianceParameter>();
        int offset = 0;
        for (int t = 0; t < terms.Count; t++)
        {
            var term = terms[t];
            int k = term.ColumnCount, index = parameterization.Offset(t), rows = PatternRows(parameterization, t, k);
            bool zeroDiagonal = false;
            for (int column = 0, at = index; column < k; column++)
                for (int row = column; row < Math.Min(k, column + rows); row++, at++)
                    if (row == column && theta[at] == 0) zeroDiagonal = true;
            if (zeroDiagonal && k > 1) needsRefit = true;
            if (!zeroDiagonal)
            {
                for (int column = 0; column < k; column++)
                    for (int row = column; row < Math.Min(k, column + rows); row++)
                    {
                        var rowIndices = new List<int>();
                        var columns = new List<int>();
                        for (int level = 0; level < term.LevelCount; level++)
                        {
                            int baseIndex = offset + level * k;
                            rowIndices.Add(baseIndex + row);
                            columns.Add(baseIndex + column);
                            if (row == column) continue;
                            rowIndices.Add(baseIndex + column);
                            columns.Add(baseIndex + row);
                        }
                        result.Add(new VarianceParameter(rowIndices.ToArray(), columns.ToArray()));
                    }
            }
            offset += term.Size;
        }
        return result;
    }

    /// <summary>The Gram matrix of [Z X y] and the factored penalized systems: with X (for A) and without (for V⁻¹).</summary>
    private sealed class GramSystem
    {
        private readonly int q, p, order;
        // The Gram matrices of [Z X y] unweighted and weighted by the prior weights (the same array without them):
        // the fit's projections are weighted, cAIC4's inner products of residuals and W_s e are not.
        private readonly double[] gram, weightedGram;
        private readonly double logWeights;
        private readonly IReadOnlyList<RandomEffectsDesign> terms;
        private readonly double[][] factors;
        private readonly double[] fullFactor, randomFactor;

        public GramSystem(ModelDesign design, IReadOnlyList<RandomEffectsDesign> terms, CovarianceParameterization parameterization, double[] theta)
        {
            this.terms = terms;
            q = terms.Sum(t => t.Size);
            p = design.FixedEffectCount;
            order = q + p + 1;
            (gram, weightedGram) = Gram(design, terms, q, p);
            foreach (double weight in design.Weights ?? []) logWeights += Math.Log(weight);
            factors = new double[terms.Count][];
            for (int t = 0; t < terms.Count; t++)
            {
                int k = terms[t].ColumnCount;
                factors[t] = new double[k * k];
                parameterization.FillFactor(theta, t, factors[t]);
            }
            // M = [Λ'Z'ZΛ + I, Λ'Z'X; X'ZΛ, X'X] = diag(Λ, I)' G diag(Λ, I) + diag(I, 0), blockwise (Λ is block
            // diagonal), and its random-effects block alone.
            int size = q + p;
            var m = new double[size * size];
            for (int i = 0; i < size; i++) weightedGram.AsSpan(i * order, size).CopyTo(m.AsSpan(i * size, size));
            for (int i = 0; i < size; i++) ScaleRandom(m.AsSpan(i * size, size), transpose: true);
            var column = new double[size];
            for (int j = 0; j < size; j++)
            {
                for (int i = 0; i < size; i++) column[i] = m[i * size + j];
                ScaleRandom(column, transpose: true);
                for (int i = 0; i < size; i++) m[i * size + j] = column[i];
            }
            for (int i = 0; i < q; i++) m[i * size + i] += 1;
            var random = new double[q * q];
            for (int i = 0; i < q; i++)
                for (int j = 0; j < q; j++) random[i * q + j] = m[i * size + j];
            if (!DenseCholesky.Factor(m, size) || !DenseCholesky.Factor(random, q))
                throw new InvalidOperationException("the penalized system is not positive definite at the optimum");
            // DenseCholesky leaves the strict upper triangle as it was; the solves read the lower one only.
            fullFactor = m;
            randomFactor = random;
        }

        /// <summary>The Gram matrices of [Z X y] (full, row-major), unweighted and weighted, from one pass over the rows.</summary>
        private static (double[] Plain, double[] Weighted) Gram(ModelDesign design, IReadOnlyList<RandomEffectsDesign> terms, int q, int p)
        {
            int order = q + p + 1, n = design.RowCount;
            var y = ((NumericResponse)design.Response).Values;
            var weights = design.Weights;
            var gram = new double[order * order];
            var weighted = weights is null ? gram : new double[order * order];
            int entries = terms.Sum(t => t.ColumnCount) + p + 1;
            var index = new int[entries];
            var value = new double[entries];
            var offsets = new int[terms.Count];
            for (int t = 1; t < terms.Count; t++) offsets[t] = offsets[t - 1] + terms[t - 1].Size;
            for (int i = 0; i < n; i++)
            {
                int count = 0;
                for (int t = 0; t < terms.Count; t++)
                {
                    var term = terms[t];
                    int k = term.ColumnCount, start = offsets[t] + term.LevelOfRow[i] * k;
                    for (int c = 0; c < k; c++)
                    {
                        index[count] = start + c;
                        value[count++] = term.Z[i * k + c];
                    }
                }
                for (int j = 0; j < p; j++)
                {
                    index[count] = q + j;
                    value[count++] = design.X[i * p + j];
                }
                index[count] = q + p;
                value[count++] = y[i];
                double weight = weights is null ? 1 : weights[i];
                for (int a = 0; a < count; a++)
                {
                    int row = index[a] * order;
                    double va = value[a];
                    for (int b = 0; b < count; b++) gram[row + index[b]] += va * value[b];
                    if (weights is null) continue;
                    double wa = weight * va;
                    for (int b = 0; b < count; b++) weighted[row + index[b]] += wa * value[b];
                }
            }
            return (gram, weighted);
        }

        /// <summary>v ← diag(Λ, I, 1) v, or its transpose, on a vector over [Z X y] (or over [Z X]).</summary>
        private void ScaleRandom(Span<double> v, bool transpose)
        {
            int offset = 0;
            Span<double> block = stackalloc double[16];
            for (int t = 0; t < terms.Count; t++)
            {
                var term = terms[t];
                int k = term.ColumnCount;
                var factor = factors[t];
                var local = k <= 16 ? block[..k] : new double[k];
                for (int level = 0; level < term.LevelCount; level++)
                {
                    var target = v.Slice(offset + level * k, k);
                    for (int a = 0; a < k; a++)
                    {
                        double sum = 0;
                        for (int c = 0; c < k; c++) sum += (transpose ? factor[c * k + a] : factor[a * k + c]) * target[c];
                        local[a] = sum;
                    }
                    local.CopyTo(target);
                }
                offset += term.Size;
            }
        }

        private void GramTimes(double[] matrix, ReadOnlySpan<double> c, Span<double> result)
        {
            for (int i = 0; i < order; i++)
            {
                var row = matrix.AsSpan(i * order, order);
                double sum = 0;
                for (int j = 0; j < order; j++) sum += row[j] * c[j];
                result[i] = sum;
            }
        }

        /// <summary>a'b (<paramref name="weighted"/>: a'Wb) of the vectors with coefficients a and b.</summary>
        private double Inner(double[] a, double[] b, bool weighted)
        {
            var gb = new double[order];
            GramTimes(weighted ? weightedGram : gram, b, gb);
            double sum = 0;
            for (int i = 0; i < order; i++) sum += a[i] * gb[i];
            return sum;
        }

        /// <summary>The coefficients of A v (withFixed) or V⁻¹ v for v = [Z X y] c: v less its penalized least-squares
        /// fit on [ZΛ X] (or on ZΛ alone).</summary>
        private double[] Residual(double[] c, bool withFixed)
        {
            var g = new double[order];
            GramTimes(weightedGram, c, g);
            ScaleRandom(g, transpose: true);
            int size = withFixed ? q + p : q;
            var s = g.AsSpan(0, size).ToArray();
            var factor = withFixed ? fullFactor : randomFactor;
            SmallMatrix.SolveLower(factor, size, s);
            SmallMatrix.SolveLowerTransposed(factor, size, s);
            var fit = new double[order];
            s.CopyTo(fit, 0);
            ScaleRandom(fit, transpose: false);
            var result = (double[])c.Clone();
            for (int i = 0; i < size; i++) result[i] -= fit[i];
            return result;
        }

        /// <summary>The random-effects block of (L L')⁻¹ for the lower factor L of order <paramref name="size"/>
        /// (dense q×q): L⁻¹ by the blocked kernel, then the Gram matrix of its first q columns.</summary>
        private unsafe double[] InverseRandomBlock(double[] factor, int size)
        {
            var inverse = (double[])factor.Clone();
            DenseCholesky.InvertLower(inverse, size);
            // Column a of L⁻¹ (nonzero from row a on) as row a of the transpose: contiguous dot products.
            var transposed = new double[(long)q * size];
            for (int i = 0; i < size; i++)
                for (int a = 0; a <= Math.Min(i, q - 1); a++) transposed[(long)a * size + i] = inverse[(long)i * size + a];
            var result = new double[q * q];
            fixed (double* t = transposed)
                for (int a = 0; a < q; a++)
                    for (int b = 0; b <= a; b++)
                    {
                        int from = a;
                        double value = DenseKernels.Dot(t + (long)a * size + from, t + (long)b * size + from, size - from);
                        result[a * q + b] = result[b * q + a] = value;
                    }
            return result;
        }

        /// <summary>Q = Λ'⁻¹ (I − C) Λ⁻¹ for C the random-effects block of M⁻¹ (Q = Z'AZ) or of M_uu⁻¹ (Q = Z'V⁻¹Z):
        /// Z'AZ = Z'Z − B'M⁻¹B with B = diag(Λ, I)'[Z X]'Z, and B is M's own random-effects columns less the identity,
        /// times Λ⁻¹, so B'M⁻¹B = Λ'⁻¹(M_uu − 2I + (M⁻¹)_uu)Λ⁻¹ and the Z'Z terms cancel (no q solves). Blocks of a
        /// term whose T is singular (a scalar θ = 0, whose parameters are left out) stay 0.</summary>
        private double[] ProjectedGram(double[] block)
        {
            var inverseFactors = new double[terms.Count][];
            for (int t = 0; t < terms.Count; t++)
            {
                int k = terms[t].ColumnCount;
                bool singular = Enumerable.Range(0, k).Any(c => factors[t][c * k + c] == 0);
                inverseFactors[t] = singular ? new double[k * k] : SmallMatrix.Inverse(factors[t], k) ?? new double[k * k];
            }
            var y = new double[q * q];
            for (int i = 0; i < q * q; i++) y[i] = -block[i];
            for (int i = 0; i < q; i++) y[i * q + i] += 1;
            // Right by Λ⁻¹ (each row's column blocks), then left by Λ'⁻¹ (each column's row blocks): the same map.
            var row = new double[q];
            for (int r = 0; r < q; r++)
            {
                y.AsSpan(r * q, q).CopyTo(row);
                ApplyInverse(row, y.AsSpan(r * q, q), inverseFactors);
            }
            var column = new double[q];
            var mapped = new double[q];
            for (int c = 0; c < q; c++)
            {
                for (int r = 0; r < q; r++) column[r] = y[r * q + c];
                ApplyInverse(column, mapped, inverseFactors);
                for (int r = 0; r < q; r++) y[r * q + c] = mapped[r];
            }
            return y;
        }

        /// <summary>target_block = source_block T⁻¹ (a row vector times T⁻¹) for every level block.</summary>
        private void ApplyInverse(ReadOnlySpan<double> source, Span<double> target, double[][] inverseFactors)
        {
            int offset = 0;
            for (int t = 0; t < terms.Count; t++)
            {
                int k = terms[t].ColumnCount;
                var inverse = inverseFactors[t];
                for (int level = 0; level < terms[t].LevelCount; level++, offset += k)
                    for (int c = 0; c < k; c++)
                    {
                        double value = 0;
                        for (int d = 0; d < k; d++) value += source[offset + d] * inverse[d * k + c];
                        target[offset + c] = value;
                    }
            }
        }

        public ConditionalAic? Criterion(List<VarianceParameter> parameters, bool reml, double sigma, int n, double offsetResiduals)
        {
            var y = new double[order];
            y[q + p] = 1;
            var e = Residual(y, withFixed: true);
            var ge = new double[order];
            GramTimes(gram, e, ge);
            double residualSquares = Inner(e, e, weighted: true);
            double tye = ge[q + p] + offsetResiduals;
            // Residual i has SD σ/√wᵢ.
            double logLikelihood = -0.5 * n * Math.Log(2 * Math.PI * sigma * sigma) + 0.5 * logWeights - residualSquares / (2 * sigma * sigma);

            // tr(H) = q + p − tr((M⁻¹)_uu).
            var fullInverse = InverseRandomBlock(fullFactor, q + p);
            double inverseTrace = 0;
            for (int i = 0; i < q; i++) inverseTrace += fullInverse[i * q + i];
            double hatTrace = q + p - inverseTrace;

            int m = parameters.Count;
            if (m == 0) return new ConditionalAic(logLikelihood, hatTrace, -2 * logLikelihood + 2 * hatTrace);

            // W_s e = Z D_s Z'e, its quadratic form with e, and A W_s e.
            var a = new double[m][];
            var b = new double[m][];
            var eWe = new double[m];
            for (int s = 0; s < m; s++)
            {
                a[s] = new double[order];
                var parameter = parameters[s];
                for (int r = 0; r < parameter.Rows.Length; r++) a[s][parameter.Rows[r]] += ge[parameter.Columns[r]];
                for (int i = 0; i < q; i++) eWe[s] += ge[i] * a[s][i];
                b[s] = Residual(a[s], withFixed: true);
            }

            // Q = Z'AZ (REML) or Z'V⁻¹Z (ML), for the traces tr(W_k Q W_j Q) = tr(D_k Q D_j Q).
            var zq = ProjectedGram(reml ? fullInverse : InverseRandomBlock(randomFactor, q));

            var bMatrix = new double[m * m];
            var gMatrix = new double[m * m];
            double residualDf = reml ? n - p : n;
            // C_k · (W⁻¹ A W_j e) = e'W_k A b_j − (e'W_k e)(e'b_j)/(2 y'e), with b_j = W⁻¹A W_j e and A b_j = W r(b_j).
            var ab = new double[m, m];
            for (int j = 0; j < m; j++)
            {
                var rb = Residual(b[j], withFixed: true);
                for (int k = 0; k < m; k++) ab[k, j] = Inner(a[k], rb, weighted: true);
            }
            var eb = new double[m];
            for (int j = 0; j < m; j++) eb[j] = Inner(e, b[j], weighted: false);
            for (int j = 0; j < m; j++)
            {
                for (int k = j; k < m; k++)
                {
                    double trace = 0;
                    var pk = parameters[k];
                    var pj = parameters[j];
                    for (int x = 0; x < pk.Rows.Length; x++)
                    {
                        int row = pk.Rows[x], column = pk.Columns[x];
                        for (int z = 0; z < pj.Rows.Length; z++)
                            trace += zq[column * q + pj.Rows[z]] * zq[pj.Columns[z] * q + row];
                    }
                    double value = -tye * trace / (2 * residualDf) - eWe[j] * eWe[k] / (2 * tye) + Inner(a[k], b[j], weighted: true);
                    bMatrix[j * m + k] = bMatrix[k * m + j] = value;
                }
                for (int k = 0; k < m; k++) gMatrix[k * m + j] = ab[k, j] - eWe[k] * eb[j] / (2 * tye);
            }
            if (SmallMatrix.Inverse(bMatrix, m) is not { } bInverse) return null;
            double correction = 0;
            for (int j = 0; j < m; j++)
                for (int k = 0; k < m; k++) correction += bInverse[j * m + k] * gMatrix[k * m + j];
            double df = hatTrace + correction + 1;
            return new ConditionalAic(logLikelihood, df, -2 * logLikelihood + 2 * df);
        }
    }
}
