#!/usr/bin/env bash
# Fits one CSV file with one formula by ML in lme4 and in SparseLmm, one after the other, each in its own process
# under /usr/bin/time -v, and prints one line per tool (wall, user and system CPU, peak RSS, read and fit time,
# evaluations, log-likelihood, convergence) and a line of ratios. Whole-process figures are what a user waits for;
# read and fit time are each tool's own report.
#
# usage: bench/compare-lme4-csv.sh FILE.csv FORMULA [--factor COL]... [--only lme4|sparselmm] [--nice N]
#            [--timeout S] [--lme4-timeout S] [--label NAME] [--keep DIR] [--cli DLL]
#   --factor COL       a numeric column to treat as categorical (both tools; grouping variables always are)
#   --only TOOL        run one side only
#   --nice N           niceness of both runs (default 10: the benchmark machine is shared)
#   --timeout S        stop SparseLmm after S seconds (default: no limit); --lme4-timeout S the same for lme4
#   --label NAME       the workload name printed in the lines (default: the file's base name)
#   --keep DIR         keep each tool's JSON and /usr/bin/time output in DIR
#   --cli DLL          the SparseLmm CLI to run (default: this checkout's Release build, which must exist)
# Also reached as bench/compare-lme4.sh FILE.csv FORMULA [...]. R runs with OPENBLAS_NUM_THREADS=1, so lme4's
# figures are one core's, as lme4 is usually run; SparseLmm uses the cores it finds (see user CPU).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
usage() { sed -n '7,17p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[ $# -ge 2 ] || usage
FILE=$1 FORMULA=$2
shift 2
FACTORS=() ONLY="" NICENESS=10 OUR_TIMEOUT=0 LME4_TIMEOUT=0 LABEL="" KEEP="" CLI_DLL=""
while [ $# -gt 0 ]; do
  case "$1" in
    --factor) FACTORS+=(--factor "$2"); shift 2 ;;
    --only) ONLY=$2; shift 2 ;;
    --nice) NICENESS=$2; shift 2 ;;
    --timeout) OUR_TIMEOUT=$2; shift 2 ;;
    --lme4-timeout) LME4_TIMEOUT=$2; shift 2 ;;
    --label) LABEL=$2; shift 2 ;;
    --keep) KEEP=$2; shift 2 ;;
    --cli) CLI_DLL=$2; shift 2 ;;
    -h|--help) usage ;;
    *) echo "compare-lme4-csv.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
done
[ -f "$FILE" ] || { echo "compare-lme4-csv.sh: no file $FILE" >&2; exit 2; }
case "$ONLY" in ""|lme4|sparselmm) ;; *) echo "compare-lme4-csv.sh: --only lme4 or sparselmm" >&2; exit 2 ;; esac
LABEL=${LABEL:-$(basename "$FILE" .csv)}
CLI_DLL=${CLI_DLL:-$ROOT/src/SparseLmm.Cli/bin/Release/net10.0/SparseLmm.Cli.dll}
if [ "$ONLY" != lme4 ] && [ ! -f "$CLI_DLL" ]; then
  echo "compare-lme4-csv.sh: no CLI at $CLI_DLL (dotnet build -c Release src/SparseLmm.Cli)" >&2; exit 2
fi
for tool in jq /usr/bin/time timeout; do
  command -v "$tool" >/dev/null || { echo "compare-lme4-csv.sh: $tool is required" >&2; exit 2; }
done
WORK=${KEEP:-$(mktemp -d)}
mkdir -p "$WORK"
[ -n "$KEEP" ] || trap 'rm -rf "$WORK"' EXIT

# limit SECONDS: a timeout prefix, or nothing for 0.
limit() { [ "$1" = 0 ] && return 0; echo "timeout $1"; }

# measure TOOL TIMEOUT COMMAND...: runs it niced under /usr/bin/time -v; leaves $WORK/TOOL.json and TOOL.time.
measure() {
  local tool=$1 seconds=$2; shift 2
  echo "running $tool on $LABEL ..." >&2
  # shellcheck disable=SC2046  # the timeout prefix is meant to split into words
  nice -n "$NICENESS" /usr/bin/time -v $(limit "$seconds") "$@" > "$WORK/$tool.json" 2> "$WORK/$tool.time" || true
}

