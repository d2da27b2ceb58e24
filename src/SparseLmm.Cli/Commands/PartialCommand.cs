using SparseLmm.Results;

namespace SparseLmm.Cli.Commands;

/// <summary><c>sparselmm partial DATA FORMULA --out PART.cp</c>: the sufficient statistics of one partition of the data
/// (streamed, never held), for <c>sparselmm fit --partials 'parts/*.cp' FORMULA</c>.</summary>
internal static class PartialCommand
{
    public static int Run(FitSettings settings, IReadOnlyList<string> positional, TextWriter stdout, TextWriter stderr)
    {
        if (settings.Out is null) throw new UsageException("partial needs --out PART.cp, the file to write");
        if (positional[0] == "-") throw new UsageException("partial reads DATA twice, so it needs a file, not standard input");
        if (settings.Reml || settings.MaximumLikelihood)
            throw new UsageException("--reml and --ml apply when fitting (fit --partials); a partial is the same for both");
        var options = FitCommand.Validate(settings);
        long rows = MixedModel.WritePartial(positional[1], positional[0], settings.Out, options);
        stderr.WriteLine($"sparselmm: wrote {settings.Out} ({rows:N0} rows summed)");
        return CliApplication.Success;
    }

    /// <summary>The fit of <c>fit --partials GLOB FORMULA</c>.</summary>
    public static MixedModelFit FitPartials(FitSettings settings, FitOptions options)
    {
        if (settings.Repeat != 1) throw new UsageException("--repeat applies to in-memory fits, not to --partials");
        if (settings.Mcmc is not null) throw new UsageException("--mcmc applies to in-memory fits, not to --partials");
        if (string.Equals(settings.Ddf, "kenward-roger", StringComparison.OrdinalIgnoreCase))
            throw new UsageException("--ddf kenward-roger needs the rows, which partials do not hold");
        if (settings.Ci is { } ci && ci.StartsWith("boot", StringComparison.OrdinalIgnoreCase))
            throw new UsageException("--ci boot needs the rows, which partials do not hold");
        return MixedModel.FitPartials(settings.Formula!, Expand(settings.Partials!), options);
    }

    /// <summary>The files a glob names: '*' and '?' in the file name (not in directories), sorted; a plain path is itself.</summary>
    internal static IReadOnlyList<string> Expand(string glob)
    {
        var directory = Path.GetDirectoryName(glob);
        var pattern = Path.GetFileName(glob);
        if (pattern.IndexOfAny(['*', '?']) < 0)
        {
            if (!File.Exists(glob)) throw new InputException($"cannot read '{glob}': no such file");
            return [glob];
        }
        var folder = string.IsNullOrEmpty(directory) ? "." : directory;
        if (!Directory.Exists(folder)) throw new InputException($"cannot read '{glob}': no such directory '{folder}'");
        var files = Directory.GetFiles(folder, pattern).Order(StringComparer.Ordinal)
            .Select(f => string.IsNullOrEmpty(directory) ? Path.GetFileName(f) : f).ToList();
        if (files.Count == 0) throw new InputException($"no files match '{glob}'");
        return files;
    }
}
