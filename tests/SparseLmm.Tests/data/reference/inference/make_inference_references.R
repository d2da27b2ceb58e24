## Satterthwaite (lmerTest) and Kenward-Roger (pbkrtest) references for the df tests, REML fits.
## Run from the repository root: Rscript tests/SparseLmm.Tests/data/reference/inference/make_inference_references.R
## Writes <case>.json next to this script (and egsingle_12schools.csv, the first 12 schools of mlmRev's egsingle in
## the C collation order, small enough for pbkrtest's dense n x n matrices).
## For each fixed effect: lmerTest's Satterthwaite df; pbkrtest's adjusted standard error (sqrt of vcovAdj's diagonal),
## its Kenward-Roger df and F scaling for the single-coefficient contrast (what KRmodcomp reports for a one-row L,
## from pbkrtest's own .KR_adjust on the one vcovAdj).
suppressMessages({library(lme4); library(lmerTest); library(pbkrtest); library(jsonlite)})
invisible(Sys.setlocale("LC_COLLATE", "C"))
here <- "tests/SparseLmm.Tests/data/reference/inference"
csv <- "tests/SparseLmm.Tests/data/csv"
mlm <- "tests/SparseLmm.Tests/data/mlmrev"

read_data <- function(path, factors = character()) {
  d <- read.csv(path, stringsAsFactors = TRUE, na.strings = "")
  for (f in factors) d[[f]] <- factor(d[[f]])
  d
}

reference <- function(case, file, formula, data, factors = character(), kr = TRUE) {
  m <- lmerTest::lmer(as.formula(formula), data = data, REML = TRUE,
                      control = lmerControl(optimizer = "bobyqa", optCtrl = list(rhoend = 1e-10)))
  s <- summary(m)$coefficients
  fixef <- list(names = rownames(s), estimate = unname(s[, "Estimate"]), stderr = unname(s[, "Std. Error"]),
                satterthwaite_df = unname(s[, "df"]))
  if (kr) {
    adjusted <- pbkrtest::vcovAdj(m)
    v <- as.matrix(adjusted)
    p <- ncol(v)
    df <- scaling <- numeric(p)
    for (j in seq_len(p)) {
      L <- matrix(0, 1, p); L[j] <- 1
      k <- pbkrtest:::.KR_adjust(adjusted, as.matrix(vcov(m)), L, lme4::fixef(m), 0)
      df[j] <- k$ddf
      scaling[j] <- k$F.scaling
    }
    fixef$kenward_roger_stderr <- sqrt(diag(v))
    fixef$kenward_roger_df <- df
    fixef$kenward_roger_scaling <- scaling
  }
  out <- list(case = case, data = file, formula = formula, factors = factors, method = "REML", rows = nrow(model.frame(m)),
              theta = unname(getME(m, "theta")), sigma = sigma(m), fixef = fixef,
              reference = sprintf("lme4 %s lmerTest %s pbkrtest %s", packageVersion("lme4"), packageVersion("lmerTest"),
                                  packageVersion("pbkrtest")))
  writeLines(toJSON(out, auto_unbox = TRUE, digits = 15, pretty = TRUE), file.path(here, paste0(case, ".json")))
  cat(case, ": ", nrow(model.frame(m)), " rows\n", sep = "")
}

sleep <- read_data(file.path(csv, "sleepstudy.csv"), "Subject")
reference("sleepstudy_slopes", "sleepstudy.csv", "Reaction ~ 1 + Days + (1 + Days | Subject)", sleep, "Subject")
reference("sleepstudy_uncorrelated", "sleepstudy.csv", "Reaction ~ 1 + Days + (1 | Subject) + (0 + Days | Subject)", sleep, "Subject")

pen <- read_data(file.path(csv, "Penicillin.csv"))
reference("penicillin_crossed", "Penicillin.csv", "diameter ~ 1 + (1 | plate) + (1 | sample)", pen)

ortho <- read_data(file.path(csv, "Orthodont.csv"))
reference("orthodont_slopes", "Orthodont.csv", "distance ~ 1 + age * Sex + (1 + age | Subject)", ortho)

scots <- read_data(file.path(mlm, "ScotsSec.csv"), c("primary", "second"))
reference("scotssec_crossed", "ScotsSec.csv", "attain ~ 1 + verbal + sex + (1 | primary) + (1 | second)", scots,
          c("primary", "second"))

eg <- read_data(file.path(mlm, "egsingle.csv"), c("schoolid", "childid"))
schools <- sort(unique(as.character(eg$schoolid)))[1:12]
sub <- read.csv(file.path(mlm, "egsingle.csv"))
sub <- sub[as.character(sub$schoolid) %in% schools, c("schoolid", "childid", "year", "math", "retained")]
write.csv(sub, file.path(here, "egsingle_12schools.csv"), row.names = FALSE, quote = FALSE)
sub <- read_data(file.path(here, "egsingle_12schools.csv"), c("schoolid", "childid"))
reference("egsingle_child_slopes", "egsingle_12schools.csv",
          "math ~ 1 + year + retained + (1 + year | childid) + (1 | schoolid)", sub, c("schoolid", "childid"))
reference("egsingle_school_slopes", "egsingle_12schools.csv",
          "math ~ 1 + year + retained + (1 | childid) + (1 + year | schoolid)", sub, c("schoolid", "childid"))
## The whole of egsingle (7,230 rows): Satterthwaite only (pbkrtest's dense 7,230 x 7,230 matrices are too big here).
reference("egsingle_full", "egsingle.csv", "math ~ 1 + year + retained + (1 + year | childid) + (1 | schoolid)", eg,
          c("schoolid", "childid"), kr = FALSE)
