# Posterior summaries of cbpp's cbind(incidence, size - incidence) ~ period + (1 | herd), binomial (logit), from
# rstanarm, with the priors of SparseLmm's McmcPrior.RstanarmDecov: decov(1, 1, 1, 1) on the herd variance (for a
# binomial model rstanarm puts it on Sigma itself: sd ~ Exponential(1) for one term), flat on the coefficients and
# the intercept. Writes rstanarm_cbpp.csv (parameter, mean, sd, q2.5, q97.5, ess_bulk, rhat) from 4 chains x 2,000
# draws, then times the issue's size, 4 chains x 1,000 draws (1,000 warmup), chains one after another (cores = 1),
# and prints its CPU (user + system) and wall seconds. Run from this directory: Rscript rstanarm_cbpp.R
suppressPackageStartupMessages({ library(rstanarm); library(lme4) })
data(cbpp, package = "lme4")
fit_cbpp <- function(iter, seed) stan_glmer(cbind(incidence, size - incidence) ~ period + (1 | herd), data = cbpp,
  family = binomial(), prior = NULL, prior_intercept = NULL,
  prior_covariance = decov(regularization = 1, concentration = 1, shape = 1, scale = 1),
  chains = 4, iter = iter, warmup = iter / 2, seed = seed, cores = 1, refresh = 0)
fit <- fit_cbpp(4000, 1)
draws <- as.array(fit)  # iterations x chains x parameters
pick <- function(name) draws[, , name]
params <- list(
  "sd_(Intercept)|herd" = sqrt(pick("Sigma[herd:(Intercept),(Intercept)]")),
  "(Intercept)" = pick("(Intercept)"),
  "period2" = pick("period2"),
  "period3" = pick("period3"),
  "period4" = pick("period4"))
rows <- lapply(names(params), function(name) {
  x <- params[[name]]
  data.frame(parameter = name, mean = mean(x), sd = sd(x),
             q2.5 = unname(quantile(x, 0.025)), q97.5 = unname(quantile(x, 0.975)),
             ess_bulk = rstan::ess_bulk(x), rhat = rstan::Rhat(x))
})
out <- do.call(rbind, rows)
write.csv(out, "rstanarm_cbpp.csv", row.names = FALSE, quote = TRUE)
print(out, digits = 6)
times <- system.time(fit_cbpp(2000, 2))
cat(sprintf("rstanarm cbpp 4 x 1000 draws: %.1f s CPU (user + system), %.1f s wall\n",
            times[["user.self"]] + times[["sys.self"]], times[["elapsed"]]))
