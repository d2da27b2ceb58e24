# Posterior summaries of sleepstudy's Reaction ~ 1 + Days + (1 + Days | Subject) from rstanarm, with the priors of
# SparseLmm's McmcPrior.RstanarmDecov: decov(1, 1, 1, 1) on the covariance, flat on the coefficients, the intercept and
# sigma. Writes rstanarm_sleepstudy.csv (parameter, mean, sd, q2.5, q97.5, ess_bulk, rhat) and prints the wall time.
# Run from this directory: Rscript rstanarm_sleepstudy.R
suppressPackageStartupMessages({ library(rstanarm); library(lme4) })
data(sleepstudy, package = "lme4")
chains <- 4; iter <- 4000
start <- Sys.time()
fit <- stan_lmer(Reaction ~ 1 + Days + (1 + Days | Subject), data = sleepstudy,
                 prior = NULL, prior_intercept = NULL, prior_aux = NULL,
                 prior_covariance = decov(regularization = 1, concentration = 1, shape = 1, scale = 1),
                 chains = chains, iter = iter, warmup = iter / 2, seed = 1, cores = 1, refresh = 0)
seconds <- as.numeric(difftime(Sys.time(), start, units = "secs"))
draws <- as.array(fit)  # iterations x chains x parameters
pick <- function(name) draws[, , name]
s00 <- pick("Sigma[Subject:(Intercept),(Intercept)]")
s10 <- pick("Sigma[Subject:Days,(Intercept)]")
s11 <- pick("Sigma[Subject:Days,Days]")
params <- list(
  "sd_(Intercept)|Subject" = sqrt(s00),
  "cor_Days.(Intercept)|Subject" = s10 / sqrt(s00 * s11),
  "sd_Days|Subject" = sqrt(s11),
  "sigma" = pick("sigma"),
  "(Intercept)" = pick("(Intercept)"),
  "Days" = pick("Days"))
rows <- lapply(names(params), function(name) {
  x <- params[[name]]
  data.frame(parameter = name, mean = mean(x), sd = sd(x),
             q2.5 = unname(quantile(x, 0.025)), q97.5 = unname(quantile(x, 0.975)),
             ess_bulk = rstan::ess_bulk(x), rhat = rstan::Rhat(x))
})
out <- do.call(rbind, rows)
write.csv(out, "rstanarm_sleepstudy.csv", row.names = FALSE, quote = TRUE)
print(out, digits = 6)
cat(sprintf("rstanarm: %d chains x %d iterations (half warmup), %.1f s wall\n", chains, iter, seconds))
