#!/usr/bin/env python3
"""`cmake --install` lays out a satfence that runs away from its build and source trees.

Usage: install_check.py BUILD_DIR SOURCE_DIR WORK_DIR

- the binary lands in <prefix>/bin and its data in <prefix>/share/satfence, with the files
  the demo, the simulator and the report read;
- the installed binary, run from an unrelated folder with a scenario copied there, finds the
  shipped Starlink element sets through its own data directory (no path of the build or
  source tree is compiled in): the telemetry equals the build tree binary's, byte for byte;
- --data-dir and SATFENCE_DATA_DIR override the lookup, and a folder that is not a data
  directory is refused with its name and exit status 2.
"""
import os
import shutil
import subprocess
import sys

build, src, work = sys.argv[1:4]
shutil.rmtree(work, ignore_errors=True)
prefix = os.path.join(work, "prefix")
failures = []


def check(ok, message):
    if not ok:
        failures.append(message)


p = subprocess.run(["cmake", "--install", build, "--prefix", prefix], capture_output=True, text=True)
check(p.returncode == 0, f"cmake --install: exit {p.returncode}\n{p.stderr}")
share = os.path.join(prefix, "share/satfence")
for f in ["examples/policy.toml", "examples/scenarios/demo.toml", "data/zones/ukraine_scenario.geojson",
          "data/world/node_modules/@geo-maps/countries-maritime-10m/map.geo.json",
          "testdata/starlink/starlink_20250923.tle", "testdata/README.md", "web/report.html",
          "web/report.js", "web/node_modules/leaflet/dist/leaflet.js",
          "web/node_modules/world-atlas/countries-50m.json"]:
    check(os.path.isfile(os.path.join(share, f)), f"not installed: share/satfence/{f}")
installed = os.path.join(prefix, "bin/satfence")
check(os.access(installed, os.X_OK), "not installed: bin/satfence")

# A scenario in a folder of its own: its element sets are found only in the data directory.
elsewhere = os.path.join(work, "elsewhere")
os.makedirs(elsewhere)
scenario = os.path.join(elsewhere, "scenario.toml")
shutil.copy(os.path.join(src, "tests/cli/data/pipeline.toml"), scenario)
env = {k: v for k, v in os.environ.items() if k != "SATFENCE_DATA_DIR"}


def simulate(binary, out, extra=(), environ=env):
    return subprocess.run([binary, "simulate", scenario, "-o", out, *extra], capture_output=True,
                          text=True, cwd=elsewhere, env=environ)


for name, binary in [("installed", installed), ("build", os.path.join(build, "satfence"))]:
    p = simulate(binary, os.path.join(work, name))
    check(p.returncode == 0, f"{name} binary: simulate exit {p.returncode}\n{p.stderr}")
telemetry = [os.path.join(work, n, "telemetry.jsonl") for n in ("installed", "build")]
if all(os.path.isfile(t) for t in telemetry):
    a, b = (open(t, "rb").read() for t in telemetry)
    check(len(a) > 0 and a == b, "the installed binary's telemetry differs from the build tree's")

# A copied binary with no data beside it finds nothing unless told where.
lonely = os.path.join(work, "lonely/satfence")
os.makedirs(os.path.dirname(lonely))
shutil.copy(installed, lonely)
p = simulate(lonely, os.path.join(work, "lonely/out"))
check(p.returncode == 2 and "testdata/starlink/starlink_20250923.tle" in p.stderr,
      f"a binary without data: exit {p.returncode}, expected 2 naming the element file\n{p.stderr}")
p = simulate(lonely, os.path.join(work, "flag"), ["--data-dir", share])
check(p.returncode == 0, f"--data-dir: exit {p.returncode}\n{p.stderr}")
p = simulate(lonely, os.path.join(work, "env"), environ=dict(env, SATFENCE_DATA_DIR=share))
check(p.returncode == 0, f"SATFENCE_DATA_DIR: exit {p.returncode}\n{p.stderr}")
p = subprocess.run([lonely, "demo", "--data-dir", elsewhere, "--out", os.path.join(work, "d")],
                   capture_output=True, text=True, env=env)
check(p.returncode == 2 and elsewhere in p.stderr and "not a satfence data directory" in p.stderr,
      f"demo --data-dir on a folder without data: exit {p.returncode}\n{p.stderr}")

for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)
