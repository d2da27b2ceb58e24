using SparseLmm.Data;
using SparseLmm.Mcmc;

namespace SparseLmm.Tests.Mcmc;

/// <summary>The binomial GLMM sampler on cbpp, <c>cbind(incidence, size − incidence) ~ period + (1 | herd)</c>: at the
/// issue's size (4 chains × 1,000 draws) every parameter, random effects included, has R-hat below 1.01 and bulk and
/// tail ESS of at least 400; under rstanarm's priors (<see cref="McmcPrior.RstanarmDecov"/>) the posterior agrees with
/// rstanarm's own draws (data/reference/mcmc/rstanarm_cbpp.R: stan_glmer, 4 chains × 2,000 draws) within four
/// combined Monte Carlo standard errors (from each side's bulk ESS; our tail ESS for the interval's ends), as the
/// sleepstudy comparison does.</summary>
public class RstanarmCbppTests
{
    private static readonly Lazy<Results.MixedModelFit> Cbpp = new(() =>
        MixedModel.Fit("cbind(incidence, size - incidence) ~ period + (1 | herd)", EmbeddedDatasets.Load("cbpp"),
            new FitOptions(Family: Family.Binomial(), FactorColumns: ["period"])));

    [Fact]
    public void Four_chains_of_a_thousand_draws_converge_for_every_parameter()
    {
        var posterior = MixedModelSampler.Sample(Cbpp.Value, new McmcOptions(Draws: 1000, Chains: 4, Seed: 1));
        Assert.Equal(["sd_(Intercept)|herd", "(Intercept)", "period2", "period3", "period4"], posterior.Names.Take(posterior.HyperparameterCount));
        Assert.Equal(5 + 15, posterior.Names.Count);
        Assert.True(posterior.Converged, posterior.Summary());
        foreach (var summary in posterior.Summaries)
            Assert.True(summary.Rhat < 1.01 && summary.BulkEss >= 400 && summary.TailEss >= 400, summary.ToString());
        Assert.InRange(posterior.AcceptanceRate!.Value, 0.3, 0.9);
    }

    [Fact]
    public void Posterior_summaries_agree_with_rstanarm()
    {
        var posterior = MixedModelSampler.Sample(Cbpp.Value, new McmcOptions(Draws: 2000, Chains: 4, Warmup: 1000, Seed: 1, Prior: McmcPrior.RstanarmDecov));
        // Our tail ESS for the interval's ends: the draws' information about the tails, which an independence-type
        // move explores less well than the bulk.
        RstanarmAgreement.Check(posterior, "rstanarm_cbpp.csv", 5, summary => summary.TailEss);
    }

    [Fact]
    public void The_same_seed_gives_the_same_draws_on_any_number_of_threads()
    {
        var one = MixedModelSampler.Sample(Cbpp.Value, new McmcOptions(Draws: 50, Chains: 3, Warmup: 50, Seed: 7, Threads: 1));
        var three = MixedModelSampler.Sample(Cbpp.Value, new McmcOptions(Draws: 50, Chains: 3, Warmup: 50, Seed: 7, Threads: 3));
        for (int c = 0; c < 3; c++)
            for (int j = 0; j < one.Names.Count; j++)
                Assert.Equal(one.ChainDraws(c, j), three.ChainDraws(c, j));
        Assert.NotEqual(one.ChainDraws(0, 0), one.ChainDraws(1, 0));
    }
}
