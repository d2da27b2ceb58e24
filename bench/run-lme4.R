#!/usr/bin/env Rscript
# Times lme4 on one of the workloads of issue 5 and prints one JSON object on stdout:
#   {"tool":"lme4","workload":...,"method":...,"rows":...,"read_ms":...,"fit_ms":...,"repeat":...,
#    "evaluations":...,"loglik":...,"converged":...,"singular":...,"nobs":...,"ngroups":{...},"messages":[...]}
# fit_ms is the median of `--repeat N` fits in this process (after one warm-up fit when N > 1); read_ms is the time
# to read the CSV with data.table::fread (read.csv when data.table is not installed; 0 for the data sets that ship
# with lme4). Empty cells are missing, as SparseLmm reads them (a text column would otherwise get a level ""), and
# rows missing a used column are dropped. Text columns become factors; `--factor COL` makes a numeric column one
# (grouping variables are made factors by lmer itself).
#
# usage: Rscript bench/run-lme4.R sleepstudy [--repeat 200]
#        Rscript bench/run-lme4.R InstEval   [--repeat 1]
#        Rscript bench/run-lme4.R simulated FILE.csv [--repeat 1]
#        Rscript bench/run-lme4.R csv FILE.csv 'FORMULA' [--ml] [--factor COL]... [--repeat N]
# The data sets are lme4's own (sleepstudy, InstEval), which are the data embedded in SparseLmm.
suppressPackageStartupMessages(library(lme4))

args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 1) stop("usage: run-lme4.R sleepstudy|InstEval|simulated FILE|csv FILE FORMULA [--ml] [--repeat N]")
workload <- args[1]
rest <- args[-1]
repeats <- 1L
reml <- NULL
factors <- character(0)
positional <- character(0)
i <- 1
while (i <= length(rest)) {
  a <- rest[i]
  if (a == "--repeat") { repeats <- as.integer(rest[i + 1]); i <- i + 2; next }
  if (a == "--ml") { reml <- FALSE; i <- i + 1; next }
  if (a == "--reml") { reml <- TRUE; i <- i + 1; next }
  if (a == "--factor") { factors <- c(factors, rest[i + 1]); i <- i + 2; next }
  positional <- c(positional, a)
  i <- i + 1
}

now <- function() as.numeric(Sys.time())
read_ms <- 0
if (workload == "sleepstudy") {
  data <- lme4::sleepstudy
  formula <- Reaction ~ 1 + Days + (1 + Days | Subject)
  if (is.null(reml)) reml <- TRUE
} else if (workload == "InstEval") {
  data <- lme4::InstEval
  formula <- y ~ 1 + service + (1 | s) + (1 | d) + (1 | dept:service)
  if (is.null(reml)) reml <- FALSE
} else if (workload %in% c("simulated", "csv")) {
  if (length(positional) < 1) stop("give the CSV file")
  t0 <- now()
  # fread reads a 1M-row file in well under a second where read.csv takes several, so lme4's whole-process time is
  # mostly its fit, as ours is.
  data <- if (requireNamespace("data.table", quietly = TRUE)) {
    data.table::fread(positional[1], stringsAsFactors = TRUE, data.table = FALSE, showProgress = FALSE,
                      na.strings = c("", "NA"))
  } else {
    read.csv(positional[1], stringsAsFactors = TRUE, na.strings = c("", "NA"))
  }
  read_ms <- (now() - t0) * 1000
  if (workload == "simulated") {
    formula <- y ~ 1 + time + x1 + x2 + grp + (1 + time | subj) + (1 | site)
    if (is.null(reml)) reml <- FALSE
  } else {
    if (length(positional) < 2) stop("give the formula")
    formula <- as.formula(positional[2])
    if (is.null(reml)) reml <- TRUE
  }
  for (f in factors) data[[f]] <- factor(data[[f]])
} else {
  stop(paste("unknown workload", workload))
}

messages <- character(0)
fit_once <- function() {
  withCallingHandlers(
    lmer(formula, data = data, REML = reml),
    warning = function(w) {
      messages <<- unique(c(messages, conditionMessage(w)))
      invokeRestart("muffleWarning")
    },
    message = function(m) {
      messages <<- unique(c(messages, trimws(conditionMessage(m))))
      invokeRestart("muffleMessage")
    })
}

if (repeats > 1) invisible(fit_once())
times <- numeric(repeats)
for (k in seq_len(repeats)) {
  t0 <- now()
  fit <- fit_once()
  times[k] <- (now() - t0) * 1000
}

feval <- fit@optinfo$feval
if (is.null(feval)) feval <- NA
conv_messages <- unique(c(fit@optinfo$conv$lme4$messages, messages))
conv_messages <- conv_messages[nzchar(conv_messages)]
converged <- length(fit@optinfo$conv$lme4$messages) == 0 && isTRUE(fit@optinfo$conv$opt == 0)
esc <- function(s) gsub("\"", "\\\\\"", gsub("\n", " ", s))
cat(sprintf(paste0('{"tool":"lme4","lme4_version":"%s","workload":"%s","method":"%s","rows":%d,',
                   '"read_ms":%.3f,"fit_ms":%.3f,"repeat":%d,"evaluations":%s,"loglik":%.15g,',
                   '"converged":%s,"singular":%s,"nobs":%d,"ngroups":{%s},"messages":[%s]}\n'),
            as.character(packageVersion("lme4")), workload, if (reml) "REML" else "ML", nrow(data),
            read_ms, median(times), repeats, if (is.na(feval)) "null" else as.character(feval),
            as.numeric(logLik(fit)), if (converged) "true" else "false",
            if (isSingular(fit)) "true" else "false", nobs(fit),
            paste0('"', names(ngrps(fit)), '":', as.integer(ngrps(fit)), collapse = ","),
            if (length(conv_messages) == 0) "" else paste0('"', esc(conv_messages), '"', collapse = ",")))
