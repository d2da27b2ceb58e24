#!/usr/bin/env bash
# Times lme4 (bench/run-lme4.R) and SparseLmm (the sparselmm CLI) on the workloads of issue 5, one after the other on
# the same machine in the same run, and prints times, evaluations, log-likelihoods, peak memory and the ratios.
#
# usage: bench/compare-lme4.sh [--only LIST] [--sleepstudy-repeat N] [--record] [--no-build]
#    or: bench/compare-lme4.sh FILE.csv FORMULA [options]   one file, one formula, ML: see bench/compare-lme4-csv.sh
#   --only LIST   comma-separated subset of: sleepstudy,InstEval,sim1m,sim10m (default: sleepstudy,InstEval,sim1m;
#                 sim10m runs SparseLmm only: lme4 is not attempted at 10M rows)
#   --sleepstudy-repeat N   in-process fits for the sleepstudy median (default 200, both tools)
#   --record      also write the report to perf-data/lme4-<date>.txt
#   --no-build    use the existing Release build
# Needs R with lme4 (Debian: apt-get install -y r-cran-lme4 libopenblas0-pthread), jq and GNU time (/usr/bin/time).
# Simulated CSV files go to $SPARSELMM_BENCH_DATA (default /tmp/sparselmm-bench) and are reused when present.
set -euo pipefail

# A file and a formula: the one-workload comparison of issue 9 (any CSV, e.g. the nested and crossed generators').
if [ $# -ge 2 ] && [ "${1#-}" = "$1" ]; then exec "$(dirname "$0")/compare-lme4-csv.sh" "$@"; fi

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DATA_DIR=${SPARSELMM_BENCH_DATA:-/tmp/sparselmm-bench}
ONLY=sleepstudy,InstEval,sim1m
SLEEP_REPEAT=200
RECORD=0
BUILD=1
SEED=42
SIM_FORMULA='y ~ 1 + time + x1 + x2 + grp + (1 + time | subj) + (1 | site)'
INSTEVAL_FORMULA='y ~ 1 + service + (1 | s) + (1 | d) + (1 | dept:service)'
SLEEP_FORMULA='Reaction ~ 1 + Days + (1 + Days | Subject)'

while [ $# -gt 0 ]; do
  case "$1" in
    --only) ONLY=$2; shift 2 ;;
    --sleepstudy-repeat) SLEEP_REPEAT=$2; shift 2 ;;
    --record) RECORD=1; shift ;;
    --no-build) BUILD=0; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "compare-lme4.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
done

for tool in jq /usr/bin/time dotnet; do
  command -v "$tool" >/dev/null || { echo "compare-lme4.sh: $tool is required" >&2; exit 2; }
done
HAVE_R=1
if ! command -v Rscript >/dev/null || ! Rscript -e 'suppressPackageStartupMessages(library(lme4))' >/dev/null 2>&1; then
  HAVE_R=0
  echo "compare-lme4.sh: R with lme4 not found; timing SparseLmm only (apt-get install -y r-cran-lme4 libopenblas0-pthread)" >&2
fi

cd "$ROOT"
if [ "$BUILD" = 1 ]; then
  for project in src/SparseLmm.Cli bench/SparseLmm.Bench; do
    if ! dotnet build -c Release "$project" > "${TMPDIR:-/tmp}/compare-lme4-build.log" 2>&1; then
      echo "compare-lme4.sh: building $project failed (use --no-build to run the last build):" >&2
      grep -E ' error ' "${TMPDIR:-/tmp}/compare-lme4-build.log" | sort -u | head -10 >&2
      exit 1
    fi
  done
fi
CLI_DIR="$ROOT/src/SparseLmm.Cli/bin/Release/net10.0"
if [ -f "$CLI_DIR/SparseLmm.Cli.dll" ]; then CLI=(dotnet "$CLI_DIR/SparseLmm.Cli.dll")
else CLI=(dotnet "$CLI_DIR/sparselmm.dll"); fi
GENERATE=(dotnet "$ROOT/bench/SparseLmm.Bench/bin/Release/net10.0/SparseLmm.Bench.dll" generate)
mkdir -p "$DATA_DIR"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

simulated_file() { # rows -> path (generated once)
  local file="$DATA_DIR/sim-$1-$SEED.csv"
  [ -s "$file" ] || "${GENERATE[@]}" --rows "$1" --seed "$SEED" --out "$file" >&2
  echo "$file"
}

RESULTS="$WORK/results.tsv"
: > "$RESULTS"

