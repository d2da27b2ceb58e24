using SparseLmm.Design;
using SparseLmm.Numerics;
using SparseLmm.Results;

namespace SparseLmm.Engine;

/// <summary>A moment estimate of θ to start the optimiser near the optimum instead of at T = I. On InstEval this cuts
/// BOBYQA's evaluations by almost half: from T = I most evaluations are spent walking the trust region toward small θ.</summary>
internal static class StartingValues
{
    // A start exactly on the bound 0 sits on a stationary point of the deviance (it is even in a scalar θ), so
    // moment estimates are kept away from it; the optimiser still reaches 0 when that is the optimum.
    private const double Smallest = 0.05;
    private const double Largest = 20;

    /// <summary>Candidate starting points: T = I, and θ from per-level regressions of the ordinary least-squares
    /// residuals on each term's columns — the spread of the per-level coefficients, less their sampling variance,
    /// estimates the term's covariance (a one-way ANOVA estimate per term). Each term's within-level variance also
    /// holds the other terms' variances, so σ² is estimated two ways: the smallest within-level variance (right when
    /// factors are nested), and each within-level variance less the other terms' variances (right when they are
    /// crossed). When every term is a scalar intercept, the ANOVA estimate of <see cref="InterceptVarianceMoments"/>
    /// accounts for crossing and nesting exactly and replaces them, unless a variance came out negative. Everything comes
    /// from the cross-products: no pass over the rows. The caller keeps the candidate with the lowest objective.</summary>
    public static IReadOnlyList<double[]> Candidates(CrossProducts products, CovarianceParameterization parameterization,
        double[] units)
    {
        var layout = products.Layout;
        var candidates = new List<double[]> { Start(parameterization, units) };
        (double[] Theta, bool Positive)? anova = InterceptVarianceMoments.Estimate(products) is { } variances ? AnovaTheta(variances, parameterization, units) : null;
        // A positive ANOVA estimate is unbiased whatever the crossing and nesting; the one-way estimates are not, and
        // each costs an evaluation (star: 41 -> 38 evaluations, Penicillin 20 -> 18 without them).
        if (anova is { Positive: true }) return [candidates[0], anova.Value.Theta];
        int p = layout.FixedEffectCount, n = layout.RowCount;
        var beta = OrdinaryLeastSquares(products, out double residualSquares);
        if (beta is null) return candidates;
        var estimates = Enumerable.Range(0, layout.Terms.Count)
            .Select(t => TermEstimate(products, t, beta, residualSquares, n - p)).ToArray();
        var present = estimates.Where(e => e is not null).Select(e => e!.Value).ToList();
        if (present.Count == 0) return candidates;

        double smallestWithin = present.Min(e => e.Within);
        candidates.Add(Theta(estimates, smallestWithin, parameterization, units));
        double totalBetween = present.Sum(e => e.BetweenVariance);
        double crossed = present.Min(e => e.Within - (totalBetween - e.BetweenVariance));
        if (crossed > 0.01 * smallestWithin && crossed < smallestWithin)
            candidates.Add(Theta(estimates, crossed, parameterization, units));
        if (NestedCorrection(layout, estimates) is { } nested)
            candidates.Add(Theta(nested, smallestWithin, parameterization, units));
        if (anova is { } clamped) candidates.Add(clamped.Theta);
        // Estimates clamped to the same bound coincide (Dyestuff2: all at 0.05); each costs an evaluation.
        return candidates.Where((theta, i) => !candidates.Take(i).Any(earlier => earlier.AsSpan().SequenceEqual(theta))).ToList();
    }

    /// <summary>θ of the ANOVA variances (each term's SD relative to σ, clamped to [0.05, 20]), and whether every term's
    /// variance came out positive.</summary>
    private static (double[] Theta, bool Positive) AnovaTheta(double[] variances, CovarianceParameterization parameterization, double[] units)
    {
        var theta = Start(parameterization, units);
        for (int t = 0; t + 1 < variances.Length; t++)
        {
            int index = parameterization.Offset(t);
            theta[index] = Clamp(Math.Sqrt(Math.Max(0, variances[1 + t]) / variances[0]), units[index]);
        }
        return (theta, variances.Skip(1).All(v => v > 0));
    }

