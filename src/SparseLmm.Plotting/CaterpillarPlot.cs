using ScottPlot;
using SparseLmm.Results;

namespace SparseLmm.Plotting;

/// <summary>BLUPs with 95% conditional intervals, one panel per grouping factor and term, levels sorted.</summary>
internal static class CaterpillarPlot
{
    public static ModelPlot Create(PlotContext context)
    {
        var fit = context.Fit;
        var panels = new List<Plot>();
        int maxLevels = 0;
        foreach (var group in PlotBuilder.Factors(fit, context.Options with { Group = null }))
        {
            for (int t = 0; t < group.Terms.Count; t++)
            {
                panels.Add(Panel(context, group, t));
                maxLevels = Math.Max(maxLevels, group.Levels.Count);
            }
        }

        int columns = Math.Min(panels.Count, 3);
        int rows = (panels.Count + columns - 1) / columns;
        int perPanel = Math.Clamp(maxLevels * 16 + 110, 320, 1400);
        return new ModelPlot(PlotKind.Caterpillar, "Random effects: conditional modes (BLUPs) with 95% intervals",
            context.FormulaLine, panels, columns, context.Width(columns == 1 ? 860 : 1100), context.Height(70 + rows * perPanel));
    }

    private static Plot Panel(PlotContext context, GroupRandomEffects group, int term)
    {
        int n = group.Levels.Count;
        var order = Enumerable.Range(0, n).OrderBy(i => group.Values[i][term]).ToArray();
        var xs = order.Select(i => group.Values[i][term]).ToArray();
        var half = order.Select(i => 1.959964 * group.ConditionalStandardDeviations[i][term]).ToArray();
        var ys = Enumerable.Range(0, n).Select(i => (double)i).ToArray();

        var plot = PlotStyle.NewPanel($"{group.Group}: {group.Terms[term]}",
            $"BLUP of {group.Terms[term]}{(context.IsLinear ? "" : $" ({context.Fit.Link} scale)")} ± 1.96 conditional SD",
            $"{group.Group} (sorted)");
        plot.Add.VerticalLine(0, 1, PlotStyle.Data, LinePattern.Dashed);

        var interval = new ScottPlot.Plottables.ErrorBar(xs, ys, half, half, null, null)
        {
            LineWidth = n > 300 ? 1 : 1.5f,
            CapSize = n <= 60 ? 4 : 0,
            Color = PlotStyle.Model.WithAlpha(0.75),
        };
        plot.Add.Plottable(interval);
        var points = plot.Add.Markers(xs, ys, MarkerShape.FilledCircle, n <= 60 ? 6 : 3, PlotStyle.Model);

        LevelAxis.Label(plot.Axes.Left, order.Select(i => group.Levels[i]).ToArray(), context.Options.MaxLabeledLevels);
        plot.Axes.SetLimitsY(-1, n);
        plot.HideLegend();
        return plot;
    }
}

/// <summary>Category labels on an axis whose positions are 0, 1, 2, ...</summary>
internal static class LevelAxis
{
    /// <summary>Levels named at each end when there are too many to name them all.</summary>
    private const int NamedAtEachEnd = 6;

    /// <summary>The names an axis holds without overlap: a panel is at most 1,400 pixels tall and a 10-point name
    /// needs about 14, so 60 leaves room for the margins.</summary>
    private const int NamesPerAxis = 60;

    /// <summary>Writes the labels at positions 0..n−1; with more than <paramref name="maxLabeled"/>, names only
    /// <see cref="NamedAtEachEnd"/> levels at each end (the extremes, which a reader looks up) and says so. With so many
    /// levels that neighbours' names would print over one another (2,972 students of InstEval put six names in three
    /// pixels), the names at each end are spread: the extreme, then every step-th level inward.</summary>
    public static void Label(ScottPlot.IAxis axis, string[] labels, int maxLabeled)
    {
        int n = labels.Length;
        int step = Math.Max(1, (n + NamesPerAxis - 1) / NamesPerAxis);
        var positions = n <= maxLabeled
            ? Enumerable.Range(0, n).ToArray()
            : Enumerable.Range(0, NamedAtEachEnd).SelectMany(k => new[] { k * step, n - 1 - k * step }).Order().ToArray();
        axis.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            positions.Select(i => (double)i).ToArray(), positions.Select(i => labels[i]).ToArray());
        axis.TickLabelStyle.FontSize = n > 30 ? 10 : 12;
        if (n > maxLabeled)
            axis.Label.Text += step == 1
                ? $" — {n} levels, the {NamedAtEachEnd} at each end named"
                : $" — {n} levels; named: ranks 1, {1 + step}, …, {1 + (NamedAtEachEnd - 1) * step} from each end";
    }
}
