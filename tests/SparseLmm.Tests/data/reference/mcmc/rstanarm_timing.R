# CPU time of rstanarm on sleepstudy at the issue's target size, 4 chains x 1,000 draws (1,000 warmup), same priors
# as rstanarm_sleepstudy.R, chains one after another (cores = 1). Prints user + system seconds and the wall time.
suppressPackageStartupMessages({ library(rstanarm); library(lme4) })
data(sleepstudy, package = "lme4")
times <- system.time(fit <- stan_lmer(Reaction ~ 1 + Days + (1 + Days | Subject), data = sleepstudy,
  prior = NULL, prior_intercept = NULL, prior_aux = NULL,
  prior_covariance = decov(regularization = 1, concentration = 1, shape = 1, scale = 1),
  chains = 4, iter = 2000, warmup = 1000, seed = 1, cores = 1, refresh = 0))
cat(sprintf("rstanarm 4 x 1000 draws: %.1f s CPU (user + system), %.1f s wall\n", times[["user.self"]] + times[["sys.self"]], times[["elapsed"]]))
