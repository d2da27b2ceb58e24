## nlme::lme reference fits with residual variance (varIdent) and correlation (corAR1) structures, for issue 12.
## Run from this folder: Rscript make_residual.R
##   1. writes Ovary.csv and BodyWeight.csv from nlme's data sets (Orthodont and sleepstudy are ../csv's);
##   2. reads each file back, as SparseLmm does (text columns become factors with sorted levels), fits it with
##      nlme::lme by REML and ML, and writes <case>.json: the fields of ../reference/*.json plus `variance` and
##      `correlation` (the CLI spellings) and `residual` (nlme's ratios and rho), so a test can hold our fits to nlme's.
suppressMessages({library(nlme); library(jsonlite)})
invisible(Sys.setlocale("LC_COLLATE", "C"))

ovary <- as.data.frame(nlme::Ovary)
ovary <- data.frame(follicles = ovary$follicles, Time = ovary$Time, Mare = as.integer(as.character(ovary$Mare)),
                    sin2pt = sin(2 * pi * ovary$Time), cos2pt = cos(2 * pi * ovary$Time))
write.csv(ovary, "Ovary.csv", row.names = FALSE, quote = FALSE)
body <- as.data.frame(nlme::BodyWeight)
body <- data.frame(weight = body$weight, Time = body$Time, Rat = as.integer(as.character(body$Rat)),
                   Diet = paste0("D", as.character(body$Diet)))
write.csv(body, "BodyWeight.csv", row.names = FALSE, quote = FALSE)

## sleepstudy with a variance group that changes within a subject: the first five days and the rest.
sleep <- read.csv("../csv/sleepstudy.csv")
sleep$period <- ifelse(sleep$Days < 5, "early", "late")
write.csv(sleep, "sleepstudy_period.csv", row.names = FALSE, quote = FALSE)

## One case: `fixed` and `random` as lme takes them, `formula` the same model in lme4's syntax (what SparseLmm fits).
## `nlme_correlation`: the corAR1 grouping as lme needs it when the random effects are nested (Sex/Subject), where
## SparseLmm's spelling names the innermost column alone.
ref <- function(case, data_file, formula, fixed, random, variance = NULL, correlation = NULL, reml = TRUE,
                nlme_correlation = correlation) {
  d <- read.csv(data_file, stringsAsFactors = TRUE)
  weights <- if (is.null(variance)) NULL else eval(parse(text = sub("^varIdent\\(", "varIdent(form = ", variance)))
  corr <- if (is.null(nlme_correlation)) NULL else eval(parse(text = sub("^corAR1\\(", "corAR1(form = ", nlme_correlation)))
  ## nlminb (lme's default) stops with "singular convergence" on some of these; optim (BFGS) then finds the optimum.
  fit_with <- function(opt) lme(fixed, random = random, data = d, weights = weights, correlation = corr,
                                method = if (reml) "REML" else "ML",
                                control = lmeControl(maxIter = 500, msMaxIter = 500, opt = opt))
  fit <- tryCatch(fit_with("nlminb"), error = function(e) fit_with("optim"))
  ## One entry per grouping level, outermost first, named as lme4 names the nested factor (Subject:Sex).
  levels <- names(fit$groups)
  lme4_name <- function(i) paste(rev(levels[seq_len(i)]), collapse = ":")
  varcorr <- lapply(seq_along(levels), function(i) {
    v <- pdMatrix(fit$modelStruct$reStruct[[levels[i]]]) * fit$sigma^2
    list(group = lme4_name(i), terms = I(colnames(v)), sd = I(unname(sqrt(diag(v)))), corr = unname(cov2cor(v)))
  })
  effects <- if (length(levels) == 1) list(ranef(fit)) else ranef(fit)
  ranefs <- lapply(seq_along(levels), function(i) {
    re <- effects[[i]]
    ## nlme labels nested levels outer/inner; lme4 (and SparseLmm) label them inner:outer.
    labels <- vapply(strsplit(rownames(re), "/", fixed = TRUE), function(p) paste(rev(p), collapse = ":"), "")
    list(group = lme4_name(i), levels = I(labels), terms = I(colnames(re)), values = unname(as.matrix(re)))
  })
  residual <- list()
  if (!is.null(variance)) {
    vs <- fit$modelStruct$varStruct
    ratios <- coef(vs, unconstrained = FALSE, allCoef = TRUE)
    residual$variance <- list(structure = "varIdent", group = all.vars(formula(vs))[1], levels = I(names(ratios)),
                              ratios = I(unname(ratios)))
  }
  if (!is.null(correlation)) {
    cs <- fit$modelStruct$corStruct
    form <- formula(cs)
    residual$correlation <- list(structure = "corAR1", order_by = if (length(all.vars(getCovariateFormula(cs))) == 0) NULL
                                 else all.vars(getCovariateFormula(cs))[1], group = rev(all.vars(getGroupsFormula(cs)))[1],
                                 rho = unname(coef(cs, unconstrained = FALSE)))
  }
  out <- list(
    data = data_file, formula = formula, family = "gaussian", method = if (reml) "REML" else "ML",
    factors = I(character()), variance = variance, correlation = correlation, nobs = nrow(d),
    fixef = list(names = I(names(fixef(fit))), estimate = I(unname(fixef(fit))),
                 stderr = I(unname(sqrt(diag(vcov(fit))))),
                 df = I(unname(summary(fit)$tTable[, "DF"])), p = I(unname(summary(fit)$tTable[, "p-value"]))),
    sigma = fit$sigma,
    varcorr = varcorr,
    loglik = as.numeric(logLik(fit)), df = attr(logLik(fit), "df"),
    aic = AIC(fit), bic = BIC(fit),
    residual = residual,
    ranef = ranefs)
  path <- paste0(case, ".json")
  writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE, null = "null"), path)
  cat(sprintf("%s: loglik %.6f sigma %.6f %s\n", path, out$loglik, out$sigma,
              paste(capture.output(str(residual, give.head = FALSE)), collapse = " ")))
}

