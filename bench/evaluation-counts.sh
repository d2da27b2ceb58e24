#!/usr/bin/env bash
# Objective evaluations of SparseLmm and lme4 on the same files (issue 11: the count must not exceed lme4's on real
# data, nor grow on unbalanced data). SparseLmm counts every evaluation (start candidates, BOBYQA, the snap to a
# bound); lme4's count is its optimiser's (fit@optinfo$feval). Prints one line per case: file, method, both counts and
# both log-likelihoods.
#
# usage: bench/evaluation-counts.sh [CASES]   (default: bench/evaluation-cases.txt)
#   CASES: lines "FILE;FORMULA;ML|REML;FACTORS" (FACTORS comma-separated, may be empty); paths relative to the root.
# Needs the Release build of the CLI and R with lme4.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CASES=${1:-$ROOT/bench/evaluation-cases.txt}
CLI=$ROOT/src/SparseLmm.Cli/bin/Release/net10.0/SparseLmm.Cli.dll
printf '%-28s %-5s %8s %8s %16s %16s\n' file method ours lme4 "our loglik" "lme4 loglik"
grep -v '^#' "$CASES" | while IFS=';' read -r file formula method factors; do
  [ -n "$file" ] || continue
  path=$file; [ -f "$path" ] || path=$ROOT/$file
  args=(fit "$path" "$formula" --json --ddf none)
  [ "$method" = ML ] && args+=(--ml)
  for f in ${factors//,/ }; do args+=(--factor "$f"); done
  read -r ours ourll < <(dotnet "$CLI" "${args[@]}" 2>/dev/null </dev/null |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["timing"]["evaluations"], "%.10g" % d["loglik"])')
  read -r theirs theirll _ < <(Rscript "$ROOT/bench/lme4-evaluations.R" "$path" "$formula" "$method" "$factors" 2>/dev/null </dev/null | tail -1)
  printf '%-28s %-5s %8s %8s %16s %16s\n' "$(basename "$file")" "$method" "$ours" "$theirs" "$ourll" "$theirll"
done
