## Simulates the GLMM test data sets and fits them with lme4 (1.1.31 here): Rscript make_references.R OUTDIR.
## Writes the CSVs and one JSON per case in the format of ../shared/reference. For quadrature fits the loglik is the
## log-likelihood integrated directly at lme4's estimates (lme4's own, without constants, is loglik_lme4).
## crossed_probit and gamma_log_agq7 are written but not used by the tests: lme4 reports a degenerate Hessian for the
## first, and has no normalizing constants in the second's log-likelihood.
suppressMessages({library(lme4); library(jsonlite)})
set.seed(20240601)
args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args) > 0) args[1] else "."

ref <- function(case, fit, data_file, formula, factors, family, link, nagq, loglik_override = NULL, weights = NULL) {
  vc <- as.data.frame(VarCorr(fit))
  re <- ranef(fit, condVar = TRUE)
  sigma_val <- if (family %in% c("binomial", "poisson")) NULL else sigma(fit)
  groups <- lapply(names(VarCorr(fit)), function(g) {
    v <- VarCorr(fit)[[g]]
    list(group = sub("\\.[0-9]+$", "", g), terms = I(colnames(v)), sd = I(unname(attr(v, "stddev"))),
         corr = unname(if (is.null(attr(v, "correlation"))) diag(ncol(v)) else attr(v, "correlation")))
  })
  ranefs <- lapply(names(re), function(g) {
    r <- re[[g]]; pv <- attr(r, "postVar")
    list(group = g, levels = I(rownames(r)), terms = I(colnames(r)),
         values = unname(as.matrix(r)),
         condsd = unname(matrix(t(sapply(seq_len(nrow(r)), function(i) sqrt(diag(as.matrix(pv[, , i]))))), nrow = nrow(r))))
  })
  ll <- if (is.null(loglik_override)) as.numeric(logLik(fit)) else loglik_override
  df <- attr(logLik(fit), "df")
  n <- nobs(fit)
  res <- list(case = case, data = data_file, formula = formula, weights = weights, factors = I(as.character(unlist(factors))), family = family, link = link,
              method = if (nagq > 1) "AGQ" else "Laplace", nAGQ = nagq, nobs = n,
              fixef = list(names = I(names(fixef(fit))), estimate = I(unname(fixef(fit))), stderr = I(unname(sqrt(diag(as.matrix(vcov(fit))))))),
              theta = I(unname(getME(fit, "theta"))), sigma = sigma_val, varcorr = groups,
              loglik = ll, df = df, aic = -2 * ll + 2 * df, bic = -2 * ll + log(n) * df, deviance = -2 * ll,
              reml_criterion = NULL, singular = isSingular(fit), ranef = ranefs, reference = "lme4 1.1.31",
              loglik_lme4 = as.numeric(logLik(fit)))
  writeLines(toJSON(res, auto_unbox = TRUE, digits = NA, null = "null", pretty = TRUE), file.path(out, paste0(case, ".json")))
  cat(case, "loglik", ll, "\n")
}

## 1. crossed binomial with a text response
ns <- 40; ni <- 25
d <- expand.grid(subj = sprintf("s%02d", 1:ns), item = sprintf("i%02d", 1:ni), stringsAsFactors = FALSE)
d$x <- round(rnorm(nrow(d)), 3)
bs <- rnorm(ns, 0, 0.8); bi <- rnorm(ni, 0, 0.5)
eta <- -0.3 + 0.7 * d$x + bs[match(d$subj, sprintf("s%02d", 1:ns))] + bi[match(d$item, sprintf("i%02d", 1:ni))]
d$resp <- ifelse(runif(nrow(d)) < plogis(eta), "yes", "no")
d <- d[sample(nrow(d), 900), ]
write.csv(d, file.path(out, "crossed.csv"), row.names = FALSE)
f <- glmer(factor(resp) ~ 1 + x + (1 | subj) + (1 | item), data = d, family = binomial)
ref("crossed_binomial", f, "crossed.csv", "resp ~ 1 + x + (1 | subj) + (1 | item)", list(), "binomial", "logit", 1)
fp <- glmer(factor(resp) ~ 1 + x + (1 | subj) + (1 | item), data = d, family = binomial(link = "probit"))
ref("crossed_probit", fp, "crossed.csv", "resp ~ 1 + x + (1 | subj) + (1 | item)", list(), "binomial", "probit", 1)
fc <- glmer(factor(resp) ~ 1 + x + (1 | subj) + (1 | item), data = d, family = binomial(link = "cloglog"))
ref("crossed_cloglog", fc, "crossed.csv", "resp ~ 1 + x + (1 | subj) + (1 | item)", list(), "binomial", "cloglog", 1)

