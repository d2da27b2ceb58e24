using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Globalization;
using SparseLmm.Data;

namespace SparseLmm.Cli;

/// <summary>A command of <c>sparselmm</c>: its name, help, positional arguments, and the messages for arguments
/// missing or unexpected (written here so that each says what the command needs, with an example).</summary>
/// <param name="Missing">The message when only the first <c>n</c> arguments were given.</param>
internal sealed record CommandSpec(string Name, string Description, ArgumentSpec[] Arguments, Func<int, string> Missing,
    string ExtraArgumentHint = "quote the formula as one argument");

/// <summary>A positional argument: its name in the help and what shell completion offers for it.</summary>
internal sealed record ArgumentSpec(string Name, string Description, Func<IEnumerable<string>>? Values = null);

/// <summary>Builds the System.CommandLine tree from <see cref="CommandLine.Options"/> and <see cref="Commands"/> (each
/// command gets exactly the options that apply to it, so its help lists them and anything else is refused), and
/// turns a parse into settings or into one line naming the mistake.</summary>
internal static class CommandTree
{
    private const string Example = "\"Reaction ~ 1 + Days + (1 + Days | Subject)\"";

    private static readonly ArgumentSpec Data = new("DATA",
        "a CSV or TSV file with a header row (optionally .gz), - for standard input, or an embedded data set",
        () => EmbeddedDatasets.Names);

    private static readonly ArgumentSpec Formula = new("FORMULA", "an lme4 formula, e.g. " + Example);

    public static IReadOnlyList<CommandSpec> Commands { get; } =
    [
        new("fit", "Fit FORMULA to DATA and print an lme4-style summary (or JSON).", [Data, Formula],
            given => given == 0
                ? $"fit needs DATA and FORMULA, e.g. sparselmm fit sleepstudy {Example}"
                : $"fit needs a FORMULA after DATA, e.g. {Example}"),
        new("demo", $"Fit {CliApplication.DemoFormula} to sleepstudy (takes the options of fit).", [],
            _ => ""),
        new("compare", "Likelihood-ratio test of nested models SMALL and BIG, both fitted to DATA by ML.",
            [Data, new("SMALL", "the smaller model's formula"), new("BIG", "the bigger model's formula")],
            _ => "compare needs DATA SMALL BIG, e.g. sparselmm compare sleepstudy \"Reaction ~ Days + (1 | Subject)\" \"Reaction ~ Days + (Days | Subject)\"",
            "quote each formula as one argument"),
        new("predict", "Fit FORMULA to DATA and predict the rows of --newdata, with and without the random effects, with intervals.",
            [Data, Formula],
            _ => "predict needs DATA and FORMULA, and --newdata FILE"),
        new("plot", "Fit FORMULA to DATA and draw one figure (--kind) to a PNG or SVG file (--out).", [Data, Formula],
            given => given == 0
                ? $"plot needs DATA and FORMULA, e.g. sparselmm plot sleepstudy {Example} --out fig.png --kind shrinkage"
                : $"plot needs a FORMULA after DATA, e.g. {Example}"),
        new("report", "Fit FORMULA to DATA and write one HTML page with the summary and every figure that applies.", [Data, Formula],
            given => given == 0
                ? $"report needs DATA and FORMULA, e.g. sparselmm report sleepstudy {Example} --out report.html"
                : $"report needs a FORMULA after DATA, e.g. {Example}"),
        new("partial", "The sufficient statistics of one partition of DATA (streamed) for FORMULA, written to --out, for fit --partials.",
            [Data, Formula],
            given => given == 0
                ? $"partial needs DATA and FORMULA, e.g. sparselmm partial part1.parquet \"y ~ x + (1 | g)\" --out part1.cp"
                : $"partial needs a FORMULA after DATA, e.g. {Example}"),
        new("sql", "Print ANSI SQL whose result over --table is a partial of FORMULA (for fit --partials).", [Formula],
            _ => "sql takes FORMULA, e.g. sparselmm sql \"y ~ x + (1 | g)\" --table events"),
        new("completion", "Print a shell completion script: eval \"$(sparselmm completion bash)\" (or zsh; pwsh: sparselmm completion pwsh | Out-String | Invoke-Expression).",
            [new("SHELL", "bash, zsh or pwsh", () => ShellCompletion.Shells)],
            _ => $"completion needs a shell: {string.Join(", ", ShellCompletion.Shells)}"),
    ];

