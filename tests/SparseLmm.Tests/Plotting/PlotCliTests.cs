using SparseLmm.Plotting;
using static SparseLmm.Tests.Cli.CliRunner;
using static SparseLmm.Tests.Plotting.PlottingFixtures;

namespace SparseLmm.Tests.Plotting;

/// <summary><c>sparselmm plot</c> and <c>sparselmm report</c> through the whole command.</summary>
public sealed class PlotCliTests : IDisposable
{
    private readonly DirectoryInfo dir = Directory.CreateTempSubdirectory("sparselmm-plotcli-");

    public void Dispose() => dir.Delete(recursive: true);

    private string Out(string name) => Path.Combine(dir.FullName, name);

    [Theory]
    [InlineData("shrinkage")]
    [InlineData("intercepts")]
    [InlineData("variance")]
    [InlineData("slopes")]
    [InlineData("caterpillar")]
    [InlineData("residuals")]
    [InlineData("qq")]
    public void Plot_writes_a_png_for_every_kind_on_sleepstudy(string kind)
    {
        var file = Out($"{kind}.png");
        var result = Run("plot", "sleepstudy", SleepstudyFormula, "--kind", kind, "--out", file);
        Assert.True(result.ExitCode == 0, result.Stderr);
        var (width, height) = PngSize(File.ReadAllBytes(file));
        AssertSensibleSize(width, height);
    }

    [Fact]
    public void Plot_writes_svg_and_takes_fit_options()
    {
        var file = Out("cat.svg");
        var result = Run("plot", "cbpp", CbppFormula, "--family", "binomial", "--factor", "period", "--kind", "caterpillar", "--out", file);
        Assert.True(result.ExitCode == 0, result.Stderr);
        SvgSize(File.ReadAllText(file));

        var ml = Out("ml.png");
        Assert.Equal(0, Run("plot", "Penicillin", PenicillinFormula, "--ml", "--kind", "variance", "--out", ml).ExitCode);
        PngSize(File.ReadAllBytes(ml));
    }

    [Fact]
    public void A_kind_that_does_not_apply_exits_2_with_one_line()
    {
        var file = Out("slopes.png");
        var result = Run("plot", "Penicillin", PenicillinFormula, "--kind", "slopes", "--out", file);
        AssertBadInput(result, "kind 'slopes' needs a random slope, e.g. (1 + x | g)");
        Assert.False(File.Exists(file));

        AssertBadInput(Run("plot", "cbpp", CbppFormula, "--family", "binomial", "--factor", "period",
            "--kind", "shrinkage", "--out", file), "linear mixed models");
    }

    [Theory]
    [InlineData(new[] { "plot", "sleepstudy", SleepstudyFormula, "--out", "x.png" }, "--kind")]
    [InlineData(new[] { "plot", "sleepstudy", SleepstudyFormula, "--kind", "qq" }, "--out")]
    [InlineData(new[] { "plot", "sleepstudy", SleepstudyFormula, "--kind", "funnel", "--out", "x.png" }, "caterpillar")]
    [InlineData(new[] { "plot", "sleepstudy", SleepstudyFormula, "--kind", "qq", "--out", "x.jpg" }, ".png or .svg")]
    [InlineData(new[] { "plot", "sleepstudy", "--kind", "qq", "--out", "x.png" }, "FORMULA")]
    [InlineData(new[] { "report", "sleepstudy", SleepstudyFormula }, "--out")]
    [InlineData(new[] { "report", "sleepstudy", SleepstudyFormula, "--out", "r.html", "--kind", "qq" }, "--kind")]
    public void Usage_mistakes_exit_2_with_one_line(string[] args, string mentions)
    {
        AssertBadInput(Run(args), mentions);
    }

    [Fact]
    public void An_unwritable_output_is_a_one_line_error()
    {
        var file = Path.Combine(dir.FullName, "no-such-dir", "x.png");
        AssertBadInput(Run("plot", "sleepstudy", SleepstudyFormula, "--kind", "qq", "--out", file), "cannot write");
    }

    [Fact]
    public void Report_writes_one_self_contained_page()
    {
        var file = Out("report.html");
        var result = Run("report", "sleepstudy", SleepstudyFormula, "--out", file);
        Assert.True(result.ExitCode == 0, result.Stderr);
        var html = File.ReadAllText(file);
        Assert.StartsWith("<!DOCTYPE html>", html);
        Assert.Contains("<pre>", html);
        Assert.Contains("Linear mixed model fit by REML", html);
        // Every kind but trace and density, which need --mcmc.
        Assert.Equal(PlotKinds.All.Count - 2, CountOf(html, "src=\"data:image/png;base64,"));
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org", ""));
        Assert.DoesNotContain("https://", html);
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("<link", html);
    }

    [Fact]
    public void Report_of_a_glmm_has_the_kinds_that_apply_and_says_why_the_others_are_missing()
    {
        var file = Out("cbpp.html");
        var result = Run("report", "cbpp", CbppFormula, "--family", "binomial", "--factor", "period", "--out", file);
        Assert.True(result.ExitCode == 0, result.Stderr);
        var html = File.ReadAllText(file);
        Assert.Equal(4, CountOf(html, "src=\"data:image/png;base64,"));
        Assert.Contains("Figures that do not apply", html);
        Assert.Contains("binomial", html);
    }

    [Fact]
    public void Help_lists_plot_and_report()
    {
        var result = Run("--help");
        Assert.Contains("plot <DATA> <FORMULA>", result.Stdout);
        Assert.Contains("report <DATA> <FORMULA>", result.Stdout);
        Assert.Contains("--kind <KIND>", Run("plot", "--help").Stdout);
        Assert.Contains("--out <FILE>", Run("report", "--help").Stdout);
    }

    private static int CountOf(string text, string part)
    {
        int count = 0;
        for (int i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + 1, StringComparison.Ordinal))
            count++;
        return count;
    }
}
