using ScottPlot;

namespace SparseLmm.Plotting;

/// <summary>Between-group variance components (random intercepts) and the within-group (residual) variance, with
/// each one's share of the total and the intraclass correlation; for a random slope, also how the between-group
/// variance and the ICC change with the covariate.</summary>
internal static class VariancePlot
{
    private sealed record Component(string Label, double Variance, double Sd, bool Residual);

    public static ModelPlot Create(PlotContext context)
    {
        var fit = context.Fit;
        // A binomial GLMM's components are on the link scale; its residual is the latent one.
        var latent = context.IsLinear ? null : LatentScale.Residual(fit);
        double sigma = latent is { } residual ? Math.Sqrt(residual.Variance) : fit.Sigma!.Value;
        var components = new List<Component>();
        var slopeNotes = new List<string>();
        foreach (var vc in fit.VarianceComponents)
        {
            for (int t = 0; t < vc.Terms.Count; t++)
            {
                double sd = vc.StandardDeviations[t];
                if (vc.Terms[t] == "(Intercept)")
                    components.Add(new Component($"between {vc.Group}", sd * sd, sd, false));
                else
                    slopeNotes.Add($"{vc.Group} {vc.Terms[t]}: SD {PlotMath.Format(sd)}");
            }
        }
        components.Add(new Component(latent is null ? "within (residual)" : "latent residual", sigma * sigma, sigma, true));
        double total = components.Sum(c => c.Variance);
        bool hasSlopes = slopeNotes.Count > 0;

        var panels = new List<Plot> { Bars(context, components, total, hasSlopes) };
        string? slopePanelFactor = null;
        if (hasSlopes && context.Rows is { } rows && SlopePanel(context, rows, sigma) is { } slopePanel)
        {
            panels.Add(slopePanel.Plot);
            slopePanelFactor = slopePanel.Covariate;
        }

        var between = components.Where(c => !c.Residual).ToList();
        string icc;
        if (latent is { } scale)
            icc = (between.Count == 1 ? $"latent-scale ICC = {PlotMath.Format(between[0].Variance / total, 3)}"
                    : string.Join(", ", between.Select(c => $"latent ICC({c.Label["between ".Length..]}) = {PlotMath.Format(c.Variance / total, 3)}")))
                  + $"\nlatent residual variance {scale.Description} ({fit.Link.Name} link)";
        else if (fit.IntraclassCorrelation is { } single && !hasSlopes)
            icc = $"ICC = {PlotMath.Format(single, 3)}";
        else if (between.Count == 1)
            icc = $"ICC = {PlotMath.Format(between[0].Variance / total, 3)}" + (hasSlopes ? " (intercepts, at covariate 0)" : "");
        else
            icc = string.Join(", ", between.Select(c => $"ICC({c.Label["between ".Length..]}) = {PlotMath.Format(c.Variance / total, 3)}"))
                  + (hasSlopes ? " (intercepts, at covariate 0)" : "");
        string subtitle = context.FormulaLine + "   " + icc;
        if (hasSlopes && slopePanelFactor is null)
            subtitle += "   random slopes: " + string.Join("; ", slopeNotes);

        return new ModelPlot(PlotKind.Variance, "Variance components: between-group and within-group variance",
            subtitle, panels, panels.Count, context.Width(panels.Count == 1 ? 900 : 1300),
            context.Height(Math.Max(460, 170 + components.Count * 90)));
    }

    private static Plot Bars(PlotContext context, List<Component> components, double total, bool hasSlopes)
    {
        var plot = PlotStyle.NewPanel(hasSlopes ? "Random-intercept and residual variance" : "Variance and share of the total",
            context.IsLinear ? $"variance ({context.Fit.ResponseName} squared)" : $"variance on the latent ({context.Fit.Link.Name}) scale", "");
        var bars = new List<Bar>();
        int m = components.Count;
        double max = components.Max(c => c.Variance);
        for (int i = 0; i < m; i++)
        {
            // Residual at the bottom (position 0), the between-group components above in the fit's order.
            var c = components[i];
            double position = c.Residual ? 0 : m - 1 - i;
            bars.Add(new Bar
            {
                Position = position,
                Value = c.Variance,
                FillColor = c.Residual ? PlotStyle.Data : PlotStyle.Model,
                LineWidth = 0,
                Orientation = Orientation.Horizontal,
                Size = 0.6,
            });
            var label = plot.Add.Text(
                $"  {PlotMath.Format(c.Variance)} (SD {PlotMath.Format(c.Sd)}), {100 * c.Variance / total:F1}% of total",
                c.Variance, position);
            label.LabelFontSize = 12;
            label.LabelAlignment = Alignment.MiddleLeft;
            if (PlotStyle.FontFamily is { } family) label.LabelFontName = family;
        }
        plot.Add.Bars(bars);
        var positions = components.Select((c, i) => c.Residual ? 0.0 : m - 1 - i).ToArray();
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(positions, components.Select(c => c.Label).ToArray());
        plot.Axes.Left.TickLabelStyle.FontSize = 13;
        // Room on the right for the value labels.
        plot.Axes.SetLimitsX(0, max * 1.9);
        plot.Axes.SetLimitsY(-0.6, m - 0.4);
        plot.Grid.YAxisStyle.IsVisible = false;
        return plot;
    }

