## glmmTMB 1.1.5 references for structured random-effects covariances (diag, cs, ar1), and the simulated data they
## use: run from this folder as Rscript make_structured.R [CSV_DIR] (default ../../csv). Writes simulated_structured.csv
## into CSV_DIR and one JSON per case here, in the reference fields of ../extra/make_references.R, with each varcorr
## entry's glmmTMB "structure" and, for cs and ar1, "rho". Every fit is repeated with a second optimiser (optim's
## BFGS from glmmTMB's estimates) and the better log-likelihood kept, since nlminb reports false convergence on some.
suppressMessages({library(glmmTMB); library(lme4); library(jsonlite)})
args <- commandArgs(trailingOnly = TRUE)
data_dir <- if (length(args) > 0) args[1] else "../../csv"

## Simulated: 40 subjects, 4 times, 2 replicate rows per subject and time, so that the time-specific random effects
## are told apart from the residual for every structure.
set.seed(20261201)
subjects <- 40; times <- 0:3; replicates <- 2
d <- expand.grid(rep = seq_len(replicates), time = times, subject = sprintf("s%02d", seq_len(subjects)))
d$x <- round(rnorm(nrow(d)), 3)
sds <- c(1, 1.5, 2, 1.2); rho_cs <- 0.5
b_cs <- MASS::mvrnorm(subjects, rep(0, 4), diag(sds) %*% ((1 - rho_cs) * diag(4) + rho_cs) %*% diag(sds))
rho_ar <- 0.6
b_ar <- MASS::mvrnorm(subjects, rep(0, 4), 1.5^2 * rho_ar^abs(outer(1:4, 1:4, "-")))
s <- as.integer(factor(d$subject)); t <- d$time + 1
d$y_cs <- round(1 + 0.5 * d$time + 0.8 * d$x + b_cs[cbind(s, t)] + rnorm(nrow(d)), 4)
d$y_ar <- round(2 - 0.3 * d$time + 0.5 * d$x + b_ar[cbind(s, t)] + rnorm(nrow(d)), 4)
eta <- -0.5 + 0.4 * d$x + 0.5 * b_ar[cbind(s, t)]
d$count <- rpois(nrow(d), exp(eta))
write.csv(d[, c("subject", "time", "rep", "x", "y_cs", "y_ar", "count")], file.path(data_dir, "simulated_structured.csv"),
          row.names = FALSE, quote = FALSE)

structure_of <- function(fit, i) names(attr(VarCorr(fit)$cond[[i]], "blockCode"))
rho_of <- function(v, structure) if (structure %in% c("cs", "ar1")) attr(v, "correlation")[2, 1] else NULL

