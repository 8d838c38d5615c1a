#!/usr/bin/env python3
"""`satfence decide` on the demo's telemetry, registry, zones and policy.

Usage: decide_check.py SATFENCE SOURCE_DIR WORLD_GEOJSON DEMO_DIR WORK_DIR

- it decides exactly as the demo did: decisions.jsonl byte for byte, and the same number of
  decisions in its own store, each logged (the store's log has one leaf per decision plus the
  policy, zone set and registry);
- each stored decision names the SHA-256 (Python's hashlib) of its report's line as received,
  without the line terminator, also when the file ends its lines with CRLF;
- a malformed line is reported with its line number and skipped, every other report is still
  decided, and the exit status is 1;
- telemetry decided in two runs into one store decides as one run: each terminal resumes from
  the state the store kept.
"""
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys

satfence, src, world, demo, work = sys.argv[1:6]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
failures = []


def check(ok, message):
    if not ok:
        failures.append(message)


def decide(telemetry, store, output, expect, with_world=True):
    zones = (["--zones", world] if with_world else []) + [
        "--zones", os.path.join(src, "data/zones/ukraine_scenario.geojson")]
    args = [satfence, "decide", telemetry] + zones + [
            "--id-property", "A3", "--kind", "territorial_waters", "--action", "allow", "--polar-clip",
            "--policy", os.path.join(src, "examples/policy.toml"),
            "--registry", os.path.join(demo, "registry.csv"), "--store", store, "-o", output]
    p = subprocess.run(args, capture_output=True, text=True)
    # Every feature of the world set loads (Martinique's stray hole becomes an island): status 0
    # on good telemetry.
    check(p.returncode == expect, f"decide exit {p.returncode}, expected {expect}\n{p.stderr}")
    return p


telemetry = os.path.join(demo, "telemetry.jsonl")
out = os.path.join(work, "decisions.jsonl")
p = decide(telemetry, os.path.join(work, "a.db"), out, 0)
demo_decisions = open(os.path.join(demo, "decisions.jsonl"), "rb").read()
check(open(out, "rb").read() == demo_decisions, "decide does not decide as the demo did")
n = demo_decisions.count(b"\n")
db = sqlite3.connect(os.path.join(work, "a.db"))
stored = db.execute("SELECT count(*) FROM decisions").fetchone()[0]
leaves = db.execute("SELECT count(*) FROM log WHERE kind = 'decision'").fetchone()[0]
kinds = {k for (k,) in db.execute("SELECT DISTINCT kind FROM log")}
db.close()
check(stored == n and leaves == n, f"{stored} stored, {leaves} logged, for {n} decisions")
check(kinds == {"policy", "zone_set", "terminal", "decision"}, f"logged kinds {kinds}")
check(f"{n} reports decided" in p.stderr, p.stderr)



def stored_digests(path):
    db = sqlite3.connect(path)
    digests = [d for (d,) in db.execute("SELECT report_digest FROM decisions ORDER BY seq")]
    db.close()
    return digests


raw = open(telemetry, "rb").read().split(b"\n")
raw = [line for line in raw if line.strip()]
check(stored_digests(os.path.join(work, "a.db")) == [hashlib.sha256(x).hexdigest() for x in raw],
      "stored digests are not the SHA-256 of the telemetry lines")

lines = open(telemetry, encoding="utf-8").read().splitlines(keepends=True)
bad = os.path.join(work, "bad.jsonl")
with open(bad, "w", encoding="utf-8", newline="\r\n") as f:  # CRLF line ends
    f.writelines(lines[:3] + ['{"version": 1, "terminal": 42}\n'] + lines[3:])
# Only the operator's zones this time (quicker; its country rules then have no outline and
# are reported): what is checked is the line handling.
p = decide(bad, os.path.join(work, "b.db"), os.path.join(work, "b.jsonl"), 1, with_world=False)
check("bad.jsonl:4:" in p.stderr, f"the bad line is not named:\n{p.stderr}")
check(open(os.path.join(work, "b.jsonl"), "rb").read().count(b"\n") == n,
      "the other reports were not all decided")
check("1 lines rejected" in p.stderr, p.stderr)
check(stored_digests(os.path.join(work, "b.db")) == [hashlib.sha256(x).hexdigest() for x in raw],
      "with CRLF line ends, stored digests are not those of the lines without them")

# The same telemetry in two runs into one store.
half = len(lines) // 2
parts = []
for i, part in enumerate([lines[:half], lines[half:]]):
    path = os.path.join(work, f"part{i}.jsonl")
    with open(path, "w", encoding="utf-8") as f:
        f.writelines(part)
    out_i = os.path.join(work, f"c{i}.jsonl")
    decide(path, os.path.join(work, "c.db"), out_i, 1, with_world=False)
    parts.append(open(out_i, "rb").read())
check(b"".join(parts) == open(os.path.join(work, "b.jsonl"), "rb").read(),
      "decided in two runs into one store, the decisions differ from one run's")

if failures:
    print("\n".join(failures))
    sys.exit(1)
print(f"decide: {n} decisions as the demo's, stored and logged; a bad line skipped and named")
