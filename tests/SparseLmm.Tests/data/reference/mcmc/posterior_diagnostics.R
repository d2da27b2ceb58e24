# Reference R-hat, bulk ESS and tail ESS from the R package posterior (Vehtari et al. 2021) for three sets of four
# AR(1) chains of 300 draws (a well-mixed set, a slowly mixing one, one chain shifted), written with the chains to
# posterior_diagnostics.csv (set, chain, draw, value) and posterior_diagnostics_reference.csv (set, rhat, ess_bulk,
# ess_tail). Run from this directory: Rscript posterior_diagnostics.R
library(posterior)
set.seed(20261201)
ar1 <- function(n, phi, shift) { x <- numeric(n); x[1] <- rnorm(1); for (i in 2:n) x[i] <- phi * x[i - 1] + rnorm(1); x + shift }
sets <- list(mixed = c(0.2, 0, 0, 0, 0), slow = c(0.9, 0, 0, 0, 0), shifted = c(0.5, 0, 0, 0, 1.5))
rows <- list(); refs <- list()
for (name in names(sets)) {
  p <- sets[[name]]
  m <- sapply(1:4, function(c) ar1(300, p[1], p[c + 1]))
  rows[[name]] <- data.frame(set = name, chain = rep(1:4, each = 300), draw = rep(1:300, 4), value = sprintf("%.17g", as.vector(m)))
  refs[[name]] <- data.frame(set = name, rhat = sprintf("%.17g", rhat(m)), ess_bulk = sprintf("%.17g", ess_bulk(m)), ess_tail = sprintf("%.17g", ess_tail(m)))
}
write.csv(do.call(rbind, rows), "posterior_diagnostics.csv", row.names = FALSE, quote = FALSE)
write.csv(do.call(rbind, refs), "posterior_diagnostics_reference.csv", row.names = FALSE, quote = FALSE)
print(do.call(rbind, refs))