# line TOOL: one tab-separated line from the time and JSON outputs.
line() {
  local tool=$1 timefile=$WORK/$1.time json=$WORK/$1.json status
  local wall user sys peak
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.2f", s }' "$timefile")
  user=$(awk -F': ' '/User time \(seconds\)/ { print $2 }' "$timefile")
  sys=$(awk -F': ' '/System time \(seconds\)/ { print $2 }' "$timefile")
  peak=$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$timefile")
  status=$(awk -F': ' '/Exit status/ { print $2 }' "$timefile")
  local cpu
  cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
  if [ "$status" = 0 ] && jq -e . "$json" >/dev/null 2>&1; then
    jq -r --arg workload "$LABEL" --arg tool "$tool" --arg wall "$wall" --arg user "$user" --arg sys "$sys" \
          --arg cpu "$cpu" --arg peak "$peak" '
      [$workload, $tool, $wall, $user, $sys, $cpu, $peak,
       (((.read_ms // .timing.read_ms // 0) / 1000) * 100 | round / 100 | tostring),
       (((.fit_ms // .timing.fit_ms) / 1000) * 100 | round / 100 | tostring),
       ((.evaluations // .timing.evaluations) | tostring),
       (.loglik | tostring),
       (if .converged then "yes" else "no" end)] | @tsv' "$json"
  else
    local why="failed (exit $status)"
    [ "$status" = 124 ] && why="timed out"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\tNA\tNA\tNA\tNA\t%s\n' "$LABEL" "$tool" "$wall" "$user" "$sys" "$cpu" "$peak" "$why"
    grep -v -e '^\s' -e '^Command' "$timefile" | tail -3 >&2 || true
  fi
}

TOOLS=()
if [ "$ONLY" != sparselmm ]; then
  command -v Rscript >/dev/null || { echo "compare-lme4-csv.sh: Rscript is required (or --only sparselmm)" >&2; exit 2; }
  measure lme4 "$LME4_TIMEOUT" \
    env OPENBLAS_NUM_THREADS=1 Rscript "$ROOT/bench/run-lme4.R" csv "$FILE" "$FORMULA" --ml "${FACTORS[@]}"
  TOOLS+=(lme4)
fi
if [ "$ONLY" != lme4 ]; then
  measure sparselmm "$OUR_TIMEOUT" dotnet "$CLI_DLL" fit "$FILE" "$FORMULA" --ml --json "${FACTORS[@]}"
  TOOLS+=(sparselmm)
fi

{
  printf 'workload\ttool\twall_s\tuser_s\tsys_s\tcpu_s\tpeak_MB\tread_s\tfit_s\tevaluations\tloglik\tconverged\n'
  for tool in "${TOOLS[@]}"; do line "$tool"; done
} > "$WORK/lines.tsv"
column -t -s $'\t' "$WORK/lines.tsv"
if [ "${#TOOLS[@]}" = 2 ]; then
  awk -F'\t' 'NR == 2 { for (i = 1; i <= NF; i++) a[i] = $i } NR == 3 { for (i = 1; i <= NF; i++) b[i] = $i }
    function ratio(x, y) { return (x == "NA" || y == "NA" || y + 0 <= 0) ? "NA" : sprintf("%.1fx", x / y) }
    END {
      printf "%s ratio lme4/ours: wall %s, cpu %s, fit %s; peak RSS ours/lme4 %s; loglik ours - lme4 %s\n", a[1],
        ratio(a[3], b[3]), ratio(a[6], b[6]), ratio(a[9], b[9]),
        (a[7] + 0 > 0 ? sprintf("%.2fx", b[7] / a[7]) : "NA"),
        ((a[11] == "NA" || b[11] == "NA") ? "NA" : sprintf("%.6g", b[11] - a[11]))
      # A stopped run has its wall and CPU from where it was stopped, so the ratio is a bound, not a measurement.
      if (a[12] == "timed out") printf "%s lme4 timed out: lme4/ours ratios are lower bounds\n", a[1]
      if (b[12] == "timed out") printf "%s sparselmm timed out: lme4/ours ratios are upper bounds\n", a[1]
    }' "$WORK/lines.tsv"
fi
