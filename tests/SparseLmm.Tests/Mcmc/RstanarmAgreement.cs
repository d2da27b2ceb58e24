using System.Globalization;
using SparseLmm.Mcmc;

namespace SparseLmm.Tests.Mcmc;

/// <summary>A posterior against rstanarm's summary of its own draws (data/reference/mcmc/*.csv: name, mean, sd, the
/// 95% interval's ends, ESS): means, SDs and interval ends within four combined Monte Carlo standard errors.</summary>
internal static class RstanarmAgreement
{
    /// <summary>Asserts the agreement for every row of <paramref name="file"/> (<paramref name="rowCount"/> of them);
    /// <paramref name="quantileEss"/> picks our ESS for the interval's ends.</summary>
    public static void Check(McmcResult posterior, string file, int rowCount, Func<McmcParameterSummary, double> quantileEss)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "data", "reference", "mcmc", file);
        var rows = File.ReadLines(path).Skip(1).Select(line => line.Split(',')).ToList();
        Assert.Equal(rowCount, rows.Count);
        foreach (var row in rows)
        {
            string name = row[0].Trim('"');
            var r = row[1..].Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            double mean = r[0], sd = r[1], lower = r[2], upper = r[3], ess = r[4];
            var ours = posterior.Summaries.Single(s => s.Name == name);
            double meanError = Math.Sqrt(ours.StandardDeviation * ours.StandardDeviation / ours.BulkEss + sd * sd / ess);
            Assert.True(Math.Abs(ours.Mean - mean) < 4 * meanError, $"{name}: mean {ours.Mean} vs rstanarm {mean} (MC error {meanError})");
            double sdError = sd * Math.Sqrt(1 / (2 * ours.BulkEss) + 1 / (2 * ess));
            Assert.True(Math.Abs(ours.StandardDeviation - sd) < 4 * 1.5 * sdError, $"{name}: sd {ours.StandardDeviation} vs rstanarm {sd}");
            // A 2.5% quantile's MC error is about 2.7 sd/√ESS for a normal posterior.
            double quantileError = 2.7 * sd * Math.Sqrt(1 / quantileEss(ours) + 1 / ess);
            Assert.True(Math.Abs(ours.Lower - lower) < 4 * quantileError, $"{name}: lower {ours.Lower} vs rstanarm {lower}");
            Assert.True(Math.Abs(ours.Upper - upper) < 4 * quantileError, $"{name}: upper {ours.Upper} vs rstanarm {upper}");
        }
    }
}
