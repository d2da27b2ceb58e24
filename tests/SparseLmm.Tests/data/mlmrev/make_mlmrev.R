## Real data of the two shapes of issue 9, from mlmRev 1.0.8, with lme4 1.1.31 ML reference fits.
## Run from this folder: Rscript make_mlmrev.R
##   1. writes star.csv, ScotsSec.csv, Chem97.csv, egsingle.csv (gzipped when over 1 MB: SparseLmm reads .gz);
##   2. reads each file back, as SparseLmm does, and fits it by ML, writing <case>.json in the format of
##      ../reference/*.json (plus ngroups and condsd), so a test can hold our fits of the same files to lme4's.
## Reading the files back (not fitting mlmRev's data frames) matters: text columns become factors with levels in
## sorted order, which is SparseLmm's order too, so both fit the same treatment contrasts. The C collation makes
## R's sort the ordinal one.
suppressMessages({library(lme4); library(mlmRev); library(jsonlite)})
invisible(Sys.setlocale("LC_COLLATE", "C"))

## Files, unquoted (no field holds a comma; checked below). Missing values are written as empty cells, which both
## readers take as missing (read.csv when told na.strings = ""), and rows missing a used column are dropped.
write_data <- function(d, name) {
  path <- paste0(name, ".csv")
  for (column in names(d)) if (is.character(d[[column]])) stopifnot(!any(grepl("[,\"]", d[[column]])))
  write.csv(d, path, row.names = FALSE, na = "", quote = FALSE)
  if (file.size(path) > 1e6) {
    system2("gzip", c("-n", "-9", "-f", path))
    path <- paste0(path, ".gz")
  }
  cat(sprintf("%s: %d rows, %d columns, %.0f kB\n", path, nrow(d), ncol(d), file.size(path) / 1000))
  path
}

star <- mlmRev::star
## Grade as a number (K = 0): as text, "K" would sort after "3" and be the last level, not the reference one.
star$gr <- match(as.character(star$gr), c("K", "1", "2", "3")) - 1L
## The ordered factors become plain text: lme4 would give an ordered factor polynomial contrasts.
for (column in names(star)) if (is.factor(star[[column]])) star[[column]] <- as.character(star[[column]])
star_file <- write_data(star, "star")

scots <- mlmRev::ScotsSec
for (column in names(scots)) if (is.factor(scots[[column]])) scots[[column]] <- as.character(scots[[column]])
scots_file <- write_data(scots, "ScotsSec")

chem <- mlmRev::Chem97
for (column in names(chem)) if (is.factor(chem[[column]])) chem[[column]] <- as.character(chem[[column]])
chem_file <- write_data(chem, "Chem97")

eg <- mlmRev::egsingle
for (column in names(eg)) if (is.factor(eg[[column]])) eg[[column]] <- as.character(eg[[column]])
eg_file <- write_data(eg, "egsingle")

## Reference fits, as ../reference/extra/make_references.R makes them, with ngroups and conditional SDs added.
ref <- function(case, data_file, formula, factors = character(), reml = FALSE) {
  d <- read.csv(data_file, stringsAsFactors = TRUE, na.strings = c("", "NA"))
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
    post <- attr(r, "postVar")
    condsd <- t(vapply(seq_len(nrow(r)), function(l) sqrt(diag(as.matrix(post[, , l]))), numeric(ncol(r))))
    if (ncol(r) == 1) condsd <- matrix(condsd, ncol = 1)
    list(group = g, levels = I(rownames(r)), terms = I(colnames(r)), values = unname(as.matrix(r)),
         condsd = unname(condsd))
  })
  ll <- as.numeric(logLik(fit)); df <- attr(logLik(fit), "df"); n <- nobs(fit)
  messages <- fit@optinfo$conv$lme4$messages
  res <- list(case = case, data = basename(data_file), formula = formula, factors = I(factors), family = "gaussian",
              link = "identity", method = if (reml) "REML" else "ML", nAGQ = 1, nobs = n,
              ngroups = as.list(ngrps(fit)),
              fixef = list(names = I(names(fixef(fit))), estimate = I(unname(fixef(fit))),
                           stderr = I(unname(sqrt(diag(as.matrix(vcov(fit))))))),
              theta = I(unname(getME(fit, "theta"))), sigma = sigma(fit), varcorr = groups,
              loglik = ll, df = df, aic = AIC(fit), bic = BIC(fit), deviance = if (reml) NULL else deviance(fit),
              reml_criterion = if (reml) -2 * ll else NULL, singular = isSingular(fit), ranef = ranefs,
              reference = "lme4 1.1.31", lme4_converged = length(messages) == 0,
              lme4_messages = I(as.character(messages)), lme4_evaluations = fit@optinfo$feval)
  writeLines(toJSON(res, auto_unbox = TRUE, digits = NA, null = "null", pretty = TRUE), paste0(case, ".json"))
  cat(sprintf("%s: nobs %d, loglik %.10g, %d evaluations%s\n", case, n, ll, fit@optinfo$feval,
              if (length(messages)) paste0(", lme4: ", paste(messages, collapse = "; ")) else ""))
}

## Pupils nested in schools, crossed with teachers within schools (teachers change by grade): the star shape.
ref("star_ml", star_file, "math ~ 1 + gr + sx + eth + (1 | id) + (1 | tch) + (1 | sch)", factors = "gr")
## Pupils cross-classified by primary and secondary school.
ref("scotssec_ml", scots_file, "attain ~ 1 + verbal + sex + (1 | primary) + (1 | second)")
## Students in schools in local education authorities (nested, school labels unique).
ref("chem97_ml", chem_file, "score ~ 1 + gcsecnt + (1 | school) + (1 | lea)")
## Repeated measures of children in schools, random slope on year per child: the nested-with-slopes shape.
ref("egsingle_ml", eg_file, "math ~ 1 + year + (1 + year | childid) + (1 | schoolid)")