    /// <summary>When terms are nested (students in classes in schools), the spread of an inner term's per-level
    /// intercepts also holds the variances of the terms it lies in, which the one-way estimate leaves in: a start that
    /// far off (the student variance twice the truth on a three-level design) costs dozens of evaluations. The
    /// correction takes from each inner term's intercept variance its closest outer term's estimate (which holds the
    /// terms further out in turn). Null when nothing is nested or no term has an intercept.</summary>
    private static (double[] Factor, double Within, double BetweenVariance)?[]? NestedCorrection(CrossProductLayout layout,
        (double[] Factor, double Within, double BetweenVariance)?[] estimates)
    {
        var terms = layout.Terms;
        var corrected = ((double[] Factor, double Within, double BetweenVariance)?[])estimates.Clone();
        bool changed = false;
        for (int t = 0; t < terms.Count; t++)
        {
            int closest = -1;
            foreach (var (inner, outer) in layout.Structure.NestedTerms)
                if (inner == t && (closest < 0 || terms[outer].LevelCount > terms[closest].LevelCount)) closest = outer;
            if (closest < 0 || estimates[t] is not { } own || estimates[closest] is not { } parent) continue;
            int a = Intercept(terms[t]), b = Intercept(terms[closest]);
            if (a < 0 || b < 0) continue;
            int k = terms[t].ColumnCount, kParent = terms[closest].ColumnCount;
            // Back from Cholesky factors to absolute covariances, correct the intercept variance, and factor again.
            var covariance = Gram(own.Factor, k, own.Within);
            double parentVariance = Gram(parent.Factor, kParent, parent.Within)[b * kParent + b];
            double reduced = Math.Max(covariance[a * k + a] - parentVariance, Smallest * Smallest * own.Within);
            for (int c = 0; c < k; c++)
                if (c != a)
                {
                    // Keep the correlation where it was, at the smaller variance.
                    double shrink = Math.Sqrt(reduced / covariance[a * k + a]);
                    covariance[a * k + c] *= shrink;
                    covariance[c * k + a] *= shrink;
                }
            covariance[a * k + a] = reduced;
            for (int c = 0; c < k * k; c++) covariance[c] /= own.Within;
            if (!SmallMatrix.Cholesky(covariance, k)) continue;
            corrected[t] = (covariance, own.Within, own.BetweenVariance);
            changed = true;
        }
        return changed ? corrected : null;
    }

    private static int Intercept(RandomEffectsDesign term)
    {
        for (int c = 0; c < term.ColumnCount; c++)
            if (term.TermNames[c] == "(Intercept)") return c;
        return -1;
    }

    /// <summary>L L' × scale for a row-major lower k×k factor L.</summary>
    private static double[] Gram(double[] factor, int k, double scale)
    {
        var result = new double[k * k];
        for (int a = 0; a < k; a++)
            for (int b = 0; b < k; b++)
            {
                double value = 0;
                for (int c = 0; c <= Math.Min(a, b); c++) value += factor[a * k + c] * factor[b * k + c];
                result[a * k + b] = value * scale;
            }
        return result;
    }

    /// <summary>An initial trust-region radius from the precision of θ's start: roughly the standard error of the
    /// largest diagonal entry of each T (√(2·levels) levels inform a variance), within [0.001, 0.1]. A large model pins
    /// θ down tightly, and probing it at lme4's usual 0.2 wastes evaluations on a sharply curved objective (at 20k × 4k
    /// crossed levels the radius is 0.006: 15 evaluations instead of 20 at 0.02, each a dense 4,000² factor; the floor
    /// keeps one whole stage above the resolution where the function tolerance stops the search); the moment
    /// starts of small models are within about a tenth of the optimum (sleepstudy REML: 48 evaluations at 0.2, 38 at
    /// 0.1). A start whose estimate was clamped to the smallest value (a moment variance at or below zero) says only
    /// that the optimum lies between the bound and about that value, so the radius is at least that value, which
    /// reaches the bound in fewer steps (Dyestuff2: 12 evaluations at 0.02, 10 at 0.05).</summary>
    /// <para><paramref name="theta"/> is in the search's coordinates, θ over its units (<see cref="ThetaScales"/>).</para>
    public static double InitialRadius(double[] theta, CrossProductLayout layout, CovarianceParameterization parameterization)
    {
        double radius = 0.001;
        bool clamped = false;
        for (int t = 0; t < layout.Terms.Count; t++)
        {
            double largest = 0;
            for (int index = parameterization.Offset(t); index < parameterization.Offset(t + 1); index++)
                if (parameterization.IsDiagonal(index))
                {
                    largest = Math.Max(largest, theta[index]);
                    // Clamped in units, so equal to Smallest up to the rounding of the unit's division.
                    clamped |= Math.Abs(theta[index] - Smallest) <= 1e-12;
                }
            radius = Math.Max(radius, largest / Math.Sqrt(layout.Terms[t].LevelCount));
        }
        return Math.Min(clamped ? Math.Max(radius, Smallest) : radius, 0.1);
    }

