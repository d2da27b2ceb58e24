using ScottPlot;
using SparseLmm.Results;

namespace SparseLmm.Plotting;

/// <summary>Per group, the no-pooling estimate against the model's group-specific coefficient, with an arrow toward
/// the population value, coloured by group size.</summary>
/// <remarks>For a factor f with random-effect columns T, the no-pooling estimate of a group is the least-squares fit
/// of the columns T to the group's rows of the partial response y − ŷ + Z_T b̂_T + X_T β̂_T: the response with the
/// fixed effects of other columns and the random effects of other factors taken out. For y ~ x + (1 + x | g) this is
/// the separate regression of y on x in each group; for a crossed (1 | a) + (1 | b) it is each a-level's mean of
/// y − b̂_b. The model's coefficient is β̂_t + b̂_gt, the population value β̂_t (0 when t has no fixed effect).</remarks>
internal static class ShrinkagePlot
{
    internal sealed record Estimates(string Term, double Population, double[] Naive, double[] Model, int[] Sizes);

    public static ModelPlot Create(PlotContext context)
    {
        var fit = context.Fit;
        var rows = context.Rows!;
        var panels = new List<(GroupRandomEffects Group, Estimates Estimates)>();
        foreach (var group in PlotBuilder.Factors(fit, context.Options))
            foreach (var estimates in Compute(context, rows, group))
                panels.Add((group, estimates));

        int minSize = panels.Min(p => p.Estimates.Sizes.Min()), maxSize = panels.Max(p => p.Estimates.Sizes.Max());
        int columns = Math.Min(panels.Count, 3);
        int width = context.Width(columns == 1 ? 900 : 1200);
        // About how many pixels wide each panel's data area is, to leave out arrowheads on very short arrows.
        float dataWidth = Math.Max(100f, (width - 8f) / columns - 170f);
        var plots = panels.Select((p, i) => Panel(context, p.Group, p.Estimates, minSize, maxSize,
            colorBar: i == panels.Count - 1, dataWidth)).ToList();
        int rowsOfPanels = (plots.Count + columns - 1) / columns;
        int maxLevels = panels.Max(p => p.Group.Levels.Count);
        // Each panel's legend sits below its data (about 70 px), where it cannot cover a point.
        int perPanel = Math.Clamp(maxLevels * 18 + 220, 450, 1470);

        int skipped = panels.Sum(p => p.Estimates.Naive.Count(double.IsNaN));
        string subtitle = context.FormulaLine + (minSize == maxSize
            ? $"   every group has n = {minSize}"
            : $"   colour: group size n = {minSize}…{maxSize}{(UsesLogScale(minSize, maxSize) ? " (log scale)" : "")}");
        if (skipped > 0) subtitle += $"   ({skipped} group estimate(s) not estimable on their own: BLUP only)";
        return new ModelPlot(PlotKind.Shrinkage,
            "Shrinkage: no-pooling estimates move toward the population value",
            subtitle, plots, columns, width, context.Height(70 + rowsOfPanels * perPanel));
    }

    internal static IEnumerable<Estimates> Compute(PlotContext context, ModelRows rows, GroupRandomEffects group)
    {
        var fit = context.Fit;
        var level = rows.LevelIndices(group);
        int n = level.Length, levels = group.Levels.Count;
        var usable = Enumerable.Range(0, group.Terms.Count).Where(t => rows.ColumnValues(group.Terms[t]) is not null).ToArray();
        if (usable.Length == 0) yield break;
        var columns = usable.Select(t => rows.ColumnValues(group.Terms[t])!).ToArray();
        var allColumns = Enumerable.Range(0, group.Terms.Count).Select(t => rows.ColumnValues(group.Terms[t])).ToArray();

        // Partial response: remove everything but this factor's columns (random and matching fixed parts).
        var partial = new double[n];
        for (int i = 0; i < n; i++)
        {
            double value = fit.Response[i] - fit.Fitted[i];
            for (int t = 0; t < group.Terms.Count; t++)
            {
                if (allColumns[t] is not { } column) continue;
                value += column[i] * (group.Values[level[i]][t] + context.FixedEffect(group.Terms[t]));
            }
            partial[i] = value;
        }

        var rowsOfLevel = new List<int>[levels];
        for (int g = 0; g < levels; g++) rowsOfLevel[g] = [];
        for (int i = 0; i < n; i++) rowsOfLevel[level[i]].Add(i);

        var naive = new double[usable.Length][];
        for (int k = 0; k < usable.Length; k++) naive[k] = new double[levels];
        for (int g = 0; g < levels; g++)
        {
            var solution = PlotMath.LeastSquares(columns, partial, rowsOfLevel[g]);
            for (int k = 0; k < usable.Length; k++) naive[k][g] = solution?[k] ?? double.NaN;
        }
        var sizes = rowsOfLevel.Select(r => r.Count).ToArray();
        for (int k = 0; k < usable.Length; k++)
        {
            int t = usable[k];
            double population = context.FixedEffect(group.Terms[t]);
            var model = Enumerable.Range(0, levels).Select(g => population + group.Values[g][t]).ToArray();
            yield return new Estimates(group.Terms[t], population, naive[k], model, sizes);
        }
    }

