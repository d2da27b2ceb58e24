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
        RstanarmAgreement.Check(posterior, "rstanarm_sleepstudy.csv", 6, summary => summary.BulkEss);
    }
}
