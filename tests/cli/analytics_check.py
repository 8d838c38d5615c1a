#!/usr/bin/env python3
"""`satfence channels` and `satfence clusters` on the demo's store (tests/cli/data/pipeline.toml),
checked against the scenario's construction and the raw registry table.

Usage: analytics_check.py SATFENCE DEMO_DIR WORK_DIR

- channels: every registered kit is counted once, under its channel as the registry table
  says; the reseller whose kits were all placed in Russia (BorderTrade) and the one whose kits
  all sit at one site in occupied Donetsk (Nord Link) are flagged LEAKING with every kit
  diverted, the honest direct sales are not; the rows are ordered by p-value; every rate lies in its interval;
- clusters: exactly one site of at least 10 kits within 300 m, holding exactly the twelve
  `site-` kits, centred within 100 m of the scenario's centre (haversine, computed here);
- a missing store is a usage error (exit 2).
"""
import collections
import json
import math
import os
import sqlite3
import subprocess
import sys

satfence, demo, work = sys.argv[1:4]
os.makedirs(work, exist_ok=True)
store = os.path.join(demo, "satfence.db")
failures = []


def check(ok, message):
    if not ok:
        failures.append(message)


def run(args, expect=0):
    p = subprocess.run([satfence] + args, capture_output=True, text=True)
    check(p.returncode == expect, f"{' '.join(args[:1])}: exit {p.returncode}, expected {expect}\n{p.stderr}")
    return p


db = sqlite3.connect(store)
by_channel = collections.Counter(
    (channel, seller, country) for channel, seller, country in
    db.execute("SELECT channel, seller, sale_country FROM terminals"))
db.close()

p = run(["channels", "--store", store, "-o", os.path.join(work, "channels.json")])
report = json.load(open(os.path.join(work, "channels.json")))
rows = {(r["channel"], r["seller"], r["sale_country"]): r for r in report["channels"]}
for key, n in by_channel.items():
    check(key in rows and rows[key]["terminals"] == n, f"channel {key}: {n} kits in the registry, "
          f"{rows.get(key, {}).get('terminals')} in the report")
check(sum(r["terminals"] for r in report["channels"]) == sum(by_channel.values()),
      "kits counted more than once")
for seller, kits in [("BorderTrade", 6), ("Nord Link", 12)]:
    row = next((r for r in report["channels"] if r["seller"] == seller), None)
    check(row is not None and row["flagged"] and row["diverted"] == kits and
          row["in_deny_zone"] == kits, f"{seller}: {row}")
direct = next((r for r in report["channels"] if r["channel"] == "direct"), None)
check(direct is not None and not direct["flagged"], f"honest direct sales flagged: {direct}")
p_values = [r["p_value"] for r in report["channels"]]
check(p_values == sorted(p_values), "rows are not ordered by p-value")
for r in report["channels"]:
    if r["reporting"]:
        check(r["rate_ci"][0] <= r["rate"] <= r["rate_ci"][1], f"rate outside its interval: {r}")
check("LEAKING" in p.stdout and "Holm" in p.stdout, p.stdout)

p = run(["clusters", "--store", store, "-o", os.path.join(work, "clusters.json")])
sites = json.load(open(os.path.join(work, "clusters.json")))["sites"]
check(len(sites) == 1, f"{len(sites)} sites: {p.stdout}")
if sites:
    s = sites[0]
    check(sorted(s["terminals"]) == [f"site-{i:04d}" for i in range(1, 13)], f"members {s['terminals']}")
    lat1, lon1, lat2, lon2 = map(math.radians, (s["lat"], s["lon"], 48.0159, 37.8029))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    distance = 2 * 6371008.8 * math.asin(math.sqrt(h))
    check(distance < 100, f"site centre {distance:.0f} m from the scenario's")
    check(s["sellers"] == {"reseller Nord Link (EST)": 12}, f"sellers {s['sellers']}")

run(["clusters", "--store", os.path.join(work, "absent.db")], expect=2)

if failures:
    print("\n".join(failures))
    sys.exit(1)
print("analytics: channels and clusters agree with the scenario")
