using SparseLmm.Cli;
using SparseLmm.Plotting;
using static SparseLmm.Tests.Cli.CliRunner;

namespace SparseLmm.Tests.Cli;

/// <summary>The conventions of the command line: standard input as "-", shell completion (the [suggest] directive
/// and the scripts, run in bash).</summary>
public class CliConventionsTests
{
    private const string Formula = "Reaction ~ 1 + Days + (1 + Days | Subject)";

    private static string[] Suggest(string line) =>
        Run($"[suggest:{line.Length}]", line).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public void Completion_suggests_commands_options_of_the_command_and_values()
    {
        Assert.Equal(["fit"], Suggest("sparselmm fi"));
        Assert.Equal(["--family"], Suggest($"sparselmm fit sleepstudy \"{Formula}\" --fam"));
        Assert.DoesNotContain("--kind", Suggest($"sparselmm fit sleepstudy \"{Formula}\" --"));
        Assert.Contains("--kind", Suggest($"sparselmm plot sleepstudy \"{Formula}\" --"));
        Assert.Equal(PlotKinds.All.Select(k => k.Name()).Order(StringComparer.OrdinalIgnoreCase),
            Suggest($"sparselmm plot sleepstudy \"{Formula}\" --kind "));
        Assert.Equal(["kenward-roger"], Suggest("sparselmm fit sleepstudy x --ddf k"));
        Assert.Superset(new HashSet<string> { "Dyestuff", "Dyestuff2" }, Suggest("sparselmm fit Dy").ToHashSet());
    }

    [Theory]
    [InlineData("bash", "complete -o default -F _sparselmm_complete sparselmm")]
    [InlineData("zsh", "compdef _sparselmm sparselmm")]
    [InlineData("pwsh", "Register-ArgumentCompleter -Native -CommandName sparselmm")]
    public void Completion_scripts_ask_the_program(string shell, string registration)
    {
        var result = Run("completion", shell);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains(registration, result.Stdout);
        Assert.Contains("[suggest:", result.Stdout);
    }

    [Fact]
    public void Bash_completion_works_in_bash()
    {
        // The script as a user loads it, with sparselmm being the built CLI; COMP_* set as bash sets them on <TAB>.
        string script = Run("completion", "bash").Stdout;
        string Complete(string line)
        {
            var words = line.Split(' ');
            string bash = $$"""
                sparselmm() { dotnet '{{CliProcess.Assembly}}' "$@"; }
                {{script}}
                COMP_LINE='{{line}}'; COMP_POINT={{line.Length}}
                COMP_WORDS=({{string.Join(' ', words.Select(w => $"'{w}'"))}}); COMP_CWORD={{words.Length - 1}}
                _sparselmm_complete
                printf '%s\n' "${COMPREPLY[@]}"
                """;
            var result = CliProcess.Run(["-c", bash], program: "bash", prependAssembly: false);
            Assert.True(result.ExitCode == 0, result.Stderr);
            return result.Stdout.Trim();
        }
        Assert.Equal("compare\ncompletion", Complete("sparselmm comp"));
        Assert.Equal("--new-levels\n--newdata", Complete("sparselmm predict sleepstudy y~x --new"));
        Assert.Equal("binomial", Complete("sparselmm fit cbpp y~x --family bin"));
        Assert.Equal("sleepstudy", Complete("sparselmm fit slee"));
    }

