using System.Globalization;

namespace SparseLmm.Cli;

/// <summary>A mistake in how the command was called (unknown option, bad value, missing argument). Exit code 2.</summary>
/// <param name="Command">The command whose help the message points to (null: the program's).</param>
internal sealed class UsageException(string message, string? command = null) : Exception(message)
{
    public string? Command { get; } = command;
}

/// <summary>The settings of a command, filled in by the option table from the parsed command line.</summary>
internal sealed class FitSettings
{
    public string? Data { get; set; }
    public string? Formula { get; set; }
    public bool Reml { get; set; }
    public bool MaximumLikelihood { get; set; }
    public List<string> Factors { get; } = [];
    public Dictionary<string, string> References { get; } = new(StringComparer.Ordinal);
    public bool Json { get; set; }
    public int Repeat { get; set; } = 1;
    public string? Family { get; set; }
    public string? Link { get; set; }
    public int? QuadratureNodes { get; set; }
    public string? Weights { get; set; }
    public string? Variance { get; set; }
    public string? Correlation { get; set; }
    public int? Threads { get; set; }
    public int? MaxEvaluations { get; set; }
    public string? Ddf { get; set; }
    public string? Ci { get; set; }
    public int? Nsim { get; set; }
    public int? Seed { get; set; }
    public string? Level { get; set; }
    public string? NewData { get; set; }
    public string? NewLevels { get; set; }
    public string? Kind { get; set; }
    public int? Mcmc { get; set; }
    public int? Chains { get; set; }
    public int? Warmup { get; set; }
    public string? Draws { get; set; }
    public string? Prior { get; set; }
    public string? Out { get; set; }
    public bool Stream { get; set; }
    public string? Partials { get; set; }
    public string? Table { get; set; }
}

/// <summary>One option: its name, the name of its value (null for a flag), its help line, and what it does to the
/// settings. Adding an option is adding a row to <see cref="CommandLine.Options"/>; the parser, the per-command help
/// and shell completion are built from the table.</summary>
/// <param name="Commands">The commands the option applies to (null: every command that fits a model).</param>
/// <param name="Values">The values shell completion offers (null: none, or files for a FILE).</param>
internal sealed record OptionSpec(string Name, string? ValueName, string Help, Action<FitSettings, string> Apply,
    bool Repeatable = false, string[]? Commands = null, Func<IEnumerable<string>>? Values = null)
{
    /// <summary>Whether the option belongs to <paramref name="command"/>.</summary>
    public bool AppliesTo(string command) => Commands is null ? CommandLine.FittingCommands.Contains(command) : Commands.Contains(command);
}

/// <summary>The declarative option table and the parsing of a command's arguments into <see cref="FitSettings"/>.</summary>
internal static class CommandLine
{
    /// <summary>The commands that fit a model, to which an option without a command list applies.</summary>
    public static readonly string[] FittingCommands = ["fit", "demo", "compare", "predict", "plot", "report", "partial"];