for (reml in c(TRUE, FALSE)) {
  m <- if (reml) "reml" else "ml"
  ref(paste0("orthodont_varident_", m), "../csv/Orthodont.csv", "distance ~ age + Sex + (1 | Subject)",
      distance ~ age + Sex, ~ 1 | Subject, variance = "varIdent(~ 1 | Sex)", reml = reml)
  ref(paste0("orthodont_varident_slope_", m), "../csv/Orthodont.csv", "distance ~ age * Sex + (1 + age | Subject)",
      distance ~ age * Sex, ~ 1 + age | Subject, variance = "varIdent(~ 1 | Sex)", reml = reml)
  ref(paste0("sleepstudy_ar1_", m), "../csv/sleepstudy.csv", "Reaction ~ Days + (1 + Days | Subject)",
      Reaction ~ Days, ~ 1 + Days | Subject, correlation = "corAR1(~ Days | Subject)", reml = reml)
  ref(paste0("sleepstudy_ar1_intercept_", m), "../csv/sleepstudy.csv", "Reaction ~ Days + (1 | Subject)",
      Reaction ~ Days, ~ 1 | Subject, correlation = "corAR1(~ Days | Subject)", reml = reml)
  ref(paste0("ovary_ar1_", m), "Ovary.csv", "follicles ~ sin2pt + cos2pt + (1 | Mare)",
      follicles ~ sin2pt + cos2pt, ~ 1 | Mare, correlation = "corAR1(~ 1 | Mare)", reml = reml)
  ref(paste0("bodyweight_ar1_varident_", m), "BodyWeight.csv", "weight ~ Time * Diet + (1 + Time | Rat)",
      weight ~ Time * Diet, ~ 1 + Time | Rat, variance = "varIdent(~ 1 | Diet)",
      correlation = "corAR1(~ Time | Rat)", reml = reml)
  ref(paste0("sleepstudy_varident_period_", m), "sleepstudy_period.csv", "Reaction ~ Days + (1 + Days | Subject)",
      Reaction ~ Days, ~ 1 + Days | Subject, variance = "varIdent(~ 1 | period)", reml = reml)
  ref(paste0("sleepstudy_ar1_varident_period_", m), "sleepstudy_period.csv", "Reaction ~ Days + (1 | Subject)",
      Reaction ~ Days, ~ 1 | Subject, variance = "varIdent(~ 1 | period)", correlation = "corAR1(~ Days | Subject)",
      reml = reml)
  ## Nested random effects (Subject within Sex), AR(1) in the data's order within Subject.
  ref(paste0("orthodont_nested_ar1_", m), "../csv/Orthodont.csv", "distance ~ age + (1 | Sex/Subject)",
      distance ~ age, ~ 1 | Sex/Subject, correlation = "corAR1(~ 1 | Subject)", reml = reml,
      nlme_correlation = "corAR1(~ 1 | Sex/Subject)")
}
## Not a case: with ~ age | Sex/Subject (ages 8, 10, 12, 14: every lag 2) nlme's corARMA(1, 0) stays at its start,
## Phi = 0, where the likelihood, even in Phi, is stationary; the optimum is the data-order fit's with Phi² for Phi.
