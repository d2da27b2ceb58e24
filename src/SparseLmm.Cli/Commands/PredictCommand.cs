using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using SparseLmm.Inference;

namespace SparseLmm.Cli.Commands;

/// <summary><c>sparselmm predict DATA FORMULA --newdata FILE [--json] [--level L] [--new-levels population|error]</c>:
/// fits the model and predicts for the rows of FILE, with and without the random effects, with prediction intervals.</summary>
internal static class PredictCommand
{
    public static int Run(FitSettings settings, IReadOnlyList<string> positional, TextWriter stdout, TextWriter stderr, bool interactive,
        CancellationToken cancellation)
    {
        if (settings.NewData is null)
            throw new UsageException("predict needs --newdata FILE (a CSV/TSV with the predictor and grouping columns)");
        if (positional[0] == "-" && settings.NewData == "-")
            throw new UsageException("DATA and --newdata cannot both be - (standard input is read once)");
        if (settings.Reml && settings.MaximumLikelihood)
            throw new UsageException("--reml and --ml cannot be used together");
        var policy = settings.NewLevels?.ToLowerInvariant() switch
        {
            null or "population" => NewLevelPolicy.Population,
            "error" => NewLevelPolicy.Error,
            _ => throw new UsageException($"option --new-levels: '{settings.NewLevels}' (use population or error)"),
        };
        double level = InferenceOutput.ParseLevel(settings.Level);
        // --family, --link, --nagq and --weights as for fit: a GLMM is refused with the reason (exit 2), not fitted as gaussian.
        var options = FitCommand.Validate(settings);
        Results.MixedModelFit fit;
        IReadOnlyList<Prediction> conditional, population;
        using (var progress = new ProgressIndicator(stderr, interactive, "reading data"))
        {
            var data = MixedModel.LoadData(positional[0], settings.Threads);
            progress.SetPhase("fitting");
            fit = MixedModel.Fit(positional[1], data, options, cancellationToken: cancellation);
            progress.SetPhase("predicting");
            var newData = MixedModel.LoadData(settings.NewData, settings.Threads);
            conditional = fit.Predict(newData, includeRandomEffects: true, policy, level);
            population = fit.Predict(newData, includeRandomEffects: false, policy, level);
        }
        if (fit.DroppedRowCount > 0)
            stderr.WriteLine($"sparselmm: note: {Rows(fit.DroppedRowCount)} of {positional[0]} dropped for missing values; {fit.ObservationCount} used in the fit");
        int incomplete = conditional.Count(p => double.IsNaN(p.Fitted));
        if (incomplete > 0)
            stderr.WriteLine($"sparselmm: note: {Rows(incomplete)} of {settings.NewData} with missing values predicted as NA");
        int unseen = conditional.Count(p => p.NewLevels.Count > 0);
        if (unseen > 0)
            stderr.WriteLine($"sparselmm: note: {unseen} row{(unseen == 1 ? "" : "s")} with levels not in the fit predicted at the population level for those factors");
        stdout.Write(settings.Json ? Json(conditional, population, level, positional, settings.NewData) : Csv(conditional, population));
        stdout.Flush();
        return CliApplication.Success;
    }

    private static string Rows(int n) => $"{n} row{(n == 1 ? "" : "s")}";

    private static string Json(IReadOnlyList<Prediction> conditional, IReadOnlyList<Prediction> population, double level,
        IReadOnlyList<string> positional, string newData)
    {
        var root = new JsonObject
        {
            ["schema_version"] = Reporting.FitJsonWriter.SchemaVersion,
            ["data"] = positional[0],
            ["formula"] = positional[1],
            ["newdata"] = newData,
            ["rows"] = conditional.Count,
            ["level"] = level,
            ["fit"] = InferenceOutput.Numbers(conditional.Select(p => p.Fitted)),
            ["fit_population"] = InferenceOutput.Numbers(population.Select(p => p.Fitted)),
            ["se"] = InferenceOutput.Numbers(conditional.Select(p => p.StandardError)),
            ["lower"] = InferenceOutput.Numbers(conditional.Select(p => p.Lower)),
            ["upper"] = InferenceOutput.Numbers(conditional.Select(p => p.Upper)),
            ["lower_population"] = InferenceOutput.Numbers(population.Select(p => p.Lower)),
            ["upper_population"] = InferenceOutput.Numbers(population.Select(p => p.Upper)),
            ["new_levels"] = new JsonArray(conditional.Select(p =>
                (JsonNode)new JsonArray(p.NewLevels.Select(l => (JsonNode)JsonValue.Create(l)!).ToArray())).ToArray()),
        };
        return InferenceOutput.Serialize(root);
    }

    private static string Csv(IReadOnlyList<Prediction> conditional, IReadOnlyList<Prediction> population)
    {
        static string F(double v) => double.IsNaN(v) ? "NA" : v.ToString("R", CultureInfo.InvariantCulture);
        var output = new StringBuilder("row,fit,fit_population,se,lower,upper,new_levels\n");
        for (int i = 0; i < conditional.Count; i++)
        {
            var c = conditional[i];
            output.Append(CultureInfo.InvariantCulture,
                $"{i + 1},{F(c.Fitted)},{F(population[i].Fitted)},{F(c.StandardError)},{F(c.Lower)},{F(c.Upper)},{string.Join(";", c.NewLevels)}\n");
        }
        return output.ToString();
    }
}
