## lme4 reference fits for issue 12 (offsets, prior weights, reference levels, formula functions, cAIC).
## Run from this folder: Rscript make_models.R (lme4 1.1.31, mlmRev, cAIC4). Writes the data files it needs and one
## <case>.json per fit in the format of ../reference/*.json, plus "weights" (the weights column) and "refs"
## (COL=LEVEL, R's relevel) when the case uses them, so the test passes the same options to the CLI.
suppressMessages({library(lme4); library(mlmRev); library(jsonlite)})
invisible(Sys.setlocale("LC_COLLATE", "C"))

mmmec <- mlmRev::Mmmec
for (column in names(mmmec)) if (is.factor(mmmec[[column]])) mmmec[[column]] <- as.character(mmmec[[column]])
write.csv(mmmec, "Mmmec.csv", row.names = FALSE, quote = FALSE)

## sleepstudy with prior weights: a deterministic pattern of 0.5, 1, 2 and 4, and three zero weights (those rows are
## dropped, as SparseLmm drops them; lme4 would take log 0 into its likelihood).
sleep <- read.csv("../csv/sleepstudy.csv")
sleep$w <- c(0.5, 1, 2, 4)[(seq_len(nrow(sleep)) * 7) %% 4 + 1]
sleep$w[c(5, 77, 150)] <- 0
write.csv(sleep, "sleepstudy_weights.csv", row.names = FALSE, quote = FALSE)

read_data <- function(file, factors) {
  d <- read.csv(file, stringsAsFactors = TRUE, na.strings = c("", "NA"))
  for (f in factors) d[[f]] <- factor(d[[f]])
  d
}

ref <- function(case, data_file, formula, factors = character(), reml = TRUE, family = "gaussian", weights = NULL,
                refs = character(), extra = list()) {
  d <- read_data(data_file, factors)
  for (r in refs) { kv <- strsplit(r, "=", fixed = TRUE)[[1]]; d[[kv[1]]] <- relevel(factor(d[[kv[1]]]), ref = kv[2]) }
  if (!is.null(weights)) d <- d[d[[weights]] > 0, ]
  w <- if (is.null(weights)) NULL else d[[weights]]
  fit <- if (family == "gaussian") {
    if (is.null(w)) lmer(as.formula(formula), data = d, REML = reml) else lmer(as.formula(formula), data = d, REML = reml, weights = w)
  } else glmer(as.formula(formula), data = d, family = get(family)())
  glmm <- family != "gaussian"
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
  res <- c(list(case = case, data = data_file, formula = formula, factors = I(factors), family = family,
              link = family(fit)$link, method = if (glmm) "Laplace" else if (reml) "REML" else "ML", nAGQ = 1, nobs = n,
              ngroups = as.list(ngrps(fit)),
              fixef = list(names = I(names(fixef(fit))), estimate = I(unname(fixef(fit))),
                           stderr = I(unname(sqrt(diag(as.matrix(vcov(fit))))))),
              theta = I(unname(getME(fit, "theta"))), sigma = if (glmm) NULL else sigma(fit), varcorr = groups,
              loglik = ll, df = df, aic = AIC(fit), bic = BIC(fit),
              deviance = if (reml && !glmm) NULL else -2 * ll,
              reml_criterion = if (reml && !glmm) -2 * ll else NULL, singular = isSingular(fit), ranef = ranefs,
              fitted_head = I(unname(head(fitted(fit), 5))),
              weights = weights, refs = I(refs), reference = "lme4 1.1.31"), extra)
  writeLines(toJSON(res, auto_unbox = TRUE, digits = NA, null = "null", pretty = TRUE), paste0(case, ".json"))
  cat(sprintf("%s: nobs %d, loglik %.10g\n", case, n, ll))
  invisible(fit)
}

## 1. Offsets. Mmmec: malignant melanoma deaths per county against the expected count; without the offset the sign
## of uvb flips.
ref("mmmec_offset", "Mmmec.csv", "deaths ~ uvb + offset(log(expected)) + (1 | region)", family = "poisson")
ref("mmmec_offset_nation", "Mmmec.csv", "deaths ~ uvb + offset(log(expected)) + (1 | nation) + (1 | region)", family = "poisson")
ref("mmmec_gaussian_offset", "Mmmec.csv", "log(deaths + 1) ~ uvb + offset(log(expected)) + (1 | region)")
ref("mmmec_gaussian_offset_ml", "Mmmec.csv", "log(deaths + 1) ~ uvb + offset(0.5 * log(expected)) + offset(uvb) + (1 | region)", reml = FALSE)