    public static IReadOnlyList<OptionSpec> Options { get; } =
    [
        new("--reml", null, "fit by restricted maximum likelihood (the default)", (s, _) => s.Reml = true),
        new("--ml", null, "fit by maximum likelihood", (s, _) => s.MaximumLikelihood = true),
        new("--factor", "COL", "treat the numeric column COL as categorical (repeatable)", (s, v) => s.Factors.Add(v), Repeatable: true,
            Commands: [.. FittingCommands, "sql"]),
        new("--ref", "COL=LEVEL", "make LEVEL the reference level of categorical column COL (R's relevel; repeatable)", (s, v) => AddReference(s, v), Repeatable: true),
        new("--json", null, "write one JSON object instead of the text (schemas/*.schema.json)", (s, _) => s.Json = true, Commands: ["fit", "demo", "compare", "predict"]),
        new("--repeat", "N", $"fit N times and report the median fit time (benchmarking; at most {MaxRepeat:N0})", (s, v) => s.Repeat = PositiveInteger("--repeat", v, MaxRepeat), Commands: ["fit", "demo"]),
        new("--family", "NAME", "response distribution: gaussian (default), binomial, poisson or Gamma", (s, v) => s.Family = v,
            Values: () => ["gaussian", "binomial", "poisson", "Gamma"]),
        new("--link", "NAME", "link function (default: the family's; e.g. logit, probit, cloglog, log, sqrt, identity, inverse)", (s, v) => s.Link = v,
            Values: () => ["logit", "probit", "cloglog", "log", "sqrt", "identity", "inverse"]),
        new("--nagq", "N", "GLMM quadrature nodes: 1 = Laplace (default), N > 1 adaptive Gauss-Hermite, 0 = lme4's fast fit", (s, v) => s.QuadratureNodes = NonNegativeInteger("--nagq", v)),
        new("--weights", "COL", "prior weights from numeric column COL (gaussian: residual variance σ²/w, rows of weight 0 dropped; binomial: number of trials)", (s, v) => s.Weights = v),
        new("--variance", "SPEC", "residual SD per level, nlme's varIdent: \"varIdent(~ 1 | GROUP)\" (gaussian)", (s, v) => s.Variance = v, Commands: ["fit", "demo"]),
        new("--correlation", "SPEC", "residual AR(1) within groups, nlme's corAR1: \"corAR1(~ ORDER | GROUP)\" (gaussian)", (s, v) => s.Correlation = v, Commands: ["fit", "demo"]),
        new("--ddf", "METHOD", "fixed-effect df and p-values: satterthwaite (default), kenward-roger or none (z)", (s, v) => s.Ddf = v, Commands: ["fit", "demo"],
            Values: () => ["satterthwaite", "kenward-roger", "none"]),
        new("--ci", "METHOD", "confidence intervals: wald (default), profile (every parameter) or boot (parametric bootstrap)", (s, v) => s.Ci = v, Commands: ["fit", "demo"],
            Values: () => ["wald", "profile", "boot"]),
        new("--level", "L", "confidence level of intervals (default 0.95)", (s, v) => s.Level = v, Commands: ["fit", "demo", "predict"]),
        new("--nsim", "N", "bootstrap replicates for --ci boot (default 1000)", (s, v) => s.Nsim = PositiveInteger("--nsim", v), Commands: ["fit", "demo"]),
        new("--mcmc", "N", "also sample the posterior by MCMC: N draws per chain (gaussian, binomial logit, Poisson log)", (s, v) => s.Mcmc = PositiveInteger("--mcmc", v), Commands: ["fit", "demo", "plot", "report"]),
        new("--chains", "C", "MCMC chains, run in parallel (default 4)", (s, v) => s.Chains = PositiveInteger("--chains", v, MaxChains), Commands: ["fit", "demo", "plot", "report"]),
        new("--warmup", "W", "MCMC warmup iterations per chain (default: as many as --mcmc)", (s, v) => s.Warmup = NonNegativeInteger("--warmup", v), Commands: ["fit", "demo", "plot", "report"]),
        new("--draws", "FILE", "write the MCMC draws to FILE: Parquet when it ends in .parquet, else CSV", (s, v) => s.Draws = v, Commands: ["fit", "demo", "plot", "report"]),
        new("--prior", "NAME", "MCMC priors: half-t (default) or rstanarm-decov", (s, v) => s.Prior = v, Commands: ["fit", "demo", "plot", "report"],
            Values: () => ["half-t", "rstanarm-decov"]),
        new("--seed", "S", "random seed for --ci boot and --mcmc (default 1)", (s, v) => s.Seed = NonNegativeInteger("--seed", v), Commands: ["fit", "demo", "plot", "report"]),
        new("--newdata", "FILE", "the rows to predict for (CSV/TSV, Parquet or Arrow, or - for standard input): the formula's covariates and grouping columns; the response is not needed", (s, v) => s.NewData = v, Commands: ["predict"]),
        new("--new-levels", "WHAT", "levels not in the fit give the population prediction (population, default) or an error (error)", (s, v) => s.NewLevels = v, Commands: ["predict"],
            Values: () => ["population", "error"]),
        new("--kind", "KIND", "the figure: shrinkage, intercepts, variance, slopes, caterpillar, residuals, qq, or trace or density (with --mcmc N)", (s, v) => s.Kind = v, Commands: ["plot"],
            Values: () => ["shrinkage", "intercepts", "variance", "slopes", "caterpillar", "residuals", "qq", "trace", "density"]),
        new("--out", "FILE", "plot: the image to write (.png or .svg); report: the HTML file to write; partial: the partial to write", (s, v) => s.Out = v, Commands: ["plot", "report", "partial"]),
        new("--table", "T", "the table (or parenthesised subquery) the statements read", (s, v) => s.Table = v, Commands: ["sql"]),
        new("--partials", "GLOB", "merge the partials matching GLOB (e.g. 'parts/*.cp'; Parquet, Arrow or CSV) and fit FORMULA from them (give FORMULA only)", (s, v) => s.Partials = v, Commands: ["fit"]),
        new("--stream", null, "read DATA (CSV/TSV, Parquet, Arrow file) in chunks, twice, without holding it: memory grows with the levels, not the rows (a GLMM then reads its coded rows once per PIRLS pass from a temporary file)", (s, _) => s.Stream = true, Commands: ["fit"]),
        new("--threads", "N", "use at most N threads for reading the data and the fit (default: every processor)", (s, v) => s.Threads = PositiveInteger("--threads", v, MaxThreads)),
        new("--max-evaluations", "N", "stop each search after N objective evaluations, not converged (lme4's maxfun; default 10000)", (s, v) => s.MaxEvaluations = PositiveInteger("--max-evaluations", v)),
    ];

    /// <summary>Parses the arguments after the command name into settings and positional arguments, as
    /// <c>sparselmm COMMAND args...</c> would (a usage mistake throws <see cref="UsageException"/>).</summary>
    public static (FitSettings Settings, List<string> Positional) Parse(IReadOnlyList<string> args, string command = "fit")
    {
        var result = CommandTree.Parse([command, .. args]);
        return CommandTree.Settings(result);
    }

    private static void AddReference(FitSettings settings, string value)
    {
        int equals = value.IndexOf('=');
        if (equals <= 0 || equals == value.Length - 1)
            throw new UsageException($"option --ref: '{value}' is not COL=LEVEL (e.g. --ref period=2)");
        string column = value[..equals];
        if (!settings.References.TryAdd(column, value[(equals + 1)..]))
            throw new UsageException($"option --ref: column '{column}' is given a reference level more than once");
    }

    /// <summary>The most fits <c>--repeat</c> runs: a benchmark needs far fewer, and each fit's time is kept.</summary>
    public const int MaxRepeat = 100_000;

    /// <summary>Most chains <c>--chains</c> accepts.</summary>
    public const int MaxChains = 64;

    /// <summary>Most threads <c>--threads</c> accepts (the helper crew's limit of 63 plus the caller).</summary>
    public const int MaxThreads = 64;

    private static int PositiveInteger(string option, string value, int max = int.MaxValue)
    {
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n < 1)
            throw new UsageException($"option {option}: '{value}' is not a positive whole number");
        if (n > max)
            throw new UsageException($"option {option}: {n:N0} is more than the most allowed, {max:N0}");
        return n;
    }

    private static int NonNegativeInteger(string option, string value)
    {
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n))
            throw new UsageException($"option {option}: '{value}' is not a whole number >= 0");
        return n;
    }
}
