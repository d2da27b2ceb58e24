using SparseLmm.Cli;
using static SparseLmm.Tests.Cli.CliRunner;

namespace SparseLmm.Tests.Cli;

/// <summary>The command line itself: help, version, and usage errors (none of these need the engine).</summary>
public class CliUsageTests
{
    private const string Formula = "Reaction ~ 1 + Days + (1 + Days | Subject)";

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("help")]
    public void Help_exits_zero_and_lists_the_commands(string flag)
    {
        var result = Run(flag);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Stderr);
        Assert.Contains("sparselmm [command] [options]", result.Stdout);
        Assert.Contains("fit <DATA> <FORMULA>", result.Stdout);
        foreach (var command in CommandTree.Commands)
            Assert.Matches($@"(?m)^  {command.Name}\b", result.Stdout);
        Assert.Contains("Exit codes: 0 success, 2 bad input or usage", result.Stdout);
    }

    public static TheoryData<string> CommandNames => [.. CommandTree.Commands.Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(CommandNames))]
    public void Each_command_lists_exactly_the_options_that_apply_to_it(string command)
    {
        var result = Run(command, "--help");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains($"sparselmm {command}", result.Stdout);
        foreach (var option in CommandLine.Options)
        {
            bool listed = System.Text.RegularExpressions.Regex.IsMatch(result.Stdout,
                $@"(?m)^  {System.Text.RegularExpressions.Regex.Escape(option.Name)}( <|\s)");
            Assert.True(option.AppliesTo(command) == listed, $"{option.Name} listed: {listed}, applies to {command}: {option.AppliesTo(command)}");
        }
        Assert.Equal(result.Stdout, Run("help", command).Stdout);
    }

    [Fact]
    public void Every_option_applies_to_some_command_and_is_refused_by_the_others()
    {
        foreach (var option in CommandLine.Options)
        {
            Assert.Contains(CommandTree.Commands, c => option.AppliesTo(c.Name));
            var refusing = CommandTree.Commands.Where(c => !option.AppliesTo(c.Name) && c.Name != "completion");
            foreach (var command in refusing)
            {
                string[] args = command.Name switch
                {
                    "demo" => ["demo"],
                    "compare" => ["compare", "sleepstudy", "Reaction ~ 1 + (1 | Subject)", Formula],
                    "sql" => ["sql", Formula],
                    _ => [command.Name, "sleepstudy", Formula],
                };
                string[] withOption = option.ValueName is null ? [.. args, option.Name] : [.. args, option.Name, "1"];
                AssertBadInput(Run(withOption), $"option {option.Name} does not apply to {command.Name}");
            }
        }
    }

    [Fact]
    public void Fit_help_exits_zero()
    {
        var result = Run("fit", "--help");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("--repeat <N>", result.Stdout);
        Assert.DoesNotContain("--kind", result.Stdout);
    }

    [Fact]
    public void Version_is_the_commit_count_of_the_source()
    {
        // src/Directory.Build.targets: 0.1.N, N = git rev-list --count of the commit the CLI was built from, whose
        // hash follows the '+' of the informational version.
        var informational = typeof(CliApplication).Assembly
            .GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .Cast<System.Reflection.AssemblyInformationalVersionAttribute>().Single().InformationalVersion;
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "src", "Directory.Build.targets"))) root = root.Parent;
        Assert.NotNull(root);
        int plus = informational.IndexOf('+');
        if (plus < 0)
        {
            Assert.Equal("0.1.0", CliApplication.Version);   // built without git
            return;
        }
        string commit = informational[(plus + 1)..].Split('+', '.')[0];
        var git = CliProcess.Run(["-C", root.FullName, "rev-list", "--count", commit], program: "git", prependAssembly: false);
        Assert.True(git.ExitCode == 0, git.Stderr);
        Assert.Equal($"0.1.{git.Stdout.Trim()}", CliApplication.Version);
    }

    [Fact]
    public void Version_exits_zero()
    {
        var result = Run("--version");
        Assert.Equal(0, result.ExitCode);
        Assert.Matches(@"^sparselmm \d+\.\d+\.\d+", result.Stdout);
        Assert.Equal("", result.Stderr);
    }

    [Theory]
    [InlineData(new string[0], "missing command")]
    [InlineData(new[] { "frobnicate" }, "unknown command 'frobnicate'")]
    [InlineData(new[] { "--frobnicate" }, "unknown option")]
    [InlineData(new[] { "fit" }, "needs DATA and FORMULA")]
    [InlineData(new[] { "fit", "sleepstudy" }, "FORMULA")]
    [InlineData(new[] { "fit", "sleepstudy", Formula, "extra" }, "unexpected argument 'extra'")]
    [InlineData(new[] { "fit", "sleepstudy", Formula, "--repeat", "abc" }, "--repeat: 'abc'")]
    [InlineData(new[] { "fit", "sleepstudy", Formula, "--repeat", "0" }, "--repeat: '0'")]
    [InlineData(new[] { "fit", "sleepstudy", Formula, "--repeat", "-3" }, "--repeat")]
    [InlineData(new[] { "fit", "sleepstudy", Formula, "--repeat=1.5" }, "--repeat: '1.5'")]
    [InlineData(new[] { "fit", "sleepstudy", Formula, "--repeat" }, "needs a value")]
    [InlineData(new[] { "fit", "sleepstudy", Formula, "--repeat", "2", "--repeat", "3" }, "more than once")]
    [InlineData(new[] { "fit", "sleepstudy", Formula, "--jsn" }, "did you mean --json")]
    [InlineData(new[] { "fit", "sleepstudy", Formula, "--json=yes" }, "takes no value")]
    [InlineData(new[] { "fit", "sleepstudy", Formula, "--reml", "--ml" }, "cannot be used together")]
    [InlineData(new[] { "fit", "sleepstudy", Formula, "--family", "banana" }, "unknown family 'banana'")]
    [InlineData(new[] { "fit", "sleepstudy", Formula, "--link", "banana" }, "unknown link 'banana'")]
    [InlineData(new[] { "fit", "sleepstudy", Formula, "--family", "binomial", "--reml" }, "--reml applies to gaussian models only")]
    [InlineData(new[] { "fit", "sleepstudy", Formula, "--nagq", "x" }, "--nagq: 'x'")]
    [InlineData(new[] { "fit", "sleepstudy", Formula, "--nagq", "-1" }, "--nagq")]
    [InlineData(new[] { "fit", "sleepstudy", Formula, "--nagq", "25" }, "nAGQ")]
    [InlineData(new[] { "fit", "sleepstudy", Formula, "--threads", "0" }, "--threads: '0'")]
    [InlineData(new[] { "fit", "sleepstudy", Formula, "--threads", "65" }, "--threads")]
    [InlineData(new[] { "demo", "extra" }, "demo takes no arguments")]
    [InlineData(new[] { "fit", "sleepstudy", Formula, "--json=yes", "--help" }, "see 'sparselmm fit --help'")]
    [InlineData(new[] { "compare", "sleepstudy", Formula }, "compare needs DATA SMALL BIG")]
    [InlineData(new[] { "plot", "sleepstudy" }, "plot needs a FORMULA after DATA")]
    [InlineData(new[] { "completion" }, "completion needs a shell")]
    [InlineData(new[] { "completion", "fish" }, "unknown shell 'fish'")]
    public void Usage_errors_exit_two_with_one_line(string[] args, string mentions) =>
        AssertBadInput(Run(args), mentions);

    [Fact]
    public void Option_table_parses_values_inline_and_separate()
    {
        var (settings, positional) = CommandLine.Parse(["data.csv", "--factor", "a", "--factor=b", "y ~ x + (1|g)", "--repeat=4", "--ml", "--json"]);
        Assert.Equal(["data.csv", "y ~ x + (1|g)"], positional);
        Assert.Equal(["a", "b"], settings.Factors);
        Assert.Equal(4, settings.Repeat);
        Assert.True(settings.MaximumLikelihood);
        Assert.True(settings.Json);
    }

    [Fact]
    public void Double_dash_ends_options()
    {
        var (_, positional) = CommandLine.Parse(["--", "--odd-name.csv", "y ~ 1 + (1|g)"]);
        Assert.Equal(["--odd-name.csv", "y ~ 1 + (1|g)"], positional);
    }

    [Fact]
    public void Median_of_timings()
    {
        Assert.Equal(2, FitCommand.Median([3, 1, 2]));
        Assert.Equal(2.5, FitCommand.Median([4, 1, 2, 3]));
    }

    [Fact]
    public void Unexpected_failures_exit_one_with_one_line_and_no_stack_trace()
    {
        // A writer that fails stands in for a bug: the failure is reported as an internal error.
        var stderr = new StringWriter();
        int code = CliApplication.Run(["--version"], new FailingWriter(), stderr);
        Assert.Equal(1, code);
        var lines = stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (Environment.GetEnvironmentVariable("SPARSELMM_DEBUG") != "1")
            Assert.Single(lines);
        Assert.StartsWith("sparselmm: internal error: disk on fire", lines[0]);
        Assert.DoesNotContain("   at ", lines[0]);
    }

    private sealed class FailingWriter : StringWriter
    {
        public override void WriteLine(string? value) => throw new InvalidOperationException("disk on fire\nsecond line");
        public override void Write(string? value) => throw new InvalidOperationException("disk on fire");
    }

    [Fact]
    public void Errors_are_reduced_to_one_line()
    {
        Assert.Equal("first", CliApplication.OneLine("first\nsecond\r\nthird"));
    }
}