    /// <summary>The PowerShell script as a user loads it, with <c>sparselmm</c> an executable on PATH (a native
    /// completer serves applications, not functions), completed by PowerShell's own TabExpansion2. Needs pwsh, which
    /// .ci/run installs (<c>dotnet tool install --global PowerShell --version 7.6.9</c>) and then requires through
    /// SPARSELMM_REQUIRE_PWSH; a machine with only the .NET SDK (the README's <c>dotnet test</c>) has none to run.</summary>
    [Fact]
    public void PowerShell_completion_works_in_pwsh()
    {
        string? pwsh = new[] { Environment.GetEnvironmentVariable("PATH") ?? "", Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet", "tools") }
            .SelectMany(p => p.Split(':', StringSplitOptions.RemoveEmptyEntries))
            .Select(directory => Path.Combine(directory, "pwsh")).FirstOrDefault(File.Exists);
        if (pwsh is null)
        {
            Assert.True(Environment.GetEnvironmentVariable("SPARSELMM_REQUIRE_PWSH") is null,
                "pwsh is not installed: dotnet tool install --global PowerShell --version 7.6.9");
            return;
        }
        string bin = Directory.CreateTempSubdirectory("sparselmm-pwsh-").FullName;
        try
        {
            string launcher = Path.Combine(bin, "sparselmm");
            File.WriteAllText(launcher, $"#!/bin/sh\nexec dotnet '{CliProcess.Assembly}' \"$@\"\n");
            File.SetUnixFileMode(launcher, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            File.WriteAllText(Path.Combine(bin, "data.csv"), "y,g\n1,a\n");
            string[] lines =
            [
                "sparselmm comp",
                "sparselmm predict sleepstudy y~x --new",
                "sparselmm fit cbpp y~x --family bin",
                "sparselmm fit slee",
                // The cursor counts from the start of the input, not of the command.
                "Write-Output hi; sparselmm comp",
                // Nothing suggested: PowerShell completes the file name.
                $"sparselmm fit {Path.Combine(bin, "da")}",
            ];
            string script = $"$env:PATH = '{bin}:' + $env:PATH\nsparselmm completion pwsh | Out-String | Invoke-Expression\n"
                + string.Concat(lines.Select(line =>
                    $"$r = TabExpansion2 -inputScript '{line}' -cursorColumn {line.Length}\n" +
                    "(($r.CompletionMatches | ForEach-Object CompletionText) -join ',')\n"));
            var result = CliProcess.Run(["-NoProfile", "-NonInteractive", "-Command", script], program: pwsh!, prependAssembly: false,
                workingDirectory: bin);
            Assert.True(result.ExitCode == 0, result.Stderr);
            Assert.Equal(
                ["compare,completion", "--new-levels,--newdata", "binomial", "sleepstudy", "compare,completion", Path.Combine(bin, "data.csv")],
                result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim()));
        }
        finally
        {
            Directory.Delete(bin, recursive: true);
        }
    }

    [Fact]
    public void A_dash_reads_the_data_from_standard_input()
    {
        string csv = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "data", "csv", "sleepstudy.csv"));
        var result = CliProcess.Run(["fit", "-", Formula, "--json"], stdin: csv);
        Assert.True(result.ExitCode == 0, result.Stderr);
        var fromFile = Run("fit", "sleepstudy", Formula, "--json");
        Assert.Equal(Loglik(fromFile.Stdout), Loglik(result.Stdout));

        var newData = "Days,Subject\n0,308\n9,999\n";
        var predicted = CliProcess.Run(["predict", "sleepstudy", Formula, "--newdata", "-"], stdin: newData);
        Assert.True(predicted.ExitCode == 0, predicted.Stderr);
        Assert.StartsWith("row,fit,fit_population", predicted.Stdout);
        Assert.Equal(3, predicted.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);

        AssertBadInput(Run("predict", "-", Formula, "--newdata", "-"), "standard input is read once");
    }

    [Fact]
    public void An_argument_starting_with_at_is_a_file_name_not_a_response_file() =>
        // System.CommandLine would read "@FILE" as a file of arguments; here it is the data file's name.
        AssertBadInput(Run("fit", "@no-such-file.csv", Formula), "cannot read '@no-such-file.csv': no such file");

    private static double Loglik(string json) =>
        System.Text.Json.JsonDocument.Parse(json).RootElement.GetProperty("loglik").GetDouble();
}
