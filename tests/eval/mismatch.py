#!/usr/bin/env python3
"""The verifier under model mismatch: false alarms of honest terminals and detection of liars
when the world departs from the model the reports state (docs/simulation.md, "Model mismatch").

Usage: mismatch.py SATFENCE OUT_DIR [--honest N] [--liars N] [--false-alarm P] [--check]
                   [--no-robust] [--cases 0,3,...] [--kinds range,range_rate,...]

For each case a scenario is written (the base below plus its [mismatch] table), simulated,
verified and scored from the truth file (by group, not by the verifier's own evaluation):
honest static terminals' `spoofed` and `inconclusive` rates, and the share of GNSS-spoofed
(A1) terminals at 500 m and 2 km and modified (A2) ones at 2 km called `spoofed`. Prints a
Markdown table. With --check, exits 1 when a case's honest false-alarm rate is above twice
the configured rate by more than sampling allows (one-sided binomial test at 1e-3), or
when fewer than --min-detection of the A1 or A2 reports at 2 km are called spoofed.

A second table runs the sequential spoof test (decide/sequential.h) over each terminal's
reports, written here again from its definition: Page's CUSUM of d z - d^2/2 with
z = Q^-1(report_p_value), and the verifier's history statistic, both against
h = log(2 x fleet x reports a day / false denials a day) of the default policy. It gives
the honest terminals denied (with --check, any is a failure: the budget allows about 1e-9
of them per terminal-day), the mean of exp(llr) over honest reports (at most 1 when the
p-values are valid), and how many reports the liars took to be denied.
"""
import argparse
import json
import math
import os
import statistics
import subprocess
import sys

# The default policy's budget (docs/policy.md): 1 honest terminal denied a day across 10
# million reporting once a minute; the CUSUM tuned to a 4-sigma shift of the normal score.
FLEET, REPORTS_PER_DAY, DENIALS_PER_DAY, SHIFT = 1e7, 1440.0, 1.0, 4.0
THRESHOLD = math.log(2 * FLEET * REPORTS_PER_DAY / DENIALS_PER_DAY)

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
kinds = {kinds}

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
        f.write(BASE.format(seed=20261207 + index, honest=args.honest, liars=args.liars,
                            kinds=json.dumps(args.kinds.split(","))))
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
    by_terminal = {}
    for line in open(verdicts_path):
        v = json.loads(line)
        group = truth[(v["terminal"], v["time"])]["group"]
        by_terminal.setdefault(v["terminal"], (group, []))[1].append(v)
        c = counts.setdefault(group, {"n": 0, "spoofed": 0, "inconclusive": 0})
        c["n"] += 1
        c[v["verdict"]] = c.get(v["verdict"], 0) + 1
        if group == "honest" and v["verdict"] != "consistent":
            for flag in v.get("flags", []):
                flags[flag] = flags.get(flag, 0) + 1
    seq = sequential(by_terminal)
    # satfence evaluate runs the same test in C++: its counts must be these.
    evaluation = os.path.join(folder, "evaluation.json")
    subprocess.run([satfence, "evaluate", "--truth", os.path.join(folder, "truth.jsonl"),
                    "--verdicts", verdicts_path, "-o", evaluation], check=True, capture_output=True)
    theirs = json.load(open(evaluation))["sequential"]
    seq["evaluate_agrees"] = theirs["honest_denied"] == seq["honest"]["denied"] and all(
        _bin_agrees(theirs["bins"], group, seq.get(group))
        for group in ("a1-500m", "a1-2km", "a2-2km"))
    return counts, flags, seq


def _bin_agrees(bins, group, mine):
    """satfence evaluate's bin for a group (its displacement's bin) against this count."""
    behaviour = group.split("-")[0]
    lo = 300 if group.endswith("500m") else 1000
    if mine is None:
        return True
    for b in bins:
        if b["class"] == behaviour and b["displacement_m"][0] == lo:
            return (b["denied"] == mine["denied"] and
                    b["on_first"] == sum(1 for r in mine["reports"] if r == 1) and
                    b["within_5"] == sum(1 for r in mine["reports"] if r <= 5))
    return False