ref <- function(case, data_file, formula, family = "gaussian", reml = FALSE) {
  dd <- read.csv(file.path(data_dir, data_file), stringsAsFactors = TRUE)
  fam <- if (family == "gaussian") gaussian() else poisson()
  fit <- glmmTMB(as.formula(formula), data = dd, family = fam, REML = reml)
  again <- tryCatch(update(fit, control = glmmTMBControl(optimizer = optim, optArgs = list(method = "BFGS")),
                           start = list(theta = fit$fit$par[names(fit$fit$par) == "theta"])),
                    error = function(e) NULL)
  if (!is.null(again) && isTRUE(as.numeric(logLik(again)) > as.numeric(logLik(fit)) + 1e-6) &&
      !is.na(again$sdr$pdHess) && again$sdr$pdHess) fit <- again
  vc <- VarCorr(fit)$cond
  groups <- lapply(seq_along(vc), function(i) {
    v <- vc[[i]]; st <- structure_of(fit, i)
    g <- list(group = names(vc)[i], terms = I(colnames(v)), sd = I(unname(attr(v, "stddev"))),
              corr = unname(attr(v, "correlation")), structure = st)
    if (!is.null(rho_of(v, st))) g$rho <- rho_of(v, st)
    g
  })
  re <- ranef(fit)$cond
  ranefs <- lapply(names(re), function(g) {
    r <- re[[g]]
    list(group = g, levels = I(rownames(r)), terms = I(colnames(r)), values = unname(as.matrix(r)))
  })
  ll <- as.numeric(logLik(fit)); df <- attr(logLik(fit), "df")
  fe <- fixef(fit)$cond
  res <- list(case = case, data = data_file, formula = formula, factors = I(character()), family = family,
              link = if (family == "gaussian") "identity" else "log", method = if (reml) "REML" else "ML", nAGQ = 1,
              nobs = nobs(fit), fixef = list(names = I(names(fe)), estimate = I(unname(fe)),
                                             stderr = I(unname(sqrt(diag(vcov(fit)$cond))))),
              sigma = if (family == "gaussian") sigma(fit) else NULL, varcorr = groups, loglik = ll, df = df,
              aic = AIC(fit), bic = BIC(fit), ranef = ranefs, reference = "glmmTMB 1.1.5")
  writeLines(toJSON(res, auto_unbox = TRUE, digits = NA, null = "null", pretty = TRUE), paste0(case, ".json"))
  cat(case, ll, "\n")
}
sleep <- "Reaction ~ Days + diag(1 + Days | Subject)"
ref("sleepstudy_diag_ml", "sleepstudy.csv", sleep)
ref("sleepstudy_diag_reml", "sleepstudy.csv", sleep, reml = TRUE)
## sleepstudy's cs by ML (glmmTMB's REML fit of it, and its ar1 fits, do not converge: σ collapses to 0).
ref("sleepstudy_cs_ml", "sleepstudy.csv", "Reaction ~ Days + cs(0 + factor(Days) | Subject)")
ortho <- "distance ~ age + Sex + ar1(0 + factor(age) | Subject)"
ref("orthodont_ar1_ml", "Orthodont.csv", ortho)
ref("orthodont_ar1_reml", "Orthodont.csv", ortho, reml = TRUE)
ref("orthodont_cs_ml", "Orthodont.csv", "distance ~ age + Sex + cs(0 + factor(age) | Subject)")
ref("simulated_cs_ml", "simulated_structured.csv", "y_cs ~ time + x + cs(0 + factor(time) | subject)")
ref("simulated_cs_reml", "simulated_structured.csv", "y_cs ~ time + x + cs(0 + factor(time) | subject)", reml = TRUE)
ref("simulated_ar1_ml", "simulated_structured.csv", "y_ar ~ time + x + ar1(0 + factor(time) | subject)")
ref("simulated_ar1_reml", "simulated_structured.csv", "y_ar ~ time + x + ar1(0 + factor(time) | subject)", reml = TRUE)
ref("simulated_diag_ml", "simulated_structured.csv", "y_cs ~ time + x + diag(1 + x | subject)")
ref("simulated_poisson_ar1", "simulated_structured.csv", "count ~ x + ar1(0 + factor(time) | subject)", family = "poisson")

## The cross-check of diag against lme4's uncorrelated terms: the same model, so the same fit.
zc <- lmer(Reaction ~ Days + (1 + Days || Subject), data = read.csv(file.path(data_dir, "sleepstudy.csv")), REML = FALSE)
cat("lme4 || loglik", as.numeric(logLik(zc)), "theta", getME(zc, "theta"), "\n")
## A GLMM's diag against glmer's uncorrelated terms (StructuredCovarianceTests holds these numbers; glmmTMB's fit of
## this singular model stops 1.5e-3 higher in log-likelihood, off the boundary, so lme4 is the reference here).
g <- glmer(count ~ x + (1 + x || subject), data = read.csv(file.path(data_dir, "simulated_structured.csv")), family = poisson)
print(c(loglik = as.numeric(logLik(g)), fixef(g), se = sqrt(diag(as.matrix(vcov(g)))), theta = getME(g, "theta")), digits = 10)
