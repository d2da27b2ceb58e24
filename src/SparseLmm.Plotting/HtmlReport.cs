using System.Globalization;
using System.Net;
using System.Reflection;
using System.Text;
using SparseLmm.Data;
using SparseLmm.Inference;
using SparseLmm.Mcmc;
using SparseLmm.Results;

namespace SparseLmm.Plotting;

/// <summary>A self-contained HTML report of a fit: what was fitted (formula, data, method, software version, date),
/// the fixed effects with their df, p-values and intervals, the summary the CLI prints, and every figure that applies,
/// as PNG images embedded in the page (data: URLs). The page loads nothing from the network and runs no script.</summary>
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
        [PlotKind.Residuals] = "Conditional residuals (observed minus fitted, random effects included) against fitted " +
            "values with a LOWESS smooth: look for curvature (a missing term) and a funnel shape (non-constant variance).",
        [PlotKind.QQ] = "Normal quantile–quantile plots: points near the dashed line are consistent with the normal " +
            "distributions the model assumes.",
        [PlotKind.Trace] = "Each MCMC chain's draws in order, one colour per chain: chains that have mixed overlap as one " +
            "band without trends; a chain apart from the others, or a slow wave, means more draws are needed (see R-hat and ESS).",
        [PlotKind.Density] = "Each chain's posterior density: the curves agree when the chains have converged; the dashed " +
            "lines are the central posterior interval over all chains.",
    };

    /// <summary>What a GLMM's figures show instead: the latent scale, and residuals scaled by the variance function.</summary>
    private static readonly Dictionary<PlotKind, string> GeneralizedCaptions = new()
    {
        [PlotKind.Variance] = "How the variance splits between groups (random intercepts) and within groups, on the " +
            "latent scale of the link, whose residual variance is fixed by the link (π²/3 for logit, 1 for probit); the " +
            "latent-scale ICC is the share between groups.",
        [PlotKind.Residuals] = "Pearson residuals (observed minus fitted, over the square root of the variance function " +
            "and the prior weight) against fitted values on the response scale, with a LOWESS smooth: look for curvature " +
            "(a missing term) and for residuals far beyond ±2 (overdispersion).",
        [PlotKind.QQ] = "Normal quantile–quantile plots of the conditional modes on the link scale: points near the " +
            "dashed line are consistent with the normal distribution the model assumes for the random effects.",
    };

    /// <summary>The caption of <paramref name="kind"/> for <paramref name="fit"/>.</summary>
    private static string Caption(MixedModelFit fit, PlotKind kind) =>
        !fit.Family.IsLinearMixedModel && GeneralizedCaptions.TryGetValue(kind, out var caption) ? caption : Captions[kind];

    /// <summary>The report page.</summary>
    /// <param name="fit">The fitted model.</param>
    /// <param name="data">The table the model was fitted to, or null (then shrinkage, intercepts and slopes are left
    /// out).</param>
    /// <param name="dataName">The data's name, shown in the summary and the title.</param>
    /// <param name="options">Image size choices for every figure; defaults when null.</param>
    /// <param name="inference">The df, p-values and intervals to show; <c>fit.Inference()</c> (the CLI's defaults)
    /// when null.</param>
    /// <param name="posterior">Posterior draws of the model, or null: with them the page adds the posterior table
    /// after the summary and the trace and density figures.</param>
    /// <returns>The HTML text (UTF-8 when written).</returns>
    public static string Create(MixedModelFit fit, DataTable? data, string? dataName = null, PlotOptions? options = null,
        FitInference? inference = null, McmcResult? posterior = null)
    {
        ArgumentNullException.ThrowIfNull(fit);
        inference ??= fit.Inference();
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
            table.effects { border-collapse: collapse; font-size: 0.95em; }
            table.effects th, table.effects td { padding: 0.25em 0.8em; border-bottom: 1px solid #e2e2e2; text-align: right; }
            table.effects th:first-child, table.effects td:first-child { text-align: left; }
            </style>

            """);
        html.Append("</head>\n<body>\n");
        html.Append($"<h1>Mixed model report</h1>\n<p class=\"meta\"><code>{Encode(fit.Formula)}</code>");
        if (dataName is not null) html.Append($" &middot; data: {Encode(dataName)}");
        html.Append($" &middot; {fit.ObservationCount} observations &middot; {Encode(Method(fit))}");
        html.Append($"<br>SparseLmm {Encode(Version)} &middot; made {DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC</p>\n");

        var shown = new List<(PlotKind Kind, string Html)>();
        var skipped = new List<(PlotKind Kind, string Reason)>();
        foreach (var kind in PlotKinds.All)
        {
            if (PlotBuilder.WhyNot(fit, data, kind, options, posterior) is { } reason)
            {
                // Without draws the MCMC figures are not a property of the model: nothing to list.
                if (kind is not (PlotKind.Trace or PlotKind.Density)) skipped.Add((kind, reason));
                continue;
            }
            using var plot = PlotBuilder.Create(fit, data, kind, options, posterior);
            var png = Convert.ToBase64String(plot.ToPng());
            var figure = new StringBuilder();
            figure.Append($"<h2 id=\"{kind.Name()}\">{Encode(Heading(kind))}</h2>\n<figure>\n");
            // The alt text says what the picture holds (its title, the model and what it holds fixed, what to read in
            // it), so that a reader who cannot see it learns what a reader who can would.
            string caption = Caption(fit, kind);
            string alt = $"{plot.Title}. {plot.Subtitle.Replace("\n", "; ", StringComparison.Ordinal)}. {caption}";
            figure.Append($"<img src=\"data:image/png;base64,{png}\" width=\"{plot.Width}\" height=\"{plot.Height}\" " +
                          $"alt=\"{Encode(alt)}\">\n");
            figure.Append($"<figcaption>{Encode(caption)}</figcaption>\n</figure>\n");
            shown.Add((kind, figure.ToString()));
        }

        html.Append("<nav><ul>\n<li><a href=\"#fixed-effects\">Fixed effects</a></li>\n<li><a href=\"#summary\">Summary</a></li>\n");
        if (posterior is not null) html.Append("<li><a href=\"#posterior\">Posterior (MCMC)</a></li>\n");
        foreach (var (kind, _) in shown)
            html.Append($"<li><a href=\"#{kind.Name()}\">{Encode(Heading(kind))}</a></li>\n");
        html.Append("</ul></nav>\n");

        AppendFixedEffects(html, inference);
        html.Append("<h2 id=\"summary\">Summary</h2>\n<pre>");
        html.Append(Encode(inference.Summary(dataName)));
        html.Append("</pre>\n");
        if (posterior is not null)
        {
            html.Append("<h2 id=\"posterior\">Posterior (MCMC)</h2>\n<pre>");
            html.Append(Encode(posterior.Summary()));
            html.Append("</pre>\n");
        }
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

    /// <summary>The fixed effects as a table: estimate, standard error, df, statistic, p-value and Wald interval; z tests
    /// have no df column (lme4's glmer summary has none: a column of ∞ says nothing).</summary>
    private static void AppendFixedEffects(StringBuilder html, FitInference inference)
    {
        var wald = inference.WaldIntervals;
        bool z = inference.Method == DdfMethod.None;
        string level = (100 * wald.Level).ToString("0.##", CultureInfo.InvariantCulture);
        html.Append("<h2 id=\"fixed-effects\">Fixed effects</h2>\n<table class=\"effects\">\n<thead><tr><th>term</th><th>estimate</th>" +
                    $"<th>std. error</th>{(z ? "" : "<th>df</th>")}<th>{(z ? "z" : "t")}</th><th>p-value</th><th>{level}% Wald interval</th></tr></thead>\n<tbody>\n");
        for (int j = 0; j < inference.FixedEffectTests.Count; j++)
        {
            var test = inference.FixedEffectTests[j];
            html.Append($"<tr><td>{Encode(test.Name)}</td><td>{Number(test.Estimate, 5)}</td><td>{Number(test.StandardError, 4)}</td>" +
                        (z ? "" : $"<td>{Number(test.Df, 4)}</td>") + $"<td>{Number(test.Statistic, 4)}</td>" +
                        $"<td>{Number(test.PValue, 3)}</td><td>[{Number(wald.Lower[j], 5)}, {Number(wald.Upper[j], 5)}]</td></tr>\n");
        }
        html.Append("</tbody>\n</table>\n<p class=\"meta\">");
        html.Append(inference.Method switch
        {
            DdfMethod.Satterthwaite => "t tests with Satterthwaite's degrees of freedom (as lmerTest).",
            DdfMethod.KenwardRoger => "t tests with Kenward–Roger's adjusted standard errors and degrees of freedom (as pbkrtest).",
            _ => "z tests against the normal distribution.",
        });
        if (LatentScale.Residual(inference.Fit) is { } latent && inference.Fit.VarianceComponents is [{ Terms: ["(Intercept)"] } single])
        {
            double between = single.Variances[0];
            html.Append($" Latent-scale ICC {Number(between / (between + latent.Variance), 3)}: the between-{Encode(single.Group)} " +
                        $"variance {Number(between, 3)} over itself plus the latent residual variance {Encode(latent.Description)}.");
        }
        html.Append("</p>\n");
    }

    private static string Number(double value, int digits) =>
        double.IsNaN(value) ? "NA" : value.ToString("G" + digits, CultureInfo.InvariantCulture).Replace("E", "e", StringComparison.Ordinal);

    private static string Method(MixedModelFit fit) => fit.Method switch
    {
        EstimationMethod.Reml => "linear mixed model by REML",
        EstimationMethod.MaximumLikelihood => "linear mixed model by maximum likelihood",
        EstimationMethod.Laplace => $"{fit.Family.Name} ({fit.Link.Name} link) GLMM by the Laplace approximation",
        _ => $"{fit.Family.Name} ({fit.Link.Name} link) GLMM by adaptive Gauss–Hermite quadrature, {fit.QuadratureNodes} nodes",
    };

    /// <summary>The library's version (its informational version: the package version and, when built from git, the commit).</summary>
    private static string Version =>
        typeof(MixedModel).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(MixedModel).Assembly.GetName().Version?.ToString() ?? "unknown";

    private static string Heading(PlotKind kind) => kind switch
    {
        PlotKind.Shrinkage => "Shrinkage",
        PlotKind.Intercepts => "Random intercepts",
        PlotKind.Variance => "Variance components",
        PlotKind.Slopes => "Random slopes",
        PlotKind.Caterpillar => "Random effects (caterpillar)",
        PlotKind.Residuals => "Residuals against fitted",
        PlotKind.QQ => "Normal QQ plots",
        PlotKind.Trace => "MCMC traces",
        PlotKind.Density => "MCMC posterior densities",
        _ => kind.Name(),
    };

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
