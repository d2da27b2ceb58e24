using System.Text.Json;
using SparseLmm.Inference;
using SparseLmm.Reporting;
using SparseLmm.Results;

// Namespace SparseLmm rather than the folder's: these extension methods sit with the entry point (MixedModel), so
// the `using SparseLmm;` a caller already has for fitting is all it needs to find them.
namespace SparseLmm;

/// <summary>What to add to a fit's JSON report beyond the fit itself.</summary>
/// <param name="DataName">The data's name or path, written as <c>data</c> when not null.</param>
/// <param name="FactorColumns">The columns made categorical (<c>--factor</c>), written as <c>factors</c> when not null.</param>
/// <param name="ReadMilliseconds">Time to read the data, written as <c>timing.read_ms</c> (null when not given).</param>
/// <param name="FitMilliseconds">Fit time to report as <c>timing.fit_ms</c> (e.g. a median over repeats); the fit's
/// own <see cref="FitTiming.FitMilliseconds"/> when null.</param>
/// <param name="Repeats">How many times the model was fitted to measure the time, written as <c>timing.repeats</c> when not null.</param>
/// <param name="Indented">Write one member per line (true, the default) or everything on one line.</param>
/// <param name="FixedEffectExtras">Writes more members into the <c>fixef</c> object (e.g. df and p-values).</param>
/// <param name="Extras">Writes more members at the end of the top-level object (e.g. confidence intervals).</param>
public sealed record JsonReportOptions(
    string? DataName = null,
    IReadOnlyList<string>? FactorColumns = null,
    double? ReadMilliseconds = null,
    double? FitMilliseconds = null,
    int? Repeats = null,
    bool Indented = true,
    Action<Utf8JsonWriter>? FixedEffectExtras = null,
    Action<Utf8JsonWriter>? Extras = null)
{
    /// <summary>No extras, indented.</summary>
    public static JsonReportOptions Default { get; } = new();
}

/// <summary>Reports on a <see cref="MixedModelFit"/>: the lme4-style text summary and the JSON form.</summary>
public static class MixedModelFitExtensions
{
    /// <summary>The summary the CLI's <c>fit</c> prints, which is what lme4's <c>summary(lmer(...))</c> prints with
    /// lmerTest's df and p-value columns: method and formula, REML criterion (or AIC, BIC, log-likelihood, deviance
    /// and residual df), scaled residual quantiles, random-effects variances, SDs and correlations, numbers of
    /// observations and groups, fixed effects with standard errors, df, t values and Pr(&gt;|t|) (Satterthwaite; z
    /// tests for a GLMM), their correlations, the ICC (when defined), the optimiser's
    /// evaluation count and any notes (rows dropped, aliased columns, singular fit, non-convergence), then the Wald
    /// intervals of the fixed effects. <c>fit.Inference(options).Summary()</c> chooses other df or intervals.</summary>
    /// <param name="fit">The fitted model.</param>
    /// <param name="dataName">The data's name, shown as <c>Data:</c> when given.</param>
    /// <returns>The text, lines separated by '\n', ending with a newline.</returns>
    public static string Summary(this MixedModelFit fit, string? dataName = null)
    {
        ArgumentNullException.ThrowIfNull(fit);
        return fit.Inference().Summary(dataName);
    }

    /// <summary>The fit's inference: fixed-effect tests with df and p-values, Wald intervals, and the profile or
    /// bootstrap intervals <paramref name="options"/> ask for.</summary>
    /// <param name="fit">The fitted model.</param>
    /// <param name="options">df method, intervals and level; <see cref="InferenceOptions.Default"/> when null.</param>
    /// <param name="cancellationToken">Stops the work: it is looked at before every factorization of the df and the
    /// profiles and before each bootstrap replicate.</param>
    /// <exception cref="InputException">The options do not apply to the fit (df or profile intervals for a GLMM).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    /// <example><code>
    /// var inference = fit.Inference(new InferenceOptions(Ddf: DdfMethod.KenwardRoger));
    /// foreach (var test in inference.FixedEffectTests) Console.WriteLine($"{test.Name}: df {test.Df:F1}, p {test.PValue:G3}");
    /// </code></example>
    public static FitInference Inference(this MixedModelFit fit, InferenceOptions? options = null, CancellationToken cancellationToken = default) =>
        FitInference.Compute(fit, options ?? InferenceOptions.Default, null, null, cancellationToken);

    /// <summary>The fit as one JSON object with the field names of lme4 reference fits (<c>formula</c>, <c>nobs</c>,
    /// <c>ngroups</c>, <c>fixef</c>, <c>theta</c>, <c>sigma</c>, <c>varcorr</c>, <c>loglik</c>, <c>ranef</c>, ...),
    /// plus <c>converged</c>, <c>notes</c>, <c>dropped_rows</c>, <c>icc</c> and <c>timing</c>.</summary>
    /// <param name="fit">The fitted model.</param>
    /// <param name="options">Extras (data name, timings) and layout; <see cref="JsonReportOptions.Default"/> when null.</param>
    public static string ToJson(this MixedModelFit fit, JsonReportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(fit);
        return FitJsonWriter.Write(fit, options ?? JsonReportOptions.Default);
    }

    /// <summary>Writes the JSON object of <see cref="ToJson"/> to <paramref name="writer"/>.</summary>
    /// <param name="fit">The fitted model.</param>
    /// <param name="writer">Where to write the object.</param>
    /// <param name="options">Extras (data name, timings); <see cref="JsonReportOptions.Default"/> when null. Layout is the writer's.</param>
    public static void WriteJson(this MixedModelFit fit, Utf8JsonWriter writer, JsonReportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(fit);
        ArgumentNullException.ThrowIfNull(writer);
        FitJsonWriter.Write(writer, fit, options ?? JsonReportOptions.Default);
    }
}
