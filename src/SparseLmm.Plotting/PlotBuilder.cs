using SparseLmm.Data;
using SparseLmm.Mcmc;
using SparseLmm.Results;

namespace SparseLmm.Plotting;

/// <summary>Draws the figures of a fitted mixed model. Some kinds need the data the model was fitted to (the same
/// table, with the same <c>--factor</c> conversions): <see cref="PlotKind.Shrinkage"/>, <see cref="PlotKind.Intercepts"/>
/// and <see cref="PlotKind.Slopes"/>; <see cref="PlotKind.Trace"/> and <see cref="PlotKind.Density"/> need posterior
/// draws of the model; the others use the fit alone.</summary>
/// <example><code>
/// var data = MixedModel.LoadData("sleepstudy");
/// var fit = MixedModel.Fit("Reaction ~ 1 + Days + (1 + Days | Subject)", data);
/// using var plot = PlotBuilder.Create(fit, data, PlotKind.Shrinkage);
/// plot.Save("shrinkage.png");
/// </code></example>
public static class PlotBuilder
{
    /// <summary>Draws the figure of kind <paramref name="kind"/>.</summary>
    /// <param name="fit">The fitted model.</param>
    /// <param name="data">The table the model was fitted to; may be null for kinds that do not need it.</param>
    /// <param name="kind">The figure.</param>
    /// <param name="options">Size, factor and covariate choices; <see cref="PlotOptions.Default"/> when null.</param>
    /// <param name="posterior">Posterior draws of the model (<see cref="MixedModelSampler.Sample"/>), for
    /// <see cref="PlotKind.Trace"/> and <see cref="PlotKind.Density"/>; ignored by the other kinds.</param>
    /// <exception cref="InputException">The kind does not apply to this model (the message says why, e.g.
    /// <c>kind 'slopes' needs a random slope, e.g. (1 + x | g)</c>), or it needs the data or the draws and none were
    /// given.</exception>
    public static ModelPlot Create(MixedModelFit fit, DataTable? data, PlotKind kind, PlotOptions? options = null, McmcResult? posterior = null)
    {
        ArgumentNullException.ThrowIfNull(fit);
        options ??= PlotOptions.Default;
        if (WhyNot(fit, data, kind, options, posterior) is { } reason)
            throw new InputException(reason);
        var context = new PlotContext(fit, data is null ? null : ModelRows.Build(fit, data), options);
        return kind switch
        {
            PlotKind.Shrinkage => ShrinkagePlot.Create(context),
            PlotKind.Intercepts => LinesPlot.Create(context, randomSlopes: false),
            PlotKind.Slopes => LinesPlot.Create(context, randomSlopes: true),
            PlotKind.Variance => VariancePlot.Create(context),
            PlotKind.Caterpillar => CaterpillarPlot.Create(context),
            PlotKind.Residuals => ResidualsPlot.Create(context),
            PlotKind.QQ => QQPlot.Create(context),
            PlotKind.Trace => PosteriorPlots.Trace(context, posterior!),
            PlotKind.Density => PosteriorPlots.Density(context, posterior!),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown plot kind"),
        };
    }

