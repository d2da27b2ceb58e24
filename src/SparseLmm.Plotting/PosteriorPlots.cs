using ScottPlot;
using SparseLmm.Mcmc;

namespace SparseLmm.Plotting;

/// <summary>Trace and density plots of MCMC draws: one panel per variance parameter, σ and fixed effect (the random
/// effects are summarised by the table instead: a model has hundreds), each chain in its own colour, so that a chain
/// that wanders off or has not mixed shows as a line or a curve apart from the others.</summary>
internal static class PosteriorPlots
{
    /// <summary>Most panels drawn; the subtitle says how many parameters were left out.</summary>
    public const int MaxPanels = 12;

    /// <summary>Each chain's draws against the draw index, per parameter, with the parameter's R-hat and bulk ESS in
    /// its title.</summary>
    public static ModelPlot Trace(PlotContext context, McmcResult posterior)
    {
        var panels = new List<Plot>();
        var xs = Enumerable.Range(1, posterior.DrawsPerChain).Select(d => (double)d).ToArray();
        foreach (int j in Parameters(posterior))
        {
            var summary = posterior.Summaries[j];
            var plot = PlotStyle.NewPanel(PanelTitle(summary), "draw (after the warmup)", summary.Name);
            for (int c = 0; c < posterior.Options.Chains; c++)
            {
                var line = plot.Add.ScatterLine(xs, posterior.ChainDraws(c, j), PlotStyle.HighlightColor(c).WithAlpha(0.7));
                line.LineWidth = 1;
                line.LegendText = $"chain {c + 1}";
            }
            Finish(plot, posterior);
            panels.Add(plot);
        }
        return Figure(context, posterior, PlotKind.Trace, "MCMC traces: each chain's draws", panels);
    }

    /// <summary>Each chain's kernel density estimate per parameter, with the pooled central interval as dashed lines.</summary>
    public static ModelPlot Density(PlotContext context, McmcResult posterior)
    {
        var panels = new List<Plot>();
        string percent = $"{100 * posterior.Options.Level:0.#}%";
        foreach (int j in Parameters(posterior))
        {
            var summary = posterior.Summaries[j];
            var plot = PlotStyle.NewPanel(PanelTitle(summary), summary.Name, "posterior density");
            for (int c = 0; c < posterior.Options.Chains; c++)
            {
                var (x, y) = KernelDensity(posterior.ChainDraws(c, j));
                var line = plot.Add.ScatterLine(x, y, PlotStyle.HighlightColor(c));
                line.LineWidth = 1.5f;
                line.LegendText = $"chain {c + 1}";
            }
            var lower = plot.Add.VerticalLine(summary.Lower, 1, PlotStyle.Population, LinePattern.Dashed);
            lower.LegendText = $"{percent} interval (all chains)";
            plot.Add.VerticalLine(summary.Upper, 1, PlotStyle.Population, LinePattern.Dashed);
            Finish(plot, posterior);
            panels.Add(plot);
        }
        return Figure(context, posterior, PlotKind.Density, "MCMC posterior densities per chain", panels);
    }

    /// <summary>The parameters drawn: the first <see cref="MaxPanels"/> of the variance parameters, σ and the fixed
    /// effects.</summary>
    internal static IReadOnlyList<int> Parameters(McmcResult posterior) =>
        Enumerable.Range(0, posterior.HyperparameterCount).Take(MaxPanels).ToList();

    /// <summary>A Gaussian kernel density estimate on 200 points spanning the draws ± 3 bandwidths, bandwidth by
    /// Silverman's rule (R's <c>bw.nrd0</c>): 0.9 min(SD, IQR/1.34) n^(−1/5).</summary>
    internal static (double[] X, double[] Y) KernelDensity(double[] draws)
    {
        const int points = 200;
        var sorted = draws.Where(double.IsFinite).Order().ToArray();
        int n = sorted.Length;
        if (n == 0) return ([], []);
        double mean = sorted.Average();
        double sd = n > 1 ? Math.Sqrt(sorted.Sum(v => (v - mean) * (v - mean)) / (n - 1)) : 0;
        double iqr = Quantile(sorted, 0.75) - Quantile(sorted, 0.25);
        double spread = Math.Min(sd, iqr / 1.34);
        if (!(spread > 0)) spread = sd > 0 ? sd : Math.Max(Math.Abs(mean), 1) * 1e-3;
        double bandwidth = 0.9 * spread * Math.Pow(n, -0.2);
        double from = sorted[0] - 3 * bandwidth, to = sorted[^1] + 3 * bandwidth;
        var x = new double[points];
        var y = new double[points];
        double norm = 1 / (n * bandwidth * Math.Sqrt(2 * Math.PI));
        for (int i = 0; i < points; i++)
        {
            x[i] = from + (to - from) * i / (points - 1);
            double sum = 0;
            foreach (double value in sorted)
            {
                double t = (x[i] - value) / bandwidth;
                sum += Math.Exp(-0.5 * t * t);
            }
            y[i] = sum * norm;
        }
        return (x, y);
    }

    private static double Quantile(double[] sorted, double p)
    {
        double position = p * (sorted.Length - 1);
        int below = (int)Math.Floor(position);
        int above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
    }

    private static string PanelTitle(McmcParameterSummary summary) =>
        $"{summary.Name}   R-hat {(double.IsFinite(summary.Rhat) ? summary.Rhat.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture) : "NA")}, " +
        $"ESS {(double.IsFinite(summary.BulkEss) ? Math.Round(summary.BulkEss).ToString(System.Globalization.CultureInfo.InvariantCulture) : "NA")}";

    private static void Finish(Plot plot, McmcResult posterior)
    {
        // Below the data, in one row, so that it hides none of the draws; one chain has nothing to tell apart.
        if (posterior.Options.Chains > 1)
        {
            plot.ShowLegend(Edge.Bottom);
            plot.Legend.Orientation = Orientation.Horizontal;
        }
        else
        {
            plot.HideLegend();
        }
    }

    private static ModelPlot Figure(PlotContext context, McmcResult posterior, PlotKind kind, string title, List<Plot> panels)
    {
        int columns = panels.Count <= 2 ? panels.Count : panels.Count <= 4 ? 2 : 3;
        int rows = (panels.Count + columns - 1) / columns;
        int left = posterior.HyperparameterCount - panels.Count;
        string subtitle = context.FormulaLine +
            $"\n{posterior.Options.Chains} chains x {posterior.DrawsPerChain} draws after {posterior.Warmup} warmup, seed {posterior.Options.Seed}" +
            (left > 0 ? $"; the first {panels.Count} parameters ({left} more in the table)" : "");
        return new ModelPlot(kind, title, subtitle, panels, columns,
            context.Width(columns == 1 ? 900 : columns == 2 ? 1200 : 1500), context.Height(90 + rows * 380));
    }
}