## 2. Poisson with quadrature
ng <- 60
p <- data.frame(g = rep(1:ng, times = sample(3:12, ng, replace = TRUE)))
p$x <- round(runif(nrow(p), -1, 1), 3)
bg <- rnorm(ng, 0, 0.6)
p$count <- rpois(nrow(p), exp(0.8 + 0.4 * p$x + bg[p$g]))
write.csv(p, file.path(out, "poisson.csv"), row.names = FALSE)
for (q in c(1, 10, 25)) {
  fq <- glmer(count ~ 1 + x + (1 | g), data = p, family = poisson, nAGQ = q)
  ## complete log-likelihood integrated directly at lme4's estimates
  beta <- fixef(fq); th <- getME(fq, "theta")
  ll <- 0
  for (j in unique(p$g)) {
    rows <- p[p$g == j, ]
    lf <- function(bb) sum(dpois(rows$count, exp(beta[1] + beta[2] * rows$x + bb), log = TRUE)) + dnorm(bb, 0, th, log = TRUE)
    m <- optimize(lf, c(-10, 10), maximum = TRUE)
    fj <- function(b) sapply(b, function(bb) exp(lf(bb) - m$objective))
    ll <- ll + log(integrate(fj, m$maximum - 10, m$maximum + 10, rel.tol = 1e-12, subdivisions = 1000)$value) + m$objective
  }
  ref(paste0("poisson_agq", q), fq, "poisson.csv", "count ~ 1 + x + (1 | g)", list("g"), "poisson", "log", q,
      loglik_override = if (q > 1) ll else NULL)
}
fs <- glmer(count ~ 1 + x + (1 | g), data = p, family = poisson(link = "sqrt"))
ref("poisson_sqrt", fs, "poisson.csv", "count ~ 1 + x + (1 | g)", list("g"), "poisson", "sqrt", 1)

## 3. Gamma with a log link (and the default inverse)
ng <- 40
gd <- data.frame(g = rep(sprintf("G%02d", 1:ng), each = 15))
gd$x <- round(rnorm(nrow(gd)), 3)
bgm <- rnorm(ng, 0, 0.4)
mu <- exp(1 + 0.3 * gd$x + bgm[match(gd$g, sprintf("G%02d", 1:ng))])
shape <- 6
gd$y <- round(rgamma(nrow(gd), shape = shape, rate = shape / mu), 4)
write.csv(gd, file.path(out, "gamma.csv"), row.names = FALSE)
fg <- glmer(y ~ 1 + x + (1 | g), data = gd, family = Gamma(link = "log"))
ref("gamma_log", fg, "gamma.csv", "y ~ 1 + x + (1 | g)", list(), "Gamma", "log", 1)
fgi <- glmer(y ~ 1 + x + (1 | g), data = gd, family = Gamma)
ref("gamma_inverse", fgi, "gamma.csv", "y ~ 1 + x + (1 | g)", list(), "Gamma", "inverse", 1)

## 4. binomial with a random slope, proportions with weights
ng <- 30
bd <- data.frame(g = rep(1:ng, each = 8))
bd$x <- round(rep(seq(-1, 1, length.out = 8), ng), 3)
b0 <- rnorm(ng, 0, 0.7); b1 <- rnorm(ng, 0, 0.4)
bd$n <- sample(5:20, nrow(bd), replace = TRUE)
bd$s <- rbinom(nrow(bd), bd$n, plogis(-0.2 + 0.8 * bd$x + b0[bd$g] + b1[bd$g] * bd$x))
bd$prop <- bd$s / bd$n
write.csv(bd, file.path(out, "slopes.csv"), row.names = FALSE)
fb <- glmer(cbind(s, n - s) ~ 1 + x + (1 + x | g), data = bd, family = binomial)
ref("binomial_slopes", fb, "slopes.csv", "cbind(s, n - s) ~ 1 + x + (1 + x | g)", list("g"), "binomial", "logit", 1)
fw <- glmer(prop ~ 1 + x + (1 | g), data = bd, family = binomial, weights = n)
ref("binomial_weights", fw, "slopes.csv", "prop ~ 1 + x + (1 | g)", list("g"), "binomial", "logit", 1, weights = "n")
f0 <- glmer(cbind(s, n - s) ~ 1 + x + (1 | g), data = bd, family = binomial, nAGQ = 0)
ref("binomial_nagq0", f0, "slopes.csv", "cbind(s, n - s) ~ 1 + x + (1 | g)", list("g"), "binomial", "logit", 0)

## 5. Gamma log link with quadrature (estimates only: lme4's quadrature deviance has no constants)
fga <- glmer(y ~ 1 + x + (1 | g), data = gd, family = Gamma(link = "log"), nAGQ = 7)
ref("gamma_log_agq7", fga, "gamma.csv", "y ~ 1 + x + (1 | g)", list(), "Gamma", "log", 7)

## 6. a singular fit: a grouping factor without variance
d$block <- sprintf("b%d", (seq_len(nrow(d)) %% 7) + 1)
write.csv(d, file.path(out, "crossed.csv"), row.names = FALSE)
fsg <- glmer(factor(resp) ~ 1 + x + (1 | subj) + (1 | block), data = d, family = binomial)
ref("binomial_singular", fsg, "crossed.csv", "resp ~ 1 + x + (1 | subj) + (1 | block)", list(), "binomial", "logit", 1)

## 7. nAGQ = 0 with several θ: a correlated random slope, and two crossed factors
fs0 <- glmer(cbind(s, n - s) ~ 1 + x + (1 + x | g), data = bd, family = binomial, nAGQ = 0)
ref("binomial_slopes_nagq0", fs0, "slopes.csv", "cbind(s, n - s) ~ 1 + x + (1 + x | g)", list("g"), "binomial", "logit", 0)
fc0 <- glmer(factor(resp) ~ 1 + x + (1 | subj) + (1 | item), data = d, family = binomial, nAGQ = 0)
ref("crossed_binomial_nagq0", fc0, "crossed.csv", "resp ~ 1 + x + (1 | subj) + (1 | item)", list(), "binomial", "logit", 0)
