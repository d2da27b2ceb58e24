using System.Text.RegularExpressions;

namespace SparseLmm.Tests.Cli;

/// <summary>Every <c>sparselmm</c> command in the README's <c>sh</c> blocks, run as written by bash (with
/// <c>sparselmm</c> being the built CLI) in a fresh directory holding a copy of <c>examples/</c>, as a user on a fresh
/// clone would: each must exit 0.</summary>
public partial class ReadmeExamplesTests
{
    private static string Readme => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "README.md"));

    [GeneratedRegex(@"^```sh\n(.*?)^```", RegexOptions.Singleline | RegexOptions.Multiline)]
    private static partial Regex ShellBlock();

    [GeneratedRegex(@"\bsparselmm\s")]
    private static partial Regex Invocation();

    /// <summary>The command lines of the README's sh blocks that run sparselmm.</summary>
    public static IReadOnlyList<string> Examples() =>
        [.. ShellBlock().Matches(Readme.ReplaceLineEndings("\n"))
            .SelectMany(block => block.Groups[1].Value.Split('\n'))
            .Where(line => Invocation().IsMatch(line.Split(" #")[0]))
            .Distinct()];

    public static TheoryData<string> ExampleLines => [.. Examples()];

    [Fact]
    public void The_readme_has_examples_of_every_command()
    {
        var examples = Examples();
        foreach (var command in new[] { "demo", "fit", "compare", "predict", "plot", "report", "completion" })
            Assert.Contains(examples, line => line.Contains($"sparselmm {command} ", StringComparison.Ordinal) || line.EndsWith($"sparselmm {command}", StringComparison.Ordinal) || line.Contains($"sparselmm {command})", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(ExampleLines))]
    public void Readme_example_runs_as_written(string line)
    {
        string directory = Path.Combine(Path.GetTempPath(), $"sparselmm-readme-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path.Combine(directory, "examples"));
        try
        {
            foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "examples")))
                File.Copy(file, Path.Combine(directory, "examples", Path.GetFileName(file)));
            string script = $"set -e -o pipefail\nsparselmm() {{ dotnet '{CliProcess.Assembly}' \"$@\"; }}\n{line}\n";
            // Tiered compilation (off in the CLI's runtimeconfig, for repeated fits) starts these one-shot runs sooner.
            var result = CliProcess.Run(["-c", script], workingDirectory: directory, program: "bash", prependAssembly: false,
                environment: new Dictionary<string, string> { ["DOTNET_TieredCompilation"] = "1" });
            Assert.True(result.ExitCode == 0, $"{line}\nexit {result.ExitCode}: {result.Stderr}");
            Assert.DoesNotContain("internal error", result.Stderr);
            if (Regex.Match(line, @"--out (\S+)") is { Success: true } output)
                Assert.True(File.Exists(Path.Combine(directory, output.Groups[1].Value)), $"{line} wrote no {output.Groups[1].Value}");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
