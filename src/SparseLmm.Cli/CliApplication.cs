using System.Text.Json;
using System.Text.Encodings.Web;
using System.Diagnostics;
using System.Reflection;
using System.CommandLine;
using System.CommandLine.Invocation;
using SparseLmm.Cli.Commands;
using SparseLmm.Data;
using SparseLmm.Mcmc;
using SparseLmm.Results;

namespace SparseLmm.Cli;

/// <summary>The <c>sparselmm</c> command, callable in-process: <see cref="Run"/> takes the arguments and the two
/// output streams and returns the exit code (0 success, 2 bad input or usage, 3 a fit that did not converge, 1 internal
/// error, 130 cancelled).</summary>
public static class CliApplication
{
    /// <summary>Exit code: success.</summary>
    public const int Success = 0;

    /// <summary>Exit code: an unexpected failure inside the program.</summary>
    public const int InternalError = 1;

    /// <summary>Exit code: bad input (data, formula) or bad usage (options, arguments).</summary>
    public const int BadInput = 2;

    /// <summary>Exit code: the fit was written but the optimiser did not converge (it stopped at the evaluation limit
    /// or on rounding errors): its numbers are flagged (<c>"converged": false</c>) and are not to be trusted.</summary>
    public const int NotConverged = 3;

    /// <summary>Exit code: the work was cancelled (Ctrl+C), 128 + SIGINT as shells report a process that SIGINT ended.</summary>
    public const int Cancelled = 130;

    /// <summary>The one line written on stderr when the work was cancelled.</summary>
    public const string CancelledMessage = "sparselmm: cancelled";

    /// <summary>The model <c>sparselmm demo</c> fits.</summary>
    public const string DemoFormula = "Reaction ~ 1 + Days + (1 + Days | Subject)";

    /// <summary>The data set <c>sparselmm demo</c> uses.</summary>
    public const string DemoData = "sleepstudy";

