using SparseLmm.Numerics;

namespace SparseLmm.Engine;

/// <summary>An ANOVA (Henderson method III style) estimate of the variance components of a model whose random-effects
/// terms are all scalar intercepts, from the cross-products alone.
/// <para>The one-way estimates of <see cref="StartingValues"/> take each term's within-level variance as its residual
/// variance. When factors are crossed that variance also holds the other factors' variances, and the start lands far
/// from the optimum (Penicillin: θ = (0.24, 1.73) against (1.54, 3.51), which cost 58 evaluations to lme4's 41). Here the
/// quadratic forms Q₀ = r'r and Q_t = Σ_l (Z_l'r)²/n_l of the least-squares residual r = M y are matched to their
/// expectations under V = σ² I + Σ_s σ_s² Z_s Z_s':</para>
/// <para>E Q₀ = (n − p) σ² + Σ_s σ_s² (n − tr(G⁻¹ U_s'U_s)),
/// E Q_t = σ² (L_t − tr(G⁻¹ Σ_l u_l u_l'/n_l)) + Σ_s σ_s² ‖D_t^{-1/2} Z_t' M Z_s‖²_F,</para>
/// <para>with G = X'X, U_s = Z_s'X (rows u_m), D_t the level counts and ‖D_t^{-1/2} Z_t'MZ_s‖²_F =
/// Σ_l n_l⁻¹ Σ_m n_lm² − 2 Σ_l n_l⁻¹ Σ_m n_lm u_m'G⁻¹u_l + Σ_l n_l⁻¹ (G⁻¹u_l)'U_s'U_s(G⁻¹u_l), every piece a sum over
/// the nonzero level counts n_lm. The expectations are exact (M is the projection of the design in use), so the
/// estimates are unbiased; they are a start, and only kept when their objective is the lowest.</para></summary>
internal static class InterceptVarianceMoments
{
    // Rest-by-rest level pairs are read entry by entry; beyond this many pairs the estimate is skipped, not slow.
    private const long MaximumRestPairs = 4_000_000;

    /// <summary>(σ², σ₁², …, σ_T²) for the terms in the layout's order, or null when a term is not a scalar intercept,
    /// the system is singular or σ² comes out non-positive. Negative term variances are returned as they are.</summary>
    public static double[]? Estimate(CrossProducts products)
    {
        var layout = products.Layout;
        var terms = layout.Terms;
        int count = terms.Count, p = layout.FixedEffectCount, n = layout.RowCount;
        if (terms.Any(t => t.ColumnCount != 1 || t.TermNames[0] != "(Intercept)")) return null;
        for (int t = 1; t < count; t++)
            for (int s = t + 1; s < count; s++)
                if ((long)terms[t].LevelCount * terms[s].LevelCount > MaximumRestPairs) return null;

        var gram = new double[p * p];
        var xy = new double[p];
        for (int a = 0; a < p; a++)
        {
            xy[a] = products.RestEntry(layout.FixedOffset + a, layout.ResponseIndex);
            for (int b = 0; b < p; b++) gram[a * p + b] = products.RestEntry(layout.FixedOffset + a, layout.FixedOffset + b);
        }
        var gramInverse = SmallMatrix.Inverse(gram, p);
        if (gramInverse is null) return null;
        var beta = SmallMatrix.Multiply(gramInverse, xy, p, p, 1);
        double residualSquares = products.RestEntry(layout.ResponseIndex, layout.ResponseIndex);
        for (int a = 0; a < p; a++) residualSquares -= beta[a] * xy[a];

        // Per term: level counts n_l, u_l = Z_l'X, G⁻¹u_l, and Z_l'r.
        var levels = new TermLevels[count];
        for (int t = 0; t < count; t++) levels[t] = TermLevels.Read(products, t, gramInverse, beta);

        // Unknowns (σ², σ₁², …, σ_T²); equation 0 is Q₀, equation 1 + t is Q_t.
        int size = count + 1;
        var system = new double[size * size];
        var observed = new double[size];
        observed[0] = residualSquares;
        system[0] = n - p;
        for (int s = 0; s < count; s++) system[1 + s] = n - Trace(gramInverse, levels[s].OuterSum, p);
        for (int t = 0; t < count; t++)
        {
            var own = levels[t];
            int row = (1 + t) * size;
            observed[1 + t] = own.BetweenSquares;
            double hatTrace = 0;
            for (int l = 0; l < own.Counts.Length; l++)
                if (own.Counts[l] > 0) hatTrace += Dot(own.Fixed, l, own.Solved, l, p) / own.Counts[l];
            system[row] = own.Counts.Count(c => c > 0) - hatTrace;
            for (int s = 0; s < count; s++)
                system[row + 1 + s] = ProjectedPairSquares(products, levels, t, s, p);
        }
        var inverse = SmallMatrix.Inverse(system, size);
        if (inverse is null) return null;
        var variances = SmallMatrix.Multiply(inverse, observed, size, size, 1);
        return variances[0] > 0 && variances.All(double.IsFinite) ? variances : null;
    }

