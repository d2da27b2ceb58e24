using System.Text.Json;
using SparseLmm.Mcmc;
using SparseLmm.Results;

namespace SparseLmm.Cli.Commands;

/// <summary>The MCMC part of <c>fit</c>: <c>--mcmc N</c> with <c>--chains</c>, <c>--warmup</c>, <c>--seed</c>,
/// <c>--prior</c>, <c>--level</c> and <c>--draws FILE</c> (Parquet when FILE ends in .parquet, else CSV); the posterior summary follows the fit's summary, and the
/// JSON gets an <c>mcmc</c> member.</summary>
internal static class McmcOutput
{
    /// <summary>Refuses the MCMC options without <c>--mcmc</c> and an unknown prior.</summary>
    public static void Validate(FitSettings settings)
    {
        if (settings.Mcmc is null)
        {
            string? stray = settings.Chains is not null ? "--chains" : settings.Warmup is not null ? "--warmup"
                : settings.Draws is not null ? "--draws" : settings.Prior is not null ? "--prior" : null;
            if (stray is not null) throw new UsageException($"{stray} applies to --mcmc N (posterior sampling)");
            return;
        }
        if (settings.Mcmc < 4) throw new UsageException("option --mcmc: at least 4 draws per chain are needed");
        if (settings.Repeat > 1) throw new UsageException("--repeat and --mcmc cannot be used together");
        ParsePrior(settings.Prior);
    }

    /// <summary>The posterior when <c>--mcmc</c> was given (after the fit), the chains stopped by
    /// <paramref name="cancellation"/>; null otherwise.</summary>
    public static McmcResult? Sample(FitSettings settings, MixedModelFit fit, CancellationToken cancellation)
    {
        if (settings.Mcmc is not { } draws) return null;
        var options = new McmcOptions(
            Draws: draws,
            Chains: settings.Chains ?? 4,
            Warmup: settings.Warmup,
            Seed: settings.Seed ?? 1,
            Prior: ParsePrior(settings.Prior),
            Level: InferenceOutput.ParseLevel(settings.Level),
            Threads: settings.Threads);
        var result = MixedModelSampler.Sample(fit, options, cancellation);
        if (settings.Draws is { } path)
        {
            try
            {
                if (path.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase))
                {
                    using var stream = File.Create(path);
                    result.WriteDrawsParquet(stream);
                }
                else
                {
                    using var writer = new StreamWriter(path);
                    result.WriteDrawsCsv(writer);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or DirectoryNotFoundException)
            {
                throw new InputException($"cannot write the draws to '{path}': {e.Message}");
            }
        }
        return result;
    }

    /// <summary>The JSON extras with an <c>mcmc</c> member added when there is a posterior.</summary>
    public static Action<Utf8JsonWriter>? CombineExtras(Action<Utf8JsonWriter>? extras, McmcResult? posterior)
    {
        if (posterior is null) return extras;
        return writer =>
        {
            extras?.Invoke(writer);
            writer.WritePropertyName("mcmc");
            posterior.WriteJson(writer);
        };
    }

    private static McmcPrior ParsePrior(string? name) => name?.ToLowerInvariant() switch
    {
        null or "half-t" => McmcPrior.HalfStudentT,
        "rstanarm-decov" or "decov" => McmcPrior.RstanarmDecov,
        _ => throw new UsageException($"unknown --prior '{name}' (use half-t or rstanarm-decov)"),
    };
}
