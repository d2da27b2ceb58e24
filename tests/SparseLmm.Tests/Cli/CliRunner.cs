using SparseLmm.Cli;

namespace SparseLmm.Tests.Cli;

/// <summary>Runs the <c>sparselmm</c> command in-process and captures its output.</summary>
internal static class CliRunner
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public string[] StderrLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    public static Result Run(params string[] args)
    {
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        int code = CliApplication.Run(args, stdout, stderr);
        return new Result(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>A temporary file with the given content, deleted on dispose.</summary>
    public sealed class TempFile : IDisposable
    {
        public TempFile(string content, string extension = ".csv")
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"sparselmm-test-{Guid.NewGuid():N}{extension}");
            File.WriteAllText(Path, content);
        }

        public string Path { get; }

        public void Dispose()
        {
            try { File.Delete(Path); } catch (IOException) { }
        }
    }

    /// <summary>A usage or input error: exit code 2, exactly one line on stderr, no stack trace, nothing on stdout.</summary>
    public static void AssertBadInput(Result result, string? mentions = null)
    {
        Assert.True(result.ExitCode == 2, $"exit code {result.ExitCode}, stderr: {result.Stderr}");
        Assert.Single(result.StderrLines);
        Assert.DoesNotContain("   at ", result.Stderr);
        Assert.DoesNotContain("internal error", result.Stderr);
        Assert.StartsWith("sparselmm: ", result.Stderr);
        Assert.Equal("", result.Stdout);
        if (mentions is not null)
            Assert.Contains(mentions, result.Stderr, StringComparison.OrdinalIgnoreCase);
    }
}
