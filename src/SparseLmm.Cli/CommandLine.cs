using System.Globalization;

namespace SparseLmm.Cli;

/// <summary>A mistake in how the command was called (unknown option, bad value, missing argument). Exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>The settings of a <c>fit</c> (or <c>demo</c>) command, filled in by the option table.</summary>
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
    public bool Help { get; set; }
}

/// <summary>One option: its name, the name of its value (null for a flag), its help line, and what it does to the
/// settings. Adding an option is adding a row to <see cref="CommandLine.Options"/>.</summary>
internal sealed record OptionSpec(string Name, string? ValueName, string Help, Action<FitSettings, string> Apply,
    bool Repeatable = false, string? ShortName = null, string[]? Commands = null)
{
    /// <summary>The commands the option applies to (null: every command).</summary>
    public string[]? Commands { get; init; } = Commands;
}

/// <summary>The declarative option table and the parser of <c>fit</c>/<c>demo</c> arguments.</summary>
internal static class CommandLine
{
    public static IReadOnlyList<OptionSpec> Options { get; } =
    [
        new("--reml", null, "fit by restricted maximum likelihood (the default)", (s, _) => s.Reml = true),
        new("--ml", null, "fit by maximum likelihood", (s, _) => s.MaximumLikelihood = true),
        new("--factor", "COL", "treat the numeric column COL as categorical (repeatable)", (s, v) => s.Factors.Add(v), Repeatable: true),
        new("--ref", "COL=LEVEL", "make LEVEL the reference level of categorical column COL (R's relevel; repeatable)", (s, v) => AddReference(s, v), Repeatable: true),
        new("--json", null, "write one JSON object instead of the summary", (s, _) => s.Json = true, Commands: ["fit", "demo", "compare", "predict"]),
        new("--repeat", "N", $"fit N times and report the median fit time (benchmarking; at most {MaxRepeat:N0})", (s, v) => s.Repeat = PositiveInteger("--repeat", v, MaxRepeat), Commands: ["fit", "demo"]),
        new("--family", "NAME", "response distribution: gaussian (default), binomial, poisson or Gamma", (s, v) => s.Family = v),
        new("--link", "NAME", "link function (default: the family's; e.g. logit, probit, cloglog, log, sqrt, identity, inverse)", (s, v) => s.Link = v),
        new("--nagq", "N", "GLMM quadrature nodes: 1 = Laplace (default), N > 1 adaptive Gauss-Hermite, 0 = lme4's fast fit", (s, v) => s.QuadratureNodes = NonNegativeInteger("--nagq", v)),
        new("--weights", "COL", "prior weights from numeric column COL (gaussian: residual variance σ²/w, rows of weight 0 dropped; binomial: number of trials)", (s, v) => s.Weights = v),
        new("--variance", "SPEC", "residual SD per level, nlme's varIdent: \"varIdent(~ 1 | GROUP)\" (gaussian)", (s, v) => s.Variance = v, Commands: ["fit", "demo"]),
        new("--correlation", "SPEC", "residual AR(1) within groups, nlme's corAR1: \"corAR1(~ ORDER | GROUP)\" (gaussian)", (s, v) => s.Correlation = v, Commands: ["fit", "demo"]),
        new("--ddf", "METHOD", "fixed-effect df and p-values: satterthwaite (default), kenward-roger or none (z)", (s, v) => s.Ddf = v, Commands: ["fit", "demo"]),
        new("--ci", "METHOD", "confidence intervals: wald (default), profile (every parameter) or boot (parametric bootstrap)", (s, v) => s.Ci = v, Commands: ["fit", "demo"]),
        new("--level", "L", "confidence level of intervals (default 0.95)", (s, v) => s.Level = v, Commands: ["fit", "demo", "predict"]),
        new("--nsim", "N", "bootstrap replicates for --ci boot (default 1000)", (s, v) => s.Nsim = PositiveInteger("--nsim", v), Commands: ["fit", "demo"]),
        new("--mcmc", "N", "also sample the posterior by MCMC: N draws per chain (linear mixed models)", (s, v) => s.Mcmc = PositiveInteger("--mcmc", v), Commands: ["fit", "demo"]),
        new("--chains", "C", "MCMC chains, run in parallel (default 4)", (s, v) => s.Chains = PositiveInteger("--chains", v, MaxChains), Commands: ["fit", "demo"]),
        new("--warmup", "W", "MCMC warmup iterations per chain (default: as many as --mcmc)", (s, v) => s.Warmup = NonNegativeInteger("--warmup", v), Commands: ["fit", "demo"]),
        new("--draws", "FILE", "write the MCMC draws to FILE as CSV", (s, v) => s.Draws = v, Commands: ["fit", "demo"]),
        new("--prior", "NAME", "MCMC priors: half-t (default) or rstanarm-decov", (s, v) => s.Prior = v, Commands: ["fit", "demo"]),
        new("--seed", "S", "random seed for --ci boot and --mcmc (default 1)", (s, v) => s.Seed = NonNegativeInteger("--seed", v), Commands: ["fit", "demo"]),
        new("--newdata", "FILE", "predict: the rows to predict for (CSV/TSV, Parquet or Arrow)", (s, v) => s.NewData = v, Commands: ["predict"]),
        new("--new-levels", "WHAT", "predict: levels not in the fit give the population prediction (population, default) or an error (error)", (s, v) => s.NewLevels = v, Commands: ["predict"]),
        new("--kind", "KIND", "plot: the figure (shrinkage, intercepts, variance, slopes, caterpillar, residuals, qq)", (s, v) => s.Kind = v, Commands: ["plot"]),
        new("--out", "FILE", "plot: the image to write (.png or .svg); report: the HTML file to write; partial: the partial to write", (s, v) => s.Out = v, Commands: ["plot", "report", "partial"]),
        new("--table", "T", "sql: the table (or parenthesised subquery) the statements read", (s, v) => s.Table = v, Commands: ["sql"]),
        new("--partials", "GLOB", "fit: merge the partials matching GLOB (e.g. 'parts/*.cp'; Parquet, Arrow or CSV) and fit FORMULA from them", (s, v) => s.Partials = v, Commands: ["fit"]),
        new("--stream", null, "fit: read DATA (CSV/TSV, Parquet, Arrow file) in chunks, twice, without holding it: memory grows with the levels, not the rows (linear models)", (s, _) => s.Stream = true, Commands: ["fit"]),
        new("--threads", "N", "use at most N threads for a fit (default: every processor)", (s, v) => s.Threads = PositiveInteger("--threads", v, MaxThreads)),
        new("--max-evaluations", "N", "stop each search after N objective evaluations, not converged (lme4's maxfun; default 10000)", (s, v) => s.MaxEvaluations = PositiveInteger("--max-evaluations", v)),
        new("--help", null, "show this help", (s, _) => s.Help = true, ShortName: "-h"),
    ];

