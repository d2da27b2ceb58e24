using System.Diagnostics;
using System.Runtime.InteropServices;
using SparseLmm.Cli;
using Xunit.Abstractions;

namespace SparseLmm.Tests.Cli;

/// <summary>Ctrl+C: the work stops through the library's token, and the command exits 130 with one line on stderr, no
/// stack trace and nothing on stdout, within a second.</summary>
public partial class CliCancellationTests(ITestOutputHelper output)
{
    private const string SlowFit = "y ~ service + (1 + service | d) + (1 | s) + (1 | dept)";

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    private const int Sigint = 2;

    /// <summary>The built program as a user runs it, sent SIGINT while it works: a fit that takes tens of seconds, a
    /// long MCMC run and a long bootstrap (whose replicates keep every thread-pool thread busy). Started through <c>env --default-signal=INT</c> because a test host started in the background
    /// by a shell inherits SIGINT ignored, and so would the program.</summary>
    [Theory]
    [InlineData("fit", "InstEval", SlowFit)]
    [InlineData("fit", "sleepstudy", "Reaction ~ Days + (Days | Subject)", "--mcmc", "1000000")]
    [InlineData("fit", "sleepstudy", "Reaction ~ Days + (Days | Subject)", "--ci", "boot", "--nsim", "100000")]
    public void SigintStopsTheProgramWithExitCode130AndOneLine(params string[] args)
    {
        var start = new ProcessStartInfo("env")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])["--default-signal=INT", "dotnet", CliProcess.Assembly, .. args]) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        // Past the start-up and the reading of the data: in the search, or in the chains.
        Thread.Sleep(TimeSpan.FromSeconds(3));
        Assert.False(process.HasExited, "the work finished before the signal");
        var clock = Stopwatch.StartNew();
        Assert.Equal(0, Kill(process.Id, Sigint));
        bool exited = process.WaitForExit(TimeSpan.FromSeconds(30));
        if (!exited) process.Kill(entireProcessTree: true);
        process.WaitForExit();
        output.WriteLine($"{string.Join(' ', args)}: exited {clock.Elapsed.TotalMilliseconds:F0} ms after SIGINT");
        Assert.True(exited, "the program went on for 30 s after SIGINT");
        Assert.Equal(CliApplication.Cancelled, process.ExitCode);
        Assert.Equal(CliApplication.CancelledMessage + "\n", stderr.Result);
        Assert.Equal("", stdout.Result);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1.5), $"the program exited {clock.Elapsed.TotalMilliseconds:F0} ms after SIGINT");
    }

    /// <summary>In-process, where no signal handler can end the process: only the token stops the work. Each runs for
    /// minutes when not stopped (the bootstrap's 10⁵ replicates; one chain of 10⁶ draws, stopped by the chain's own
    /// check).</summary>
    [Theory]
    [InlineData("--ci", "boot", "--nsim", "100000")]
    [InlineData("--mcmc", "1000000", "--chains", "1")]
    public void TheTokenStopsTheBootstrapAndTheChains(params string[] options)
    {
        using var source = new CancellationTokenSource();
        var sinceCancel = new Stopwatch();
        using var registration = source.Token.Register(sinceCancel.Start);
        // From a thread of its own: CancelAfter's timer runs on the thread pool, which the bootstrap keeps busy.
        new Thread(() =>
        {
            Thread.Sleep(500);
            source.Cancel();
        }).Start();
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        int code = CliApplication.Run(["fit", "sleepstudy", "Reaction ~ Days + (Days | Subject)", .. options], stdout, stderr,
            cancellation: source.Token);
        output.WriteLine($"{string.Join(' ', options)}: returned {sinceCancel.Elapsed.TotalMilliseconds:F0} ms after the cancel");
        Assert.Equal(CliApplication.Cancelled, code);
        Assert.Equal("sparselmm: cancelled\n", stderr.ToString());
        Assert.Equal("", stdout.ToString());
        Assert.True(sinceCancel.Elapsed < TimeSpan.FromSeconds(1), $"returned {sinceCancel.Elapsed.TotalMilliseconds:F0} ms after the cancel");
    }
}
