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

    /// <summary>The line a fit draws from its own reports: the evaluations so far and the best REML criterion, which
    /// at the end is lme4's 1743.628 for this model.</summary>
    [Fact]
    public void Shows_a_fits_evaluations_and_its_best_objective()
    {
        var output = new StringWriter();
        string expected;
        using (var progress = new ProgressIndicator(TextWriter.Synchronized(output), enabled: true, "fitting", delay: TimeSpan.Zero))
        {
            var fit = MixedModel.Fit("Reaction ~ Days + (Days | Subject)", "sleepstudy", progress: progress.Fit("fitting", "REML criterion"));
            expected = $"fitting: {fit.Timing.Evaluations} evaluations, REML criterion 1743.63... ";
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (!output.ToString().Contains(expected, StringComparison.Ordinal) && DateTime.UtcNow < deadline)
                Thread.Sleep(50);
        }
        Assert.Contains(expected, output.ToString());
    }

    [Theory]
    [InlineData(FitStage.Rows, 0, double.NaN, "fitting")]
    [InlineData(FitStage.Search, 0, double.NaN, "fitting: 0 evaluations")]
    [InlineData(FitStage.Search, 1, 184.05312, "fitting: 1 evaluation, deviance 184.05")]
    [InlineData(FitStage.JointSearch, 12345, 184.05312, "fitting: 12,345 evaluations, deviance 184.05")]
    [InlineData(FitStage.Covariance, 200, 184.05312, "fitting: 200 evaluations, the Hessian for the fixed effects' covariance")]
    public void Describes_each_stage_of_a_fit(FitStage stage, int evaluations, double best, string expected) =>
        Assert.Equal(expected, ProgressIndicator.Describe("fitting", "deviance", new FitProgress(stage, evaluations, best, TimeSpan.Zero)));

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
