namespace SparseLmm.Mcmc;

/// <summary>The priors of <see cref="MixedModelSampler.Sample"/>. Both are flat on the fixed effects and put their
/// covariance prior on the relative covariance Σ/σ² of each term (the scale lme4's θ lives on), so that σ and the fixed
/// effects can be integrated out of θ's posterior exactly. A binomial or Poisson GLMM has no σ: there the same
/// densities are on Σ itself (σ_b in place of σ_b/σ), as rstanarm's <c>stan_glmer</c> puts them.</summary>
public enum McmcPrior
{
    /// <summary>The default, weakly informative: each relative random-effect SD σ_b/σ ~ half-t(3, scale 1), each
    /// term's correlation matrix ~ LKJ(2), p(σ) ∝ 1/σ, flat on β.</summary>
    HalfStudentT,

    /// <summary>rstanarm's <c>stan_lmer</c> with <c>prior_covariance = decov(1, 1, 1, 1)</c>, <c>prior = NULL</c>,
    /// <c>prior_intercept = NULL</c>, <c>prior_aux = NULL</c>: trace(Σ/σ²) = k τ², τ ~ Gamma(1, 1), the variance shares
    /// ~ Dirichlet(1), correlations ~ LKJ(1); flat on σ and on β. For comparisons with rstanarm.</summary>
    RstanarmDecov,
}
