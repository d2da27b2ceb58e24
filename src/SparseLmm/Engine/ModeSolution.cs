namespace SparseLmm.Engine;

/// <summary>What follows from the factor at the optimum θ̂: β̂, the spherical random effects û, the penalized residual
/// sum of squares, the unscaled Cov(β̂) and the unscaled conditional covariances of û per level.</summary>
internal sealed class ModeSolution
{
    private ModeSolution(double[] beta, double[][] sphericalModes, double penalizedResidualSquares,
        double[] fixedCovariance, double[][] conditionalCovariance)
    {
        Beta = beta;
        SphericalModes = sphericalModes;
        PenalizedResidualSquares = penalizedResidualSquares;
        UnscaledFixedCovariance = fixedCovariance;
        UnscaledConditionalCovariance = conditionalCovariance;
    }

    /// <summary>β̂.</summary>
    public double[] Beta { get; }

    /// <summary>û per term (terms largest first), level by level, k entries per level.</summary>
    public double[][] SphericalModes { get; }

    /// <summary>r²(θ̂): the minimum penalized residual sum of squares.</summary>
    public double PenalizedResidualSquares { get; }

    /// <summary>(L_X L_X')⁻¹, row-major p×p: Cov(β̂) / σ².</summary>
    public double[] UnscaledFixedCovariance { get; }

    /// <summary>Per term, per level, the k×k block of (L_Z L_Z')⁻¹ (row-major): Cov(û | y) / σ².</summary>
    public double[][] UnscaledConditionalCovariance { get; }

    /// <summary>Factors at θ and solves. Throws when the system cannot be factored at θ.</summary>
    public static ModeSolution Compute(ProfiledDeviance deviance, ReadOnlySpan<double> theta)
    {
        if (!deviance.FactorAt(theta))
            throw new InvalidOperationException("the mixed-model system is not positive definite at the optimum");
        return FromFactor(deviance);
    }

    /// <summary>Solves with the factor <paramref name="deviance"/> holds from its last successful
    /// <see cref="ProfiledDeviance.FactorAt"/>, when the caller knows that was at θ̂ (saving one factorization).</summary>
    public static ModeSolution FromFactor(ProfiledDeviance deviance)
    {
        var layout = deviance.Layout;
        var solver = new PenalizedSolver(deviance);
        var u = new double[layout.Terms.Sum(t => t.Size)];
        var beta = new double[layout.FixedEffectCount];
        solver.Solve(u, beta);

        var rest = deviance.Rest;
        rest.PrepareInverse();
        var modes = new double[layout.Terms.Count][];
        var conditional = new double[layout.Terms.Count][];
        for (int t = 1; t < layout.Terms.Count; t++)
        {
            var term = layout.Terms[t];
            int k = term.ColumnCount;
            modes[t] = u.AsSpan(solver.TermOffsets[t], term.Size).ToArray();
            conditional[t] = new double[term.LevelCount * k * k];
            for (int level = 0; level < term.LevelCount; level++)
            {
                int offset = layout.RestTermOffset[t] + level * k;
                for (int a = 0; a < k; a++)
                    for (int b = 0; b < k; b++)
                        conditional[t][level * k * k + a * k + b] = rest.InverseEntry(offset + Math.Max(a, b), offset + Math.Min(a, b));
            }
        }
        modes[0] = u.AsSpan(0, layout.First.Size).ToArray();
        conditional[0] = FirstTermConditionalCovariance(deviance);
        return new ModeSolution(beta, modes, deviance.PenalizedResidualSquares, deviance.UnscaledFixedCovariance(), conditional);
    }

    private static double[] FirstTermConditionalCovariance(ProfiledDeviance deviance)
    {
        var layout = deviance.Layout;
        var rest = deviance.Rest;
        var first = layout.First;
        int k1 = first.ColumnCount, randomSize = layout.RestRandomSize;
        var conditional = new double[first.LevelCount * k1 * k1];
        var block = new double[k1 * k1];
        var rows = new double[layout.MaxPatternLength * k1];
        var inverseBlock = new double[k1 * k1];
        var weighted = new double[layout.MaxPatternLength * k1];
        var projected = new double[layout.MaxPatternLength * k1];
        for (int level = 0; level < first.LevelCount; level++)
        {
            deviance.FirstLevelRows(level, block, rows);
            int start = layout.PatternStart[level], length = layout.PatternStart[level + 1] - start;
            // Cov(û₁ | y)/σ² = L₁₁⁻ᵀ L₁₁⁻¹ + Wᵀ P W with W = L₂₁ L₁₁⁻¹ over the other terms' rows, P = (L_zz L_zz')⁻¹.
            for (int c = 0; c < k1 * k1; c++) inverseBlock[c] = 0;
            for (int c = 0; c < k1; c++)
            {
                inverseBlock[c * k1 + c] = 1;
                var column = new Span<double>(inverseBlock, 0, k1 * k1);
                SolveColumn(block, k1, column, c);
            }
            int randomRows = 0;
            while (randomRows < length && layout.PatternRow[start + randomRows] < randomSize) randomRows++;
            for (int e = 0; e < randomRows; e++)
                for (int c = 0; c < k1; c++)
                {
                    double value = 0;
                    for (int d = 0; d < k1; d++) value += rows[e * k1 + d] * inverseBlock[d * k1 + c];
                    weighted[e * k1 + c] = value;
                }
            // P W, with P's entries among this level's rows (a clique of the factor's pattern).
            for (int e = 0; e < randomRows; e++)
            {
                int rowE = layout.PatternRow[start + e];
                for (int b = 0; b < k1; b++) projected[e * k1 + b] = 0;
                for (int f = 0; f < randomRows; f++)
                {
                    int rowF = layout.PatternRow[start + f];
                    double entry = rest.InverseEntry(Math.Max(rowE, rowF), Math.Min(rowE, rowF));
                    for (int b = 0; b < k1; b++) projected[e * k1 + b] += entry * weighted[f * k1 + b];
                }
            }
            var target = conditional.AsSpan(level * k1 * k1, k1 * k1);
            for (int a = 0; a < k1; a++)
                for (int b = 0; b < k1; b++)
                {
                    double value = 0;
                    for (int d = 0; d < k1; d++) value += inverseBlock[d * k1 + a] * inverseBlock[d * k1 + b];
                    for (int e = 0; e < randomRows; e++) value += weighted[e * k1 + a] * projected[e * k1 + b];
                    target[a * k1 + b] = value;
                }
        }
        return conditional;
    }

    /// <summary>Column c of L⁻¹ for a small row-major lower L, stored into column c of <paramref name="inverse"/>.</summary>
    private static void SolveColumn(ReadOnlySpan<double> l, int k, Span<double> inverse, int c)
    {
        for (int i = 0; i < k; i++)
        {
            double value = i == c ? 1.0 : 0.0;
            for (int j = 0; j < i; j++) value -= l[i * k + j] * inverse[j * k + c];
            inverse[i * k + c] = value / l[i * k + i];
        }
    }
}
