#!/usr/bin/env python3
"""Converts BenchmarkDotNet's JSON exports (``--exporters json``) into one SparseLmm performance record,
``perf-data/<date>-<shortcommit>.json``.

usage: perf-data/convert.py RESULTS_DIR [--out-dir perf-data] [--no-merge]

A record (format "sparselmm-perf/1"):
  {"format", "date" (UTC ISO 8601), "commit", "short_commit", "dirty" (uncommitted changes under src/ or bench/),
   "machine": {"cpu", "physical_cores", "logical_cores", "memory_gb", "os", "runtime", "benchmarkdotnet"},
   "benchmarks": [{"name", "class", "method", "parameters", "mean_ns", "median_ns", "stddev_ns", "stderr_ns",
                   "iterations", "allocated_bytes", "gen0_per_1k_ops", "derived": {...}}]}
``name`` is "Class.Method" plus "(Param=value, ...)" when the benchmark has parameters; it is the key compare.py
matches on. ``derived`` holds throughputs computed from the mean: rows_per_s (a "Rows" parameter), mb_per_s (CSV
reading), gflops (dense Cholesky: (n^3/3) / (Factor - CopyOnly)).
"""
import argparse
import datetime as dt
import glob
import json
import os
import re
import subprocess
import sys

FORMAT = "sparselmm-perf/1"
CSV_BYTES_PER_ROW = 51.7  # the generator's CSV, measured on 1M rows, seed 42


def git(*args):
    try:
        return subprocess.run(["git", *args], check=True, capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def memory_gb():
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return round(int(line.split()[1]) / 1048576, 1)
    except OSError:
        pass
    return None


def cpu_model(host):
    name = (host.get("ProcessorName") or host.get("CpuInfo", {}).get("ProcessorName") or "").strip()
    if name and name.lower() != "unknown processor":
        return name
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return name or "unknown"


def parse_parameters(text):
    """BenchmarkDotNet's "Parameters" string ("Dataset=InstEval&N=32" or "N=32, Threads=1") as a dict."""
    result = {}
    for part in re.split(r"[&,]\s*", text or ""):
        if "=" in part:
            key, value = part.split("=", 1)
            result[key.strip()] = value.strip()
    return result


def job_of(display_info):
    """The job name in BenchmarkDotNet's DisplayInfo ("Class.Method: Job-ABC(...) [params]")."""
    match = re.search(r":\s*([^\s(\[]+)", display_info)
    return match.group(1) if match else ""


def number(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def convert(results_dir):
    files = sorted(glob.glob(os.path.join(results_dir, "*.json")))
    if not files:
        sys.exit(f"convert.py: no BenchmarkDotNet JSON in {results_dir} (run with --exporters json)")
    host = {}
    intrinsics = None
    benchmarks = []
    for path in files:
        with open(path) as f:
            report = json.load(f)
        host = report.get("HostEnvironmentInfo") or host
        for b in report.get("Benchmarks", []):
            stats = b.get("Statistics") or {}
            if not stats or stats.get("Mean") is None:
                print(f"convert.py: {b.get('FullName')}: no statistics (did it fail?)", file=sys.stderr)
                continue
            params = parse_parameters(b.get("Parameters"))
            name = f"{b.get('Type')}.{b.get('Method')}"
            if params:
                name += "(" + ", ".join(f"{k}={v}" for k, v in params.items()) + ")"
            intrinsics = intrinsics or b.get("HardwareIntrinsics")
            memory = b.get("Memory") or {}
            gen0 = memory.get("Gen0Collections")
            ops = memory.get("TotalOperations") or 0
            benchmarks.append({
                "name": name,
                "job": job_of(b.get("DisplayInfo", "")),
                "class": b.get("Type"),
                "method": b.get("Method"),
                "parameters": params,
                "mean_ns": stats.get("Mean"),
                "median_ns": stats.get("Median"),
                "stddev_ns": stats.get("StandardDeviation"),
                "stderr_ns": stats.get("StandardError"),
                "iterations": stats.get("N"),
                "allocated_bytes": memory.get("BytesAllocatedPerOperation"),
                "gen0_per_1k_ops": (gen0 * 1000.0 / ops) if gen0 is not None and ops else None,
                "derived": {},
            })
    names = [b["name"] for b in benchmarks]
    for b in benchmarks:  # two jobs of one benchmark (e.g. an extra --job): tell them apart
        if names.count(b["name"]) > 1:
            b["name"] += f" [{b['job']}]"
    add_derived(benchmarks)
    cores = host.get("CpuInfo") or {}
    machine = {
        "cpu": cpu_model(host),
        "physical_cores": host.get("PhysicalCoreCount") or cores.get("PhysicalCoreCount"),
        "logical_cores": host.get("LogicalCoreCount") or cores.get("LogicalCoreCount") or os.cpu_count(),
        "memory_gb": memory_gb(),
        "os": host.get("OsVersion"),
        "runtime": host.get("RuntimeVersion"),
        "benchmarkdotnet": host.get("BenchmarkDotNetVersion"),
        "intrinsics": intrinsics,
    }
    commit = git("rev-parse", "HEAD")
    dirty = bool(git("status", "--porcelain", "--", "src", "bench"))
    return {
        "format": FORMAT,
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "commit": commit,
        "short_commit": commit[:7],
        "dirty": dirty,
        "machine": machine,
        "benchmarks": benchmarks,
    }


def add_derived(benchmarks):
    by_name = {b["name"]: b for b in benchmarks}
    for b in benchmarks:
        mean = b["mean_ns"]
        if not mean:
            continue
        seconds = mean * 1e-9
        rows = number(b["parameters"].get("Rows"))
        if rows:
            if b["method"] == "ReadCsv":
                b["derived"]["mb_per_s"] = rows * CSV_BYTES_PER_ROW / 1e6 / seconds
            else:
                b["derived"]["rows_per_s"] = rows / seconds
        if b["method"] == "Factor" and "N" in b["parameters"]:
            copy_name = b["name"].replace(".Factor(", ".CopyOnly(", 1)
            copy = by_name.get(copy_name)
            n = number(b["parameters"]["N"])
            net = mean - (copy["mean_ns"] if copy else 0.0)
            if n and net > 0:
                b["derived"]["gflops"] = n ** 3 / 3 / net


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results_dir")
    parser.add_argument("--out-dir", default=os.path.dirname(os.path.abspath(__file__)))
    parser.add_argument("--no-merge", action="store_true", help="replace an existing record of the same day and commit")
    args = parser.parse_args()

    record = convert(args.results_dir)
    day = record["date"][:10]
    out = os.path.join(args.out_dir, f"{day}-{record['short_commit'] or 'nocommit'}.json")
    if os.path.exists(out) and not args.no_merge:
        with open(out) as f:
            previous = json.load(f)
        fresh = {b["name"] for b in record["benchmarks"]}
        kept = [b for b in previous.get("benchmarks", []) if b["name"] not in fresh]
        record["benchmarks"] = kept + record["benchmarks"]
    record["benchmarks"].sort(key=lambda b: b["name"])
    with open(out, "w") as f:
        json.dump(record, f, indent=2)
        f.write("\n")
    print(f"wrote {out}: {len(record['benchmarks'])} benchmarks")


if __name__ == "__main__":
    main()
