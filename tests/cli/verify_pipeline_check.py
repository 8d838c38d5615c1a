#!/usr/bin/env python3
"""simulate -> verify -> evaluate through the real CLI, checked against the simulation's truth.

Usage: verify_pipeline_check.py SATFENCE SOURCE_DIR TESTDATA_DIR WORK_DIR

- simulate is reproducible: the same scenario and seed give byte-identical telemetry;
- verify accepts every simulated report and writes one verdict per report with the fields of
  the documented contract;
- liars far beyond their ellipse (A1 5-50 km, A2 20-80 km) are all `spoofed`; A2 verdicts rest
  on unforgeable kinds and hold against A2; honest static terminals are `consistent` (false
  alarms no more often than the configured rate allows) with a fix within 5 sigma of the truth; every drone is flagged `speed_limit`; every clone report after
  the first is flagged `clone`;
- the same telemetry without satellite states, verified with --catalog, gives the same verdicts;
- a file with malformed lines: each is reported on stderr with its line and field, the others
  verified, exit status 1;
- evaluate matches every verdict to the truth and writes its JSON.
"""
import json
import math
import os
import subprocess
import sys

satfence, src, testdata, work = sys.argv[1:5]
os.makedirs(work, exist_ok=True)
env = dict(os.environ)
failures = []


def check(ok, message):
    if not ok:
        failures.append(message)


def run(args, expect=0):
    p = subprocess.run([satfence] + args, capture_output=True, text=True, env=env)
    check(p.returncode == expect, f"{' '.join(args[:2])}: exit {p.returncode}, expected {expect}\n{p.stderr}")
    return p


scenario = os.path.join(src, "tests/cli/data/pipeline.toml")
run(["simulate", scenario, "-o", os.path.join(work, "a")])
run(["simulate", scenario, "-o", os.path.join(work, "b")])
tel_a = open(os.path.join(work, "a/telemetry.jsonl"), "rb").read()
check(tel_a == open(os.path.join(work, "b/telemetry.jsonl"), "rb").read(), "simulate is not reproducible")

verdicts_path = os.path.join(work, "verdicts.jsonl")
p = run(["verify", os.path.join(work, "a/telemetry.jsonl"), "-o", verdicts_path])
truth = [json.loads(l) for l in open(os.path.join(work, "a/truth.jsonl"))]
verdicts = [json.loads(l) for l in open(verdicts_path)]
check(len(verdicts) == len(truth) > 0, f"{len(verdicts)} verdicts for {len(truth)} reports")
check(f"{len(truth)} reports accepted" in p.stderr and "0 rejected" in p.stderr, p.stderr)

contract = {"terminal", "time", "verdict", "fix", "crlb_h_m", "statistic", "dof", "p_value",
            "assurance", "basis", "flags"}
by_key = {(t["terminal"], t["time"]): t for t in truth}
seen_clone = set()
honest_static, false_alarms = 0, []
for v in verdicts:
    check(contract <= set(v), f"verdict lacks {contract - set(v)}")
    t = by_key.get((v["terminal"], v["time"]))
    if t is None:
        check(False, f"no truth for {v['terminal']} {v['time']}")
        continue
    b = t["behaviour"]
    name = f"{v['terminal']} at {v['time']} ({b})"
    if b in ("a1", "a2"):
        check(v["verdict"] == "spoofed", f"{name}: {v['verdict']}, displaced {t['displacement_m']:.0f} m")
        if b == "a2":
            check("A2" in v["assurance"], f"{name}: assurance {v['assurance']}")
            check(not ({"range", "range_rate"} & set(v["basis"])), f"{name}: basis {v['basis']}")
    if b == "static":
        honest_static += 1
        if v["verdict"] != "consistent":
            false_alarms.append(f"{name}: {v['verdict']} p={v['p_value']}")
            continue
        f = v["fix"]
        # Horizontal distance fix-truth against the ellipse's major axis (local flat Earth).
        dn = math.radians(f["lat"] - t["lat"]) * 6371e3
        de = math.radians(f["lon"] - t["lon"]) * 6371e3 * math.cos(math.radians(t["lat"]))
        check(math.hypot(dn, de) < 5 * f["semi_major_m"] + 1, f"{name}: fix {math.hypot(dn, de):.0f} m off")
        check(set(v["assurance"]) == {"A1", "A2"}, f"{name}: assurance {v['assurance']}")
    if b == "drone":
        check("speed_limit" in v["flags"], f"{name}: flags {v['flags']}")
    if b == "clone":
        if v["terminal"] in seen_clone:
            check("clone" in v["flags"], f"{name}: flags {v['flags']}")
        seen_clone.add(v["terminal"])

# False alarms happen at the configured rate (1e-3 per report): with ~40 honest static
# reports, more than 2 has probability below 1e-3.
check(len(false_alarms) <= 2, f"{len(false_alarms)} false alarms in {honest_static}: {false_alarms}")

# The catalogue path: drop every satellite state, let SGP4 fill them in again.
bare_path = os.path.join(work, "bare.jsonl")
with open(bare_path, "w") as out:
    for line in tel_a.decode().splitlines():
        r = json.loads(line)
        for m in r["measurements"]:
            m.pop("sat_pos_m", None)
            m.pop("sat_vel_mps", None)
        out.write(json.dumps(r) + "\n")
run(["verify", bare_path], expect=1)  # without a catalogue every report is rejected
catalog_path = os.path.join(work, "catalog_verdicts.jsonl")
run(["verify", bare_path, "--catalog", os.path.join(testdata, "starlink/starlink_20250923.tle"),
     "-o", catalog_path])
again = [json.loads(l) for l in open(catalog_path)]
same = sum(1 for x, y in zip(again, verdicts) if x["verdict"] == y["verdict"])
check(len(again) == len(verdicts) and same == len(verdicts),
      f"--catalog: {same} of {len(verdicts)} verdicts agree")

# Malformed lines among good ones.
lines = tel_a.decode().splitlines()[:5]
bad = [lines[0], '{"terminal": "KIT-9", "time": "2026-13-01T00:00:00Z"}', lines[1],
       lines[2].replace('"kind":"aoa"', '"kind":"laser"', 1), "not json", lines[3]]
bad_path = os.path.join(work, "bad.jsonl")
open(bad_path, "w").write("\n".join(bad) + "\n")
p = run(["verify", bad_path], expect=1)
check(len(p.stdout.splitlines()) == 3, f"{len(p.stdout.splitlines())} verdicts from 3 good lines")
check(f"{bad_path}:2: record 0 'KIT-9': time:" in p.stderr or f"{bad_path}:2:" in p.stderr and "time" in p.stderr,
      f"line 2 not located: {p.stderr}")
check("measurements[" in p.stderr and ".kind: unknown kind 'laser'" in p.stderr, f"line 4 not located: {p.stderr}")
check(f"{bad_path}:5:" in p.stderr and "not valid JSON" in p.stderr, f"line 5 not located: {p.stderr}")
check("3 reports accepted" in p.stderr and "3 rejected" in p.stderr, p.stderr)

eval_json = os.path.join(work, "evaluation.json")
p = run(["evaluate", "--truth", os.path.join(work, "a/truth.jsonl"), "--verdicts", verdicts_path,
         "-o", eval_json])
e = json.load(open(eval_json))
check(e["matched"] == len(truth) and not e["unmatched"], f"evaluate matched {e['matched']} of {len(truth)}")
check("Detection by displacement" in p.stdout and "ROC" in p.stdout, p.stdout)

if failures:
    print("\n".join(failures))
    sys.exit(1)
print(f"ok: {len(verdicts)} verdicts checked")