    private static Plot Panel(PlotContext context, GroupRandomEffects group, Estimates e, int minSize, int maxSize,
        bool colorBar, float dataWidth)
    {
        var finite = e.Naive.Concat(e.Model).Append(e.Population).Where(double.IsFinite).ToArray();
        double lo = finite.Min(), hi = finite.Max(), pad = Math.Max(hi - lo, 1e-9) * 0.05;
        double pixelsPerUnit = dataWidth / (hi - lo + 2 * pad);
        int levels = group.Levels.Count;
        var order = Enumerable.Range(0, levels)
            .OrderBy(g => double.IsNaN(e.Naive[g]) ? e.Model[g] : e.Naive[g]).ToArray();
        string what = e.Term == "(Intercept)" ? "intercept" : $"slope of {e.Term}";
        var plot = PlotStyle.NewPanel($"{group.Group}: {what}",
            $"group-specific {what} ({context.Fit.ResponseName}{(e.Term == "(Intercept)" ? "" : " per unit of " + e.Term)})",
            $"{group.Group} (sorted by no-pooling estimate)");

        var population = plot.Add.VerticalLine(e.Population, 2, PlotStyle.Population, LinePattern.Dashed);
        population.LegendText = $"population value (fixed effect) = {PlotMath.Format(e.Population, 4)}";

        var colormap = new SizeColormap();
        bool varying = maxSize > minSize;
        bool logScale = UsesLogScale(minSize, maxSize);
        double Scale(int size) => logScale ? Math.Log10(size) : size;
        Color ColorOf(int size) => varying
            ? colormap.GetColor((Scale(size) - Scale(minSize)) / (Scale(maxSize) - Scale(minSize)))
            : PlotStyle.Model;
        // Many groups: small marks, and no arrowheads, which would hide each other.
        bool dense = levels > 150;
        float naiveSize = levels > 150 ? 4 : levels > 60 ? 6 : 8, modelSize = naiveSize - 1;

        for (int rank = 0; rank < levels; rank++)
        {
            int g = order[rank];
            var color = ColorOf(e.Sizes[g]);
            double naive = e.Naive[g], model = e.Model[g];
            if (double.IsFinite(naive))
            {
                plot.Add.Marker(naive, rank, MarkerShape.OpenCircle, naiveSize, color);
                double pixels = Math.Abs(model - naive) * pixelsPerUnit;
                if (pixels > 0.5 && (pixels < 12 || dense))
                {
                    var segment = plot.Add.Line(naive, rank, model, rank);
                    segment.Color = color;
                    segment.LineWidth = dense ? 1 : 1.5f;
                }
                else if (pixels >= 12)
                {
                    var arrow = plot.Add.Arrow(naive, rank, model, rank);
                    arrow.ArrowFillColor = color;
                    arrow.ArrowLineColor = color;
                    arrow.ArrowWidth = 1.5f;
                    arrow.ArrowheadWidth = 7;
                    arrow.ArrowheadLength = 7;
                    arrow.ArrowheadAxisLength = 7;
                }
            }
            plot.Add.Marker(model, rank, MarkerShape.FilledCircle, modelSize, color);
        }

        // Legend entries drawn once, in neutral colours.
        var naiveKey = plot.Add.Marker(double.NaN, double.NaN, MarkerShape.OpenCircle, 8, PlotStyle.Population);
        naiveKey.LegendText = "no-pooling estimate (separate fit per group)";
        var modelKey = plot.Add.Marker(double.NaN, double.NaN, MarkerShape.FilledCircle, 7, PlotStyle.Population);
        modelKey.LegendText = "model: fixed effect + BLUP (partial pooling)";
        // Below the data area, outside it: wherever the points fall, the legend covers none of them.
        plot.ShowLegend(Edge.Bottom);

        if (varying && colorBar)
        {
            var sizeBar = plot.Add.ColorBar(new SizeScale(colormap, Scale(minSize), Scale(maxSize)), Edge.Right);
            sizeBar.Label = logScale ? "group size n (log scale)" : "group size n";
            // Group sizes are whole numbers: the ticks are too (never 12.5 observations).
            var ticks = logScale ? LogTicks(minSize, maxSize) : LinearTicks(minSize, maxSize);
            sizeBar.Axis.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
                ticks.Select(t => Scale(t)).ToArray(), ticks.Select(t => t.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray());
            sizeBar.LabelStyle.FontSize = 12;
            sizeBar.LabelStyle.Bold = false;
        }

        LevelAxis.Label(plot.Axes.Left, order.Select(g => group.Levels[g]).ToArray(), context.Options.MaxLabeledLevels);
        plot.Axes.SetLimitsY(-1, levels);
        plot.Axes.SetLimitsX(lo - pad, hi + pad);
        return plot;
    }