## 4. Prior weights (gaussian).
ref("sleepstudy_weights", "sleepstudy_weights.csv", "Reaction ~ Days + (Days | Subject)", weights = "w")
ref("sleepstudy_weights_ml", "sleepstudy_weights.csv", "Reaction ~ Days + (Days | Subject)", weights = "w", reml = FALSE)
ref("mmmec_weights_offset_ml", "Mmmec.csv", "log(deaths + 1) ~ uvb + offset(log(expected)) + (1 | nation) + (1 | region)",
    weights = "expected", reml = FALSE)

## 3. Reference levels (R's relevel; the other levels keep their order).
ref("cbpp_ref", "../csv/cbpp.csv", "cbind(incidence, size - incidence) ~ period + (1 | herd)", factors = c("period", "herd"),
    family = "binomial", refs = c("period=3", "herd=7"))
ref("mmmec_ref", "Mmmec.csv", "log(deaths + 1) ~ nation + uvb + (1 | region)", refs = "nation=Italy")
ref("mmmec_ref_ml", "Mmmec.csv", "log(deaths + 1) ~ nation * uvb + (1 | region)", refs = "nation=UK", reml = FALSE)

## 2. Formula functions as R evaluates them. sleepstudy with six responses missing: R's model frame computes
## scale(Days) over every row where Days is present, before the rows missing Reaction are dropped.
sleep_na <- read.csv("../csv/sleepstudy.csv")
sleep_na$Reaction[c(3, 40, 41, 99, 150, 171)] <- NA
write.csv(sleep_na, "sleepstudy_na.csv", row.names = FALSE, quote = FALSE, na = "")
ss <- "../csv/sleepstudy.csv"
ref("sleepstudy_poly", ss, "Reaction ~ poly(Days, 2) + (1 + Days | Subject)")
ref("sleepstudy_poly_ml", ss, "Reaction ~ poly(Days, 3) + (1 | Subject) + (0 + poly(Days, 2) | Subject)", reml = FALSE)
ref("sleepstudy_poly_raw", ss, "Reaction ~ poly(Days, 2, raw = TRUE) + (1 + Days | Subject)")
ref("sleepstudy_scale", ss, "Reaction ~ scale(Days) + (1 + scale(Days) | Subject)")
ref("sleepstudy_scale_na", "sleepstudy_na.csv", "Reaction ~ scale(Days) + (1 + scale(Days) | Subject)")
ref("sleepstudy_center_ml", ss, "Reaction ~ scale(Days, center = TRUE, scale = FALSE) + (1 | Subject)", reml = FALSE)
ref("sleepstudy_factor", ss, "Reaction ~ factor(Days) + (1 | Subject)")
ref("sleepstudy_functions", ss,
    "log1p(Reaction) ~ abs(Days - 4.5) + exp(Days/10) + log(Days + 1, 2) + (1 + log(Days + 1, base = 10) | Subject)")
ref("grouseticks_factor_random", "../csv/grouseticks.csv", "log(TICKS + 1) ~ cHEIGHT + (0 + factor(YEAR) | LOCATION)", reml = FALSE)
ref("cbpp_factor", "../csv/cbpp.csv", "cbind(incidence, size - incidence) ~ factor(period) + scale(size) + (1 | herd)",
    family = "binomial")

## Predictions on new data use the fitted transforms (R's makepredictcall: poly's coefs, scale's centre and scale).
new_days <- data.frame(Days = c(0.5, 2.5, 7, 12), Subject = factor(c("308", "309", "330", "372")))
predictions <- list()
for (case in c("sleepstudy_poly", "sleepstudy_scale")) {
  f <- if (case == "sleepstudy_poly") "Reaction ~ poly(Days, 2) + (1 + Days | Subject)" else
    "Reaction ~ scale(Days) + (1 + scale(Days) | Subject)"
  fit <- lmer(as.formula(f), data = read.csv(ss, stringsAsFactors = TRUE))
  predictions[[case]] <- list(formula = f, days = I(new_days$Days), subject = I(as.character(new_days$Subject)),
                              conditional = I(unname(predict(fit, newdata = new_days))),
                              population = I(unname(predict(fit, newdata = new_days, re.form = NA))))
}
writeLines(toJSON(predictions, auto_unbox = TRUE, digits = NA, pretty = TRUE), "predictions_new_data.txt")

