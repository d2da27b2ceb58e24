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
    public void Help_exits_zero_and_lists_commands_and_options(string flag)
    {
        var result = Run(flag);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Stderr);
        Assert.Contains("sparselmm fit DATA FORMULA", result.Stdout);
        Assert.Contains("sparselmm demo", result.Stdout);
        foreach (var option in CommandLine.Options)
            Assert.Contains(option.Name, result.Stdout);
    }

    [Fact]
    public void Fit_help_exits_zero()
    {
        var result = Run("fit", "--help");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("--repeat N", result.Stdout);
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