    /// <summary>‖D_t^{-1/2} Z_t' M Z_s‖²_F through the nonzero level counts n_lm of terms t and s.</summary>
    private static double ProjectedPairSquares(CrossProducts products, TermLevels[] levels, int t, int s, int p)
    {
        var own = levels[t];
        var other = levels[s];
        double counts = 0, cross = 0, outer = 0;
        for (int l = 0; l < own.Counts.Length; l++)
        {
            if (own.Counts[l] <= 0) continue;
            outer += Quadratic(other.OuterSum, own.Solved, l, p) / own.Counts[l];
        }
        foreach (var (l, m, nlm) in PairCounts(products, t, s))
        {
            if (own.Counts[l] <= 0) continue;
            counts += nlm * nlm / own.Counts[l];
            cross += nlm * Dot(other.Fixed, m, own.Solved, l, p) / own.Counts[l];
        }
        return counts - 2 * cross + outer;
    }

    /// <summary>The nonzero counts n_lm of rows in level l of term t and level m of term s.</summary>
    private static IEnumerable<(int L, int M, double Count)> PairCounts(CrossProducts products, int t, int s)
    {
        var layout = products.Layout;
        if (t == s)
        {
            for (int l = 0; l < layout.Terms[t].LevelCount; l++)
            {
                double count = t == 0 ? products.FirstBlocks[l] : products.RestEntry(layout.RestTermOffset[t] + l, layout.RestTermOffset[t] + l);
                if (count > 0) yield return (l, l, count);
            }
            yield break;
        }
        if (t == 0 || s == 0)
        {
            // The first term's patterns hold its counts with every other term's levels.
            int other = t == 0 ? s : t, offset = layout.RestTermOffset[other], end = offset + layout.Terms[other].LevelCount;
            for (int level = 0; level < layout.First.LevelCount; level++)
                for (int e = layout.PatternStart[level]; e < layout.PatternStart[level + 1]; e++)
                {
                    int row = layout.PatternRow[e];
                    if (row < offset || row >= end || products.FirstRest[e] == 0) continue;
                    yield return t == 0 ? (level, row - offset, products.FirstRest[e]) : (row - offset, level, products.FirstRest[e]);
                }
            yield break;
        }
        int rows = layout.RestTermOffset[t], columns = layout.RestTermOffset[s];
        for (int l = 0; l < layout.Terms[t].LevelCount; l++)
            for (int m = 0; m < layout.Terms[s].LevelCount; m++)
            {
                double count = products.RestEntry(Math.Max(rows + l, columns + m), Math.Min(rows + l, columns + m));
                if (count != 0) yield return (l, m, count);
            }
    }

    private static double Trace(double[] a, double[] b, int p)
    {
        double trace = 0;
        for (int i = 0; i < p; i++)
            for (int j = 0; j < p; j++) trace += a[i * p + j] * b[j * p + i];
        return trace;
    }

    private static double Dot(double[] left, int leftRow, double[] right, int rightRow, int p)
    {
        double value = 0;
        for (int j = 0; j < p; j++) value += left[leftRow * p + j] * right[rightRow * p + j];
        return value;
    }

    private static double Quadratic(double[] matrix, double[] vectors, int row, int p)
    {
        double value = 0;
        for (int i = 0; i < p; i++)
            for (int j = 0; j < p; j++) value += vectors[row * p + i] * matrix[i * p + j] * vectors[row * p + j];
        return value;
    }

    /// <summary>One term's levels: counts n_l, rows u_l = Z_l'X and G⁻¹u_l (p per level), U'U, and Σ_l (Z_l'r)²/n_l.</summary>
    private sealed record TermLevels(double[] Counts, double[] Fixed, double[] Solved, double[] OuterSum, double BetweenSquares)
    {
        public static TermLevels Read(CrossProducts products, int t, double[] gramInverse, double[] beta)
        {
            var layout = products.Layout;
            int levels = layout.Terms[t].LevelCount, p = layout.FixedEffectCount;
            var counts = new double[levels];
            var fixedRows = new double[levels * p];
            var responses = new double[levels];
            for (int l = 0; l < levels; l++)
            {
                if (t == 0)
                {
                    counts[l] = products.FirstBlocks[l];
                    int tail = layout.PatternStart[l + 1] - p - 1;
                    for (int j = 0; j < p; j++) fixedRows[l * p + j] = products.FirstRest[tail + j];
                    responses[l] = products.FirstRest[tail + p];
                }
                else
                {
                    int row = layout.RestTermOffset[t] + l;
                    counts[l] = products.RestEntry(row, row);
                    for (int j = 0; j < p; j++) fixedRows[l * p + j] = products.RestEntry(layout.FixedOffset + j, row);
                    responses[l] = products.RestEntry(layout.ResponseIndex, row);
                }
            }
            var solved = new double[levels * p];
            var outerSum = new double[p * p];
            double between = 0;
            for (int l = 0; l < levels; l++)
            {
                double residual = responses[l];
                for (int j = 0; j < p; j++) residual -= fixedRows[l * p + j] * beta[j];
                if (counts[l] > 0) between += residual * residual / counts[l];
                for (int i = 0; i < p; i++)
                {
                    double value = 0;
                    for (int j = 0; j < p; j++)
                    {
                        value += gramInverse[i * p + j] * fixedRows[l * p + j];
                        outerSum[i * p + j] += fixedRows[l * p + i] * fixedRows[l * p + j];
                    }
                    solved[l * p + i] = value;
                }
            }
            return new TermLevels(counts, fixedRows, solved, outerSum, between);
        }
    }
}
