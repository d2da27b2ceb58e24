using ScottPlot;

namespace SparseLmm.Plotting;

/// <summary>Conditional residuals against fitted values, with a LOWESS smooth; for a GLMM, Pearson residuals
/// (y − μ)√(w/V(μ)) against the fitted mean, as lme4's <c>plot()</c> of a glmer fit: a raw y − μ would shrink and
/// grow with the variance function (for a proportion, with μ(1 − μ)) and hide the pattern the plot is for.</summary>
internal static class ResidualsPlot
{
    public static ModelPlot Create(PlotContext context)
    {
        var fit = context.Fit;
        var fitted = fit.Fitted.ToArray();
        var residuals = (context.IsLinear ? fit.Residuals : fit.PearsonResiduals ?? fit.Residuals).ToArray();
        string xLabel, yLabel, title;
        if (context.IsLinear)
        {
            xLabel = $"fitted value of {fit.ResponseName} (fixed + random effects)";
            yLabel = "conditional residual (observed − fitted)";
            title = "Conditional residuals against fitted values";
        }
        else
        {
            xLabel = fit.Family.Kind == FamilyKind.Binomial
                ? "fitted probability (response scale)"
                : $"fitted mean (response scale, {fit.Family.Name} family)";
            yLabel = "Pearson residual (y − μ)·√(w / V(μ))";
            title = "Pearson residuals against fitted values";
        }

        var plot = PlotStyle.NewPanel("", xLabel, yLabel);
        var zero = plot.Add.HorizontalLine(0, 1.5f, PlotStyle.Reference, LinePattern.Dashed);
        zero.LegendText = "zero";
        int n = fitted.Length;
        // Filled and faint when there are many: overlaps add up, so dense regions read darker instead of solid.
        var shape = n > 500 ? MarkerShape.FilledCircle : MarkerShape.OpenCircle;
        plot.Add.Markers(fitted, residuals, shape, n > 2000 ? 3 : 5, PlotStyle.Model.WithAlpha(PlotStyle.PointAlpha(n)));
        // The legend's key is opaque, however faint the points are.
        var key = plot.Add.Markers(new[] { double.NaN }, new[] { double.NaN }, shape, 6, PlotStyle.Model);
        key.LegendText = n > 500 ? $"observations (n = {n}; faint, so overlaps read darker)" : $"observations (n = {n})";
        if (n >= 10)
        {
            var (sx, sy) = PlotMath.Lowess(fitted, residuals);
            var smooth = plot.Add.ScatterLine(sx, sy, PlotStyle.Population);
            smooth.LineWidth = 2;
            smooth.LegendText = "LOWESS smooth";
        }
        plot.ShowLegend(Alignment.UpperRight);

        double sd = Math.Sqrt(residuals.Sum(r => r * r) / Math.Max(1, n - 1));
        string subtitle = context.FormulaLine + (context.IsLinear && fit.Sigma is { } sigma
            ? $"   residual SD σ = {PlotMath.Format(sigma)}" : "");
        return new ModelPlot(PlotKind.Residuals, title, subtitle, [plot], 1, context.Width(900), context.Height(620));
    }
}

/// <summary>Normal QQ plots of the conditional residuals (linear models) and of every random effect.</summary>
internal static class QQPlot
{
    public static ModelPlot Create(PlotContext context)
    {
        var fit = context.Fit;
        var panels = new List<Plot>();
        if (context.IsLinear)
            panels.Add(Panel("Conditional residuals", fit.Residuals.ToArray(), "sample quantile: conditional residual"));
        foreach (var group in PlotBuilder.Factors(fit, context.Options with { Group = null }))
            for (int t = 0; t < group.Terms.Count; t++)
                panels.Add(Panel($"{group.Group}: {group.Terms[t]} ({group.Levels.Count} levels)",
                    group.Values.Select(v => v[t]).ToArray(), $"sample quantile: BLUP of {group.Terms[t]}"));

        int columns = panels.Count <= 3 ? panels.Count : panels.Count == 4 ? 2 : 3;
        int rows = (panels.Count + columns - 1) / columns;
        string scale = context.IsLinear ? "" : $" (random effects on the {fit.Link} scale)";
        return new ModelPlot(PlotKind.QQ, "Normal QQ plots" + scale, context.FormulaLine, panels, columns,
            context.Width(columns == 1 ? 760 : columns == 2 ? 1100 : 1400), context.Height(70 + rows * 440));
    }

    private static Plot Panel(string title, double[] values, string yLabel)
    {
        var sorted = values.Where(double.IsFinite).OrderBy(v => v).ToArray();
        var scores = PlotMath.NormalScores(sorted.Length);
        var plot = PlotStyle.NewPanel(title, "theoretical quantile (standard normal)", yLabel);
        if (sorted.Length >= 2)
        {
            var (intercept, slope) = PlotMath.QQLine(sorted);
            double lo = scores[0], hi = scores[^1];
            var line = plot.Add.Line(lo, intercept + slope * lo, hi, intercept + slope * hi);
            line.Color = PlotStyle.Reference;
            line.LineWidth = 1.5f;
            line.LinePattern = LinePattern.Dashed;
            line.LegendText = "line through the quartiles";
        }
        // Points of a QQ plot lie along one curve and overlap little; their sparse tails are what the plot is read
        // for, so they stay nearly opaque however many there are.
        var points = plot.Add.Markers(scores, sorted, MarkerShape.OpenCircle, sorted.Length > 2000 ? 3 : 5,
            PlotStyle.Model.WithAlpha(0.85));
        points.LegendText = $"n = {sorted.Length}";
        plot.ShowLegend(Alignment.UpperLeft);
        return plot;
    }
}