    /// <summary>For the first factor with a random intercept and a random slope on a numeric column: the
    /// between-group variance Var(b₀ + b₁x) = σ₀² + 2ρσ₀σ₁x + σ₁²x², the residual variance, and the ICC over the
    /// covariate's range.</summary>
    private static (Plot Plot, string Covariate)? SlopePanel(PlotContext context, ModelRows rows, double sigma)
    {
        var fit = context.Fit;
        foreach (var group in PlotBuilder.Factors(fit, context.Options with { Group = null }))
        {
            if (!group.Terms.Contains("(Intercept)")) continue;
            var slope = group.Terms.FirstOrDefault(t => t != "(Intercept)" && rows.IsNumericColumn(t));
            if (slope is null) continue;

            double var0 = 0, var1 = 0, cov = 0;
            foreach (var vc in fit.VarianceComponents.Where(v => v.Group == group.Group))
            {
                int i0 = IndexOf(vc.Terms, "(Intercept)"), i1 = IndexOf(vc.Terms, slope);
                if (i0 >= 0) var0 = vc.Variances[i0];
                if (i1 >= 0) var1 = vc.Variances[i1];
                if (i0 >= 0 && i1 >= 0)
                    cov = vc.Correlations[i0][i1] * vc.StandardDeviations[i0] * vc.StandardDeviations[i1];
            }
            var x = rows.ColumnValues(slope)!;
            double lo = x.Min(), hi = x.Max();
            if (!(hi > lo)) continue;
            var grid = Enumerable.Range(0, 101).Select(i => lo + (hi - lo) * i / 100).ToArray();
            var between = grid.Select(v => var0 + 2 * cov * v + var1 * v * v).ToArray();
            var within = grid.Select(_ => sigma * sigma).ToArray();
            var icc = between.Select(b => b / (b + sigma * sigma)).ToArray();

            var plot = PlotStyle.NewPanel($"Between-{group.Group} variance as {slope} varies", slope,
                context.IsLinear ? $"variance ({fit.ResponseName} squared)" : $"variance on the latent ({fit.Link.Name}) scale");
            var b1 = plot.Add.ScatterLine(grid, between, PlotStyle.Model);
            b1.LineWidth = 2.5f;
            b1.LegendText = $"between {group.Group}: Var(b₀ + b₁·{slope})";
            var w = plot.Add.ScatterLine(grid, within, PlotStyle.Data);
            w.LineWidth = 2.5f;
            w.LinePattern = LinePattern.Dashed;
            w.LegendText = context.IsLinear ? "within (residual) σ²" : "latent residual variance";
            var iccLine = plot.Add.ScatterLine(grid, icc, PlotStyle.Population);
            iccLine.LineWidth = 1.5f;
            iccLine.LinePattern = LinePattern.Dotted;
            iccLine.Axes.YAxis = plot.Axes.Right;
            iccLine.LegendText = "ICC (right axis)";
            plot.Axes.Right.Label.Text = "ICC = between / (between + within)";
            plot.Axes.Right.Label.FontSize = 13;
            plot.Axes.Right.Label.Bold = false;
            plot.Axes.SetLimitsY(0, 1, plot.Axes.Right);
            plot.Axes.SetLimitsY(0, Math.Max(between.Max(), sigma * sigma) * 1.1, plot.Axes.Left);
            plot.ShowLegend(Alignment.UpperLeft);
            return (plot, slope);
        }
        return null;
    }

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (int i = 0; i < names.Count; i++)
            if (names[i] == name) return i;
        return -1;
    }
}
