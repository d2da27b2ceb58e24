#!/bin/sh
# Posterior sampling at the issue's size (4 chains x 1,000 draws after 1,000 warmup) on sleepstudy and cbpp,
# rstanarm (mcmc_timing.R) and SparseLmm in one run, same priors (--prior rstanarm-decov). For SparseLmm: CPU (user +
# system) and wall of the whole `fit --mcmc` command and of the same fit without --mcmc (best of five each; the
# difference is the sampling, its summaries and their printing), and the sampling's own wall time as the command
# prints it. Usage: sh mcmc_timing.sh SPARSELMM [SPARSELMM2 ...]  (the build output's SparseLmm.Cli, the packed tool's
# sparselmm); run it under flock /work/heavy.lock on a shared machine and note the load average it prints.
set -e
here=$(dirname "$0")
uptime
Rscript "$here/mcmc_timing.R"
best() { # best CPU and best wall of five runs of "$@"
  for i in 1 2 3 4 5; do /usr/bin/time -f "%U %S %e" "$@" 2>&1 >/dev/null | tail -1; done |
    awk 'BEGIN { c = 1e9; w = 1e9 } { if ($1 + $2 < c) c = $1 + $2; if ($3 < w) w = $3 } END { printf "%.2f s CPU, %.2f s wall", c, w }'
}
for cli in "$@"; do
  echo "== $cli"
  for model in sleepstudy cbpp; do
    if [ $model = sleepstudy ]; then set -- sleepstudy 'Reaction ~ 1 + Days + (1 + Days | Subject)'
    else set -- cbpp 'cbind(incidence, size - incidence) ~ period + (1 | herd)' --family binomial --factor period; fi
    echo "$model fit alone: $(best "$cli" fit "$@")"
    echo "$model fit + MCMC: $(best "$cli" fit "$@" --mcmc 1000 --chains 4 --prior rstanarm-decov)"
    "$cli" fit "$@" --mcmc 1000 --chains 4 --prior rstanarm-decov | sed -n '/^MCMC:/,/^random effects/p'
  done
done
uptime