    /// <summary>Whether <paramref name="kind"/> applies to the model: null when it does, else the reason it does not
    /// (the message <see cref="Create"/> would throw).</summary>
    /// <param name="fit">The fitted model.</param>
    /// <param name="data">The table the model was fitted to, or null.</param>
    /// <param name="kind">The figure.</param>
    /// <param name="options">The options the figure would be drawn with; <see cref="PlotOptions.Default"/> when null.</param>
    /// <param name="posterior">Posterior draws of the model, or null.</param>
    public static string? WhyNot(MixedModelFit fit, DataTable? data, PlotKind kind, PlotOptions? options = null, McmcResult? posterior = null)
    {
        ArgumentNullException.ThrowIfNull(fit);
        options ??= PlotOptions.Default;
        string name = kind.Name();
        if (kind is PlotKind.Trace or PlotKind.Density)
            return posterior is null
                ? $"kind '{name}' draws MCMC draws: sample the posterior (--mcmc N, or MixedModelSampler.Sample) and pass the draws"
                : null;
        bool linear = fit.Family.IsLinearMixedModel;
        bool needsData = kind is PlotKind.Shrinkage or PlotKind.Intercepts or PlotKind.Slopes;

        if (!linear && kind is PlotKind.Shrinkage or PlotKind.Intercepts or PlotKind.Slopes)
            return $"kind '{name}' applies to linear mixed models; for this {fit.Family.Name} GLMM use caterpillar, residuals, qq or (binomial) variance";
        if (!linear && kind is PlotKind.Variance && LatentScale.Residual(fit) is null)
            return $"kind 'variance' applies to linear mixed models and to binomial GLMMs with a logit, probit or cloglog link (on their latent scale), not to this {fit.Family.Name} ({fit.Link.Name}) model";
        if (fit.RandomEffects.Count == 0 && kind is not PlotKind.Residuals)
            return $"kind '{name}' needs random effects, and the model has none";
        if (options.Group is { } group && !fit.RandomEffects.ContainsKey(group) &&
            kind is PlotKind.Shrinkage or PlotKind.Intercepts or PlotKind.Slopes)
            return $"the model has no grouping factor '{group}' (factors: {string.Join(", ", fit.RandomEffects.Keys)})";

        if (kind == PlotKind.Slopes && !HasRandomSlope(fit, options))
            return "kind 'slopes' needs a random slope, e.g. (1 + x | g)";
        if (kind == PlotKind.Intercepts && !Factors(fit, options).Any(g => g.Terms.Contains("(Intercept)")))
            return "kind 'intercepts' needs a random intercept, e.g. (1 | g)";
        if (kind == PlotKind.Variance && linear && fit.Sigma is null)
            return "kind 'variance' needs a residual variance, and this model has none";

        if (needsData && data is null)
            return $"kind '{name}' needs the data the model was fitted to";
        if (!needsData) return null;

        var rows = ModelRows.Build(fit, data!);
        switch (kind)
        {
            case PlotKind.Shrinkage:
                if (!Factors(fit, options).Any(g => g.Terms.Any(t => rows.ColumnValues(t) is not null)))
                    return "kind 'shrinkage' needs a random intercept or a random slope on a numeric column, e.g. (1 | g) or (1 + x | g)";
                break;
            case PlotKind.Intercepts:
                if (LinesPlot.FindCovariate(rows, options, randomSlopes: false) is null)
                    return options.Covariate is { } covariate
                        ? $"kind 'intercepts': '{covariate}' is not a numeric column with a fixed effect in the model"
                        : "kind 'intercepts' needs a numeric covariate in the fixed part, e.g. y ~ x + (1 | g)";
                break;
            case PlotKind.Slopes:
                if (LinesPlot.FindCovariate(rows, options, randomSlopes: true) is null)
                    return options.Covariate is { } covariate
                        ? $"kind 'slopes': the model has no random slope on the numeric column '{covariate}'"
                        : "kind 'slopes' needs a random slope on a numeric column, e.g. (1 + x | g)";
                break;
        }
        return null;
    }

    /// <summary>The kinds that apply to the model (those for which <see cref="WhyNot"/> is null).</summary>
    /// <param name="fit">The fitted model.</param>
    /// <param name="data">The table the model was fitted to, or null (then the kinds that need data are left out).</param>
    /// <param name="posterior">Posterior draws of the model, or null (then trace and density are left out).</param>
    public static IReadOnlyList<PlotKind> ApplicableKinds(MixedModelFit fit, DataTable? data, McmcResult? posterior = null) =>
        PlotKinds.All.Where(kind => WhyNot(fit, data, kind, posterior: posterior) is null).ToList();

    /// <summary>The grouping factors to consider: the one named in the options, or all in the fit's order.</summary>
    internal static IEnumerable<GroupRandomEffects> Factors(MixedModelFit fit, PlotOptions options)
    {
        var ordered = fit.GroupCounts.Select(g => g.Group).Where(fit.RandomEffects.ContainsKey)
            .Concat(fit.RandomEffects.Keys).Distinct();
        return ordered.Where(g => options.Group is null || g == options.Group).Select(g => fit.RandomEffects[g]);
    }

    private static bool HasRandomSlope(MixedModelFit fit, PlotOptions options) =>
        Factors(fit, options).Any(g => g.Terms.Any(t => t != "(Intercept)"));
}

/// <summary>What a figure builder gets: the fit, the aligned data (or null) and the options.</summary>
internal sealed record PlotContext(MixedModelFit Fit, ModelRows? Rows, PlotOptions Options)
{
    public bool IsLinear => Fit.Family.IsLinearMixedModel;

    /// <summary>The fixed-effect estimate named <paramref name="name"/>, or 0 when the model has none.</summary>
    public double FixedEffect(string name) => Fit.FixedEffects.FirstOrDefault(f => f.Name == name)?.Estimate ?? 0;

    public bool HasFixedEffect(string name) => Fit.FixedEffects.Any(f => f.Name == name);

    /// <summary>The formula, for subtitles.</summary>
    public string FormulaLine =>
        IsLinear ? $"{Fit.Formula}   ({(Fit.Method == EstimationMethod.Reml ? "REML" : "ML")}, n = {Fit.ObservationCount})"
                 : $"{Fit.Formula}   ({Fit.Family.Name}, {Fit.Link.Name} link, n = {Fit.ObservationCount})";

    public int Width(int fallback = 1000) => Options.Width ?? fallback;

    public int Height(int fallback) => Options.Height ?? fallback;
}
