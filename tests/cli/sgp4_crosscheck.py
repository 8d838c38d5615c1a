#!/usr/bin/python3
"""End-to-end check of `satfence orbit propagate` against Debian's python3-sgp4.

1. The real Starlink snapshot, every satellite at 0, 720 and 4320 minutes: every row
   within 1e-6 km and 1e-9 km/s of python-sgp4 (Vallado's algorithm, WGS-72, improved
   mode), and every satellite that python-sgp4 cannot propagate reported on stderr with
   the same error code and no row.
2. The same satellites written as CCSDS OMM by python-sgp4's own exporter, in the four
   encodings CelesTrak serves (JSON, CSV, XML, KVN): the CLI reads each and gives the
   rows it gave for the TLE file.
3. A file with a broken record: the other records are still propagated, the broken one
   is named with its file, line and field, and the exit status is 1.

Usage: sgp4_crosscheck.py SATFENCE_BINARY STARLINK_TLE WORKDIR
"""
import csv
import json
import os
import re
import subprocess
import sys
from xml.sax.saxutils import escape

from sgp4 import exporter
from sgp4.api import Satrec, WGS72

binary, snapshot, workdir = sys.argv[1:4]
os.makedirs(workdir, exist_ok=True)
MINUTES = [0.0, 720.0, 4320.0]
failures = []


def check(cond, message):
    if not cond:
        failures.append(message)


def run(elements, minutes="0,720,4320"):
    p = subprocess.run([binary, "orbit", "propagate", "--elements", elements,
                        "--minutes", minutes], capture_output=True, text=True)
    rows = {}
    lines = p.stdout.splitlines()
    check(lines[0] == "norad_id,tsince_min,x_km,y_km,z_km,vx_km_s,vy_km_s,vz_km_s",
          "header: " + lines[0])
    for line in lines[1:]:
        f = line.split(",")
        rows[(int(f[0]), float(f[1]))] = [float(x) for x in f[2:]]
    return p, rows


# 1. TEME states and error codes against python-sgp4.
lines = [l.rstrip("\r\n") for l in open(snapshot)]
triples = [(lines[i].strip(), lines[i + 1], lines[i + 2]) for i in range(0, len(lines), 3)]
sats = [(name, Satrec.twoline2rv(l1, l2, WGS72)) for name, l1, l2 in triples]
proc, rows = run(snapshot)
check(proc.returncode == 0, "exit status %d" % proc.returncode)
reported = {(int(m.group(1)), float(m.group(2))): int(m.group(3)) for m in re.finditer(
    r"satfence: (\d+) at ([\d.]+) min: SGP4 error (\d)", proc.stderr)}
expected_errors = {}
worst_r = worst_v = 0.0
for name, s in sats:
    for t in MINUTES:
        e, r, v = s.sgp4_tsince(t)
        key = (s.satnum, t)
        if e != 0:
            expected_errors[key] = e
            check(key not in rows, "row for failing %s" % (key,))
            continue
        got = rows.get(key)
        if got is None:
            check(False, "missing row %s" % (key,))
            continue
        worst_r = max(worst_r, max(abs(a - b) for a, b in zip(got[:3], r)))
        worst_v = max(worst_v, max(abs(a - b) for a, b in zip(got[3:], v)))
check(worst_r <= 1e-6, "worst position difference %.3g km" % worst_r)
check(worst_v <= 1e-9, "worst velocity difference %.3g km/s" % worst_v)
check(reported == expected_errors,
      "error reports differ: %s vs %s" % (sorted(reported.items()), sorted(expected_errors.items())))
print("python-sgp4: %d rows, worst |dr| %.3g km, |dv| %.3g km/s, %d failures reported alike"
      % (len(rows), worst_r, worst_v, len(reported)))

# 2. The four OMM encodings, written from python-sgp4's exporter.
subset = sats[::25]
omms = [exporter.export_omm(s, name) for name, s in subset]
keys = list(omms[0].keys())
with open(os.path.join(workdir, "subset.json"), "w") as f:
    json.dump(omms, f)
with open(os.path.join(workdir, "subset.csv"), "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=keys)
    w.writeheader()
    w.writerows(omms)
with open(os.path.join(workdir, "subset.kvn"), "w") as f:
    for o in omms:
        f.write("CCSDS_OMM_VERS = 2.0\nCOMMENT written from python-sgp4\n")
        f.writelines("%s = %s\n" % (k, o[k]) for k in keys)
with open(os.path.join(workdir, "subset.xml"), "w") as f:
    f.write('<?xml version="1.0" encoding="UTF-8"?>\n<ndm>\n')
    meta = ["OBJECT_NAME", "OBJECT_ID", "CENTER_NAME", "REF_FRAME", "TIME_SYSTEM",
            "MEAN_ELEMENT_THEORY"]
    for o in omms:
        tag = lambda k: "<%s>%s</%s>" % (k, escape(str(o[k])), k)
        f.write('<omm id="CCSDS_OMM_VERS" version="2.0"><header/><body><segment>\n<metadata>'
                + "".join(tag(k) for k in meta) + "</metadata>\n<data><meanElements>"
                + "".join(tag(k) for k in keys[6:13]) + "</meanElements>\n<tleParameters>"
                + "".join(tag(k) for k in keys[13:]) + "</tleParameters></data>"
                + "</segment></body></omm>\n")
    f.write("</ndm>\n")
for ext in ("json", "csv", "kvn", "xml"):
    p, omm_rows = run(os.path.join(workdir, "subset." + ext))
    check(p.returncode == 0, "%s: exit status %d: %s" % (ext, p.returncode, p.stderr[:300]))
    want = {k: v for k, v in rows.items() if k[0] in {s.satnum for _, s in subset}}
    check(set(omm_rows) == set(want), "%s: %d rows, TLE gave %d" % (ext, len(omm_rows), len(want)))
    worst = max((abs(a - b) for k in want if k in omm_rows
                 for a, b in zip(omm_rows[k], want[k])), default=0.0)
    check(worst <= 1e-9, "%s: rows differ from the TLE run by %.3g" % (ext, worst))
    print("OMM %s: %d rows, largest difference from the TLE run %.3g" % (ext, len(omm_rows), worst))

# 3. A broken record among good ones.
bad = os.path.join(workdir, "broken.tle")
with open(bad, "w") as f:
    for name, l1, l2 in triples[:3]:
        if name == triples[1][0]:
            l2 = l2[:27] + "x" + l2[28:]  # a 0 becomes x: same checksum, bad field
        f.write("%s\n%s\n%s\n" % (name, l1, l2))
p, bad_rows = run(bad, "0")
check(p.returncode == 1, "broken file: exit status %d" % p.returncode)
check(len(bad_rows) == 2, "broken file: %d rows" % len(bad_rows))
check("broken.tle:6: record 2: eccentricity (line 2, cols 27-33)" in p.stderr,
      "broken file: stderr was %r" % p.stderr)

for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)
