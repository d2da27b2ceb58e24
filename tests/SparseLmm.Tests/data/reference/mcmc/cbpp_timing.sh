#!/bin/sh
# CPU time of posterior sampling on cbpp at the issue's size (4 chains x 1,000 draws after 1,000 warmup), rstanarm and
# SparseLmm in one run, same priors (decov(1, 1, 1, 1), flat on the coefficients). rstanarm's chains run one after
# another (cores = 1); SparseLmm's MCMC CPU is the command's CPU time less that of the same fit without --mcmc (best
# of three each). Usage: sh cbpp_timing.sh PATH/TO/SparseLmm.Cli   (run it under flock /work/heavy.lock on a shared
# machine, and note the load average it prints)
set -e
cli="$1"
formula='cbind(incidence, size - incidence) ~ period + (1 | herd)'
uptime
Rscript -e 'suppressPackageStartupMessages({ library(rstanarm); library(lme4) }); data(cbpp, package = "lme4")
  times <- system.time(stan_glmer(cbind(incidence, size - incidence) ~ period + (1 | herd), data = cbpp,
    family = binomial(), prior = NULL, prior_intercept = NULL,
    prior_covariance = decov(regularization = 1, concentration = 1, shape = 1, scale = 1),
    chains = 4, iter = 2000, warmup = 1000, seed = 2, cores = 1, refresh = 0))
  cat(sprintf("rstanarm: %.2f s CPU (user + system), %.2f s wall\n", times[["user.self"]] + times[["sys.self"]], times[["elapsed"]]))'
cpu() { /usr/bin/time -f "%U %S" "$@" 2>&1 >/dev/null | tail -1 | awk '{ print $1 + $2 }'; }
best() { b=1e9; for i in 1 2 3; do t=$(cpu "$@" || true); b=$(echo "$t $b" | awk '{ print ($1 < $2) ? $1 : $2 }'); done; echo "$b"; }
fit=$(best "$cli" fit cbpp "$formula" --family binomial --factor period)
mcmc=$(best "$cli" fit cbpp "$formula" --family binomial --factor period --mcmc 1000 --chains 4 --prior rstanarm-decov)
echo "sparselmm: fit $fit s CPU, fit + MCMC $mcmc s CPU, MCMC $(echo "$mcmc $fit" | awk '{ print $1 - $2 }') s CPU"
uptime
