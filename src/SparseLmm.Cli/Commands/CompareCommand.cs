using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using SparseLmm.Data;
using SparseLmm.Inference;

namespace SparseLmm.Cli.Commands;

/// <summary><c>sparselmm compare DATA SMALL BIG [--json] [--factor COL]...</c>: the likelihood-ratio test of nested
/// models, both fitted by ML.</summary>
internal static class CompareCommand
{
    public static int Run(FitSettings settings, IReadOnlyList<string> positional, TextWriter stdout, TextWriter stderr, bool interactive)
    {
        // --family, --link, --nagq and --weights as for fit (a GLMM comparison); both models are fitted by ML.
        var options = FitCommand.Validate(settings) with { Reml = settings.Reml };
        LikelihoodRatioTest test;
        DataTable data;
        using (var progress = new ProgressIndicator(stderr, interactive, "reading data"))
        {
            data = MixedModel.LoadData(positional[0], settings.Threads);
            progress.SetPhase("fitting both models by ML");
            test = ModelComparison.Compare(data, positional[1], positional[2], options);
        }
        int dropped = data.RowCount - test.ObservationCount;
        if (dropped > 0)
            stderr.WriteLine($"sparselmm: note: {dropped} row{(dropped == 1 ? "" : "s")} dropped for missing values in either model's columns; {test.ObservationCount} used by both");
        if (settings.Reml) stderr.WriteLine("sparselmm: note: refitting models with ML (instead of REML) for the likelihood-ratio test");
        stdout.Write(settings.Json ? Json(test, positional[0], settings) : Text(test));
        stdout.Flush();
        if (!test.Converged)
        {
            stderr.WriteLine($"sparselmm: warning: {string.Join("; ", test.Notes.Where(n => n.Contains("did not converge", StringComparison.Ordinal)))}: the test is not reliable (exit code {CliApplication.NotConverged})");
            return CliApplication.NotConverged;
        }
        return CliApplication.Success;
    }

    private static string Json(LikelihoodRatioTest test, string dataName, FitSettings settings)
    {
        var root = new JsonObject
        {
            ["schema_version"] = Reporting.FitJsonWriter.SchemaVersion,
            ["data"] = dataName,
            ["factors"] = new JsonArray(settings.Factors.Select(f => (JsonNode)JsonValue.Create(f)!).ToArray()),
            ["small"] = test.Small,
            ["big"] = test.Big,
            ["method"] = "ML",
            ["family"] = test.Family.Name,
            ["link"] = test.Link.Name,
            ["nAGQ"] = test.QuadratureNodes ?? 1,
            ["refitted_ml"] = settings.Reml,
            ["nobs"] = test.ObservationCount,
            ["loglik_small"] = InferenceOutput.Number(test.LogLikSmall),
            ["loglik_big"] = InferenceOutput.Number(test.LogLikBig),
            ["df_small"] = test.DfSmall,
            ["df_big"] = test.DfBig,
            ["aic_small"] = InferenceOutput.Number(test.AicSmall),
            ["aic_big"] = InferenceOutput.Number(test.AicBig),
            ["bic_small"] = InferenceOutput.Number(test.BicSmall),
            ["bic_big"] = InferenceOutput.Number(test.BicBig),
            ["statistic"] = InferenceOutput.Number(test.Statistic),
            ["df"] = test.Df,
            ["p_value"] = InferenceOutput.Number(test.PValue),
            ["p_naive"] = InferenceOutput.Number(test.PNaive),
            ["p_boundary_mixture"] = test.Mixture is null ? null : InferenceOutput.Number(test.PValue),
            ["mixture"] = test.Mixture,
            ["converged"] = test.Converged,
            ["notes"] = new JsonArray(test.Notes.Select(n => (JsonNode)JsonValue.Create(n)!).ToArray()),
        };
        return InferenceOutput.Serialize(root);
    }

    private static string Text(LikelihoodRatioTest test)
    {
        static string F(double v, string format = "0.####") => v.ToString(format, CultureInfo.InvariantCulture);
        var output = new StringBuilder();
        output.Append("Likelihood-ratio test (both models fitted by maximum likelihood)\n");
        if (!test.Family.IsLinearMixedModel)
            output.Append(CultureInfo.InvariantCulture, $"family: {test.Family.Name} ({test.Link.Name}), nAGQ = {test.QuadratureNodes}\n");
        output.Append(CultureInfo.InvariantCulture, $"small: {test.Small}\nbig:   {test.Big}\n");
        output.Append(CultureInfo.InvariantCulture, $"Number of obs: {test.ObservationCount}\n\n");
        output.Append("      npar        AIC        BIC     logLik   deviance\n");
        output.Append(CultureInfo.InvariantCulture, $"small {test.DfSmall,4} {F(test.AicSmall, "0.00"),10} {F(test.BicSmall, "0.00"),10} {F(test.LogLikSmall, "0.00"),10} {F(-2 * test.LogLikSmall, "0.00"),10}\n");
        output.Append(CultureInfo.InvariantCulture, $"big   {test.DfBig,4} {F(test.AicBig, "0.00"),10} {F(test.BicBig, "0.00"),10} {F(test.LogLikBig, "0.00"),10} {F(-2 * test.LogLikBig, "0.00"),10}\n\n");
        output.Append(CultureInfo.InvariantCulture, $"Chisq = {F(test.Statistic)}, Df = {test.Df}\n");
        if (test.Mixture is not null)
        {
            output.Append(CultureInfo.InvariantCulture, $"p-value = {test.PValue.ToString("G4", CultureInfo.InvariantCulture)} (null distribution {test.Mixture}: a variance on the boundary)\n");
            output.Append(CultureInfo.InvariantCulture, $"naive p-value (chi2({test.Df})) = {test.PNaive.ToString("G4", CultureInfo.InvariantCulture)} (conservative)\n");
        }
        else
            output.Append(CultureInfo.InvariantCulture, $"p-value (chi2({test.Df})) = {test.PValue.ToString("G4", CultureInfo.InvariantCulture)}\n");
        foreach (var note in test.Notes) output.Append("note: ").Append(note).Append('\n');
        return output.ToString();
    }
}