    /// <summary>Parses the arguments after the command name into settings and positional arguments.</summary>
    /// <param name="args">The arguments after the command name.</param>
    /// <param name="command">The command, to refuse options that do not apply to it (null: accept all).</param>
    public static (FitSettings Settings, List<string> Positional) Parse(IReadOnlyList<string> args, string? command = null)
    {
        var settings = new FitSettings();
        var positional = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg == "--")
            {
                positional.AddRange(args.Skip(i + 1));
                break;
            }
            if (!LooksLikeOption(arg))
            {
                positional.Add(arg);
                continue;
            }

            string name = arg;
            string? inlineValue = null;
            int equals = arg.IndexOf('=');
            if (arg.StartsWith("--", StringComparison.Ordinal) && equals > 2)
            {
                name = arg[..equals];
                inlineValue = arg[(equals + 1)..];
            }
            var spec = Options.FirstOrDefault(o => o.Name == name || o.ShortName == name)
                ?? throw new UsageException($"unknown option '{name}'{Suggestion(name)}");

            string value;
            if (spec.ValueName is null)
            {
                if (inlineValue is not null) throw new UsageException($"option {spec.Name} takes no value");
                value = "";
            }
            else if (inlineValue is not null)
                value = inlineValue;
            else if (i + 1 < args.Count)
                value = args[++i];
            else
                throw new UsageException($"option {spec.Name} needs a value ({spec.ValueName})");

