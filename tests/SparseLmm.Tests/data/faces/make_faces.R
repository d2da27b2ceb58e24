# Reference optima of singular random-slope fits, y ~ x + (1 + x | g), for tests/Engine/SingularFaceFitTests.cs.
# lme4 1.1.31 (R 4.x). Run from this directory: Rscript make_faces.R
#
# 1. binomial_seed22.csv (made by simulate_seed22.py 22, a port of .NET's System.Random): glmer's default stops at
#    logLik -154.0105678 (Laplace), the data centred at -154.0565654; started at the better face it ends at the
#    optimum, written to seed22.json.
# 2. gaussian_sets.csv / binomial_sets.csv: small simulated data sets (the seeds below), each fitted by lme4 from its
#    default start, from four fixed starts and, when the default ends with T_11 = 0, from the two other factors of
#    that covariance (T_11 = 0.001, row 2 rotated into column 1). optima.csv holds the default's and the best
#    log-likelihood of these starts per set and method.
suppressMessages(library(lme4))
options(digits = 15)

simulate_gaussian <- function(seed) {
  set.seed(seed)
  G <- sample(c(8, 12, 20), 1); S <- sample(c(4, 6, 10), 1)
  g <- factor(rep(seq_len(G), each = S)); x <- runif(G * S, 0, sample(c(1, 3, 10), 1)) + sample(c(0, 0, 2), 1)
  si <- sample(c(0, 0.1, 0.3, 1), 1); ss <- sample(c(0, 0.1, 0.3), 1); rho <- sample(c(-0.9, 0, 0.9), 1)
  L <- t(chol(matrix(c(si^2 + 1e-12, rho * si * ss, rho * si * ss, ss^2 + 1e-12), 2)))
  b <- L %*% matrix(rnorm(2 * G), 2)
  y <- 1 + 0.5 * x + b[1, g] + b[2, g] * x + rnorm(G * S)
  data.frame(y, x, g = paste0("g", g))
}

simulate_binomial <- function(seed) {
  set.seed(10000 + seed)
  G <- sample(c(10, 20), 1); S <- sample(c(8, 12), 1)
  g <- factor(rep(seq_len(G), each = S)); x <- rnorm(G * S) + sample(c(0, 0, 1), 1)
  si <- sample(c(0, 0.2, 0.8), 1); ss <- sample(c(0, 0.2, 0.4), 1)
  eta <- -0.2 + 0.6 * x + (si * rnorm(G))[g] + (ss * rnorm(G))[g] * x
  y <- rbinom(G * S, 1, plogis(eta))
  data.frame(y, x = round(x, 6), g = paste0("g", g))
}

best_of_starts <- function(fit) {
  f <- fit(NULL); th <- getME(f, "theta"); best <- c(logLik(f))
  r <- sqrt(th[2]^2 + th[3]^2)
  starts <- list(c(0.5, 0, 0.5), c(0.1, -0.1, 0.1), c(0.8, 0.3, 0.1), c(0.05, 0.2, 0.01))
  if (th[1] < 1e-4) starts <- c(starts, list(c(1e-3, r, 0), c(1e-3, -r, 0)))
  for (s in starts) {
    f2 <- fit(list(theta = s))
    if (!is.null(f2)) best <- max(best, c(logLik(f2)))
  }
  c(default = c(logLik(f)), best = best)
}

# Every number with 17 significant digits, so that the file holds the doubles lme4 fitted.
write_sets <- function(sets, file) {
  d <- do.call(rbind, sets)
  d$y <- sprintf("%.17g", d$y); d$x <- sprintf("%.17g", d$x)
  write.csv(d, file, row.names = FALSE, quote = FALSE)
}

quiet <- function(expr) suppressMessages(suppressWarnings(tryCatch(expr, error = function(e) NULL)))