    /// <summary>Every command, as the unknown-command message lists them.</summary>
    public static string CommandList => string.Join(", ", Commands.Select(c => c.Name)) + ", help";

    private static readonly ParserConfiguration Configuration = new()
    {
        // A data file may be called "@x.csv": response files would read it as a list of arguments.
        ResponseFileTokenReplacer = null,
    };

    /// <summary>Parses a whole command line (command first).</summary>
    public static ParseResult Parse(IReadOnlyList<string> args)
    {
        // "--json=yes": System.CommandLine would split at '=' and leave "yes" over as an argument; say what is wrong.
        foreach (var arg in args.TakeWhile(a => a != "--"))
        {
            int equals = arg.IndexOf('=');
            if (arg.StartsWith("--", StringComparison.Ordinal) && equals > 2 &&
                CommandLine.Options.FirstOrDefault(o => o.Name == arg[..equals]) is { ValueName: null } flag)
                throw new UsageException($"option {flag.Name} takes no value", Commands.Any(c => c.Name == args[0]) ? args[0] : null);
        }
        return Build().Parse(args, Configuration);
    }

    private static RootCommand Build()
    {
        var root = new RootCommand("sparselmm: linear and generalized linear mixed models with lme4 formulas.");
        // One spelling of help, as the rest of the command line: -h and --help (not -?, /h or /?).
        foreach (var option in root.Options.Where(o => o is HelpOption or VersionOption).ToList())
            root.Options.Remove(option);
        var help = new HelpOption("--help", "-h");
        help.Action = new HelpWithNotes((HelpAction)help.Action!);
        root.Options.Add(help);
        var version = new VersionOption("--version") { Action = new PrintVersion() };
        root.Options.Add(version);

        var options = CommandLine.Options.ToDictionary(spec => spec, Option);
        foreach (var spec in Commands)
        {
            var command = new Command(spec.Name, spec.Description);
            foreach (var argument in spec.Arguments)
            {
                var symbol = new Argument<string>(argument.Name) { Description = argument.Description, HelpName = argument.Name };
                if (argument.Values is { } values) symbol.CompletionSources.Add(_ => values().Select(v => new System.CommandLine.Completions.CompletionItem(v)));
                command.Arguments.Add(symbol);
            }
            foreach (var option in CommandLine.Options.Where(o => o.AppliesTo(spec.Name)))
                command.Options.Add(options[option]);
            root.Subcommands.Add(command);
        }
        return root;
    }

    private static Option Option(OptionSpec spec)
    {
        if (spec.ValueName is null)
            return new Option<bool>(spec.Name) { Description = spec.Help, Arity = ArgumentArity.Zero };
        // Every valued option collects each occurrence, one value each, so that "given more than once" is ours to say.
        var option = new Option<string[]>(spec.Name)
        {
            Description = spec.Help,
            HelpName = spec.ValueName,
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = false,
        };
        if (spec.Values is { } values) option.CompletionSources.Add(_ => values().Select(v => new System.CommandLine.Completions.CompletionItem(v)));
        return option;
    }

    /// <summary>The settings and positional arguments of a parsed command line; a usage mistake throws
    /// <see cref="UsageException"/> with one line naming it.</summary>
    public static (FitSettings Settings, List<string> Positional) Settings(ParseResult result)
    {
        var commandResult = result.CommandResult;
        string command = commandResult.Command.Name;
        ThrowFirstError(result, command);

        var given = commandResult.Children.OfType<OptionResult>().Where(o => !o.Implicit)
            .ToDictionary(o => o.Option.Name, StringComparer.Ordinal);
        var settings = new FitSettings();
        foreach (var spec in CommandLine.Options)
        {
            if (!given.TryGetValue(spec.Name, out var option)) continue;
            if (spec.ValueName is null)
            {
                spec.Apply(settings, "");
                continue;
            }
            if (!spec.Repeatable && option.Tokens.Count > 1)
                throw new UsageException($"option {spec.Name} given more than once");
            foreach (var token in option.Tokens) spec.Apply(settings, token.Value);
        }
        var positional = commandResult.Children.OfType<ArgumentResult>().SelectMany(a => a.Tokens).Select(t => t.Value).ToList();
        return (settings, positional);
    }

