using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using SparseLmm.Results;

namespace SparseLmm.Reporting;

/// <summary>Writes a fit as one JSON object (schemas/fit.schema.json) with the field names of the reference fits
/// (lme4's numbers exported from R): <c>schema_version</c>, <c>formula</c>, <c>family</c>, <c>link</c>, <c>method</c>, <c>nAGQ</c>, <c>nobs</c>, <c>ngroups</c>,
/// <c>fixef</c>, <c>theta</c>, <c>sigma</c>, <c>varcorr</c> (each entry with glmmTMB's <c>structure</c> and, for
/// <c>cs</c> and <c>ar1</c>, <c>rho</c>), <c>loglik</c>, <c>df</c>, <c>aic</c>, <c>bic</c>,
/// <c>deviance</c>, <c>reml_criterion</c>, <c>singular</c>, <c>ranef</c>, plus the conditional AIC (<c>caic</c>,
/// <c>caic_df</c>, <c>caic_loglik</c>, and <c>caic_note</c> when it is not computed), <c>converged</c>, <c>optimum_check</c>, <c>notes</c>,
/// <c>dropped_rows</c>, <c>aliased</c>, <c>icc</c>, <c>timing</c>, and <c>residual</c> for nlme's residual structures. Doubles are written with round-trip precision;
/// NaN and infinities as null.</summary>
internal static class FitJsonWriter
{
    /// <summary>The version of the published JSON schemas (schemas/*.schema.json) of <c>fit</c>, <c>compare</c> and
    /// <c>predict</c>: raised when a field is removed, renamed or changes meaning; fields may be added within one.</summary>
    internal const int SchemaVersion = 1;

    private const int FlushBytes = 1 << 16;

