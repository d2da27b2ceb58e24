## More linear cases fitted by lme4 1.1.31 (interactions, transforms, nesting, uncorrelated and split terms, no
## intercept, singular fits): run from this folder as Rscript make_references.R [CSV_DIR] (default ../../csv).
suppressMessages({library(lme4); library(jsonlite)})
args <- commandArgs(trailingOnly = TRUE)
data_dir <- if (length(args) > 0) args[1] else "../../csv"
ref <- function(case, data_file, formula, factors = character(), reml = TRUE) {
  d <- read.csv(file.path(data_dir, data_file))
  for (f in factors) d[[f]] <- factor(d[[f]])
  fit <- lmer(as.formula(formula), data = d, REML = reml)
  re <- ranef(fit, condVar = TRUE)
  groups <- lapply(seq_along(VarCorr(fit)), function(i) {
    g <- names(VarCorr(fit))[i]; v <- VarCorr(fit)[[i]]
    list(group = sub("\\.[0-9]+$", "", g), terms = I(colnames(v)), sd = I(unname(attr(v, "stddev"))),
         corr = unname(if (is.null(attr(v, "correlation"))) diag(ncol(v)) else attr(v, "correlation")))
  })
  ranefs <- lapply(names(re), function(g) {
    r <- re[[g]]
    list(group = g, levels = I(rownames(r)), terms = I(colnames(r)), values = unname(as.matrix(r)))
  })
  ll <- as.numeric(logLik(fit)); df <- attr(logLik(fit), "df"); n <- nobs(fit)
  res <- list(case = case, data = data_file, formula = formula, factors = I(factors), family = "gaussian", link = "identity",
              method = if (reml) "REML" else "ML", nAGQ = 1, nobs = n,
              fixef = list(names = I(names(fixef(fit))), estimate = I(unname(fixef(fit))), stderr = I(unname(sqrt(diag(as.matrix(vcov(fit))))))),
              theta = I(unname(getME(fit, "theta"))), sigma = sigma(fit), varcorr = groups,
              loglik = ll, df = df, aic = AIC(fit), bic = BIC(fit), deviance = if (reml) NULL else deviance(fit),
              reml_criterion = if (reml) -2 * ll else NULL, singular = isSingular(fit), ranef = ranefs, reference = "lme4 1.1.31")
  writeLines(toJSON(res, auto_unbox = TRUE, digits = NA, null = "null", pretty = TRUE), paste0(case, ".json"))
  cat(case, ll, "\n")
}
ref("sleepstudy_quadratic", "sleepstudy.csv", "Reaction ~ 1 + Days + I(Days^2) + (1 + Days | Subject)")
ref("sleepstudy_zerocorr_ml", "sleepstudy.csv", "Reaction ~ Days + (Days || Subject)", reml = FALSE)
ref("sleepstudy_log", "sleepstudy.csv", "log(Reaction) ~ 1 + Days + (1 | Subject)")
ref("sleepstudy_split", "sleepstudy.csv", "Reaction ~ 1 + Days + (1 | Subject) + (0 + Days | Subject)", reml = FALSE)
ref("pastes_interaction", "Pastes.csv", "strength ~ 1 + (1 | batch) + (1 | batch:cask)")
ref("penicillin_ml", "Penicillin.csv", "diameter ~ 1 + (1 | plate) + (1 | sample)", reml = FALSE)
ref("cbpp_gaussian_interaction", "cbpp.csv", "incidence ~ period * size + (1 | herd)", factors = c("period"))
ref("grouseticks_nested", "grouseticks.csv", "log(TICKS + 1) ~ YEAR * cHEIGHT + (1 | LOCATION/BROOD)", factors = c("YEAR"))
ref("grouseticks_nointercept", "grouseticks.csv", "log(TICKS + 1) ~ 0 + YEAR + cHEIGHT + (1 | LOCATION) + (1 | BROOD)", factors = c("YEAR"), reml = FALSE)
ref("cbpp_slope_factor", "cbpp.csv", "incidence ~ size + (1 + size | herd)")
