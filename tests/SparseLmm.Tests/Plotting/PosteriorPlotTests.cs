using System.Text.RegularExpressions;
using SparseLmm.Mcmc;
using SparseLmm.Plotting;
using static SparseLmm.Tests.Cli.CliRunner;
using static SparseLmm.Tests.Plotting.PlottingFixtures;

namespace SparseLmm.Tests.Plotting;

/// <summary>The trace and density figures of MCMC draws: what their panels hold (each chain's draws, densities that
/// integrate to one, the interval's ends), that they render, that the report shows them with <c>--mcmc</c>, and the
/// refusals without draws.</summary>
public class PosteriorPlotTests
{
    private static readonly Lazy<McmcResult> CbppPosterior = new(() =>
        MixedModelSampler.Sample(Get("cbpp").Fit, new McmcOptions(Draws: 80, Chains: 3, Warmup: 80, Seed: 2)));

    [Fact]
    public void Trace_panels_hold_each_chains_draws_in_order()
    {
        var posterior = CbppPosterior.Value;
        using var plot = Get("cbpp").Fit.Plot(PlotKind.Trace, posterior: posterior);
        Assert.Equal(PlotKind.Trace, plot.Kind);
        Assert.Equal(posterior.HyperparameterCount, plot.Panels.Count);
        for (int j = 0; j < plot.Panels.Count; j++)
        {
            Assert.StartsWith(posterior.Names[j], plot.Panels[j].Axes.Title.Label.Text);
            var lines = plot.Panels[j].GetPlottables().OfType<ScottPlot.Plottables.Scatter>().ToList();
            Assert.Equal(3, lines.Count);
            for (int c = 0; c < 3; c++)
            {
                var points = lines[c].Data.GetScatterPoints();
                Assert.Equal(Enumerable.Range(1, 80).Select(d => (double)d), points.Select(p => p.X));
                Assert.Equal(posterior.ChainDraws(c, j), points.Select(p => p.Y));
            }
        }
        Assert.Contains("3 chains x 80 draws after 80 warmup", plot.Subtitle);
    }

    [Fact]
    public void Density_panels_integrate_to_one_and_mark_the_interval()
    {
        var posterior = CbppPosterior.Value;
        using var plot = Get("cbpp").Fit.Plot(PlotKind.Density, posterior: posterior);
        Assert.Equal(posterior.HyperparameterCount, plot.Panels.Count);
        for (int j = 0; j < plot.Panels.Count; j++)
        {
            var curves = plot.Panels[j].GetPlottables().OfType<ScottPlot.Plottables.Scatter>().ToList();
            Assert.Equal(3, curves.Count);
            foreach (var curve in curves)
            {
                var points = curve.Data.GetScatterPoints();
                double area = 0;
                for (int i = 1; i < points.Count; i++) area += (points[i].X - points[i - 1].X) * (points[i].Y + points[i - 1].Y) / 2;
                Assert.Equal(1, area, 2);
            }
            var ends = plot.Panels[j].GetPlottables().OfType<ScottPlot.Plottables.VerticalLine>().Select(l => l.X).Order().ToList();
            Assert.Equal([posterior.Summaries[j].Lower, posterior.Summaries[j].Upper], ends);
        }
    }

    [Fact]
    public void Kernel_density_uses_rs_default_bandwidth()
    {
        // R: bw.nrd0(1:10) = 1.719286; the grid spans the draws ± 3 bandwidths.
        var (x, y) = PosteriorPlots.KernelDensity(Enumerable.Range(1, 10).Select(i => (double)i).ToArray());
        Assert.Equal(1 - 3 * 1.719286, x[0], 5);
        Assert.Equal(10 + 3 * 1.719286, x[^1], 5);
        // Symmetric draws, symmetric density.
        Assert.Equal(y[0], y[^1], 12);
        Assert.Equal(y[50], y[^51], 12);
    }

    [Theory]
    [InlineData(PlotKind.Trace)]
    [InlineData(PlotKind.Density)]
    public void Renders_as_png_and_svg(PlotKind kind)
    {
        using var plot = Get("cbpp").Fit.Plot(kind, posterior: CbppPosterior.Value);
        var (width, height) = PngSize(plot.ToPng());
        Assert.Equal((plot.Width, plot.Height), (width, height));
        AssertSensibleSize(width, height);
        var (svgWidth, svgHeight, _) = SvgSize(plot.ToSvg());
        Assert.Equal((plot.Width, plot.Height), (svgWidth, svgHeight));
    }

    [Fact]
    public void Without_draws_trace_is_refused_with_the_way_to_get_them()
    {
        var m = Get("cbpp");
        var error = Assert.Throws<InputException>(() => m.Fit.Plot(PlotKind.Trace, m.Data));
        Assert.Contains("'trace'", error.Message);
        Assert.Contains("--mcmc", error.Message);
        Assert.DoesNotContain(PlotKind.Density, PlotBuilder.ApplicableKinds(m.Fit, m.Data));
        Assert.Contains(PlotKind.Density, PlotBuilder.ApplicableKinds(m.Fit, m.Data, CbppPosterior.Value));
    }

    [Fact]
    public void The_report_shows_the_posterior_table_and_both_figures()
    {
        var m = Get("cbpp");
        var html = m.Fit.ToHtmlReport(m.Data, "cbpp", CbppPosterior.Value);
        var images = Regex.Matches(html, "src=\"data:image/png;base64,");
        Assert.Equal(PlotBuilder.ApplicableKinds(m.Fit, m.Data).Count + 2, images.Count);
        Assert.Contains("<h2 id=\"posterior\">Posterior (MCMC)</h2>", html);
        Assert.Contains("<h2 id=\"trace\">", html);
        Assert.Contains("<h2 id=\"density\">", html);
        Assert.Contains("MCMC: 3 chains x 80 draws", html);
    }

    [Fact]
    public void The_cli_draws_a_trace_and_a_report_with_mcmc_and_refuses_what_does_not_apply()
    {
        string directory = Path.Combine(Path.GetTempPath(), $"sparselmm-trace-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        try
        {
            string png = Path.Combine(directory, "trace.png"), html = Path.Combine(directory, "report.html");
            var plot = Run("plot", "sleepstudy", SleepstudyFormula, "--kind", "trace", "--mcmc", "60", "--chains", "2", "--out", png);
            Assert.Equal(0, plot.ExitCode);
            PngSize(File.ReadAllBytes(png));
            var report = Run("report", "sleepstudy", SleepstudyFormula, "--mcmc", "60", "--chains", "2", "--out", html);
            Assert.Equal(0, report.ExitCode);
            Assert.Contains("<h2 id=\"density\">", File.ReadAllText(html));
            AssertBadInput(Run("plot", "sleepstudy", SleepstudyFormula, "--kind", "density", "--out", png), "--mcmc");
            AssertBadInput(Run("plot", "sleepstudy", SleepstudyFormula, "--kind", "qq", "--mcmc", "60", "--out", png), "--mcmc");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
