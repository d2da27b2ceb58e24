using SparseLmm.Design;
using SparseLmm.Results;

namespace SparseLmm.Engine;

/// <summary>The natural unit of each θ entry, for the optimiser and the finite differences at its optimum. BOBYQA's
/// trust region is a ball and the stencil's steps have a floor: both assume that every entry moves on the scale of an
/// intercept's. An entry in the row of a random slope measures that slope's SD per unit of its covariate, relative
/// to σ, so it is smaller by the covariate's magnitude: with sleepstudy's Days in units of 10⁻⁵ days, the slope's
/// entry is 2·10⁻⁶, below the search's final resolution, and lme4 stops 31 log-likelihood units short of the optimum
/// calling the fit singular. Row r of T (and the SD of column r of a structured term) has the unit
/// 1 / rms(Z column r), the root mean square over the rows of the term's column (1 for an intercept); correlations
/// keep 1. The search runs in θ / unit, which makes the fit invariant to rescaling a random-effects covariate.
/// <para>A column whose rms lies within [10⁻², 10²] keeps the unit 1: at such scales the unscaled search resolves θ
/// as well, and it follows lme4's geometry, so where the likelihood has optima on two faces of the boundary (cbpp's
/// <c>incidence ~ size + (1 + size | herd)</c>: the intercept's SD 0 or the slope's) it lands on lme4's, the better
/// one there; scaled from rms 17, it took the other, 1 log-likelihood unit lower.</para></summary>
internal static class ThetaScales
{
    /// <summary>The search's coordinates of <paramref name="values"/> (θ, or its bounds): each over its unit.</summary>
    public static double[] ToSearch(IReadOnlyList<double> values, double[] units) =>
        values.Select((value, i) => value / units[i]).ToArray();

    /// <summary>θ of the search's coordinates <paramref name="scaled"/>, into <paramref name="theta"/> (no allocation:
    /// once per evaluation).</summary>
    public static void FromSearch(ReadOnlySpan<double> scaled, double[] units, Span<double> theta)
    {
        for (int i = 0; i < units.Length; i++) theta[i] = scaled[i] * units[i];
    }

    /// <summary>θ of the search's coordinates <paramref name="scaled"/>, as a new array.</summary>
    public static double[] FromSearch(ReadOnlySpan<double> scaled, double[] units)
    {
        var theta = new double[units.Length];
        FromSearch(scaled, units, theta);
        return theta;
    }

    /// <summary>The unit of each θ entry from the cross-products' diagonal (Σ over the rows of each Z column's square).</summary>
    public static double[] Of(CrossProducts products, CovarianceParameterization parameterization) =>
        FromRootMeanSquares(Enumerable.Range(0, products.Layout.Terms.Count).Select(t => ColumnRootMeanSquares(products, t)).ToList(),
            parameterization);

    /// <summary>The unit of each θ entry from the terms' model matrices (a GLMM's, which keeps them), for a linear
    /// predictor whose own unit is <paramref name="linearPredictorUnit"/> (a GLMM's θ is a random effect's SD on η's
    /// scale, not relative to σ): row r of T has the unit <paramref name="linearPredictorUnit"/> / rms(Z column r),
    /// under the same rule.</summary>
    public static double[] Of(IReadOnlyList<RandomEffectsDesign> terms, CovarianceParameterization parameterization, double linearPredictorUnit) =>
        FromRootMeanSquares(terms.Select(term => PerUnit(ColumnRootMeanSquares(term), linearPredictorUnit)).ToList(), parameterization);

    /// <summary>Root mean squares per unit of the linear predictor.</summary>
    internal static double[] PerUnit(double[] rootMeanSquares, double linearPredictorUnit) =>
        rootMeanSquares.Select(value => value / linearPredictorUnit).ToArray();

    /// <summary>The root mean square over the rows of each of the term's Z columns.</summary>
    internal static double[] ColumnRootMeanSquares(RandomEffectsDesign term)
    {
        int k = term.ColumnCount, n = term.LevelOfRow.Length;
        var sums = new double[k];
        for (int i = 0; i < n; i++)
            for (int c = 0; c < k; c++) sums[c] += term.Z[i * k + c] * term.Z[i * k + c];
        return sums.Select(sum => Math.Sqrt(sum / Math.Max(n, 1))).ToArray();
    }

    /// <summary>The unit of an entry whose column has root mean square <paramref name="rootMeanSquare"/>: its inverse
    /// outside [10⁻², 10²], else 1.</summary>
    internal static double UnitOf(double rootMeanSquare) =>
        rootMeanSquare is > 0 and (< 1e-2 or > 1e2) && double.IsFinite(rootMeanSquare) ? 1 / rootMeanSquare : 1;

    internal static double[] FromRootMeanSquares(IReadOnlyList<double[]> rootMeanSquares, CovarianceParameterization parameterization)
    {
        var units = new double[parameterization.Length];
        for (int t = 0; t < rootMeanSquares.Count; t++)
        {
            var rms = rootMeanSquares[t];
            int k = rms.Length, index = parameterization.Offset(t);
            switch (parameterization.Structure(t))
            {
                case CovarianceStructure.Unstructured:
                    // Column by column, rows from the diagonal down, as θ holds T's lower triangle.
                    for (int column = 0; column < k; column++)
                        for (int row = column; row < k; row++) units[index++] = UnitOf(rms[row]);
                    break;
                case CovarianceStructure.AutoRegressive:
                    // One SD for every column, then ρ.
                    units[index] = UnitOf(Math.Sqrt(rms.Average(r => r * r)));
                    units[index + 1] = 1;
                    break;
                default:
                    // diag and cs: an SD per column (cs then ρ).
                    for (int column = 0; column < k; column++) units[index + column] = UnitOf(rms[column]);
                    for (int i = index + k; i < parameterization.Offset(t + 1); i++) units[i] = 1;
                    break;
            }
        }
        return units;
    }

    internal static double[] ColumnRootMeanSquares(CrossProducts products, int term)
    {
        var layout = products.Layout;
        var design = layout.Terms[term];
        int k = design.ColumnCount;
        var sums = new double[k];
        if (term == 0)
        {
            var blocks = products.FirstBlocks;
            for (int level = 0; level < design.LevelCount; level++)
                for (int c = 0; c < k; c++) sums[c] += blocks[level * k * k + c * k + c];
        }
        else
        {
            for (int level = 0; level < design.LevelCount; level++)
                for (int c = 0; c < k; c++)
                {
                    int row = layout.RestTermOffset[term] + level * k + c;
                    sums[c] += products.RestEntry(row, row);
                }
        }
        return sums.Select(s => Math.Sqrt(s / Math.Max(layout.RowCount, 1))).ToArray();
    }
}
