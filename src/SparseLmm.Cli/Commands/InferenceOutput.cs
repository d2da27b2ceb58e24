using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using SparseLmm.Data;
using SparseLmm.Inference;
using SparseLmm.Results;

namespace SparseLmm.Cli.Commands;

/// <summary>Adds inference to the output of <c>fit</c>: df and p-values of the fixed effects (<c>--ddf</c>), Wald
/// intervals, and profile or bootstrap intervals (<c>--ci</c>, <c>--level</c>, <c>--nsim</c>, <c>--seed</c>).</summary>
internal static class InferenceOutput
{
    /// <summary>The inference asked for (or defaulted) for a linear fit; null for a GLMM (which refuses the options).</summary>
    /// <param name="progress">Shows which step runs (df, profile) and the bootstrap's count.</param>
    /// <param name="cancellation">Stops the df, the profile and the bootstrap.</param>
    public static InferenceOutcome? Compute(FitSettings settings, MixedModelFit fit, ProgressIndicator progress, CancellationToken cancellation)
    {
        bool linear = fit.Family.IsLinearMixedModel && fit.Method is EstimationMethod.Reml or EstimationMethod.MaximumLikelihood;
        if (!linear)
        {
            if (settings.Ddf is not null || settings.Ci is not null and not "wald")
                throw new UsageException("--ddf and --ci profile/boot apply to linear mixed models (gaussian family)");
            return null;
        }
        if (fit.ResidualVariance is not null || fit.ResidualCorrelation is not null)
        {
            // lme4's df and intervals assume independent residuals of one variance.
            if (settings.Ddf is not null || settings.Ci is not null || settings.Level is not null)
                throw new UsageException("--ddf, --ci and --level do not apply to a model with --variance or --correlation (a residual structure)");
            return null;
        }
        var intervals = settings.Ci?.ToLowerInvariant() switch
        {
            null or "wald" or "none" => IntervalMethod.Wald,
            "profile" => IntervalMethod.Profile,
            "boot" or "bootstrap" => IntervalMethod.Bootstrap,
            _ => throw new UsageException($"unknown --ci '{settings.Ci}' (use wald, profile or boot)"),
        };
        int replicates = settings.Nsim ?? 1000;
        var inference = FitInference.Compute(fit, new InferenceOptions(
            Ddf: settings.Ddf is null ? null : FixedEffectTests.ParseMethod(settings.Ddf),
            Intervals: intervals,
            Level: ParseLevel(settings.Level),
            BootstrapReplicates: replicates,
            Seed: settings.Seed ?? 1),
            new Stages(progress, replicates), progress.Counter("boot", replicates), cancellation);
        return new InferenceOutcome(inference, settings.Seed ?? 1);
    }

    /// <summary>Shows the library's inference steps on the progress line; the bootstrap starts at its count, 0/N.</summary>
    private sealed class Stages(ProgressIndicator progress, int replicates) : IProgress<string>
    {
        public void Report(string value) => progress.SetPhase(value == "boot" ? $"boot 0/{replicates}" : value);
    }

    internal static double ParseLevel(string? text)
    {
        if (text is null) return 0.95;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double level) || !(level > 0 && level < 1))
            throw new UsageException($"option --level: '{text}' is not a number between 0 and 1");
        return level;
    }

    internal static JsonNode? Number(double value) => double.IsFinite(value) ? JsonValue.Create(value) : null;

    internal static JsonArray Numbers(IEnumerable<double> values) => new(values.Select(Number).ToArray());

    internal static string Serialize(JsonNode node) => node.ToJsonString(new JsonSerializerOptions
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    }) + "\n";
}

/// <summary>Inference for a linear fit, ready to add to the JSON report.</summary>
internal sealed record InferenceOutcome(FitInference Inference, int Seed)
{
    /// <summary>The fit to report: with Kenward–Roger's adjusted SEs, and a note when the df were skipped.</summary>
    public MixedModelFit Reported => Inference.ReportedFit;

    private MixedModelFit Original => Inference.Fit;
    private IReadOnlyList<FixedEffectTest> Tests => Inference.FixedEffectTests;
    private DdfMethod Method => Inference.Method;
    private ConfidenceIntervals Wald => Inference.WaldIntervals;
    private ConfidenceIntervals? Extra => Inference.Intervals;
    private BootstrapResult? Bootstrap => Inference.Bootstrap;
    private IntraclassCorrelation? Icc => Inference.IntraclassCorrelation;

    /// <summary>The lme4-style summary with df, p-values and intervals.</summary>
    public string Summary(string? dataName) => Inference.Summary(dataName);

    /// <summary>Members added to <c>fixef</c>: df, statistic, p, the df method, and the unadjusted SEs under Kenward–Roger.</summary>
    public void WriteFixedEffects(Utf8JsonWriter writer)
    {
        if (Method == DdfMethod.KenwardRoger) Numbers(writer, "stderr_unadjusted", Original.FixedEffects.Select(e => e.StandardError));
        Numbers(writer, "df", Tests.Select(t => t.Df));
        Numbers(writer, "statistic", Tests.Select(t => t.Statistic));
        Numbers(writer, "p_value", Tests.Select(t => t.PValue));
        writer.WriteString("ddf_method", Method switch
        {
            DdfMethod.Satterthwaite => "satterthwaite",
            DdfMethod.KenwardRoger => "kenward-roger",
            _ => "none",
        });
    }

    /// <summary>Top-level members: Wald intervals, profile or bootstrap intervals, the ICC's interval.</summary>
    public void WriteExtras(Utf8JsonWriter writer)
    {
        Intervals(writer, "wald_ci", Wald);
        if (Extra is not null)
        {
            Intervals(writer, Extra.Method == "boot" ? "boot_ci" : "profile_ci", Extra);
            if (Bootstrap is not null)
            {
                writer.WriteStartObject("boot");
                writer.WriteNumber("nsim", Bootstrap.Replicates.Count);
                writer.WriteNumber("seed", Seed);
                writer.WriteNumber("not_converged", Bootstrap.NotConverged);
                writer.WriteEndObject();
            }
        }
        if (Icc is not null)
        {
            writer.WriteStartObject("icc_ci");
            Number(writer, "estimate", Icc.Estimate);
            Number(writer, "lower", Icc.Lower);
            Number(writer, "upper", Icc.Upper);
            writer.WriteNumber("level", Icc.Level);
            writer.WriteString("method", Icc.Method);
            writer.WriteEndObject();
        }
    }

    private static void Intervals(Utf8JsonWriter writer, string name, ConfidenceIntervals intervals)
    {
        writer.WriteStartObject(name);
        writer.WriteStartArray("names");
        foreach (var n in intervals.Names) writer.WriteStringValue(n);
        writer.WriteEndArray();
        Numbers(writer, "lower", intervals.Lower);
        Numbers(writer, "upper", intervals.Upper);
        writer.WriteNumber("level", intervals.Level);
        writer.WriteString("method", intervals.Method.ToLowerInvariant());
        writer.WriteEndObject();
    }

    private static void Numbers(Utf8JsonWriter writer, string name, IEnumerable<double> values)
    {
        writer.WriteStartArray(name);
        foreach (var value in values)
        {
            if (double.IsFinite(value)) writer.WriteNumberValue(value);
            else writer.WriteNullValue();
        }
        writer.WriteEndArray();
    }

    private static void Number(Utf8JsonWriter writer, string name, double value)
    {
        if (double.IsFinite(value)) writer.WriteNumber(name, value);
        else writer.WriteNull(name);
    }
}
