using System.Net;
using System.Text;
using SparseLmm.Data;
using SparseLmm.Results;

namespace SparseLmm.Plotting;

/// <summary>A self-contained HTML report of a fit: the lme4-style summary and every figure that applies, as PNG
/// images embedded in the page (data: URLs). The page loads nothing from the network and runs no script.</summary>
public static class HtmlReport
{
    private static readonly Dictionary<PlotKind, string> Captions = new()
    {
        [PlotKind.Shrinkage] = "Each group's own least-squares estimate (open circle) and the model's group-specific " +
            "coefficient, fixed effect plus BLUP (filled circle). The arrows show partial pooling: groups with few or noisy " +
            "observations move furthest toward the population value (dashed line). With correlated random effects " +
            "(an intercept and a slope) the pull is joint, so one coefficient can move past the population value.",
        [PlotKind.Intercepts] = "Each group's line has its own intercept (population intercept plus the group's random " +
            "intercept) and the common fixed slope; the thick black line is the population line.",
        [PlotKind.Variance] = "How the variance splits between groups (random intercepts) and within groups (residual), " +
            "and the intraclass correlation: the share of the variance that is between groups.",
        [PlotKind.Slopes] = "Each group's fitted trajectory (its own intercept and slope: fixed effects plus BLUPs) over " +
            "its observations, around the population line (thick black).",
        [PlotKind.Caterpillar] = "The conditional modes (BLUPs) of every random effect, sorted, with 95% intervals from " +
            "the conditional standard deviations.",
        [PlotKind.Residuals] = "Residuals against fitted values with a LOWESS smooth: look for curvature (a missing " +
            "term) and a funnel shape (non-constant variance).",
        [PlotKind.QQ] = "Normal quantile–quantile plots: points near the dashed line are consistent with the normal " +
            "distributions the model assumes.",
    };

    /// <summary>The report page.</summary>
    /// <param name="fit">The fitted model.</param>
    /// <param name="data">The table the model was fitted to, or null (then shrinkage, intercepts and slopes are left
    /// out).</param>
    /// <param name="dataName">The data's name, shown in the summary and the title.</param>
    /// <param name="options">Image size choices for every figure; defaults when null.</param>
    /// <returns>The HTML text (UTF-8 when written).</returns>
    public static string Create(MixedModelFit fit, DataTable? data, string? dataName = null, PlotOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(fit);
        var html = new StringBuilder();
        string title = $"Mixed model: {fit.Formula}" + (dataName is null ? "" : $" ({dataName})");
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        html.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        html.Append($"<title>{Encode(title)}</title>\n");
        html.Append("""
            <style>
            body { font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; margin: 2em auto; max-width: 1200px; padding: 0 1em; color: #222; }
            h1 { font-size: 1.6em; margin-bottom: 0.2em; }
            h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
            p.meta { color: #555; margin-top: 0; }
            pre { background: #f6f6f6; border: 1px solid #e2e2e2; padding: 1em; overflow-x: auto; font-size: 0.9em; line-height: 1.35; }
            figure { margin: 0.5em 0 1.5em 0; }
            figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
            figcaption { color: #444; font-size: 0.95em; margin-top: 0.4em; max-width: 60em; }
            nav ul { padding-left: 1.2em; columns: 2; }
            ul.skipped li { color: #555; }
            code { font-family: "DejaVu Sans Mono", monospace; }
            </style>

            """);
        html.Append("</head>\n<body>\n");
        html.Append($"<h1>Mixed model report</h1>\n<p class=\"meta\"><code>{Encode(fit.Formula)}</code>");
        if (dataName is not null) html.Append($" &middot; data: {Encode(dataName)}");
        html.Append($" &middot; {fit.ObservationCount} observations</p>\n");

        var shown = new List<(PlotKind Kind, string Html)>();
        var skipped = new List<(PlotKind Kind, string Reason)>();
        foreach (var kind in PlotKinds.All)
        {
            if (PlotBuilder.WhyNot(fit, data, kind, options) is { } reason)
            {
                skipped.Add((kind, reason));
                continue;
            }
            using var plot = PlotBuilder.Create(fit, data, kind, options);
            var png = Convert.ToBase64String(plot.ToPng());
            var figure = new StringBuilder();
            figure.Append($"<h2 id=\"{kind.Name()}\">{Encode(Heading(kind))}</h2>\n<figure>\n");
            figure.Append($"<img src=\"data:image/png;base64,{png}\" width=\"{plot.Width}\" height=\"{plot.Height}\" " +
                          $"alt=\"{Encode(kind.Name())} plot: {Encode(plot.Title)}\">\n");
            figure.Append($"<figcaption>{Encode(Captions[kind])}</figcaption>\n</figure>\n");
            shown.Add((kind, figure.ToString()));
        }

        html.Append("<nav><ul>\n<li><a href=\"#summary\">Summary</a></li>\n");
        foreach (var (kind, _) in shown)
            html.Append($"<li><a href=\"#{kind.Name()}\">{Encode(Heading(kind))}</a></li>\n");
        html.Append("</ul></nav>\n");

        html.Append("<h2 id=\"summary\">Summary</h2>\n<pre>");
        html.Append(Encode(fit.Summary(dataName)));
        html.Append("</pre>\n");
        foreach (var (_, figure) in shown) html.Append(figure);

        if (skipped.Count > 0)
        {
            html.Append("<h2 id=\"not-shown\">Figures that do not apply to this model</h2>\n<ul class=\"skipped\">\n");
            foreach (var (kind, reason) in skipped)
                html.Append($"<li><b>{Encode(kind.Name())}</b>: {Encode(reason)}</li>\n");
            html.Append("</ul>\n");
        }
        html.Append("</body>\n</html>\n");
        return html.ToString();
    }

    private static string Heading(PlotKind kind) => kind switch
    {
        PlotKind.Shrinkage => "Shrinkage",
        PlotKind.Intercepts => "Random intercepts",
        PlotKind.Variance => "Variance components",
        PlotKind.Slopes => "Random slopes",
        PlotKind.Caterpillar => "Random effects (caterpillar)",
        PlotKind.Residuals => "Residuals against fitted",
        PlotKind.QQ => "Normal QQ plots",
        _ => kind.Name(),
    };

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