# measure WORKLOAD TOOL COMMAND...: runs under /usr/bin/time -v; appends one row to $RESULTS.
measure() {
  local workload=$1 tool=$2; shift 2
  local out="$WORK/$workload-$tool.json" timefile="$WORK/$workload-$tool.time"
  echo "running $tool on $workload ..." >&2
  if ! /usr/bin/time -v "$@" > "$out" 2> "$timefile"; then
    echo "  $tool failed on $workload:" >&2
    grep -v -e '^\s' -e '^Command' "$timefile" | head -5 >&2 || true
    printf '%s\t%s\tNA\tNA\tNA\tNA\tNA\tfailed\n' "$workload" "$tool" >> "$RESULTS"
    return
  fi
  local peak
  peak=$(awk -F: '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$timefile")
  jq -r --arg w "$workload" --arg t "$tool" --arg peak "$peak" '
      [$w, $t,
       ((.read_ms // .timing.read_ms // 0) | tostring),
       ((.fit_ms // .timing.fit_ms) | tostring),
       ((.evaluations // .timing.evaluations) | tostring),
       (.loglik | tostring),
       $peak,
       (if .converged then "yes" else "no" end)] | @tsv' "$out" >> "$RESULTS"
}

IFS=, read -r -a SELECTED <<< "$ONLY"
for workload in "${SELECTED[@]}"; do
  case "$workload" in
    sleepstudy)
      [ "$HAVE_R" = 1 ] && measure sleepstudy lme4 Rscript bench/run-lme4.R sleepstudy --repeat "$SLEEP_REPEAT"
      measure sleepstudy sparselmm "${CLI[@]}" fit sleepstudy "$SLEEP_FORMULA" --reml --json --repeat "$SLEEP_REPEAT" ;;
    InstEval)
      [ "$HAVE_R" = 1 ] && measure InstEval lme4 Rscript bench/run-lme4.R InstEval
      measure InstEval sparselmm "${CLI[@]}" fit InstEval "$INSTEVAL_FORMULA" --ml --factor service --json ;;
    sim1m)
      file=$(simulated_file 1000000)
      [ "$HAVE_R" = 1 ] && measure sim1m lme4 Rscript bench/run-lme4.R simulated "$file"
      measure sim1m sparselmm "${CLI[@]}" fit "$file" "$SIM_FORMULA" --ml --json ;;
    sim10m)
      file=$(simulated_file 10000000)
      measure sim10m sparselmm "${CLI[@]}" fit "$file" "$SIM_FORMULA" --ml --json ;;
    *) echo "compare-lme4.sh: unknown workload '$workload'" >&2; exit 2 ;;
  esac
done

report() {
  echo "# SparseLmm vs lme4, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GB", $2 / 1048576}' /proc/meminfo); $(uname -sr)"
  echo "commit:  $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- src 2>/dev/null || echo ' (src modified)')"
  echo "dotnet:  $(dotnet --version)"
  if [ "$HAVE_R" = 1 ]; then
    Rscript -e 'cat(sprintf("R:       %s, lme4 %s, BLAS %s\n", R.version.string, packageVersion("lme4"), basename(La_library())))' 2>/dev/null
  fi
  echo "sleepstudy: median of $SLEEP_REPEAT warm in-process fits (REML); InstEval: one fit (ML); sim1m/sim10m: one fit (ML), seed $SEED."
  echo "fit_ms excludes reading; peak_MB is the whole process (reading included), from /usr/bin/time -v."
  echo
  {
    printf 'workload\ttool\tread_ms\tfit_ms\tevaluations\tloglik\tpeak_MB\tconverged\n'
    cat "$RESULTS"
  } | column -t -s $'\t'
  echo
  awk -F'\t' '
    function target(w) { return w == "sleepstudy" ? 20 : w == "InstEval" ? 5 : w == "sim1m" ? 20 : 0 }
    { key = $1 SUBSEP $2; fit[key] = $4; ll[key] = $6; peak[key] = $7; if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 } }
    END {
      printf "%-11s %14s %8s %18s %20s\n", "workload", "lme4/ours time", "target", "ours/lme4 memory", "loglik ours - lme4"
      for (i = 1; i <= n; i++) {
        w = order[i]; a = w SUBSEP "lme4"; b = w SUBSEP "sparselmm"
        if (w == "sim10m") {
          printf "%-11s %14s %8s %18s %20s   (fit %.1f s, target <= 60 s; peak %d MB, target <= 3072 MB)\n", w, "-", "-", "-", "-", fit[b] / 1000, peak[b]
          continue
        }
        if (!(a in fit) || !(b in fit) || fit[a] == "NA" || fit[b] == "NA" || fit[b] + 0 <= 0) continue
        printf "%-11s %13.1fx %7s %17.2fx %20.4f\n", w, fit[a] / fit[b], ">=" target(w) "x", peak[b] / peak[a], ll[b] - ll[a]
      }
    }' "$RESULTS"
}

if [ "$RECORD" = 1 ]; then
  out="$ROOT/perf-data/lme4-$(date -u +%Y-%m-%d).txt"
  report | tee "$out"
  echo "wrote $out" >&2
else
  report
fi
