using System.Text.Json;
using SparseLmm.Cli;

namespace SparseLmm.Tests.Cli;

public sealed class GlmmJsonTests
{
    [Fact]
    public void BinomialFixedEffectsCarryWaldZTestsLikeGlmer()
    {
        var stdout = new StringWriter();
        int exit = CliApplication.Run(
            ["fit", "cbpp", "cbind(incidence, size - incidence) ~ 1 + period + (1 | herd)", "--family", "binomial", "--json"],
            stdout, new StringWriter());
        Assert.Equal(0, exit);
        var fixef = JsonDocument.Parse(stdout.ToString()).RootElement.GetProperty("fixef");
        var estimates = fixef.GetProperty("estimate").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var errors = fixef.GetProperty("stderr").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var statistics = fixef.GetProperty("statistic").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var p = fixef.GetProperty("p_value").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        for (int j = 0; j < estimates.Length; j++) Assert.Equal(estimates[j] / errors[j], statistics[j], 10);
        // glmer's summary for cbpp: z = -6.048 (p 1.47e-09) for the intercept, -3.272 (p 0.00107) for period2.
        Assert.Equal(-6.048, statistics[0], 2);
        Assert.Equal(1.47e-9, p[0], 11);
        Assert.Equal(0.00107, p[1], 5);
    }
}
