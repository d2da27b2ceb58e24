using System.Text.Json;

namespace SparseLmm.Tests.Reference;

/// <summary>The reference tolerance check over two JSON documents with the reference field names (the CLI's --json
/// output is the candidate), strict: no early exit for a better log-likelihood,
/// and a missing group, level or term of the conditional modes is a mismatch.</summary>
public static class FitComparison
{
    /// <summary>Mismatches between a candidate and a reference (empty when the candidate passes).</summary>
    public static IReadOnlyList<string> Mismatches(JsonElement reference, JsonElement candidate)
    {
        var bad = new List<string>();
        double loglikReference = reference.GetProperty("loglik").GetDouble();
        double loglik = candidate.GetProperty("loglik").GetDouble();
        // A better log-likelihood is no excuse: every field is compared, so a fit that found
        // a different optimum (or a wrong one that happens to score higher) is reported.
        if (Math.Abs(loglik - loglikReference) > 2e-3) bad.Add($"loglik {loglik} vs {loglikReference}");
        if (candidate.GetProperty("nobs").GetInt32() != reference.GetProperty("nobs").GetInt32()) bad.Add("nobs");

        var fixedReference = reference.GetProperty("fixef");
        var fixedCandidate = candidate.GetProperty("fixef");
        var names = Strings(fixedReference.GetProperty("names"));
        var estimates = Doubles(fixedCandidate.GetProperty("estimate"));
        var errors = Doubles(fixedCandidate.GetProperty("stderr"));
        var referenceEstimates = Doubles(fixedReference.GetProperty("estimate"));
        var referenceErrors = Doubles(fixedReference.GetProperty("stderr"));
        if (estimates.Count != referenceEstimates.Count) bad.Add($"fixef length {estimates.Count} vs {referenceEstimates.Count}");
        else
        {
            for (int i = 0; i < estimates.Count; i++)
            {
                if (Math.Abs(estimates[i] - referenceEstimates[i]) > 2e-3 * referenceErrors[i] + 1e-6 * Math.Max(1, Math.Abs(referenceEstimates[i])))
                    bad.Add($"fixef {names[i]} {estimates[i]} vs {referenceEstimates[i]}");
                if (Math.Abs(errors[i] - referenceErrors[i]) > 2e-3 * Math.Abs(referenceErrors[i]) + 1e-9)
                    bad.Add($"stderr {names[i]} {errors[i]} vs {referenceErrors[i]}");
            }
        }

        var referenceSigma = reference.GetProperty("sigma");
        double scale = reference.GetProperty("varcorr").EnumerateArray().SelectMany(g => Doubles(g.GetProperty("sd")))
            .Append(referenceSigma.ValueKind == JsonValueKind.Number ? referenceSigma.GetDouble() : 0).Append(1e-12).Max();
        var candidateGroups = candidate.GetProperty("varcorr").EnumerateArray().ToList();
        var used = new Dictionary<string, int>();
        var sdsByGroup = new Dictionary<string, Dictionary<string, double>>();
        foreach (var group in reference.GetProperty("varcorr").EnumerateArray())
        {
            var key = NormalizeGroup(group.GetProperty("group").GetString()!);
            var terms = Strings(group.GetProperty("terms"));
            var sds = Doubles(group.GetProperty("sd"));
            var byTerm = sdsByGroup.TryGetValue(key, out var existing) ? existing : sdsByGroup[key] = new();
            for (int i = 0; i < terms.Count; i++) byTerm[terms[i]] = sds[i];
            var sameGroup = candidateGroups.Where(c => NormalizeGroup(c.GetProperty("group").GetString()!) == key).ToList();
            int k = used.GetValueOrDefault(key);
            used[key] = k + 1;
            var match = sameGroup.FirstOrDefault(c => Strings(c.GetProperty("terms")).SequenceEqual(terms));
            if (match.ValueKind == JsonValueKind.Undefined && k < sameGroup.Count) match = sameGroup[k];
            if (match.ValueKind == JsonValueKind.Undefined) { bad.Add($"group {key} missing"); continue; }
            var candidateSds = Doubles(match.GetProperty("sd"));
            for (int i = 0; i < sds.Count; i++)
                if (Math.Abs(candidateSds[i] - sds[i]) > 2e-3 * scale) bad.Add($"sd {key}/{terms[i]} {candidateSds[i]} vs {sds[i]}");
            if (terms.Count > 1)
            {
                var correlations = group.GetProperty("corr");
                var candidateCorrelations = match.GetProperty("corr");
                double tolerance = sds.Max() > 1e-6 * scale ? 2e-3 : 1.0;
                for (int i = 0; i < terms.Count; i++)
                    for (int j = 0; j < i; j++)
                        if (Math.Abs(candidateCorrelations[i][j].GetDouble() - correlations[i][j].GetDouble()) > tolerance)
                            bad.Add($"corr {key} [{i},{j}]");
            }
        }
        if (referenceSigma.ValueKind == JsonValueKind.Number &&
            Math.Abs(candidate.GetProperty("sigma").GetDouble() - referenceSigma.GetDouble()) > 2e-3 * scale)
            bad.Add($"sigma {candidate.GetProperty("sigma")} vs {referenceSigma}");

        var candidateRanef = candidate.TryGetProperty("ranef", out var ranef) && ranef.ValueKind == JsonValueKind.Array
            ? ranef.EnumerateArray().ToDictionary(r => NormalizeGroup(r.GetProperty("group").GetString()!))
            : new Dictionary<string, JsonElement>();
        foreach (var group in reference.GetProperty("ranef").EnumerateArray())
        {
            var key = NormalizeGroup(group.GetProperty("group").GetString()!);
            if (!candidateRanef.TryGetValue(key, out var mine))
            {
                bad.Add($"ranef {key} missing");
                continue;
            }
            var levels = Strings(mine.GetProperty("levels"));
            var myTerms = Strings(mine.GetProperty("terms"));
            var referenceLevels = Strings(group.GetProperty("levels"));
            var referenceTerms = Strings(group.GetProperty("terms"));
            double worst = 0;
            for (int i = 0; i < referenceLevels.Count; i++)
            {
                int j = levels.IndexOf(referenceLevels[i]);
                if (j < 0) { bad.Add($"ranef {key} level {referenceLevels[i]} missing"); break; }
                for (int t = 0; t < referenceTerms.Count; t++)
                {
                    int tj = myTerms.IndexOf(referenceTerms[t]);
                    if (tj < 0)
                    {
                        bad.Add($"ranef {key} term {referenceTerms[t]} missing");
                        break;
                    }
                    double tolerance = 5e-3 * Math.Max(sdsByGroup[key].GetValueOrDefault(referenceTerms[t]), 1e-3 * scale);
                    double difference = Math.Abs(mine.GetProperty("values")[j][tj].GetDouble() - group.GetProperty("values")[i][t].GetDouble());
                    worst = Math.Max(worst, difference / tolerance);
                }
            }
            if (worst > 1) bad.Add($"ranef {key} off by {worst:F1}x tolerance");
        }
        return bad;
    }

    private static string NormalizeGroup(string name) => string.Join(":", name.Split(':').Order(StringComparer.Ordinal));

    private static List<string> Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!).ToList();

    private static List<double> Doubles(JsonElement value) =>
        value.ValueKind == JsonValueKind.Array ? value.EnumerateArray().Select(e => e.GetDouble()).ToList() : [value.GetDouble()];
}
