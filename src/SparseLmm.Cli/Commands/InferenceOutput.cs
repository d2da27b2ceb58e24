using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using SparseLmm.Data;
using SparseLmm.Inference;
using SparseLmm.Results;

namespace SparseLmm.Cli;

/// <summary>Adds inference to the output of <c>fit</c>: df and p-values of the fixed effects (<c>--ddf</c>), Wald
/// intervals, and profile or bootstrap intervals (<c>--ci</c>, <c>--level</c>, <c>--nsim</c>, <c>--seed</c>).</summary>
internal static class InferenceOutput
{
    private const int SatterthwaiteDefaultMaximumRows = 50_000;

    public static string Apply(string output, FitSettings settings, MixedModelFit fit, DataTable data, FitOptions options)
    {
        bool linear = fit.Family == "gaussian" && fit.Method is EstimationMethod.Reml or EstimationMethod.MaximumLikelihood;
        if (!linear)
        {
            if (settings.Ddf is not null || settings.Ci is not null and not "wald")
                throw new UsageException("--ddf and --ci profile/boot apply to linear mixed models (gaussian family)");
            return output;
        }
        // Satterthwaite's df cost about as many objective evaluations as the fit itself; past this size they are in
        // the hundreds or more, so t and z p-values agree and the default skips them (and says so).
        bool large = fit.ObservationCount > SatterthwaiteDefaultMaximumRows;
        var method = FixedEffectTests.ParseMethod(settings.Ddf ?? (large ? "none" : "satterthwaite"));
        double level = ParseLevel(settings.Level);
        FittedMixedModel? fitted = null;
        FittedMixedModel Model() => fitted ??= FittedMixedModel.For(fit, data, options);
        var tests = method == DdfMethod.None ? FixedEffectTests.Asymptotic(fit) : FixedEffectTests.Compute(Model(), method);
        if (settings.Ddf is null && large)
            fit = fit with { Notes = [.. fit.Notes, $"fixed-effect p-values use the normal distribution ({fit.ObservationCount} observations); --ddf satterthwaite computes Satterthwaite df"] };
        var wald = ConfidenceIntervalMethods.Wald(fit, level);
        ConfidenceIntervals? extra = null;
        BootstrapResult? bootstrap = null;
        switch (settings.Ci?.ToLowerInvariant())
        {
            case null or "wald" or "none":
                break;
            case "profile":
                extra = ConfidenceIntervalMethods.Profile(Model(), level);
                break;
            case "boot" or "bootstrap":
                bootstrap = Simulation.Bootstrap(Model(), settings.Nsim ?? 1000, settings.Seed ?? 1);
                extra = Simulation.PercentileIntervals(bootstrap, level);
                break;
            default:
                throw new UsageException($"unknown --ci '{settings.Ci}' (use wald, profile or boot)");
        }
        IntraclassCorrelation? icc = null;
        if (extra is not null && fit.IntraclassCorrelation is not null)
            icc = VarianceDecomposition.Icc(Model(), level, bootstrap);

        if (!settings.Json)
            return InferenceReport.Summary(fit, settings.Data, tests, method,
                extra is null ? [wald] : [extra], icc);

        var root = JsonNode.Parse(output)!.AsObject();
        if (root["notes"] is JsonArray notes)
            foreach (var note in fit.Notes.Skip(notes.Count)) notes.Add(note);
        var fixef = root["fixef"]!.AsObject();
        if (method == DdfMethod.KenwardRoger)
        {
            fixef["stderr_unadjusted"] = fixef["stderr"]?.DeepClone();
            fixef["stderr"] = Numbers(tests.Select(t => t.StandardError));
        }
        fixef["df"] = Numbers(tests.Select(t => t.Df));
        fixef["statistic"] = Numbers(tests.Select(t => t.Statistic));
        fixef["p"] = Numbers(tests.Select(t => t.PValue));
        fixef["ddf_method"] = method switch
        {
            DdfMethod.Satterthwaite => "satterthwaite",
            DdfMethod.KenwardRoger => "kenward-roger",
            _ => "none",
        };
        root["wald_ci"] = Intervals(wald);
        if (extra is not null)
        {
            root[extra.Method == "boot" ? "boot_ci" : "profile_ci"] = Intervals(extra);
            if (bootstrap is not null)
            {
                root["boot"] = new JsonObject
                {
                    ["nsim"] = bootstrap.Replicates.Count,
                    ["seed"] = settings.Seed ?? 1,
                    ["not_converged"] = bootstrap.NotConverged,
                };
            }
        }
        if (icc is not null)
            root["icc_ci"] = new JsonObject
            {
                ["estimate"] = Number(icc.Estimate), ["lower"] = Number(icc.Lower), ["upper"] = Number(icc.Upper),
                ["level"] = icc.Level, ["method"] = icc.Method,
            };
        return Serialize(root);
    }

    internal static double ParseLevel(string? text)
    {
        if (text is null) return 0.95;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double level) || !(level > 0 && level < 1))
            throw new UsageException($"option --level: '{text}' is not a number between 0 and 1");
        return level;
    }

    internal static JsonObject Intervals(ConfidenceIntervals ci) => new()
    {
        ["names"] = new JsonArray(ci.Names.Select(n => (JsonNode)JsonValue.Create(n)!).ToArray()),
        ["lower"] = Numbers(ci.Lower),
        ["upper"] = Numbers(ci.Upper),
        ["level"] = ci.Level,
        ["method"] = ci.Method,
    };

    internal static JsonNode? Number(double value) => double.IsFinite(value) ? JsonValue.Create(value) : null;

    internal static JsonArray Numbers(IEnumerable<double> values) => new(values.Select(Number).ToArray());

    internal static string Serialize(JsonNode node) => node.ToJsonString(new JsonSerializerOptions
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    }) + "\n";
}
