using SparseLmm.Data;
using SparseLmm.Mcmc;
using SparseLmm.Plotting;
using SparseLmm.Results;

// Namespace SparseLmm rather than the folder's: these extension methods sit with the entry point (MixedModel), so
// the `using SparseLmm;` a caller already has for fitting is all it needs to find them.
namespace SparseLmm;

/// <summary>Figures and the HTML report of a fitted mixed model, as extension methods on <see cref="MixedModelFit"/>.</summary>
/// <example><code>
/// var data = MixedModel.LoadData("sleepstudy");
/// var fit = MixedModel.Fit("Reaction ~ 1 + Days + (1 + Days | Subject)", data);
/// using (var plot = fit.Plot(PlotKind.Caterpillar)) plot.Save("ranef.png");
/// fit.SavePlot("shrinkage.svg", PlotKind.Shrinkage, data);
/// File.WriteAllText("report.html", fit.ToHtmlReport(data, "sleepstudy"));
/// </code></example>
public static class MixedModelFitPlotExtensions
{
    /// <summary>Draws the figure of kind <paramref name="kind"/> (see <see cref="PlotBuilder.Create"/>).</summary>
    /// <param name="fit">The fitted model.</param>
    /// <param name="kind">The figure.</param>
    /// <param name="data">The table the model was fitted to: needed by <see cref="PlotKind.Shrinkage"/>,
    /// <see cref="PlotKind.Intercepts"/> and <see cref="PlotKind.Slopes"/>, optional for the others (the variance
    /// figure uses it to show a random slope's effect over the covariate's range).</param>
    /// <param name="options">Size, factor and covariate; defaults when null.</param>
    /// <param name="posterior">Posterior draws of the model, for <see cref="PlotKind.Trace"/> and
    /// <see cref="PlotKind.Density"/>.</param>
    /// <returns>The figure; dispose it when done.</returns>
    /// <exception cref="InputException">The kind does not apply to the model, or it needs the data or the draws.</exception>
    public static ModelPlot Plot(this MixedModelFit fit, PlotKind kind, DataTable? data = null, PlotOptions? options = null,
        McmcResult? posterior = null) =>
        PlotBuilder.Create(fit, data, kind, options, posterior);

    /// <summary>Draws the figure and writes it to <paramref name="path"/> (PNG for <c>.png</c>, SVG for <c>.svg</c>).</summary>
    /// <param name="fit">The fitted model.</param>
    /// <param name="path">The image file to write.</param>
    /// <param name="kind">The figure.</param>
    /// <param name="data">The table the model was fitted to (see <see cref="Plot"/>).</param>
    /// <param name="options">Size, factor and covariate; defaults when null.</param>
    /// <param name="posterior">Posterior draws of the model (see <see cref="Plot"/>).</param>
    /// <exception cref="InputException">The kind does not apply, or the extension is neither .png nor .svg.</exception>
    public static void SavePlot(this MixedModelFit fit, string path, PlotKind kind, DataTable? data = null, PlotOptions? options = null,
        McmcResult? posterior = null)
    {
        ModelPlot.FormatOf(path);
        using var plot = PlotBuilder.Create(fit, data, kind, options, posterior);
        plot.Save(path);
    }

    /// <summary>One self-contained HTML page (no network access needed) with the model summary and every figure that
    /// applies, as embedded PNG images (see <see cref="HtmlReport.Create"/>).</summary>
    /// <param name="fit">The fitted model.</param>
    /// <param name="data">The table the model was fitted to, or null (then the figures that need it are left out).</param>
    /// <param name="dataName">The data's name, shown in the summary and the page title.</param>
    /// <param name="posterior">Posterior draws of the model, or null: with them the page adds the posterior table and
    /// the trace and density figures.</param>
    public static string ToHtmlReport(this MixedModelFit fit, DataTable? data, string? dataName = null, McmcResult? posterior = null) =>
        HtmlReport.Create(fit, data, dataName, posterior: posterior);
}