            if (command is not null && spec.Commands is { } commands && !commands.Contains(command))
                throw new UsageException(
                    $"option {spec.Name} does not apply to {command} (it is for {string.Join(" and ", commands.Where(c => c != "demo"))})");
            if (spec.ValueName is not null && !spec.Repeatable && !seen.Add(spec.Name))
                throw new UsageException($"option {spec.Name} given more than once");
            spec.Apply(settings, value);
        }
        return (settings, positional);
    }

    private static bool LooksLikeOption(string arg) =>
        arg.Length > 1 && arg[0] == '-' && !double.TryParse(arg, NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    private static string Suggestion(string name)
    {
        var best = Options.Select(o => o.Name).OrderBy(o => Distance(o, name)).First();
        return Distance(best, name) <= 2 ? $" (did you mean {best}?)" : "";
    }

    private static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (int i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            previous = current;
        }
        return previous[b.Length];
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

    /// <summary>The help text, generated from the option table.</summary>
    public static string HelpText(string version)
    {
        var lines = new List<string>
        {
            $"sparselmm {version} - fit linear and generalized linear mixed models with lme4 formulas",
            "",
            "Usage:",
            "  sparselmm fit DATA FORMULA [options]   fit FORMULA to DATA",
            "  sparselmm demo [options]               fit Reaction ~ 1 + Days + (1 + Days | Subject) to sleepstudy",
            "  sparselmm compare DATA SMALL BIG [--json]   likelihood-ratio test of nested models (both fitted by ML)",
            "  sparselmm predict DATA FORMULA --newdata FILE [--json]   predictions with intervals for new rows",
            "  sparselmm plot DATA FORMULA --kind KIND --out FILE.png|FILE.svg [options]   draw one figure of the fit",
            "  sparselmm report DATA FORMULA --out FILE.html [options]   one HTML page: summary and every figure that applies",
            "  sparselmm partial DATA FORMULA --out PART.cp [options]   the sufficient statistics of one partition of the data",
            "  sparselmm fit --partials 'parts/*.cp' FORMULA [options]   fit from merged partials",
            "  sparselmm sql FORMULA --table T [--factor COL]   ANSI SQL whose result is a partial of table T",
            "  sparselmm --help | --version",
            "",
            "DATA is a CSV or TSV file with a header row, a Parquet or Arrow IPC file, or the name of an embedded data set:",
            "  " + string.Join(", ", SparseLmm.Data.EmbeddedDatasets.Names),
            "FORMULA is an lme4 formula, e.g. \"Reaction ~ 1 + Days + (1 + Days | Subject)\".",
            "",
            "Options:",
        };
        int width = Options.Max(o => OptionLabel(o).Length);
        foreach (var option in Options)
            lines.Add($"  {OptionLabel(option).PadRight(width)}  {option.Help}");
        lines.Add("");
        lines.Add("Exit codes: 0 success, 2 bad input or usage, 3 the fit did not converge (output flagged), 1 internal error (set SPARSELMM_DEBUG=1 for details).");
        return string.Join('\n', lines) + "\n";
    }

    private static string OptionLabel(OptionSpec option) =>
        (option.ShortName is null ? "" : option.ShortName + ", ") + option.Name + (option.ValueName is null ? "" : " " + option.ValueName);
}