    private static void ThrowFirstError(ParseResult result, string command)
    {
        if (result.Errors.Count == 0) return;

        var spec = Commands.FirstOrDefault(c => c.Name == command);
        if (result.UnmatchedTokens.Count > 0)
        {
            string token = result.UnmatchedTokens[0];
            if (spec is null)
                throw new UsageException(LooksLikeOption(token)
                    ? $"unknown option '{token}' before the command (commands: {CommandList})"
                    : $"unknown command '{token}' (commands: {CommandList})");
            if (LooksLikeOption(token)) throw new UsageException(UnknownOption(token, command));
            throw new UsageException(spec.Arguments.Length == 0
                ? $"{command} takes no arguments, got '{token}'"
                : $"unexpected argument '{token}' ({spec.ExtraArgumentHint})");
        }
        foreach (var error in result.Errors)
        {
            if (error.SymbolResult is OptionResult { Tokens.Count: 0 } option &&
                CommandLine.Options.FirstOrDefault(o => o.Name == option.Option.Name) is { ValueName: { } valueName })
                throw new UsageException($"option {option.Option.Name} needs a value ({valueName})");
        }
        // fit --partials GLOB FORMULA: the partials are the data, so FORMULA is the one argument.
        if (command == "fit" && result.Errors.All(e => e.SymbolResult is ArgumentResult) &&
            result.CommandResult.Children.OfType<OptionResult>().Any(o => o.Option.Name == "--partials"))
            return;
        if (spec is not null && result.Errors.Any(e => e.SymbolResult is ArgumentResult))
            throw new UsageException(spec.Missing(result.CommandResult.Children.OfType<ArgumentResult>().Count(a => a.Tokens.Count > 0)));
        if (spec is null && result.Errors.Count > 0)
            throw new UsageException($"missing command: use 'sparselmm fit DATA FORMULA' or 'sparselmm demo' (commands: {CommandList})");
        throw new UsageException(result.Errors[0].Message);
    }

    private static string UnknownOption(string token, string command)
    {
        string name = token.IndexOf('=') is > 2 and var equals && token.StartsWith("--", StringComparison.Ordinal) ? token[..equals] : token;
        if (CommandLine.Options.FirstOrDefault(o => o.Name == name) is { } elsewhere)
        {
            var commands = CommandLine.Options.First(o => o.Name == name).Commands ?? CommandLine.FittingCommands;
            return $"option {elsewhere.Name} does not apply to {command} (it is for {string.Join(" and ", commands.Where(c => c != "demo"))})";
        }
        var names = CommandLine.Options.Where(o => o.AppliesTo(command)).Select(o => o.Name).Append("--help").ToList();
        var best = names.OrderBy(n => NameSuggestions.EditDistance(n, name)).First();
        return $"unknown option '{name}'" + (NameSuggestions.EditDistance(best, name) <= 2 ? $" (did you mean {best}?)" : "");
    }

    /// <summary>Whether an argument is an option rather than a value: a negative number is a value.</summary>
    private static bool LooksLikeOption(string arg) =>
        arg.Length > 1 && arg[0] == '-' && !double.TryParse(arg, NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    /// <summary>Help, then what DATA and FORMULA are and the exit codes, which every command shares.</summary>
    private sealed class HelpWithNotes(HelpAction help) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            help.Invoke(parseResult);
            var output = parseResult.InvocationConfiguration.Output;
            output.WriteLine("DATA is a CSV or TSV file with a header row (UTF-8, optionally gzip-compressed), - for standard input,");
            output.WriteLine("or an embedded data set: " + string.Join(", ", EmbeddedDatasets.Names) + ".");
            output.WriteLine("FORMULA is an lme4 formula, e.g. " + Example + ".");
            output.WriteLine("Exit codes: 0 success, 2 bad input or usage, 3 the fit did not converge (output flagged), 1 internal error");
            output.WriteLine("(set SPARSELMM_DEBUG=1 for details). Help on a command: sparselmm COMMAND --help.");
            return 0;
        }
    }

    private sealed class PrintVersion : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            parseResult.InvocationConfiguration.Output.WriteLine($"sparselmm {CliApplication.Version}");
            return 0;
        }
    }
}
