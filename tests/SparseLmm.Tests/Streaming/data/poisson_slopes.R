# Makes poisson_slopes.csv (a Poisson GLMM with a correlated random slope and a crossed intercept) and
# poisson_slopes.json (lme4's Laplace fit of it): Rscript poisson_slopes.R, in this folder.
suppressMessages(library(lme4))
set.seed(16)
groups <- 40; per <- 15; sites <- 10
g <- factor(sprintf("g%02d", rep(seq_len(groups), each = per)))
h <- factor(sprintf("h%02d", sample(seq_len(sites), groups * per, replace = TRUE)))
x <- round(rnorm(groups * per), 4)
b0 <- rnorm(groups, 0, 0.5); b1 <- 0.3 * b0 + rnorm(groups, 0, 0.25); c0 <- rnorm(sites, 0, 0.3)
eta <- 0.5 + 0.4 * x + b0[as.integer(g)] + b1[as.integer(g)] * x + c0[as.integer(h)]
d <- data.frame(count = rpois(length(eta), exp(eta)), x = x, g = g, h = h)
write.csv(d, "poisson_slopes.csv", row.names = FALSE, quote = FALSE)
m <- glmer(count ~ 1 + x + (1 + x | g) + (1 | h), d, family = poisson)
cat(sprintf('{"formula": "count ~ 1 + x + (1 + x | g) + (1 | h)", "loglik": %.10f, "theta": [%s], "beta": [%s]}\n',
    as.numeric(logLik(m)), paste(sprintf("%.8f", getME(m, "theta")), collapse = ", "),
    paste(sprintf("%.8f", fixef(m)), collapse = ", ")), file = "poisson_slopes.json")
