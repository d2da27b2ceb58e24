#!/usr/bin/env bash
# Runs the BenchmarkDotNet suite (or the benchmarks you choose) and records the results as
# perf-data/<date>-<shortcommit>.json, then compares them with the
# previous record (perf-data/compare.py).
#
# usage: perf-data/record.sh                       # the whole suite (a few minutes)
#        perf-data/record.sh --filter '*Sleepstudy*' '*ObjectiveEvaluation*'
#        perf-data/record.sh --anyCategories Kernel Fit
# Any arguments are passed to BenchmarkDotNet; with none, --filter '*' runs everything. Recording the same commit on
# the same day again merges into that day's file (benchmarks run again replace their earlier entries).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
ARTIFACTS=$(mktemp -d)
trap 'rm -rf "$ARTIFACTS"' EXIT

args=("$@")
[ ${#args[@]} -eq 0 ] && args=(--filter '*')

dotnet run -c Release --project bench/SparseLmm.Bench -- "${args[@]}" --exporters json --artifacts "$ARTIFACTS"

python3 perf-data/convert.py "$ARTIFACTS/results" --out-dir perf-data
# exit 1 when a benchmark regressed by more than 10% against the previous record
exec python3 perf-data/compare.py
