#!/usr/bin/env python3
"""The verifier under model mismatch: false alarms of honest terminals and detection of liars
when the world departs from the model the reports state (docs/simulation.md, "Model mismatch").

Usage: mismatch.py SATFENCE OUT_DIR [--honest N] [--liars N] [--false-alarm P] [--check]
                   [--no-robust] [--cases 0,3,...]

For each case a scenario is written (the base below plus its [mismatch] table), simulated,
verified and scored from the truth file (by group, not by the verifier's own evaluation):
honest static terminals' `spoofed` and `inconclusive` rates, and the share of GNSS-spoofed
(A1) terminals at 500 m and 2 km and modified (A2) ones at 2 km called `spoofed`. Prints a
Markdown table. With --check, exits 1 when a case's honest false-alarm rate is above twice
the configured rate by more than sampling allows (one-sided binomial test at 1e-3), or
when fewer than --min-detection of the A1 or A2 reports at 2 km are called spoofed.
"""
import argparse
import json
import math
import os
import subprocess
import sys

BASE = """seed = {seed}
start = "2025-09-23T06:00:00Z"
duration_s = 3600

[constellation]
elements = "testdata/starlink/starlink_20250923.tle"
min_elevation_deg = 25
slot_s = 15

[report]
window_s = 40
cadence_s = 1
interval_s = 300
kinds = ["range", "range_rate", "aoa", "beam"]

[noise]
range_sigma_m = 30
range_rate_sigma_mps = 0.5
aoa_sigma_rad = 0.003
beam_radius_m = 12000
range_offset_sigma_m = 500
range_rate_offset_sigma_mps = 20

[[group]]
name = "honest"
behaviour = "static"
count = {honest}
centre = [49.0, 32.0]
radius_km = 300

[[group]]
name = "a1-500m"
behaviour = "a1"
count = {liars}
centre = [47.8, 37.8]
radius_km = 60
displacement_m = [500, 500]

[[group]]
name = "a1-2km"
behaviour = "a1"
count = {liars}
centre = [47.8, 37.8]
radius_km = 60
displacement_m = [2000, 2000]

[[group]]
name = "a2-2km"
behaviour = "a2"
count = {liars}
centre = [47.2, 35.0]
radius_km = 80
displacement_m = [2000, 2000]
"""

# (name, [mismatch] table, extra verify arguments: what the operator knows and says)
CASES = [
    ("none (the stated model)", "", []),
    ("sigmas 30% too small (true noise 1.3x)", "sigma_scale = 1.3", []),
    ("sigmas 30% too large (true noise 0.7x)", "sigma_scale = 0.7", []),
    ("Student-t tails, 4 dof", "student_t_dof = 4", []),
    ("1% outliers at 10 sigma", "outlier_fraction = 0.01\noutlier_sigmas = 10", []),
    ("ephemeris off ~100 m a pass, unknown to the verifier", "ephemeris_bias_sigma_m = 58", []),
    ("element-set ephemeris (~1 km a pass), --ephemeris-sigma-m 1000",
     "ephemeris_bias_sigma_m = 577", ["--ephemeris-sigma-m", "1000"]),
    ("oscillator drift 0.02 m/s per s", "rate_drift_mps_per_s = 0.02", []),
    ("ephemeris off ~100 m a pass, --ephemeris-sigma-m 100", "ephemeris_bias_sigma_m = 58",
     ["--ephemeris-sigma-m", "100"]),
    ("multipath: 5% of ranges, +60 m mean", "multipath_fraction = 0.05\nmultipath_mean_m = 60", []),
]


def binomial_sf(k, n, p):
    """P(X >= k) for X ~ Binomial(n, p)."""
    if k <= 0:
        return 1.0
    total, term = 0.0, (1 - p) ** n
    for i in range(n + 1):
        if i >= k:
            total += term
        if i < n:
            term *= (n - i) / (i + 1) * p / (1 - p)
    return min(1.0, total)


