#!/usr/bin/env python3
"""Reports that once produced a wrong verdict (tests/cli/data/regressions/README.md).

Usage: verify_regressions.py SATFENCE DATA_DIR
"""
import json
import subprocess
import sys


def verdicts(satfence, path):
    out = subprocess.run([satfence, "verify", path], check=True, capture_output=True, text=True)
    return [json.loads(line) for line in out.stdout.splitlines()]


def main():
    satfence, data = sys.argv[1], sys.argv[2]
    failures = []
    [v] = verdicts(satfence, f"{data}/masked_rate_outlier.jsonl")
    if v["verdict"] == "spoofed":
        failures.append("masked_rate_outlier: an honest terminal called spoofed")
    if "rests_on_one_row" not in v["flags"]:
        failures.append(f"masked_rate_outlier: no rests_on_one_row flag ({v['flags']})")
    if v["sequential"]["report_p_value"] < 0.01:
        failures.append("masked_rate_outlier: counted as evidence by the sequential test "
                        f"(report_p_value {v['sequential']['report_p_value']})")
    # The default policy's threshold, log(2 x 1e7 x 1440): the history must stay well below.
    if v["sequential"]["history_log_lr"] > 10.0:
        failures.append("masked_rate_outlier: the history statistic took the outlier "
                        f"({v['sequential']['history_log_lr']})")
    # The fix without the lone row: near the truth (47.64319 N, 31.86357 E), not 560 m off.
    dlat_m = (v["fix"]["lat"] - 47.64318673) * 111_200
    dlon_m = (v["fix"]["lon"] - 31.86356915) * 111_200 * 0.674
    if (dlat_m ** 2 + dlon_m ** 2) ** 0.5 > 3 * v["fix"]["semi_major_m"] + 30:
        failures.append(f"masked_rate_outlier: fix {dlat_m:.0f} m N, {dlon_m:.0f} m E of the truth")
    for f in failures:
        print("FAIL:", f)
    print("ok" if not failures else f"{len(failures)} failures")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