gaussian_seeds <- c(1:12, 5, 19, 22, 49, 125, 154, 171, 195, 203, 211, 218, 221, 229, 258, 262, 275, 298)
gaussian_seeds <- sort(unique(gaussian_seeds))
binomial_seeds <- c(1:9, 17, 19, 30, 42, 45, 68, 75)

optima <- list(); sets <- list()
for (seed in gaussian_seeds) {
  d <- simulate_gaussian(seed)
  sets[[length(sets) + 1]] <- cbind(set = seed, d)
  for (reml in c(FALSE, TRUE)) {
    r <- best_of_starts(function(start) quiet(lmer(y ~ x + (1 + x | g), d, REML = reml, start = start)))
    optima[[length(optima) + 1]] <- data.frame(family = "gaussian", set = seed, method = if (reml) "REML" else "ML",
      lme4_default = r[["default"]], lme4_best = r[["best"]])
  }
}
write_sets(sets, "gaussian_sets.csv")
sets <- list()
for (seed in binomial_seeds) {
  d <- simulate_binomial(seed)
  sets[[length(sets) + 1]] <- cbind(set = seed, d)
  r <- best_of_starts(function(start) quiet(glmer(y ~ x + (1 + x | g), d, family = binomial, start = start)))
  optima[[length(optima) + 1]] <- data.frame(family = "binomial", set = seed, method = "Laplace",
    lme4_default = r[["default"]], lme4_best = r[["best"]])
}
write_sets(sets, "binomial_sets.csv")
optima <- do.call(rbind, optima)
optima$lme4_default <- sprintf("%.15g", optima$lme4_default); optima$lme4_best <- sprintf("%.15g", optima$lme4_best)
write.csv(optima, "optima.csv", row.names = FALSE, quote = FALSE)

# The seed-22 case: the default, and the fit started at the better face (T_11 = 0.08, T_21 = -0.19, T_22 = 0).
d <- read.csv("binomial_seed22.csv")
default <- glmer(y ~ x + (1 + x | g), d, family = binomial)
better <- glmer(y ~ x + (1 + x | g), d, family = binomial, start = list(theta = c(0.08, -0.19, 0)))
# nAGQ = 0 reports stage one: lme4's default stops on the worse face there too.
default0 <- glmer(y ~ x + (1 + x | g), d, family = binomial, nAGQ = 0)
better0 <- glmer(y ~ x + (1 + x | g), d, family = binomial, nAGQ = 0, start = list(theta = c(0.08, -0.19, 0)))
d$xc <- d$x - mean(d$x)
centred <- glmer(y ~ xc + (1 + xc | g), d, family = binomial)
# The gaussian set 22 by ML, where lmer's default also stops on the worse face.
g22 <- simulate_gaussian(22)
lmer_default <- lmer(y ~ x + (1 + x | g), g22, REML = FALSE)
lmer_better <- lmer(y ~ x + (1 + x | g), g22, REML = FALSE, start = list(theta = c(0.4, -0.6, 0)))
json <- sprintf('{\n  "binomial": {\n    "default_loglik": %.15g,\n    "centred_loglik": %.15g,\n    "loglik": %.15g,\n    "theta": [%s],\n    "fixef": [%s]\n  },\n  "binomial_nagq0": {\n    "default_loglik": %.15g,\n    "loglik": %.15g\n  },\n  "gaussian_ml": {\n    "default_loglik": %.15g,\n    "loglik": %.15g,\n    "theta": [%s],\n    "fixef": [%s]\n  }\n}\n',
  c(logLik(default)), c(logLik(centred)), c(logLik(better)), paste(sprintf("%.15g", getME(better, "theta")), collapse = ", "),
  paste(sprintf("%.15g", fixef(better)), collapse = ", "), c(logLik(default0)), c(logLik(better0)),
  c(logLik(lmer_default)), c(logLik(lmer_better)), paste(sprintf("%.15g", getME(lmer_better, "theta")), collapse = ", "),
  paste(sprintf("%.15g", fixef(lmer_better)), collapse = ", "))
writeLines(json, "seed22.json", sep = "")
