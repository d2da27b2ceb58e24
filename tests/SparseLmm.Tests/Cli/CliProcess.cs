using System.Diagnostics;

namespace SparseLmm.Tests.Cli;

/// <summary>Runs the built <c>sparselmm</c> (SparseLmm.Cli.dll beside the tests) as a separate process: for what an
/// in-process run cannot show, such as standard input, a shell, or a working directory of its own.</summary>
internal static class CliProcess
{
    /// <summary>The CLI's assembly, copied beside the tests by the project reference.</summary>
    public static string Assembly => Path.Combine(AppContext.BaseDirectory, "SparseLmm.Cli.dll");

    /// <summary>Runs <c>dotnet SparseLmm.Cli.dll args</c> (or another program) with <paramref name="stdin"/> as its
    /// standard input, in <paramref name="workingDirectory"/>.</summary>
    public static CliRunner.Result Run(IEnumerable<string> args, string? stdin = null, string? workingDirectory = null,
        string program = "dotnet", bool prependAssembly = true, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        if (prependAssembly) start.ArgumentList.Add(Assembly);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null) process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', args)} did not finish in 3 minutes");
        }
        return new CliRunner.Result(process.ExitCode, stdout.Result, stderr.Result);
    }
}
