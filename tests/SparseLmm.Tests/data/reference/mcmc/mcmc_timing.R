# CPU and wall time of rstanarm at the issue's size (4 chains x 1,000 draws after 1,000 warmup, chains one after
# another: cores = 1) on sleepstudy and cbpp, with the priors of SparseLmm's --prior rstanarm-decov (decov(1, 1, 1, 1),
# flat on the coefficients and sigma), and the smallest bulk and tail ESS over the model's parameters (random effects
# included) by the posterior package. The time is of the stan_lmer / stan_glmer call alone (R and the packages loaded
# before). Run by mcmc_timing.sh.
suppressPackageStartupMessages({ library(rstanarm); library(lme4); library(posterior) })
data(sleepstudy, package = "lme4")
data(cbpp, package = "lme4")
report <- function(name, call) {
  times <- system.time(fit <- eval(call))
  summary <- summarise_draws(as_draws_array(as.array(fit)), "ess_bulk", "ess_tail", "rhat")
  keep <- !grepl("^(Sigma|log-posterior)", summary$variable)
  cat(sprintf("rstanarm %s: %.2f s CPU (user + system), %.2f s wall; min ess_bulk %.0f, min ess_tail %.0f, max rhat %.3f\n", name,
    times[["user.self"]] + times[["sys.self"]], times[["elapsed"]],
    min(summary$ess_bulk[keep]), min(summary$ess_tail[keep]), max(summary$rhat[keep])))
}
report("sleepstudy", quote(stan_lmer(Reaction ~ 1 + Days + (1 + Days | Subject), data = sleepstudy,
  prior = NULL, prior_intercept = NULL, prior_aux = NULL,
  prior_covariance = decov(regularization = 1, concentration = 1, shape = 1, scale = 1),
  chains = 4, iter = 2000, warmup = 1000, seed = 1, cores = 1, refresh = 0)))
report("cbpp", quote(stan_glmer(cbind(incidence, size - incidence) ~ period + (1 | herd), data = cbpp,
  family = binomial(), prior = NULL, prior_intercept = NULL,
  prior_covariance = decov(regularization = 1, concentration = 1, shape = 1, scale = 1),
  chains = 4, iter = 2000, warmup = 1000, seed = 2, cores = 1, refresh = 0)))
