using MathNet.Numerics.Distributions;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Statistics;

namespace SparseLmm.Plotting;

/// <summary>Small numerical helpers for the figures.</summary>
internal static class PlotMath
{
    /// <summary>Theoretical normal quantiles for a sample of size <paramref name="n"/>, as R's <c>qqnorm</c>
    /// (Blom's plotting positions: (i − 3/8)/(n + 1/4) for n ≤ 10, (i − 1/2)/n above).</summary>
    public static double[] NormalScores(int n)
    {
        double a = n <= 10 ? 3.0 / 8 : 0.5;
        var scores = new double[n];
        for (int i = 0; i < n; i++)
            scores[i] = Normal.InvCDF(0, 1, (i + 1 - a) / (n + 1 - 2 * a));
        return scores;
    }

    /// <summary>R's <c>qqline</c>: the line through the first and third quartiles of the sample and of the normal.</summary>
    public static (double Intercept, double Slope) QQLine(double[] sorted)
    {
        double q1 = Quantile(sorted, 0.25), q3 = Quantile(sorted, 0.75);
        double z1 = Normal.InvCDF(0, 1, 0.25), z3 = Normal.InvCDF(0, 1, 0.75);
        double slope = (q3 - q1) / (z3 - z1);
        return (q1 - slope * z1, slope);
    }

    /// <summary>A LOWESS smooth (Cleveland 1979: local lines with tricube weights over the nearest
    /// <paramref name="span"/> of the points, then <paramref name="iterations"/> robustness steps) of y on x. Evaluated
    /// at every distinct x for up to 500 points, else at 200 points spread over the quantiles of x (interpolated
    /// between them for the robustness weights).</summary>
    /// <returns>The evaluation points, increasing, and the smooth there.</returns>
    public static (double[] X, double[] Y) Lowess(IReadOnlyList<double> x, IReadOnlyList<double> y, double span = 2.0 / 3,
        int iterations = 3)
    {
        var order = Enumerable.Range(0, x.Count).Where(i => double.IsFinite(x[i]) && double.IsFinite(y[i]))
            .OrderBy(i => x[i]).ToArray();
        int n = order.Length;
        var xs = order.Select(i => x[i]).ToArray();
        var ys = order.Select(i => y[i]).ToArray();
        if (n < 3) return (xs, ys);

        double[] grid = n <= 500
            ? xs.Distinct().ToArray()
            : Enumerable.Range(0, 200).Select(i => Quantile(xs, i / 199.0)).Distinct().ToArray();
        int k = Math.Clamp((int)Math.Ceiling(span * n), 2, n);
        var robustness = Enumerable.Repeat(1.0, n).ToArray();
        var smooth = new double[grid.Length];
        for (int iteration = 0; ; iteration++)
        {
            int lo = 0;
            for (int g = 0; g < grid.Length; g++)
            {
                double at = grid[g];
                // The k nearest points form a window [lo, lo + k) of the sorted x; slide it right while that helps.
                while (lo + k < n && xs[lo + k] - at < at - xs[lo]) lo++;
                double h = Math.Max(Math.Max(at - xs[lo], xs[lo + k - 1] - at), 1e-12 * (Math.Abs(at) + 1));
                double sw = 0, swx = 0, swy = 0, swxx = 0, swxy = 0;
                // Points tied at the window's edge distance get weight 0 anyway, so the window is enough.
                for (int j = lo; j < lo + k; j++)
                {
                    double u = Math.Abs(xs[j] - at) / (h * 1.000001);
                    if (u >= 1) continue;
                    double w = Math.Pow(1 - u * u * u, 3) * robustness[j];
                    sw += w; swx += w * xs[j]; swy += w * ys[j]; swxx += w * xs[j] * xs[j]; swxy += w * xs[j] * ys[j];
                }
                if (sw <= 0)
                {
                    smooth[g] = g > 0 ? smooth[g - 1] : ys[lo];
                    continue;
                }
                double mx = swx / sw, my = swy / sw;
                double sxx = swxx - sw * mx * mx;
                double slope = sxx > 1e-12 * Math.Max(1, Math.Abs(swxx)) ? (swxy - sw * mx * my) / sxx : 0;
                smooth[g] = my + slope * (at - mx);
            }
            if (iteration == iterations) break;

            var absResiduals = new double[n];
            for (int i = 0; i < n; i++) absResiduals[i] = Math.Abs(ys[i] - Interpolate(grid, smooth, xs[i]));
            var sortedResiduals = (double[])absResiduals.Clone();
            Array.Sort(sortedResiduals);
            double s = 6 * Quantile(sortedResiduals, 0.5);
            if (s <= 0) break;
            for (int i = 0; i < n; i++)
            {
                double u = absResiduals[i] / s;
                robustness[i] = u < 1 ? (1 - u * u) * (1 - u * u) : 0;
            }
        }
        return (grid, smooth);
    }