    /// <summary>Runs the command line <paramref name="args"/>.</summary>
    /// <param name="args">The arguments, without the program name.</param>
    /// <param name="stdout">Where results go (the summary or the JSON object).</param>
    /// <param name="stderr">Where errors, notes and progress go.</param>
    /// <param name="interactive">True when <paramref name="stderr"/> is a terminal: long fits then show progress on it.</param>
    /// <param name="cancellation">Stops a fit and its df, profile, bootstrap or MCMC (the program's Ctrl+C); the
    /// command then writes <see cref="CancelledMessage"/> and returns <see cref="Cancelled"/>.</param>
    /// <returns>The exit code.</returns>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, bool interactive = false,
        CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        SparseLmm.DuckDb.DuckDbSource.Register();
        try
        {
            return Dispatch(args, stdout, stderr, interactive, cancellation);
        }
        catch (Exception e) when (cancellation.IsCancellationRequested && IsCancellation(e))
        {
            Report(stdout, stderr, CancelledMessage);
            return Cancelled;
        }
        catch (UsageException e)
        {
            Report(stdout, stderr, $"sparselmm: {OneLine(e.Message)} (see 'sparselmm {(e.Command is null ? "" : e.Command + " ")}--help')");
            return BadInput;
        }
        catch (InputException e)
        {
            Report(stdout, stderr, $"sparselmm: {OneLine(e.Message)}");
            return BadInput;
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or UnauthorizedAccessException)
        {
            // Input errors are InputExceptions and output files are wrapped where written, so these come from the
            // standard streams. Output that cannot be written (a full disk, a closed pipe or terminal) is the environment's problem,
            // not the program's: exit 2 and say so where a stream is left.
            Report(stdout, stderr, $"sparselmm: cannot write the output: {OneLine(e.Message)}");
            return BadInput;
        }
        catch (Exception e)
        {
            Report(stdout, stderr, $"sparselmm: internal error: {OneLine(e.Message)}");
            if (Environment.GetEnvironmentVariable("SPARSELMM_DEBUG") == "1")
                Report(stdout, stderr, e.ToString());
            return InternalError;
        }
    }

    /// <summary>The program's version, e.g. "0.1.0".</summary>
    public static string Version
    {
        get
        {
            var assembly = typeof(CliApplication).Assembly;
            var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
            if (!string.IsNullOrEmpty(informational))
            {
                int plus = informational.IndexOf('+');
                return plus >= 0 ? informational[..plus] : informational;
            }
            return assembly.GetName().Version?.ToString(3) ?? "0.0.0";
        }
    }

    /// <summary>True for the library's <see cref="OperationCanceledException"/>, alone or gathered by a parallel loop.</summary>
    private static bool IsCancellation(Exception e) =>
        e is OperationCanceledException
        || e is AggregateException aggregate && aggregate.Flatten().InnerExceptions.All(inner => inner is OperationCanceledException);

    private static int Dispatch(string[] args, TextWriter stdout, TextWriter stderr, bool interactive, CancellationToken cancellation)
    {
        if (args.Length == 0)
            throw new UsageException($"missing command: use 'sparselmm fit DATA FORMULA' or 'sparselmm demo' (commands: {CommandTree.CommandList})");
        // "sparselmm help [COMMAND]" is "sparselmm [COMMAND] --help".
        if (args[0] == "help") args = [.. args[1..], "--help"];

        var parsed = CommandTree.Parse(args);
        if (parsed.Action is { } and not ParseErrorAction)
        {
            // Help, --version and the [suggest] directive of shell completion.
            // The usage lines name the program by its assembly (SparseLmm.Cli), whether run as the tool or not.
            var output = new StringWriter { NewLine = "\n" };
            parsed.Invoke(new InvocationConfiguration { Output = output, Error = stderr, EnableDefaultExceptionHandler = false });
            stdout.Write(output.ToString().Replace($"  {RootCommand.ExecutableName} ", "  sparselmm ", StringComparison.Ordinal));
            stdout.Flush();
            return Success;
        }
        string command = parsed.CommandResult.Command.Name;
        try
        {
            return Run(command, parsed, stdout, stderr, interactive, cancellation);
        }
        catch (UsageException e) when (e.Command is null && parsed.CommandResult.Command is not RootCommand)
        {
            throw new UsageException(e.Message, command);
        }
    }

    private static int Run(string command, ParseResult parsed, TextWriter stdout, TextWriter stderr, bool interactive,
        CancellationToken cancellation)
    {
        var (settings, positional) = CommandTree.Settings(parsed);
        switch (command)
        {
            case "fit" when settings.Partials is not null:
                if (positional.Count != 1)
                    throw new UsageException("fit --partials GLOB takes FORMULA only (the data are the partials), e.g. sparselmm fit --partials 'parts/*.cp' \"y ~ x + (1 | g)\"");
                settings.Formula = positional[0];
                return FitCommand.Run(settings, stdout, stderr, interactive, cancellation);
            case "fit":
                settings.Data = positional[0];
                settings.Formula = positional[1];
                return FitCommand.Run(settings, stdout, stderr, interactive, cancellation);
            case "demo":
                settings.Data = DemoData;
                settings.Formula = DemoFormula;
                return FitCommand.Run(settings, stdout, stderr, interactive, cancellation);
            case "compare":
                return CompareCommand.Run(settings, positional, stdout, stderr, interactive);
            case "predict":
                return PredictCommand.Run(settings, positional, stdout, stderr, interactive, cancellation);
            case "plot":
                return PlotCommand.Run(settings, positional, stdout, stderr, interactive, cancellation);
            case "report":
                return ReportCommand.Run(settings, positional, stdout, stderr, interactive, cancellation);
            case "partial":
                return PartialCommand.Run(settings, positional, stdout, stderr);
            case "sql":
                if (settings.Table is null) throw new UsageException("sql needs --table T, the table the statements read");
                stdout.Write(MixedModel.SufficientStatisticsSql(positional[0], settings.Table, settings.Factors));
                stdout.Flush();
                return Success;
            case "completion":
                stdout.Write(ShellCompletion.Script(positional[0]));
                stdout.Flush();
                return Success;
            default:
                throw new UsageException($"missing command: use 'sparselmm fit DATA FORMULA' or 'sparselmm demo' (commands: {CommandTree.CommandList})");
        }
    }

    /// <summary>The first line of a message, so that every error is exactly one line, with control characters (an
    /// escape sequence in a column name, say) written as escapes rather than sent to the terminal.</summary>
    internal static string OneLine(string message)
    {
        var trimmed = message.Trim();
        int end = trimmed.IndexOfAny(['\r', '\n']);
        return Escape(end < 0 ? trimmed : trimmed[..end].TrimEnd());
    }

    private static string Escape(string text)
    {
        if (!text.Any(char.IsControl)) return text;
        var escaped = new System.Text.StringBuilder(text.Length + 8);
        foreach (char c in text)
        {
            if (c == '\t') escaped.Append("\\t");
            else if (char.IsControl(c)) escaped.Append($"\\u{(int)c:X4}");
            else escaped.Append(c);
        }
        return escaped.ToString();
    }

    /// <summary>Writes a last message where a stream is left: stderr, else stdout; nowhere when both are gone.</summary>
    private static void Report(TextWriter stdout, TextWriter stderr, string line)
    {
        foreach (var writer in new[] { stderr, stdout })
        {
            try
            {
                writer.WriteLine(line);
                writer.Flush();
                return;
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or NotSupportedException or UnauthorizedAccessException)
            {
            }
        }
    }
}