## 8. Conditional AIC as cAIC4 1.0 computes it for lmer fits (its defaults: the analytic Greven-Kneib correction,
## sigma.penalty = 1).
suppressMessages(library(cAIC4))
caic_cases <- list(
  list(case = "sleepstudy_reml", data = "../csv/sleepstudy.csv", formula = "Reaction ~ Days + (Days | Subject)", reml = TRUE),
  list(case = "sleepstudy_ml", data = "../csv/sleepstudy.csv", formula = "Reaction ~ Days + (Days | Subject)", reml = FALSE),
  list(case = "sleepstudy_zerocorr", data = "../csv/sleepstudy.csv", formula = "Reaction ~ Days + (1 | Subject) + (0 + Days | Subject)", reml = TRUE),
  list(case = "penicillin_reml", data = "../csv/Penicillin.csv", formula = "diameter ~ 1 + (1 | plate) + (1 | sample)", reml = TRUE),
  list(case = "penicillin_ml", data = "../csv/Penicillin.csv", formula = "diameter ~ 1 + (1 | plate) + (1 | sample)", reml = FALSE),
  list(case = "pastes_reml", data = "../csv/Pastes.csv", formula = "strength ~ 1 + (1 | batch) + (1 | batch:cask)", reml = TRUE),
  list(case = "dyestuff_ml", data = "../csv/Dyestuff.csv", formula = "Yield ~ 1 + (1 | Batch)", reml = FALSE),
  list(case = "mmmec_reml", data = "Mmmec.csv", formula = "log(deaths + 1) ~ uvb + (1 | nation) + (1 | region)", reml = TRUE),
  list(case = "mmmec_offset_reml", data = "Mmmec.csv", formula = "log(deaths + 1) ~ uvb + offset(log(expected)) + (1 | region)", reml = TRUE),
  ## A zero diagonal in (1 + size | herd): cAIC4 refits (1 | herd) and reports that model's criterion.
  list(case = "cbpp_zero_slope", data = "../csv/cbpp.csv", formula = "incidence ~ size + (1 + size | herd)", reml = TRUE),
  ## Prior weights (rows of weight 0 dropped first, as SparseLmm drops them).
  list(case = "sleepstudy_weights_reml", data = "sleepstudy_weights.csv", formula = "Reaction ~ Days + (Days | Subject)", reml = TRUE, weights = "w"),
  list(case = "mmmec_weights_ml", data = "Mmmec.csv", formula = "log(deaths + 1) ~ uvb + (1 | nation) + (1 | region)", reml = FALSE, weights = "expected"),
  ## theta = 0: cAIC4 falls back to the linear model's rank as df (with a warning).
  list(case = "dyestuff2_reml", data = "../csv/Dyestuff2.csv", formula = "Yield ~ 1 + (1 | Batch)", reml = TRUE))
caic_out <- list()
for (cc in caic_cases) {
  d <- read_data(cc$data, character())
  if (!is.null(cc$weights)) {
    d <- d[d[[cc$weights]] > 0, ]
    d$.w <- d[[cc$weights]]
    fit <- lmer(as.formula(cc$formula), data = d, REML = cc$reml, weights = .w)
  } else fit <- lmer(as.formula(cc$formula), data = d, REML = cc$reml)
  r <- cAIC(fit)
  caic_out[[cc$case]] <- list(data = cc$data, formula = cc$formula, reml = cc$reml, weights = cc$weights, loglik = r$loglikelihood,
                              df = r$df, caic = r$caic, theta = I(unname(getME(fit, "theta"))))
  cat(sprintf("cAIC %s: cll %.8f df %.8f caic %.8f\n", cc$case, r$loglikelihood, r$df, r$caic))
}
writeLines(toJSON(caic_out, auto_unbox = TRUE, digits = NA, pretty = TRUE), "caic_reference.txt")
