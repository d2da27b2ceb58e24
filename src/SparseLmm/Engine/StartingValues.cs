namespace SparseLmm.Engine;

/// <summary>A moment estimate of θ to start the optimiser near the optimum instead of at T = I. On InstEval this cuts
/// BOBYQA's evaluations by almost half: from T = I most evaluations are spent walking the trust region toward small θ.</summary>
internal static class StartingValues
{
    // A start exactly on the bound 0 sits on a stationary point of the deviance (it is even in a scalar θ), so
    // moment estimates are kept away from it; the optimiser still reaches 0 when that is the optimum.
    private const double Smallest = 0.05;
    private const double Largest = 20;

    /// <summary>θ from per-level regressions of the ordinary least-squares residuals on each term's columns:
    /// the spread of the per-level coefficients, less their sampling variance, estimates the term's covariance
    /// relative to the residual variance (a one-way ANOVA estimate per term). Everything comes from the
    /// cross-products, so no pass over the rows is needed. Terms where the estimate fails keep T = I.</summary>
    public static double[] FromMoments(CrossProducts products, CovarianceParameterization parameterization)
    {
        var layout = products.Layout;
        var theta = parameterization.Start();
        int p = layout.FixedEffectCount, n = layout.RowCount;
        var beta = OrdinaryLeastSquares(products, out double residualSquares);
        if (beta is null) return theta;
        for (int t = 0; t < layout.Terms.Count; t++)
        {
            var factor = TermEstimate(products, t, beta, residualSquares, n - p);
            if (factor is null) continue;
            int k = layout.Terms[t].ColumnCount, index = parameterization.Offset(t);
            for (int column = 0; column < k; column++)
                for (int row = column; row < k; row++)
                    theta[index++] = row == column ? Math.Clamp(factor[row * k + column], Smallest, Largest) : factor[row * k + column];
        }
        return theta;
    }

    private static double[]? TermEstimate(CrossProducts products, int t, double[] beta, double residualSquares, int residualDf)
    {
        var term = products.Layout.Terms[t];
        int k = term.ColumnCount, levels = 0;
        var zz = new double[k * k];
        var zr = new double[k];
        var coefficients = new double[k];
        var spread = new double[k * k];
        var samplingVariance = new double[k * k];
        double explained = 0;
        for (int level = 0; level < term.LevelCount; level++)
        {
            LevelCrossProducts(products, t, level, beta, zz, zr);
            if (!SmallDense.Factor(zz, k)) continue;
            zr.CopyTo(coefficients, 0);
            SmallDense.SolveLower(zz, k, coefficients);
            for (int a = 0; a < k; a++) explained += coefficients[a] * coefficients[a];
            SmallDense.SolveLowerTransposed(zz, k, coefficients);
            for (int a = 0; a < k; a++)
            {
                for (int b = 0; b < k; b++) spread[a * k + b] += coefficients[a] * coefficients[b];
                // Column a of (Z'Z)⁻¹, for the sampling variance of the per-level coefficients.
                var unit = new double[k];
                unit[a] = 1;
                SmallDense.SolveLower(zz, k, unit);
                SmallDense.SolveLowerTransposed(zz, k, unit);
                for (int b = 0; b < k; b++) samplingVariance[b * k + a] += unit[b];
            }
            levels++;
        }
        int withinDf = residualDf - levels * k;
        if (levels < 2 || withinDf <= 0) return null;
        double within = (residualSquares - explained) / withinDf;
        if (!(within > 0)) return null;
        var relative = new double[k * k];
        for (int c = 0; c < k * k; c++) relative[c] = (spread[c] / within - samplingVariance[c]) / levels;
        if (SmallDense.Factor(relative, k)) return relative;
        // Not positive definite: keep only the variances.
        var diagonal = new double[k * k];
        for (int a = 0; a < k; a++) diagonal[a * k + a] = Math.Sqrt(Math.Max(0, (spread[a * k + a] / within - samplingVariance[a * k + a]) / levels));
        return diagonal;
    }

    /// <summary>Z'Z and Z'r of one level of term t, r being the least-squares residual y − Xβ.</summary>
    private static void LevelCrossProducts(CrossProducts products, int t, int level, double[] beta, double[] zz, double[] zr)
    {
        var layout = products.Layout;
        int k = layout.Terms[t].ColumnCount, p = layout.FixedEffectCount, size = layout.RestSize;
        for (int a = 0; a < k; a++)
        {
            double value;
            if (t == 0)
            {
                int tail = layout.PatternStart[level + 1] - p - 1;
                for (int b = 0; b < k; b++) zz[a * k + b] = products.FirstBlocks[level * k * k + a * k + b];
                value = products.FirstRest[(tail + p) * k + a];
                for (int j = 0; j < p; j++) value -= products.FirstRest[(tail + j) * k + a] * beta[j];
            }
            else
            {
                int row = layout.RestTermOffset[t] + level * k + a;
                for (int b = 0; b < k; b++) zz[a * k + b] = products.Rest[row * size + layout.RestTermOffset[t] + level * k + b];
                value = products.Rest[row * size + layout.ResponseIndex];
                for (int j = 0; j < p; j++) value -= products.Rest[row * size + layout.FixedOffset + j] * beta[j];
            }
            zr[a] = value;
        }
    }

    private static double[]? OrdinaryLeastSquares(CrossProducts products, out double residualSquares)
    {
        var layout = products.Layout;
        int p = layout.FixedEffectCount, size = layout.RestSize, x = layout.FixedOffset, y = layout.ResponseIndex;
        var gram = new double[p * p];
        var beta = new double[p];
        for (int a = 0; a < p; a++)
        {
            beta[a] = products.Rest[(x + a) * size + y];
            for (int b = 0; b < p; b++) gram[a * p + b] = products.Rest[(x + a) * size + x + b];
        }
        residualSquares = products.Rest[y * size + y];
        if (!SmallDense.Factor(gram, p)) return null;
        var rhs = (double[])beta.Clone();
        SmallDense.SolveLower(gram, p, beta);
        SmallDense.SolveLowerTransposed(gram, p, beta);
        for (int a = 0; a < p; a++) residualSquares -= beta[a] * rhs[a];
        return beta;
    }
}