/// <summary>Runs one fit (or N for timing) and writes the summary or JSON.</summary>
internal static class FitCommand
{
    public static int Run(FitSettings settings, TextWriter stdout, TextWriter stderr, bool interactive, CancellationToken cancellation)
    {
        var options = Validate(settings);

        using var progress = new ProgressIndicator(stderr, interactive, "reading data");
        var clock = Stopwatch.StartNew();
        double readMilliseconds;
        var times = new double[settings.Repeat];
        MixedModelFit fit = null!;
        if (settings.Partials is not null)
        {
            if (settings.Stream) throw new UsageException("--stream and --partials cannot be used together");
            fit = PartialCommand.FitPartials(settings, options);
            times[0] = fit.Timing.FitMilliseconds;
            readMilliseconds = clock.Elapsed.TotalMilliseconds - times[0];
        }
        else if (settings.Stream)
        {
            fit = StreamedFit(settings, options, progress);
            times[0] = fit.Timing.FitMilliseconds;
            readMilliseconds = clock.Elapsed.TotalMilliseconds - times[0];
        }
        else
        {
            var data = MixedModel.LoadData(settings.Data!, settings.Threads);
            readMilliseconds = clock.Elapsed.TotalMilliseconds;
            for (int i = 0; i < settings.Repeat; i++)
            {
                string phase = settings.Repeat == 1 ? "fitting" : $"fitting {i + 1}/{settings.Repeat}";
                progress.SetPhase(phase);
                clock.Restart();
                fit = MixedModel.Fit(settings.Formula!, data, options, progress.Fit(phase, ObjectiveName(options)), cancellation);
                times[i] = clock.Elapsed.TotalMilliseconds;
            }
        }
        var inference = InferenceOutput.Compute(settings, fit, progress, cancellation);
        if (settings.Mcmc is not null) progress.SetPhase("MCMC sampling");
        var posterior = McmcOutput.Sample(settings, fit, cancellation);
        progress.Dispose();

        if (fit.DroppedRowCount > 0)
            stderr.WriteLine($"sparselmm: note: {DroppedRowsNote(fit)}");
        if (settings.Json)
        {
            // Streamed: the JSON of a model with a million levels is hundreds of megabytes.
            using var stream = new TextWriterStream(stdout);
            using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions
            {
                Indented = true,
                Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            });
            (inference?.Reported ?? fit).WriteJson(writer, new JsonReportOptions(
                DataName: settings.Data ?? settings.Partials,
                FactorColumns: settings.Factors,
                ReadMilliseconds: readMilliseconds,
                FitMilliseconds: Median(times),
                Repeats: settings.Repeat,
                FixedEffectExtras: inference is null ? null : inference.WriteFixedEffects,
                Extras: McmcOutput.CombineExtras(inference is null ? null : inference.WriteExtras, posterior)));
            writer.Flush();
            stdout.WriteLine();
        }
        else
        {
            string output = inference?.Summary(settings.Data ?? settings.Partials) ?? fit.Summary(settings.Data ?? settings.Partials);
            if (posterior is not null) output = output.TrimEnd('\n') + "\n\n" + posterior.Summary();
            stdout.Write(output);
            if (!output.EndsWith('\n')) stdout.WriteLine();
        }
        stdout.Flush();
        if (!fit.Converged)
        {
            stderr.WriteLine($"sparselmm: warning: the optimiser did not converge ({fit.OptimizerMessage}); the estimates are not reliable (exit code {CliApplication.NotConverged})");
            return CliApplication.NotConverged;
        }
        if (posterior is { Converged: false })
        {
            stderr.WriteLine($"sparselmm: warning: the MCMC chains have not converged (R-hat >= 1.01 or ESS below 100 per chain for some parameter); run longer chains (exit code {CliApplication.NotConverged})");
            return CliApplication.NotConverged;
        }
        return CliApplication.Success;
    }

    /// <summary>A fit of <c>--stream</c>: two passes over the file, the rows read and their rate on the progress line.</summary>
    private static MixedModelFit StreamedFit(FitSettings settings, FitOptions options, ProgressIndicator progress)
    {
        if (settings.Data == "-")
            throw new UsageException("--stream reads DATA twice, so it needs a file, not standard input");
        if (settings.Repeat != 1) throw new UsageException("--repeat applies to in-memory fits, not to --stream");
        if (settings.Mcmc is not null) throw new UsageException("--mcmc applies to in-memory fits, not to --stream");
        if (string.Equals(settings.Ddf, "kenward-roger", StringComparison.OrdinalIgnoreCase))
            throw new UsageException("--ddf kenward-roger needs the rows, which --stream does not keep");
        if (settings.Ci is { } ci && ci.StartsWith("boot", StringComparison.OrdinalIgnoreCase))
            throw new UsageException("--ci boot needs the rows, which --stream does not keep");
        int shown = 0;
        using var source = DataSource.Open(settings.Data!);
        // A GLMM reads the source twice, then its coded rows once per PIRLS pass (passes 3, 4, ...): those passes share
        // one phase, whose clock and rate run over all of them (a pass can be shorter than the line's delay), and the
        // text names the pass and its rows.
        bool linear = options.EffectiveFamily().IsLinearMixedModel;
        long earlierPasses = 0, current = 0;
        return MixedModel.FitStreamed(settings.Formula!, source, options, (pass, rows) =>
        {
            if (!linear && pass >= 3)
            {
                if (shown < 3) progress.SetPhase("PIRLS");
                else if (pass != shown) earlierPasses += current;
                shown = pass;
                current = rows;
                progress.Update(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"PIRLS pass {pass - 2} over the coded rows ({rows:N0} read)"));
                progress.SetRows(earlierPasses + rows);
                return;
            }
            if (pass != shown)
            {
                progress.SetPhase(pass switch
                {
                    1 => linear ? "reading levels (pass 1 of 2)" : "reading levels (pass 1)",
                    2 => linear ? "summing rows (pass 2 of 2)" : "coding rows (pass 2)",
                    _ => "fitting",
                });
                shown = pass;
            }
            progress.SetRows(rows);
        });
    }

    /// <summary>Checks option combinations and builds the fit options. Family, link, nAGQ and weights are passed to
    /// the library, which rejects what does not fit together (an <see cref="InputException"/>, exit 2).</summary>
    internal static FitOptions Validate(FitSettings settings)
    {
        if (settings.Reml && settings.MaximumLikelihood)
            throw new UsageException("--reml and --ml cannot be used together");
        if (settings.Nsim is not null && !string.Equals(settings.Ci, "boot", StringComparison.OrdinalIgnoreCase))
            throw new UsageException("--nsim applies to --ci boot (the parametric bootstrap)");
        if (settings.Seed is not null && settings.Mcmc is null && !string.Equals(settings.Ci, "boot", StringComparison.OrdinalIgnoreCase))
            throw new UsageException("--seed applies to --ci boot (the parametric bootstrap) and --mcmc");
        McmcOutput.Validate(settings);
        Family? family = settings.Family is { } name ? Family.Parse(name, settings.Link) : null;
        Link? link = family is null && settings.Link is { } linkName ? Link.Parse(linkName) : null;
        if (settings.Mcmc is not null && family is not null && MixedModelSampler.WhyNot(family) is { } mcmcRefusal)
            throw new UsageException("--mcmc: " + mcmcRefusal);
        if (settings.Reml && family is not null && family.Name != "gaussian")
            throw new UsageException($"--reml applies to gaussian models only; a {family.Name} model is fitted by maximum likelihood");
        return new FitOptions(
            Reml: !settings.MaximumLikelihood,
            FactorColumns: settings.Factors.Count > 0 ? settings.Factors : null,
            Family: family,
            Link: link,
            QuadratureNodes: settings.QuadratureNodes ?? 1,
            WeightsColumn: settings.Weights,
            Threads: settings.Threads)
        {
            ReferenceLevels = settings.References.Count > 0 ? settings.References : null,
            MaxEvaluations = settings.MaxEvaluations ?? FitOptions.Default.MaxEvaluations,
            Residual = settings.Variance is null && settings.Correlation is null
                ? null
                : ResidualStructure.Parse(settings.Variance, settings.Correlation),
        };
    }

    /// <summary>What the search minimises, as the progress line names it: lme4's "REML criterion" or the deviance.</summary>
    private static string ObjectiveName(FitOptions options) =>
        options.Reml && options.EffectiveFamily().IsLinearMixedModel ? "REML criterion" : "deviance";

    /// <summary>The engine's note about rows dropped for missing values, or our own wording.</summary>
    private static string DroppedRowsNote(MixedModelFit fit) =>
        fit.Notes.FirstOrDefault(n => n.Contains("dropped", StringComparison.OrdinalIgnoreCase) && n.Contains("missing", StringComparison.OrdinalIgnoreCase))
        ?? $"{fit.DroppedRowCount} row{(fit.DroppedRowCount == 1 ? "" : "s")} dropped for missing values; {fit.ObservationCount} used";

    internal static double Median(double[] values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
    }
}