    /// <summary>T = I in θ's natural units (<see cref="ThetaScales"/>): each column's SD σ over its column's root mean
    /// square, correlations 0.</summary>
    private static double[] Start(CovarianceParameterization parameterization, double[] units) =>
        parameterization.Start().Select((value, i) => value * units[i]).ToArray();

    /// <summary>A diagonal entry or SD clamped to [<see cref="Smallest"/>, <see cref="Largest"/>] of its unit.</summary>
    private static double Clamp(double value, double unit) => Math.Clamp(value / unit, Smallest, Largest) * unit;

    private static double[] Theta((double[] Factor, double Within, double BetweenVariance)?[] estimates, double residualVariance,
        CovarianceParameterization parameterization, double[] units)
    {
        var theta = Start(parameterization, units);
        for (int t = 0; t < estimates.Length; t++)
        {
            if (estimates[t] is not { } estimate) continue;
            var factor = estimate.Factor;
            double scale = Math.Sqrt(estimate.Within / residualVariance);
            int k = parameterization.ColumnCounts[t], index = parameterization.Offset(t);
            if (parameterization.Structure(t) != CovarianceStructure.Unstructured)
            {
                // A structured term starts from the structure nearest the term's moment estimate.
                parameterization.ProjectCovariance(Gram(factor, k, scale * scale), t, theta);
                for (; index < parameterization.Offset(t + 1); index++)
                    if (parameterization.IsDiagonal(index)) theta[index] = Clamp(theta[index], units[index]);
                continue;
            }
            for (int column = 0; column < k; column++)
                for (int row = column; row < k; row++)
                {
                    double value = scale * factor[row * k + column];
                    theta[index] = row == column ? Clamp(value, units[index]) : value;
                    index++;
                }
        }
        return theta;
    }

    /// <summary>The term's covariance relative to its within-level residual variance, as a Cholesky factor, that
    /// variance, and the term's absolute variance averaged over its columns' mean square.
    /// <para>The per-level coefficients' spread less their sampling variance σ²(Z'Z)⁻¹ is unbiased for the covariance,
    /// but a level with few rows (two visits close in time) has a huge (Z'Z)⁻¹ and makes the estimate noise: on an
    /// unbalanced panel it came out negative, the start fell back to T = I and the fit took twice the evaluations of
    /// the balanced one. So the covariance is estimated from the better-determined levels only, those whose sampling
    /// variance trace is at most twice the median's. The choice depends on Z alone, not on y, so the estimate stays
    /// unbiased; on balanced data nearly every level is kept.</para></summary>
    private static (double[] Factor, double Within, double BetweenVariance)? TermEstimate(CrossProducts products, int t, double[] beta, double residualSquares, int residualDf)
    {
        var term = products.Layout.Terms[t];
        int k = term.ColumnCount, levels = 0, kept = 0;
        var zz = new double[k * k];
        var zr = new double[k];
        var coefficients = new double[k];
        var unit = new double[k];
        var spread = new double[k * k];
        var samplingVariance = new double[k * k];
        var levelInverse = new double[k * k];
        double limit = 2 * MedianSamplingTrace(products, t, beta, zz, zr, unit);
        double explained = 0;
        for (int level = 0; level < term.LevelCount; level++)
        {
            LevelCrossProducts(products, t, level, beta, zz, zr);
            if (!SmallMatrix.Cholesky(zz, k)) continue;
            zr.CopyTo(coefficients, 0);
            SmallMatrix.SolveLower(zz, k, coefficients);
            for (int a = 0; a < k; a++) explained += coefficients[a] * coefficients[a];
            levels++;
            if (InverseOfFactored(zz, k, unit, levelInverse) > limit) continue;
            SmallMatrix.SolveLowerTransposed(zz, k, coefficients);
            for (int a = 0; a < k; a++)
                for (int b = 0; b < k; b++)
                {
                    spread[a * k + b] += coefficients[a] * coefficients[b];
                    samplingVariance[a * k + b] += levelInverse[a * k + b];
                }
            kept++;
        }
        int withinDf = residualDf - levels * k;
        if (kept < 2 || withinDf <= 0) return null;
        double within = (residualSquares - explained) / withinDf;
        if (!(within > 0)) return null;
        var relative = new double[k * k];
        for (int c = 0; c < k * k; c++) relative[c] = (spread[c] / within - samplingVariance[c]) / kept;
        double betweenVariance = 0;
        for (int a = 0; a < k; a++) betweenVariance += Math.Max(0, relative[a * k + a]) * within * ColumnMeanSquare(products, t, a);
        if (SmallMatrix.Cholesky(relative, k)) return (relative, within, betweenVariance);
        // Not positive definite: keep only the variances.
        var diagonal = new double[k * k];
        for (int a = 0; a < k; a++) diagonal[a * k + a] = Math.Sqrt(Math.Max(0, (spread[a * k + a] / within - samplingVariance[a * k + a]) / kept));
        return (diagonal, within, betweenVariance);
    }

