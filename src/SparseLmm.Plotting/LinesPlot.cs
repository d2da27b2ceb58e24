using ScottPlot;
using SparseLmm.Results;

namespace SparseLmm.Plotting;

/// <summary>Group-specific lines around the population line over the data: random intercepts with a common slope
/// (<see cref="PlotKind.Intercepts"/>), or random intercepts and slopes (<see cref="PlotKind.Slopes"/>).</summary>
internal static class LinesPlot
{
    /// <summary>The factor and the numeric column on the x axis, or null when the kind does not apply.</summary>
    public static (GroupRandomEffects Group, string Covariate)? FindCovariate(ModelRows rows, PlotOptions options, bool randomSlopes)
    {
        var fit = rows.Fit;
        if (randomSlopes)
        {
            foreach (var group in PlotBuilder.Factors(fit, options))
                foreach (var term in group.Terms)
                    if (term != "(Intercept)" && rows.IsNumericColumn(term) && (options.Covariate is null || options.Covariate == term))
                        return (group, term);
            return null;
        }

        var withIntercept = PlotBuilder.Factors(fit, options).FirstOrDefault(g => g.Terms.Contains("(Intercept)"));
        if (withIntercept is null) return null;
        var covariate = fit.FixedEffects.Select(f => f.Name)
            .FirstOrDefault(name => name != "(Intercept)" && rows.IsNumericColumn(name) &&
                                    (options.Covariate is null || options.Covariate == name));
        return covariate is null ? null : (withIntercept, covariate);
    }

    public static ModelPlot Create(PlotContext context, bool randomSlopes)
    {
        var fit = context.Fit;
        var rows = context.Rows!;
        var (group, covariate) = FindCovariate(rows, context.Options, randomSlopes)!.Value;
        var x = rows.ColumnValues(covariate)!;
        var y = fit.Response.ToArray();
        var level = rows.LevelIndices(group);
        int levels = group.Levels.Count;
        int interceptTerm = IndexOf(group.Terms, "(Intercept)");
        int slopeTerm = randomSlopes ? IndexOf(group.Terms, covariate) : -1;
        double beta0 = context.FixedEffect("(Intercept)");
        double beta1 = context.FixedEffect(covariate);
        double xMin = x.Min(), xMax = x.Max();

        string yLabel = fit.ResponseName;
        var plot = PlotStyle.NewPanel("", covariate, yLabel);

        // Observations, faint, in their group's colour.
        for (int g = 0; g < levels; g++)
        {
            var members = Enumerable.Range(0, x.Length).Where(i => level[i] == g).ToArray();
            if (members.Length == 0) continue;
            var color = PlotStyle.GroupColor(g, levels).WithAlpha(0.6);
            plot.Add.Markers(members.Select(i => x[i]).ToArray(), members.Select(i => y[i]).ToArray(),
                MarkerShape.FilledCircle, levels > 60 ? 3 : 5, color);
        }

        // Group-specific lines: over the whole range with a common slope, or over the group's own range.
        for (int g = 0; g < levels; g++)
        {
            double a = beta0 + (interceptTerm >= 0 ? group.Values[g][interceptTerm] : 0);
            double b = beta1 + (slopeTerm >= 0 ? group.Values[g][slopeTerm] : 0);
            double lo = xMin, hi = xMax;
            if (randomSlopes)
            {
                var own = Enumerable.Range(0, x.Length).Where(i => level[i] == g).Select(i => x[i]).ToArray();
                if (own.Length == 0) continue;
                lo = own.Min();
                hi = own.Max();
                if (hi == lo) { lo = xMin; hi = xMax; }
            }
            var line = plot.Add.Line(lo, a + b * lo, hi, a + b * hi);
            line.Color = PlotStyle.GroupColor(g, levels).WithAlpha(0.85);
            line.LineWidth = 1.5f;
        }

        var population = plot.Add.Line(xMin, beta0 + beta1 * xMin, xMax, beta0 + beta1 * xMax);
        population.Color = PlotStyle.Population;
        population.LineWidth = 4;

        // Legend keys (drawn outside the data, so only their legend entry shows).
        var popKey = plot.Add.ScatterLine(new[] { double.NaN }, new[] { double.NaN }, PlotStyle.Population);
        popKey.LineWidth = 4;
        popKey.LegendText = $"population: {fit.ResponseName} = {PlotMath.Format(beta0, 4)} {Signed(beta1)} × {covariate}";
        var groupKey = plot.Add.ScatterLine(new[] { double.NaN }, new[] { double.NaN }, PlotStyle.GroupColor(levels / 3, levels));
        groupKey.LineWidth = 1.5f;
        groupKey.LegendText = randomSlopes
            ? $"{levels} {group.Group}-specific lines (own intercept and slope)"
            : $"{levels} {group.Group}-specific lines (own intercept, common slope {PlotMath.Format(beta1, 4)})";
        var dataKey = plot.Add.Markers(new[] { double.NaN }, new[] { double.NaN }, MarkerShape.FilledCircle, 5, PlotStyle.Data);
        dataKey.LegendText = $"observations, coloured by {group.Group}";
        plot.ShowLegend(Alignment.UpperLeft);

        if (x.All(v => v == Math.Round(v)) && xMax - xMin <= 40)
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        double pad = (xMax - xMin) * 0.03;
        plot.Axes.SetLimitsX(xMin - pad, xMax + pad);

        var notes = new List<string>();
        var others = fit.FixedEffects.Select(f => f.Name).Where(n => n != "(Intercept)" && n != covariate).ToList();
        if (others.Count > 0) notes.Add($"lines at {string.Join(", ", others)} = 0");
        if (!randomSlopes && group.Terms.Any(t => t != "(Intercept)"))
            notes.Add($"the model's random slopes are not drawn (see kind 'slopes')");
        string subtitle = context.FormulaLine + (notes.Count > 0 ? "   " + string.Join("; ", notes) : "");
        string title = randomSlopes
            ? $"Random slopes: {group.Group}-specific trajectories around the population line"
            : $"Random intercepts: {group.Group}-specific lines with a common slope";
        return new ModelPlot(randomSlopes ? PlotKind.Slopes : PlotKind.Intercepts, title, subtitle, [plot], 1,
            context.Width(1000), context.Height(680));
    }

    private static string Signed(double value) =>
        value < 0 ? "− " + PlotMath.Format(-value, 4) : "+ " + PlotMath.Format(value, 4);

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (int i = 0; i < names.Count; i++)
            if (names[i] == name) return i;
        return -1;
    }
}
