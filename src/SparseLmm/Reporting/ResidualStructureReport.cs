using System.Text;
using System.Text.Json;
using SparseLmm.Results;

namespace SparseLmm.Reporting;

/// <summary>The residual structure of a fit in the summary (as nlme's <c>summary.lme</c> prints it) and in the JSON
/// (<c>residual.variance</c>, <c>residual.correlation</c>); nothing for a fit without one.</summary>
internal static class ResidualStructureReport
{
    /// <summary>nlme's "Correlation Structure" and "Variance function" paragraphs, and the t tests' df.</summary>
    public static void AppendSummary(StringBuilder output, MixedModelFit fit)
    {
        if (fit.FixedEffectDegreesOfFreedom is { } df)
            output.Append($"Fixed-effect t tests on nlme's containment df: {string.Join(", ", fit.FixedEffects.Select((e, j) => $"{e.Name} {df[j]}"))}\n");
        if (fit.ResidualCorrelation is { } correlation)
        {
            output.Append("\nCorrelation Structure: AR(1)\n");
            output.Append($" Formula: ~{correlation.OrderBy ?? "1"} | {correlation.Group}\n");
            output.Append($" Parameter estimate(s):\n   Phi\n {RNumberFormat.Format(correlation.Rho, 4)}\n");
        }
        if (fit.ResidualVariance is { } variance)
        {
            output.Append("\nVariance function:\n Structure: Different standard deviations per stratum\n");
            output.Append($" Formula: ~1 | {variance.Group}\n Parameter estimates:\n");
            var values = RNumberFormat.Format(variance.Ratios.ToArray(), 7);
            var widths = variance.Levels.Select((level, i) => Math.Max(level.Length, values[i].Length)).ToArray();
            output.Append(string.Join(" ", variance.Levels.Select((level, i) => level.PadLeft(widths[i])))).Append('\n');
            output.Append(string.Join(" ", values.Select((value, i) => value.PadLeft(widths[i])))).Append('\n');
        }
    }

    /// <summary>In <c>fixef</c>: nlme's containment <c>df</c> of the t tests and <c>ddf_method</c> "nlme", when computed.</summary>
    public static void WriteFixedEffectDf(Utf8JsonWriter writer, MixedModelFit fit)
    {
        if (fit.FixedEffectDegreesOfFreedom is not { } df) return;
        writer.WriteStartArray("df");
        foreach (var value in df) writer.WriteNumberValue(value);
        writer.WriteEndArray();
        writer.WriteString("ddf_method", "nlme");
    }

    /// <summary>The <c>residual</c> object: <c>variance = {structure: "varIdent", group, levels, ratios}</c> and
    /// <c>correlation = {structure: "corAR1", order_by, group, rho}</c>, each when fitted.</summary>
    public static void WriteJson(Utf8JsonWriter writer, MixedModelFit fit)
    {
        if (fit.ResidualVariance is null && fit.ResidualCorrelation is null) return;
        writer.WriteStartObject("residual");
        if (fit.ResidualVariance is { } variance)
        {
            writer.WriteStartObject("variance");
            writer.WriteString("structure", "varIdent");
            writer.WriteString("group", variance.Group);
            writer.WriteStartArray("levels");
            foreach (var level in variance.Levels) writer.WriteStringValue(level);
            writer.WriteEndArray();
            writer.WriteStartArray("ratios");
            foreach (var ratio in variance.Ratios) writer.WriteNumberValue(ratio);
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        if (fit.ResidualCorrelation is { } correlation)
        {
            writer.WriteStartObject("correlation");
            writer.WriteString("structure", "corAR1");
            if (correlation.OrderBy is { } order) writer.WriteString("order_by", order);
            else writer.WriteNull("order_by");
            writer.WriteString("group", correlation.Group);
            writer.WriteNumber("rho", correlation.Rho);
            writer.WriteEndObject();
        }
        writer.WriteEndObject();
    }
}
