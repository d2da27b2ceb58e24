using SparseLmm.Cli;
using static SparseLmm.Tests.Cli.CliRunner;

namespace SparseLmm.Tests.Cli;

/// <summary>The progress line: shown on a terminal with the phase and its count, blanked when done, never written when
/// stderr is not a terminal.</summary>
public class ProgressIndicatorTests
{
    [Fact]
    public void Shows_the_count_of_a_phase_and_blanks_the_line_when_done()
    {
        var output = new StringWriter();
        using (var progress = new ProgressIndicator(TextWriter.Synchronized(output), enabled: true, "fitting", delay: TimeSpan.Zero))
        {
            var counter = progress.Counter("boot", 1000);
            counter.Report(120);
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (!output.ToString().Contains("boot 120/1000", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
                Thread.Sleep(50);
        }
        string written = output.ToString();
        Assert.Matches(@"\r[|/\-\\] boot 120/1000\.\.\. \d+ s", written);
        Assert.EndsWith("\r", written);
    }

    [Fact]
    public void Writes_nothing_when_not_enabled()
    {
        var output = new StringWriter();
        using (var progress = new ProgressIndicator(output, enabled: false, "fitting", delay: TimeSpan.Zero))
        {
            progress.Counter("boot", 10).Report(3);
            Thread.Sleep(300);
        }
        Assert.Equal("", output.ToString());
    }

    [Fact]
    public void Long_work_is_quiet_when_stderr_is_not_a_terminal()
    {
        var result = Run("fit", "sleepstudy", "Reaction ~ 1 + Days + (1 | Subject)", "--ci", "boot", "--nsim", "20");
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Stderr);
    }
}
