## Usage: Rscript bench/lme4-evaluations.R FILE FORMULA ML|REML [FACTOR,FACTOR...]
## Prints "evaluations loglik seconds" of lme4's lmer fit (default nloptwrap BOBYQA): its optimiser's evaluations,
## fit@optinfo$feval, the count bench/evaluation-counts.sh compares with SparseLmm's timing.evaluations. Text columns
## become factors with levels in C-collation order, as SparseLmm sorts them.
suppressMessages(library(lme4))
invisible(Sys.setlocale("LC_COLLATE", "C"))
a <- commandArgs(TRUE)
d <- read.csv(if (grepl("\\.gz$", a[1])) gzfile(a[1]) else a[1], stringsAsFactors = TRUE, na.strings = c("", "NA"))
if (length(a) >= 4 && nchar(a[4])) for (f in strsplit(a[4], ",")[[1]]) d[[f]] <- factor(d[[f]])
t <- system.time(fit <- lmer(as.formula(a[2]), data = d, REML = a[3] == "REML"))
cat(sprintf("%d %.10g %.2f\n", fit@optinfo$feval, as.numeric(logLik(fit)), t[["elapsed"]]))
