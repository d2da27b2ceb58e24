#!/usr/bin/env python3
"""Compares the newest performance record in perf-data/ with the previous one and flags regressions.

usage: perf-data/compare.py [--threshold 0.10] [--dir perf-data] [OLD.json NEW.json]

A benchmark regressed when its mean time grew by more than the threshold (10% by default), or when it allocates
more than before (any allocation where there was none, or more than the threshold more). Benchmarks present in only
one of the two records are listed but not judged. Exit status: 0 when nothing regressed (or there is only one
record), 1 when something did, 2 on bad input. Records from different CPUs are compared with a warning.
"""
import argparse
import glob
import json
import os
import sys

FORMAT = "sparselmm-perf/1"


def load(path):
    with open(path) as f:
        record = json.load(f)
    if record.get("format") != FORMAT:
        raise ValueError(f"{path}: not a {FORMAT} record")
    record["_path"] = path
    return record


def records_in(directory):
    found = []
    for path in glob.glob(os.path.join(directory, "*.json")):
        try:
            found.append(load(path))
        except (ValueError, json.JSONDecodeError, OSError):
            continue
    found.sort(key=lambda r: (r.get("date", ""), r["_path"]))
    return found


def time_text(ns):
    if ns is None:
        return "-"
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("us", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def bytes_text(b):
    if b is None:
        return "-"
    if b == 0:
        return "0 B"
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if b >= scale:
            return f"{b / scale:.3g} {unit}"
    return f"{b:.0f} B"


def describe(record):
    machine = record.get("machine", {})
    dirty = " (dirty)" if record.get("dirty") else ""
    return (f"{os.path.basename(record['_path'])}: {record.get('date')} commit {record.get('short_commit')}{dirty} "
            f"on {machine.get('cpu')}, {machine.get('logical_cores')} cores")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="*", help="OLD.json NEW.json (default: the two newest records)")
    parser.add_argument("--threshold", type=float, default=0.10)
    parser.add_argument("--dir", default=os.path.dirname(os.path.abspath(__file__)))
    args = parser.parse_args()

    try:
        if args.files:
            if len(args.files) != 2:
                parser.error("give two files, OLD.json NEW.json, or none")
            old, new = (load(p) for p in args.files)
        else:
            records = records_in(args.dir)
            if len(records) < 2:
                print(f"compare.py: {len(records)} record(s) in {args.dir}; nothing to compare with")
                return 0
            old, new = records[-2], records[-1]
    except (ValueError, json.JSONDecodeError, OSError) as e:
        print(f"compare.py: {e}", file=sys.stderr)
        return 2

    print("old: " + describe(old))
    print("new: " + describe(new))
    if old.get("machine", {}).get("cpu") != new.get("machine", {}).get("cpu"):
        print("warning: the records come from different CPUs; time changes may not mean anything")

    old_by_name = {b["name"]: b for b in old.get("benchmarks", [])}
    new_by_name = {b["name"]: b for b in new.get("benchmarks", [])}
    common = sorted(set(old_by_name) & set(new_by_name))
    width = max([len(n) for n in common] + [9])
    print()
    print(f"{'benchmark':<{width}}  {'old mean':>10}  {'new mean':>10}  {'change':>8}  {'old alloc':>10}  {'new alloc':>10}")
    regressions = []
    for name in common:
        a, b = old_by_name[name], new_by_name[name]
        flags = []
        change = None
        if a.get("mean_ns") and b.get("mean_ns") is not None:
            change = b["mean_ns"] / a["mean_ns"] - 1
            if change > args.threshold:
                flags.append(f"time +{change:.0%}")
        alloc_a, alloc_b = a.get("allocated_bytes"), b.get("allocated_bytes")
        if alloc_a is not None and alloc_b is not None:
            if (alloc_a == 0 and alloc_b > 0) or (alloc_a > 0 and alloc_b > alloc_a * (1 + args.threshold)):
                flags.append(f"allocated {bytes_text(alloc_a)} -> {bytes_text(alloc_b)}")
        change_text = f"{change:+.1%}" if change is not None else "-"
        mark = "  REGRESSED: " + "; ".join(flags) if flags else ""
        print(f"{name:<{width}}  {time_text(a.get('mean_ns')):>10}  {time_text(b.get('mean_ns')):>10}  "
              f"{change_text:>8}  {bytes_text(alloc_a):>10}  {bytes_text(alloc_b):>10}{mark}")
        if flags:
            regressions.append(name)

    for label, names in (("only in old", set(old_by_name) - set(new_by_name)),
                         ("only in new", set(new_by_name) - set(old_by_name))):
        if names:
            print(f"\n{label}: " + ", ".join(sorted(names)))

    print()
    if regressions:
        print(f"{len(regressions)} of {len(common)} benchmarks regressed by more than {args.threshold:.0%}: "
              + ", ".join(regressions))
        return 1
    print(f"no regression above {args.threshold:.0%} in {len(common)} benchmarks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