    public static string Write(MixedModelFit fit, JsonReportOptions options)
    {
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions
        {
            Indented = options.Indented,
            // Formulas contain + and ~; nothing here is embedded in HTML, so keep them readable.
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        }))
            Write(writer, fit, options);
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    public static void Write(Utf8JsonWriter writer, MixedModelFit fit, JsonReportOptions options)
    {
        ArgumentNullException.ThrowIfNull(fit);
        writer.WriteStartObject();
        writer.WriteNumber("schema_version", SchemaVersion);
        if (options.DataName is not null) writer.WriteString("data", options.DataName);
        writer.WriteString("formula", fit.Formula);
        if (options.FactorColumns is not null) StringArray(writer, "factors", options.FactorColumns);
        writer.WriteString("family", fit.Family.Name);
        writer.WriteString("link", fit.Link.Name);
        writer.WriteString("method", MethodName(fit.Method));
        writer.WriteNumber("nAGQ", fit.QuadratureNodes);
        writer.WriteNumber("nobs", fit.ObservationCount);

        writer.WriteStartObject("ngroups");
        foreach (var group in fit.GroupCounts)
            writer.WriteNumber(group.Group, group.Levels);
        writer.WriteEndObject();

        writer.WriteStartObject("fixef");
        StringArray(writer, "names", fit.FixedEffects.Select(e => e.Name));
        NumberArray(writer, "estimate", fit.FixedEffects.Select(e => e.Estimate));
        NumberArray(writer, "stderr", fit.FixedEffects.Select(e => e.StandardError));
        if (fit.FixedEffectPValues is { } pValues)
        {
            // GLMMs: Wald z tests, as glmer's summary.
            NumberArray(writer, "statistic", fit.FixedEffects.Select(e => e.Statistic));
            NumberArray(writer, "p_value", pValues);
        }
        ResidualStructureReport.WriteFixedEffectDf(writer, fit);
        options.FixedEffectExtras?.Invoke(writer);
        writer.WriteEndObject();

        NumberArray(writer, "theta", fit.Theta);
        Number(writer, "sigma", fit.Sigma);
        ResidualStructureReport.WriteJson(writer, fit);

        writer.WriteStartArray("varcorr");
        foreach (var component in fit.VarianceComponents)
        {
            writer.WriteStartObject();
            writer.WriteString("group", component.Group);
            StringArray(writer, "terms", component.Terms);
            NumberArray(writer, "sd", component.StandardDeviations);
            writer.WriteStartArray("corr");
            int k = component.Terms.Count;
            for (int a = 0; a < k; a++)
            {
                writer.WriteStartArray();
                for (int b = 0; b < k; b++)
                {
                    double value = a == b ? 1.0
                        : a < component.Correlations.Count && b < component.Correlations[a].Count ? component.Correlations[a][b]
                        : double.NaN;
                    Value(writer, value);
                }
                writer.WriteEndArray();
            }
            writer.WriteEndArray();
            writer.WriteString("structure", component.Structure.Name());
            if (component.Rho is { } rho) Number(writer, "rho", rho);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();

        Number(writer, "loglik", fit.LogLikelihood);
        writer.WriteNumber("df", fit.DegreesOfFreedom);
        Number(writer, "aic", fit.Aic);
        Number(writer, "bic", fit.Bic);
        // The conditional AIC (cAIC4's), beside AIC and BIC; null with a note when not computed.
        var caic = Inference.ConditionalAicMethods.ConditionalAic(fit, out var caicReason);
        Number(writer, "caic", caic?.Value);
        Number(writer, "caic_df", caic?.DegreesOfFreedom);
        Number(writer, "caic_loglik", caic?.ConditionalLogLikelihood);
        if (caic is null && caicReason is not null) writer.WriteString("caic_note", caicReason);
        Number(writer, "deviance", fit.Deviance);
        Number(writer, "reml_criterion", fit.RemlCriterion);
        writer.WriteBoolean("singular", fit.IsSingular);

        writer.WriteStartArray("ranef");
        foreach (var effects in OrderedRandomEffects(fit))
        {
            writer.WriteStartObject();
            writer.WriteString("group", effects.Group);
            StringArray(writer, "levels", effects.Levels);
            StringArray(writer, "terms", effects.Terms);
            Matrix(writer, "values", effects.Values);
            Matrix(writer, "condsd", effects.ConditionalStandardDeviations);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();

        writer.WriteBoolean("converged", fit.Converged);
        if (!string.IsNullOrEmpty(fit.OptimizerMessage)) writer.WriteString("optimizer_message", fit.OptimizerMessage);
        if (fit.OptimumCheck is { } check)
        {
            writer.WriteStartObject("optimum_check");
            Number(writer, "relative_step", check.RelativeStep);
            Number(writer, "max_gradient", check.MaxGradient);
            Number(writer, "eigenvalue_ratio", check.EigenvalueRatio);
            writer.WriteNumber("parameters_at_bound", check.ParametersAtBound);
            writer.WriteNumber("evaluations", check.Evaluations);
            writer.WriteBoolean("passed", check.Passed);
            writer.WriteEndObject();
        }
        StringArray(writer, "notes", SummaryWriter.NotesFor(fit));
        writer.WriteNumber("dropped_rows", fit.DroppedRowCount);
        StringArray(writer, "aliased", fit.AliasedFixedEffects);
        Number(writer, "icc", fit.IntraclassCorrelation);

        writer.WriteStartObject("timing");
        Number(writer, "read_ms", options.ReadMilliseconds);
        Number(writer, "fit_ms", options.FitMilliseconds ?? fit.Timing.FitMilliseconds);
        writer.WriteNumber("evaluations", fit.Timing.Evaluations);
        if (options.Repeats is int repeats) writer.WriteNumber("repeats", repeats);
        if (fit.Timing.Factor is { } factor)
        {
            writer.WriteStartObject("factor");
            writer.WriteString("structure", factor.Kind);
            writer.WriteNumber("random_effects", factor.RandomEffects);
            writer.WriteNumber("values", factor.FactorValues);
            writer.WriteNumber("supernodes", factor.Supernodes);
            writer.WriteNumber("flops", factor.Flops);
            StringArray(writer, "nesting", factor.Nesting);
            writer.WriteEndObject();
        }
        writer.WriteEndObject();

        options.Extras?.Invoke(writer);
        writer.WriteEndObject();
        writer.Flush();
    }

    /// <summary>The method's name in the reference files: REML, ML, Laplace, AGQ.</summary>
    internal static string MethodName(EstimationMethod method) => method switch
    {
        EstimationMethod.Reml => "REML",
        EstimationMethod.MaximumLikelihood => "ML",
        EstimationMethod.Laplace => "Laplace",
        EstimationMethod.AdaptiveGaussHermite => "AGQ",
        _ => method.ToString(),
    };

    /// <summary>Random effects in the order of the grouping factors (as in <c>ngroups</c>), then any others.</summary>
    private static IEnumerable<GroupRandomEffects> OrderedRandomEffects(MixedModelFit fit)
    {
        var done = new HashSet<string>(StringComparer.Ordinal);
        foreach (var group in fit.GroupCounts)
            if (done.Add(group.Group) && fit.RandomEffects.TryGetValue(group.Group, out var effects))
                yield return effects;
        foreach (var (name, effects) in fit.RandomEffects.OrderBy(p => p.Key, StringComparer.Ordinal))
            if (done.Add(name))
                yield return effects;
    }

    private static void Value(Utf8JsonWriter writer, double value)
    {
        if (double.IsFinite(value)) writer.WriteNumberValue(value);
        else writer.WriteNullValue();
    }

    private static void Number(Utf8JsonWriter writer, string name, double? value)
    {
        if (value is double v && double.IsFinite(v)) writer.WriteNumber(name, v);
        else writer.WriteNull(name);
    }

    private static void NumberArray(Utf8JsonWriter writer, string name, IEnumerable<double> values)
    {
        writer.WriteStartArray(name);
        foreach (var value in values) Value(writer, value);
        writer.WriteEndArray();
    }

    private static void StringArray(Utf8JsonWriter writer, string name, IEnumerable<string> values)
    {
        writer.WriteStartArray(name);
        foreach (var value in values) writer.WriteStringValue(value);
        writer.WriteEndArray();
    }

    private static void Matrix(Utf8JsonWriter writer, string name, IReadOnlyList<IReadOnlyList<double>> rows)
    {
        writer.WriteStartArray(name);
        foreach (var row in rows)
        {
            writer.WriteStartArray();
            foreach (var value in row) Value(writer, value);
            writer.WriteEndArray();
            // A writer over a stream holds everything until flushed: with a million levels that is hundreds of MB.
            if (writer.BytesPending > FlushBytes) writer.Flush();
        }
        writer.WriteEndArray();
    }
}
