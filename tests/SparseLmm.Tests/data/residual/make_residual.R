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

## One case: `fixed` and `random` as lme takes them, `formula` the same model in lme4's syntax (what SparseLmm fits).
ref <- function(case, data_file, formula, fixed, random, variance = NULL, correlation = NULL, reml = TRUE) {
  d <- read.csv(data_file, stringsAsFactors = TRUE)
  weights <- if (is.null(variance)) NULL else eval(parse(text = sub("^varIdent\\(", "varIdent(form = ", variance)))
  corr <- if (is.null(correlation)) NULL else eval(parse(text = sub("^corAR1\\(", "corAR1(form = ", correlation)))
  ## nlminb (lme's default) stops with "singular convergence" on some of these; optim (BFGS) then finds the optimum.
  fit_with <- function(opt) lme(fixed, random = random, data = d, weights = weights, correlation = corr,
                                method = if (reml) "REML" else "ML",
                                control = lmeControl(maxIter = 500, msMaxIter = 500, opt = opt))
  fit <- tryCatch(fit_with("nlminb"), error = function(e) fit_with("optim"))
  v <- getVarCov(fit)
  sds <- sqrt(diag(v))
  group <- names(fit$groups)[1]
  re <- ranef(fit)
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
                                 else all.vars(getCovariateFormula(cs))[1], group = all.vars(getGroupsFormula(cs))[1],
                                 rho = unname(coef(cs, unconstrained = FALSE)))
  }
  out <- list(
    data = data_file, formula = formula, family = "gaussian", method = if (reml) "REML" else "ML",
    factors = I(character()), variance = variance, correlation = correlation, nobs = nrow(d),
    fixef = list(names = I(names(fixef(fit))), estimate = I(unname(fixef(fit))),
                 stderr = I(unname(sqrt(diag(vcov(fit)))))),
    sigma = fit$sigma,
    varcorr = list(list(group = group, terms = I(colnames(v)), sd = I(unname(sds)), corr = unname(cov2cor(unclass(v)[, , drop = FALSE])))),
    loglik = as.numeric(logLik(fit)), df = attr(logLik(fit), "df"),
    aic = AIC(fit), bic = BIC(fit),
    residual = residual,
    ranef = list(list(group = group, levels = I(rownames(re)), terms = I(colnames(re)), values = unname(as.matrix(re)))))
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
}