    /// <summary>Linear interpolation in an increasing grid (constant beyond its ends).</summary>
    private static double Interpolate(double[] grid, double[] values, double at)
    {
        int i = Array.BinarySearch(grid, at);
        if (i >= 0) return values[i];
        i = ~i;
        if (i == 0) return values[0];
        if (i == grid.Length) return values[^1];
        double t = (at - grid[i - 1]) / (grid[i] - grid[i - 1]);
        return values[i - 1] + t * (values[i] - values[i - 1]);
    }

    /// <summary>Least squares of <paramref name="y"/> on the columns <paramref name="columns"/> over the rows
    /// <paramref name="rows"/>; null when the columns are not of full rank on those rows.</summary>
    public static double[]? LeastSquares(IReadOnlyList<double[]> columns, double[] y, IReadOnlyList<int> rows)
    {
        int k = columns.Count;
        if (rows.Count < k) return null;
        var normal = new double[k * k];
        var solution = new double[k];
        foreach (int row in rows)
        {
            for (int i = 0; i < k; i++)
            {
                solution[i] += columns[i][row] * y[row];
                for (int j = 0; j < k; j++) normal[i * k + j] += columns[i][row] * columns[j][row];
            }
        }
        var matrix = Matrix<double>.Build.DenseOfRowMajor(k, k, normal);
        MathNet.Numerics.LinearAlgebra.Factorization.Cholesky<double> cholesky;
        try { cholesky = matrix.Cholesky(); }
        catch (ArgumentException) { return null; }
        // A pivot that vanishes relative to its diagonal entry means the columns are (numerically) rank deficient.
        for (int i = 0; i < k; i++)
        {
            double pivot = cholesky.Factor[i, i];
            if (!(pivot * pivot > 1e-10 * matrix[i, i])) return null;
        }
        return cholesky.Solve(Vector<double>.Build.DenseOfArray(solution)).ToArray();
    }

    /// <summary>R's default (type 7) quantile of a sorted sample.</summary>
    private static double Quantile(double[] sorted, double probability) =>
        SortedArrayStatistics.QuantileCustom(sorted, probability, QuantileDefinition.R7);

    /// <summary>A number with about <paramref name="digits"/> significant digits, invariant culture.</summary>
    public static string Format(double value, int digits = 3)
    {
        if (!double.IsFinite(value)) return value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (value == 0) return "0";
        int magnitude = (int)Math.Floor(Math.Log10(Math.Abs(value)));
        int decimals = Math.Clamp(digits - 1 - magnitude, 0, 10);
        if (Math.Abs(value) >= 1e6 || Math.Abs(value) < 1e-4)
            return value.ToString($"G{digits}", System.Globalization.CultureInfo.InvariantCulture);
        return Math.Round(value, decimals).ToString($"F{decimals}", System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Heights for labels wanted at <paramref name="wanted"/>, at least <paramref name="gap"/> apart, in the
    /// same order, moved as little as one pass can: from the lowest up, each label goes at least a gap above the one
    /// below, then the whole set moves down by the mean shift, so that the names stay centred on their lines.</summary>
    public static double[] Spread(double[] wanted, double gap)
    {
        var order = Enumerable.Range(0, wanted.Length).OrderBy(i => wanted[i]).ToArray();
        var heights = new double[wanted.Length];
        double shift = 0;
        for (int k = 0; k < order.Length; k++)
        {
            int i = order[k];
            heights[i] = k == 0 ? wanted[i] : Math.Max(wanted[i], heights[order[k - 1]] + gap);
            shift += heights[i] - wanted[i];
        }
        if (order.Length > 0) shift /= order.Length;
        for (int i = 0; i < heights.Length; i++) heights[i] -= shift;
        return heights;
    }
}
