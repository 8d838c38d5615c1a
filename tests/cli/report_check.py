#!/usr/bin/env python3
"""The demo's HTML report in headless Chromium (Debian's `chromium`), with the network off.

Usage: report_check.py DEMO_DIR WORK_DIR

- the page loads and its script finishes (body data-ready="1") with no error caught on the
  page (data-errors="0");
- it loads nothing from elsewhere: no <script src>, <link href> or <img src> at all;
- the map shows: the basemap and zones as Leaflet vector paths, and at least one marker per
  terminal in the embedded data;
- the three plots are drawn (Chart.js canvases with a size: detection, ROC, the sequential
  test's delay curve), and the sequential test's table has the honest row and one per bin;
- the channel and site tables have one row per entry of the data, the leaking channels
  marked;
- a screenshot is taken (WORK_DIR/report.png) and is not blank.
"""
import json
import os
import re
import shutil
import subprocess
import sys

demo, work = sys.argv[1:3]
os.makedirs(work, exist_ok=True)
report = os.path.join(demo, "report.html")
failures = []


def check(ok, message):
    if not ok:
        failures.append(message)


browser = shutil.which("chromium") or shutil.which("chromium-browser")
if browser is None:
    print("chromium is not installed (scripts/setup installs Debian's chromium)")
    sys.exit(1)

html = open(report, encoding="utf-8").read()
check(not re.search(r"<(script|img|iframe)[^>]*\ssrc=", html), "the page loads a script or image from elsewhere")
check(not re.search(r"<link[^>]*href=", html), "the page links a stylesheet")
m = re.search(r'<script type="application/json" id="satfence-data">(.*?)</script>', html, re.S)
data = json.loads(m.group(1))

flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1400,2600",
         "--host-resolver-rules=MAP * ~NOTFOUND", "--virtual-time-budget=10000",
         "--user-data-dir=" + os.path.join(work, "profile")]
url = "file://" + os.path.abspath(report)
p = subprocess.run([browser] + flags + ["--dump-dom", url], capture_output=True, text=True, timeout=300)
dom = p.stdout
check(p.returncode == 0 and "<body" in dom, f"chromium exited {p.returncode}\n{p.stderr[-2000:]}")
body = re.search(r"<body([^>]*)>", dom)
attrs = body.group(1) if body else ""
check('data-ready="1"' in attrs, f"the page's script did not finish: <body{attrs}>")
check('data-errors="0"' in attrs, "errors on the page: " + "; ".join(re.findall(r"<li>(.*?)</li>", dom, re.S)[:5]))

paths = dom.count("leaflet-interactive")
terminals = len(data["terminals"])
check(terminals > 0, "no terminals in the report's data")
check(paths >= terminals, f"{paths} interactive map paths for {terminals} terminals")
check(dom.count('class="leaflet-zoom-animated"') >= 1 and dom.count("<path") > terminals,
      "the map has no vector layer")
canvases = re.findall(r'<canvas id="(detection|roc|delay)"[^>]*width="(\d+)"[^>]*height="(\d+)"', dom)
check(len(canvases) == 3 and all(int(w) > 100 and int(h) > 100 for _, w, h in canvases),
      f"plots not drawn: {canvases}")
# The sequential test's table: the honest row and one per liar bin of the data.
sequential = re.search(r'<table id="sequential">(.*?)</table>', dom, re.S)
seq_rows = sequential.group(1).count("<tr") - 1 if sequential else -1
check(seq_rows == 1 + len(data["evaluation"]["sequential"]["bins"]), f"{seq_rows} sequential rows")

channels = re.search(r'<table id="channels">(.*?)</table>', dom, re.S)
rows = channels.group(1).count("<tr") - 1 if channels else -1
check(rows == len(data["channels"]["channels"]), f"{rows} channel rows for {len(data['channels']['channels'])}")
leaking = sum(1 for c in data["channels"]["channels"] if c["flagged"])
check(channels is not None and channels.group(1).count("LEAKING") == leaking, "LEAKING marks do not match the data")
sites = re.search(r'<table id="clusters">(.*?)</table>', dom, re.S)
site_rows = sites.group(1).count("<tr") - 1 if sites else -1
check(site_rows == max(1, len(data["clusters"]["sites"])), f"{site_rows} site rows")

shot = os.path.join(work, "report.png")
if os.path.exists(shot):
    os.remove(shot)
p = subprocess.run([browser] + flags + ["--screenshot=" + shot, url], capture_output=True, text=True, timeout=300)
check(os.path.exists(shot) and os.path.getsize(shot) > 50000, f"no screenshot, or a blank one\n{p.stderr[-1000:]}")

if failures:
    print("\n".join(failures))
    sys.exit(1)
print(f"report: loads offline without errors; {paths} map paths for {terminals} terminals, "
      f"3 plots, {rows} channels, {site_rows} sites; screenshot {shot}")