def run_case(satfence, out, name, table, extra, args, index):
    folder = os.path.join(out, f"case{index}")
    os.makedirs(folder, exist_ok=True)
    scenario = os.path.join(folder, "scenario.toml")
    with open(scenario, "w") as f:
        f.write(BASE.format(seed=20261207 + index, honest=args.honest, liars=args.liars))
        if table:
            f.write("\n[mismatch]\n" + table + "\n")
    subprocess.run([satfence, "simulate", scenario, "-o", folder], check=True,
                   capture_output=True)
    verdicts_path = os.path.join(folder, "verdicts.jsonl")
    p = subprocess.run([satfence, "verify", os.path.join(folder, "telemetry.jsonl"),
                        "--false-alarm", str(args.false_alarm), "-o", verdicts_path] + extra +
                       (["--no-robust"] if args.no_robust else []),
                       capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"{name}: verify exit {p.returncode}\n{p.stderr}")
    truth = {}
    for line in open(os.path.join(folder, "truth.jsonl")):
        t = json.loads(line)
        truth[(t["terminal"], t["time"])] = t
    counts = {}
    flags = {}
    for line in open(verdicts_path):
        v = json.loads(line)
        group = truth[(v["terminal"], v["time"])]["group"]
        c = counts.setdefault(group, {"n": 0, "spoofed": 0, "inconclusive": 0})
        c["n"] += 1
        c[v["verdict"]] = c.get(v["verdict"], 0) + 1
        if group == "honest" and v["verdict"] != "consistent":
            for flag in v.get("flags", []):
                flags[flag] = flags.get(flag, 0) + 1
    return counts, flags


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("satfence")
    ap.add_argument("out")
    ap.add_argument("--honest", type=int, default=400)
    ap.add_argument("--liars", type=int, default=40)
    ap.add_argument("--false-alarm", type=float, default=1e-3)
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--no-robust", action="store_true", help="verify with --no-robust")
    ap.add_argument("--min-detection", type=float, default=0.0,
                    help="with --check: the least share of A1 and A2 reports at 2 km called spoofed")
    ap.add_argument("--cases", default="", help="comma-separated case numbers (default: all)")
    args = ap.parse_args()
    chosen = [int(c) for c in args.cases.split(",") if c] or range(len(CASES))
    rows, failures = [], []
    print(f"configured false-alarm rate {args.false_alarm:g}; {args.honest} honest terminals and "
          f"{args.liars} of each liar group, 12 reports each\n")
    print("| mismatch | honest spoofed | honest inconclusive | A1 500 m | A1 2 km | A2 2 km | honest flags |")
    print("|---|---|---|---|---|---|---|")
    for i in chosen:
        name, table, extra = CASES[i]
        counts, flags = run_case(args.satfence, args.out, name, table, extra, args, i)
        h = counts["honest"]
        rate = lambda g: counts[g]["spoofed"] / counts[g]["n"] if g in counts else float("nan")
        print(f"| {name} | {h['spoofed'] / h['n']:.2%} ({h['spoofed']}/{h['n']}) | "
              f"{h['inconclusive'] / h['n']:.2%} | {rate('a1-500m'):.1%} | {rate('a1-2km'):.1%} | "
              f"{rate('a2-2km'):.1%} | "
              f"{', '.join(f'{k} {n}' for k, n in sorted(flags.items())) or '-'} |", flush=True)
        if binomial_sf(h["spoofed"], h["n"], 2 * args.false_alarm) < 1e-3:
            failures.append(f"{name}: {h['spoofed']} of {h['n']} honest reports spoofed, above "
                            f"twice {args.false_alarm:g}")
        for group in ("a1-2km", "a2-2km"):
            if rate(group) < args.min_detection:
                failures.append(f"{name}: {group} detected in {rate(group):.1%} of reports, "
                                f"below {args.min_detection:.0%}")
    for f in failures:
        print("FAIL:", f)
    sys.exit(1 if args.check and failures else 0)


if __name__ == "__main__":
    main()