    /// <summary>The median over term t's levels (with a positive definite Z'Z) of tr((Z'Z)⁻¹).</summary>
    private static double MedianSamplingTrace(CrossProducts products, int t, double[] beta, double[] zz, double[] zr, double[] unit)
    {
        var term = products.Layout.Terms[t];
        int k = term.ColumnCount;
        var inverse = new double[k * k];
        var traces = new List<double>(term.LevelCount);
        for (int level = 0; level < term.LevelCount; level++)
        {
            LevelCrossProducts(products, t, level, beta, zz, zr);
            if (SmallMatrix.Cholesky(zz, k)) traces.Add(InverseOfFactored(zz, k, unit, inverse));
        }
        if (traces.Count == 0) return double.PositiveInfinity;
        traces.Sort();
        return traces[traces.Count / 2];
    }

    /// <summary>(Z'Z)⁻¹ from its factor (row-major lower), into <paramref name="inverse"/>; returns its trace.</summary>
    private static double InverseOfFactored(double[] factor, int k, double[] unit, double[] inverse)
    {
        double trace = 0;
        for (int a = 0; a < k; a++)
        {
            Array.Clear(unit);
            unit[a] = 1;
            SmallMatrix.SolveLower(factor, k, unit);
            SmallMatrix.SolveLowerTransposed(factor, k, unit);
            for (int b = 0; b < k; b++) inverse[b * k + a] = unit[b];
            trace += unit[a];
        }
        return trace;
    }

    /// <summary>Mean of z² over the rows for column a of term t: the factor by which that column's variance reaches y.</summary>
    private static double ColumnMeanSquare(CrossProducts products, int t, int a)
    {
        var layout = products.Layout;
        int k = layout.Terms[t].ColumnCount, size = layout.RestSize;
        double sum = 0;
        for (int level = 0; level < layout.Terms[t].LevelCount; level++)
        {
            if (t == 0) sum += products.FirstBlocks[level * k * k + a * k + a];
            else
            {
                int row = layout.RestTermOffset[t] + level * k + a;
                sum += products.RestEntry(row, row);
            }
        }
        return sum / layout.RowCount;
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
                for (int b = 0; b < k; b++) zz[a * k + b] = products.RestEntry(row, layout.RestTermOffset[t] + level * k + b);
                value = products.RestEntry(row, layout.ResponseIndex);
                for (int j = 0; j < p; j++) value -= products.RestEntry(row, layout.FixedOffset + j) * beta[j];
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
            beta[a] = products.RestEntry(x + a, y);
            for (int b = 0; b < p; b++) gram[a * p + b] = products.RestEntry(x + a, x + b);
        }
        residualSquares = products.RestEntry(y, y);
        if (!SmallMatrix.Cholesky(gram, p)) return null;
        var rhs = (double[])beta.Clone();
        SmallMatrix.SolveLower(gram, p, beta);
        SmallMatrix.SolveLowerTransposed(gram, p, beta);
        for (int a = 0; a < p; a++) residualSquares -= beta[a] * rhs[a];
        return beta;
    }
}