def normal_score(p):
    """z = Q^-1(p), p clamped as the decider clamps it."""
    p = min(max(p, 1e-300), 1 - 1e-16)
    return -statistics.NormalDist().inv_cdf(p)


def sequential(by_terminal):
    """Per group: terminals, those denied, the reports each took; and honest exp(llr)."""
    out = {}
    honest_lr = []
    for terminal, (group, verdicts) in by_terminal.items():
        verdicts.sort(key=lambda v: v["time"])
        g = out.setdefault(group, {"terminals": 0, "denied": 0, "reports": []})
        g["terminals"] += 1
        s = 0.0
        for i, v in enumerate(verdicts):
            q = v["sequential"]
            llr = 0.0
            if q["report_tests"] > 0:
                llr = SHIFT * normal_score(q["report_p_value"]) - SHIFT * SHIFT / 2
                if group == "honest":
                    honest_lr.append(math.exp(min(llr, 700.0)))
            s = min(max(0.0, s + llr), 2 * THRESHOLD)
            if s >= THRESHOLD or (q["history_log_lr"] or 0.0) >= THRESHOLD:
                g["denied"] += 1
                g["reports"].append(i + 1)
                break
    out["honest_mean_lr"] = sum(honest_lr) / len(honest_lr) if honest_lr else float("nan")
    return out


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
    ap.add_argument("--kinds", default="range,range_rate,range_bound,aoa,beam",
                    help="the measurement kinds reports carry (comma-separated)")
    args = ap.parse_args()
    chosen = [int(c) for c in args.cases.split(",") if c] or range(len(CASES))
    rows, failures, seq_rows = [], [], []
    print(f"configured false-alarm rate {args.false_alarm:g}; {args.honest} honest terminals and "
          f"{args.liars} of each liar group, 12 reports each\n")
    print("| mismatch | honest spoofed | honest inconclusive | A1 500 m | A1 2 km | A2 2 km | honest flags |")
    print("|---|---|---|---|---|---|---|")
    for i in chosen:
        name, table, extra = CASES[i]
        counts, flags, seq = run_case(args.satfence, args.out, name, table, extra, args, i)
        seq_rows.append((name, seq))
        if not seq["evaluate_agrees"]:
            failures.append(f"{name}: satfence evaluate's sequential counts differ from these")
        if seq["honest"]["denied"] > 0:
            failures.append(f"{name}: {seq['honest']['denied']} honest terminals denied by the "
                            f"sequential test")
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
    print(f"\nThe sequential spoof test (h = {THRESHOLD:.2f}, d = {SHIFT:g}): honest terminals "
          "denied, the mean of exp(llr) over honest reports, and for each liar group the share "
          "denied on the first report, within 5 reports, and the median reports to denial\n")
    print("| mismatch | honest denied | honest mean exp(llr) | A1 500 m: 1st / <=5 / median | "
          "A1 2 km: 1st / <=5 / median | A2 2 km: 1st / <=5 / median |")
    print("|---|---|---|---|---|---|")
    for name, seq in seq_rows:
        def cell(group):
            g = seq.get(group)
            if not g:
                return "-"
            n = g["terminals"]
            first = sum(1 for r in g["reports"] if r == 1) / n
            five = sum(1 for r in g["reports"] if r <= 5) / n
            median = statistics.median(g["reports"]) if g["reports"] else float("nan")
            return f"{first:.0%} / {five:.0%} / {median:g}"
        h = seq["honest"]
        print(f"| {name} | {h['denied']} of {h['terminals']} | {seq['honest_mean_lr']:.3g} | "
              f"{cell('a1-500m')} | {cell('a1-2km')} | {cell('a2-2km')} |")
    for f in failures:
        print("FAIL:", f)
    sys.exit(1 if args.check and failures else 0)


if __name__ == "__main__":
    main()
