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

        // Other fixed effects are held where the data are: a numeric column at its mean over the observations, any
        // other column (a factor's dummy, an interaction, a transform) at 0, its reference level; the subtitle says so.
        var held = new List<string>();
        double shift = 0;
        foreach (var effect in fit.FixedEffects.Where(f => f.Name != "(Intercept)" && f.Name != covariate))
        {
            if (rows.ColumnValues(effect.Name) is { } values)
            {
                double mean = values.Average();
                shift += effect.Estimate * mean;
                held.Add($"{effect.Name} = {PlotMath.Format(mean, 3)} (its mean)");
            }
            else
            {
                held.Add($"{effect.Name} = 0");
            }
        }

        string yLabel = fit.ResponseName;
        var plot = PlotStyle.NewPanel("", covariate, yLabel);
        var members = Enumerable.Range(0, levels).Select(_ => new List<int>()).ToArray();
        for (int i = 0; i < x.Length; i++) members[level[i]].Add(i);

        double Intercept(int g) => beta0 + shift + (interceptTerm >= 0 ? group.Values[g][interceptTerm] : 0);
        double Slope(int g) => beta1 + (slopeTerm >= 0 ? group.Values[g][slopeTerm] : 0);
        // With many groups, lines cannot be matched to points by colour: a few are highlighted (the lowest, the
        // highest and three between, by the line's value at the middle of x) and named; the rest are grey.
        double middle = (xMin + xMax) / 2;
        var byValue = Enumerable.Range(0, levels).Where(g => members[g].Count > 0)
            .OrderBy(g => Intercept(g) + Slope(g) * middle).ToArray();
        var highlighted = byValue.Length <= Highlighted
            ? byValue
            : Enumerable.Range(0, Highlighted).Select(k => byValue[(int)Math.Round(k * (byValue.Length - 1) / (Highlighted - 1.0))]).Distinct().ToArray();
        var colorOf = new Dictionary<int, Color>();
        for (int k = 0; k < highlighted.Length; k++) colorOf[highlighted[k]] = PlotStyle.HighlightColor(k);
        double pointAlpha = PlotStyle.PointAlpha(x.Length);

        var names = new List<(string Text, double X, double Y, Color Color)>();
        // Grey groups first, so the highlighted ones are drawn over them.
        foreach (int g in byValue.OrderBy(g => colorOf.ContainsKey(g)))
        {
            bool isHighlighted = colorOf.TryGetValue(g, out var color);
            if (!isHighlighted) color = PlotStyle.Data;
            plot.Add.Markers(members[g].Select(i => x[i]).ToArray(), members[g].Select(i => y[i]).ToArray(),
                MarkerShape.FilledCircle, levels > 60 ? 3 : 5, color.WithAlpha(isHighlighted ? Math.Max(pointAlpha, 0.7) : pointAlpha * 0.6));
            // Each line spans only the x values its group was observed at: the model says nothing about the rest.
            double lo = members[g].Min(i => x[i]), hi = members[g].Max(i => x[i]);
            double a = Intercept(g), b = Slope(g);
            var line = plot.Add.Line(lo, a + b * lo, hi, a + b * hi);
            line.Color = isHighlighted ? color : PlotStyle.Data.WithAlpha(0.55);
            line.LineWidth = isHighlighted ? 2.5f : 1f;
            if (isHighlighted) names.Add((group.Levels[g], hi, a + b * hi, color));
        }
        // Lines that end close together (sleepstudy's 330 and 331) would print their names over one another: the
        // names are moved apart to a label's height, about 3.5 % of the data's range on a 720-pixel figure.
        double gap = 0.035 * (y.Max() - y.Min());
        var heights = PlotMath.Spread(names.Select(n => n.Y).ToArray(), gap);
        for (int k = 0; k < names.Count; k++)
        {
            var label = plot.Add.Text(names[k].Text, names[k].X, heights[k]);
            label.LabelFontColor = names[k].Color;
            label.LabelFontSize = 12;
            label.LabelBold = true;
            label.LabelAlignment = Alignment.MiddleLeft;
            label.OffsetX = 4;
        }

        var population = plot.Add.Line(xMin, beta0 + shift + beta1 * xMin, xMax, beta0 + shift + beta1 * xMax);
        population.Color = PlotStyle.Population;
        population.LineWidth = 4;

        // Legend keys (drawn outside the data, so only their legend entry shows).
        var popKey = plot.Add.ScatterLine(new[] { double.NaN }, new[] { double.NaN }, PlotStyle.Population);
        popKey.LineWidth = 4;
        popKey.LegendText = $"population: {fit.ResponseName} = {PlotMath.Format(beta0 + shift, 4)} {Signed(beta1)} × {covariate}";
        var highlightKey = plot.Add.ScatterLine(new[] { double.NaN }, new[] { double.NaN }, PlotStyle.HighlightColor(0));
        highlightKey.LineWidth = 2.5f;
        highlightKey.LegendText = highlighted.Length == byValue.Length
            ? $"{levels} {group.Group}-specific lines, named at their right end"
            : $"{highlighted.Length} of {levels} {group.Group}-specific lines (lowest, highest, between), named";
        if (highlighted.Length < byValue.Length)
        {
            var otherKey = plot.Add.ScatterLine(new[] { double.NaN }, new[] { double.NaN }, PlotStyle.Data);
            otherKey.LegendText = $"the other {byValue.Length - highlighted.Length} lines and their observations";
        }
        plot.ShowLegend(Edge.Bottom);

        if (x.All(v => v == Math.Round(v)) && xMax - xMin <= 40)
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        double pad = (xMax - xMin) * 0.03;
        // Room on the right for the names at the lines' ends.
        plot.Axes.SetLimitsX(xMin - pad, xMax + (xMax - xMin) * 0.1);

        var notes = new List<string> { "each line over the x range its group was observed at" };
        if (held.Count > 0) notes.Add("lines at " + string.Join(", ", held));
        if (!randomSlopes && group.Terms.Any(t => t != "(Intercept)"))
            notes.Add("the model's random slopes are not drawn (see kind 'slopes')");
        string subtitle = context.FormulaLine + "\n" + string.Join("; ", notes);
        string title = randomSlopes
            ? $"Random slopes: {group.Group}-specific trajectories around the population line"
            : $"Random intercepts: {group.Group}-specific lines with a common slope";
        return new ModelPlot(randomSlopes ? PlotKind.Slopes : PlotKind.Intercepts, title, subtitle, [plot], 1,
            context.Width(1000), context.Height(720));
    }

    /// <summary>How many groups' lines are coloured and named.</summary>
    private const int Highlighted = 5;

    private static string Signed(double value) =>
        value < 0 ? "− " + PlotMath.Format(-value, 4) : "+ " + PlotMath.Format(value, 4);

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (int i = 0; i < names.Count; i++)
            if (names[i] == name) return i;
        return -1;
    }
}
