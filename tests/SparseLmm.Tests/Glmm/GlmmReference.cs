using System.Text.Json;
using SparseLmm.Results;

namespace SparseLmm.Tests.Glmm;

/// <summary>Loads the lme4 reference fits in data/reference and compares a fit with one at the tolerances of
/// the project's reference comparison (without an exit for a better log-likelihood): log-likelihood within 2e-3, fixed effects within 2e-3 of their standard
/// error, standard errors within 2e-3 relative, SDs within 2e-3 of the largest SD, conditional modes within 5e-3 of
/// their term's SD.</summary>
internal static class GlmmReference
{
    public static string DataPath(string file) => Path.Combine(AppContext.BaseDirectory, "data", "csv", file);

    public static JsonElement Load(string name) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "data", "reference", name))).RootElement;

    /// <summary>Every mismatch, one line each; empty when the fit matches.</summary>
    public static List<string> Compare(JsonElement reference, MixedModelFit fit)
    {
        var problems = new List<string>();
        double loglik = reference.GetProperty("loglik").GetDouble();
        // No early exit for a better log-likelihood: every field is compared.
        if (Math.Abs(fit.LogLikelihood - loglik) > 2e-3) problems.Add($"loglik {fit.LogLikelihood} vs {loglik}");
        if (fit.ObservationCount != reference.GetProperty("nobs").GetInt32()) problems.Add("nobs");

        var fixef = reference.GetProperty("fixef");
        var names = Strings(fixef.GetProperty("names"));
        var estimates = Doubles(fixef.GetProperty("estimate"));
        var errors = Doubles(fixef.GetProperty("stderr"));
        if (fit.FixedEffects.Count != names.Length) problems.Add("fixef length");
        for (int j = 0; j < Math.Min(names.Length, fit.FixedEffects.Count); j++)
        {
            var effect = fit.FixedEffects[j];
            if (effect.Name != names[j]) problems.Add($"fixef name {effect.Name} vs {names[j]}");
            if (Math.Abs(effect.Estimate - estimates[j]) > 2e-3 * errors[j] + 1e-6 * Math.Max(1, Math.Abs(estimates[j])))
                problems.Add($"fixef {names[j]} {effect.Estimate} vs {estimates[j]}");
            if (Math.Abs(effect.StandardError - errors[j]) > 2e-3 * errors[j] + 1e-9)
                problems.Add($"stderr {names[j]} {effect.StandardError} vs {errors[j]}");
        }

        var varcorr = reference.GetProperty("varcorr").EnumerateArray().ToList();
        double sigma = reference.GetProperty("sigma").ValueKind == JsonValueKind.Number ? reference.GetProperty("sigma").GetDouble() : 0;
        double scale = Math.Max(1e-12, Math.Max(sigma, varcorr.Max(g => Doubles(g.GetProperty("sd")).Max())));
        var sdByTerm = new Dictionary<(string, string), double>();
        foreach (var group in varcorr)
        {
            var groupName = group.GetProperty("group").GetString()!;
            var terms = Strings(group.GetProperty("terms"));
            var sds = Doubles(group.GetProperty("sd"));
            var match = fit.VarianceComponents.FirstOrDefault(c => c.Group == groupName && c.Terms.SequenceEqual(terms));
            if (match is null)
            {
                problems.Add($"group {groupName} missing");
                continue;
            }
            for (int t = 0; t < terms.Length; t++)
            {
                sdByTerm[(groupName, terms[t])] = sds[t];
                if (Math.Abs(match.StandardDeviations[t] - sds[t]) > 2e-3 * scale)
                    problems.Add($"sd {groupName}/{terms[t]} {match.StandardDeviations[t]} vs {sds[t]}");
            }
        }
        if (sigma > 0 && (fit.Sigma is null || Math.Abs(fit.Sigma.Value - sigma) > 2e-3 * scale))
            problems.Add($"sigma {fit.Sigma} vs {sigma}");
        if (sigma == 0 && fit.Sigma is not null) problems.Add($"sigma {fit.Sigma} reported, reference has none");

        foreach (var group in reference.GetProperty("ranef").EnumerateArray())
        {
            var groupName = group.GetProperty("group").GetString()!;
            if (!fit.RandomEffects.TryGetValue(groupName, out var effects))
            {
                problems.Add($"ranef {groupName} missing");
                continue;
            }
            var levels = Strings(group.GetProperty("levels"));
            var terms = Strings(group.GetProperty("terms"));
            var values = group.GetProperty("values").EnumerateArray().Select(Doubles).ToList();
            double worst = 0;
            for (int l = 0; l < levels.Length; l++)
            {
                for (int t = 0; t < terms.Length; t++)
                {
                    double tolerance = 5e-3 * Math.Max(sdByTerm.GetValueOrDefault((groupName, terms[t])), 1e-3 * scale);
                    worst = Math.Max(worst, Math.Abs(effects[levels[l], terms[t]] - values[l][t]) / tolerance);
                }
            }
            if (worst > 1) problems.Add($"ranef {groupName} off by {worst:F1}x tolerance");
        }
        return problems;
    }

    private static double[] Doubles(JsonElement array) => array.EnumerateArray().Select(e => e.GetDouble()).ToArray();

    private static string[] Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!).ToArray();
}
