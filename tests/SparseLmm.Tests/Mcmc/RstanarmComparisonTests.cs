using System.Globalization;
using SparseLmm.Data;
using SparseLmm.Mcmc;

namespace SparseLmm.Tests.Mcmc;

/// <summary>sleepstudy's posterior under rstanarm's priors (<see cref="McmcPrior.RstanarmDecov"/>) against rstanarm's
/// own draws (data/reference/mcmc/rstanarm_sleepstudy.R: stan_lmer, 4 chains × 2,000 draws): means, SDs and the 95%
/// interval's ends agree within four combined Monte Carlo standard errors (from each side's bulk ESS).</summary>
public class RstanarmComparisonTests
{
    [Fact]
    public void Posterior_summaries_agree_with_rstanarm()
    {
        var fit = MixedModel.Fit("Reaction ~ 1 + Days + (1 + Days | Subject)", EmbeddedDatasets.Load("sleepstudy"));
        var posterior = MixedModelSampler.Sample(fit, new McmcOptions(Draws: 2000, Chains: 4, Warmup: 1000, Seed: 1, Prior: McmcPrior.RstanarmDecov));
        var path = Path.Combine(AppContext.BaseDirectory, "data", "reference", "mcmc", "rstanarm_sleepstudy.csv");
        var rows = File.ReadLines(path).Skip(1).Select(line => line.Split(',')).ToList();
        Assert.Equal(6, rows.Count);
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
            double quantileError = 2.7 * sd * Math.Sqrt(1 / ours.BulkEss + 1 / ess);
            Assert.True(Math.Abs(ours.Lower - lower) < 4 * quantileError, $"{name}: lower {ours.Lower} vs rstanarm {lower}");
            Assert.True(Math.Abs(ours.Upper - upper) < 4 * quantileError, $"{name}: upper {ours.Upper} vs rstanarm {upper}");
        }
    }
}