    /// <summary>The colour scale of group sizes, for the colour bar.</summary>
    /// <summary>Group sizes spread over more than a factor of 20 are coloured on a log scale.</summary>
    internal static bool UsesLogScale(int minSize, int maxSize) => maxSize >= 20 * Math.Max(1, minSize);

    /// <summary>About five whole numbers on a 1-2-5 step within [min, max], with both ends.</summary>
    internal static List<int> LinearTicks(int min, int max)
    {
        double raw = (max - min) / 4.0;
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(Math.Max(raw, 1))));
        int step = (int)Math.Max(1, new[] { 1, 2, 5, 10 }.Select(m => m * magnitude).First(v => v >= raw));
        var ticks = new List<int> { min };
        for (int t = (min / step + 1) * step; t < max; t += step)
            if (t - ticks[^1] >= step / 2.0) ticks.Add(t);
        if (max - ticks[^1] < step / 2.0 && ticks.Count > 1) ticks[^1] = max;
        else ticks.Add(max);
        return ticks;
    }

    /// <summary>1, 2, 5, 10, 20, 50, ... within [min, max], with both ends.</summary>
    private static List<int> LogTicks(int min, int max)
    {
        var ticks = new List<int> { min };
        for (long decade = 1; decade <= max; decade *= 10)
            foreach (long step in new long[] { 1, 2, 5 })
            {
                long t = decade * step;
                if (t > min && t < max && t >= ticks[^1] * 1.8) ticks.Add((int)t);
            }
        if (max > ticks[^1] * 1.3) ticks.Add(max);
        else ticks[^1] = max;
        return ticks;
    }

    private sealed class SizeScale(IColormap colormap, double min, double max) : IHasColorAxis
    {
        public IColormap Colormap { get; } = colormap;

        public ScottPlot.Range GetRange() => new(min, max);
    }

    /// <summary>Group size to colour: Viridis (perceptually uniform and readable with every common colour-vision
    /// deficiency) run backwards over its first 80%, so the largest groups are the darkest and the smallest a green
    /// that still stands out on white (Viridis's last fifth is pale yellow).</summary>
    private sealed class SizeColormap : IColormap
    {
        private readonly ScottPlot.Colormaps.Viridis viridis = new();

        public string Name => "Viridis, reversed, first 80%";

        public Color GetColor(double position) => viridis.GetColor(0.8 * (1 - Math.Clamp(position, 0, 1)));
    }
}
