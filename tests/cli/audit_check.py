#!/usr/bin/env python3
"""The audit CLI on the demo's store, checked by an independent verifier written here.

Usage: audit_check.py SATFENCE DEMO_DIR WORK_DIR

On a copy of the store `satfence demo` wrote:
- keygen, checkpoint, and `audit verify` of the untouched store: exit 0;
- `audit prove` for decisions, the policy and a terminal; every proof is checked here with
  Python's hashlib (RFC 9162 leaf and node hashing, the inclusion-proof algorithm), Python's
  json (the record is its own canonical form: sorted keys, no whitespace, UTF-8) and the
  cryptography package's Ed25519 (the C2SP signed note and its key id); the record agrees
  with the stored decision row (evidence hashes); `audit verify --proof` accepts it and
  rejects an altered record;
- `audit consistency` from an older checkpoint: exit 0;
- tampering with the database file (an edited, deleted, inserted decision; a log rewritten
  to match and re-signed): `audit verify` exits 1 and names the record; `audit consistency`
  from the checkpoint an auditor kept exits 1.
"""
import base64
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys

import tlog_verify


satfence, demo, work = sys.argv[1:4]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
failures = []


def check(ok, message):
    if not ok:
        failures.append(message)


def run(args, expect=0):
    p = subprocess.run([satfence] + args, capture_output=True, text=True, cwd=work)
    check(p.returncode == expect,
          f"{' '.join(args[:2])}: exit {p.returncode}, expected {expect}\n{p.stdout}\n{p.stderr}")
    return p


def fresh_store(name):
    path = os.path.join(work, name)
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(os.path.join(demo, "satfence.db" + suffix)):
            shutil.copy(os.path.join(demo, "satfence.db" + suffix), path + suffix)
    return path


# --- independent verifier: tlog_verify.py ---------------------------------------------
def open_note(note, verifier):
    try:
        return tlog_verify.open_note(note, verifier)
    except ValueError as e:
        check(False, str(e))
        raise AssertionError(str(e))


def check_proof(proof_text, record, verifier):
    return tlog_verify.check_proof(proof_text, record, verifier)


# --- the untouched store ----------------------------------------------------------------
store = fresh_store("good.db")
run(["audit", "keygen", "--name", "auditor.test/decisions", "--out", "log"])
verifier = open(os.path.join(work, "log.pub")).read()
first = run(["audit", "checkpoint", "--store", store, "--key", "log.key", "-o", "first.checkpoint"])
check(first.stdout.startswith("auditor.test/decisions\n"), first.stdout)
open_note(open(os.path.join(work, "first.checkpoint")).read(), verifier)
p = run(["audit", "verify", "--store", store, "--key", "log.pub"])
check("OK: every stored record matches" in p.stdout, p.stdout)

db = sqlite3.connect(store)
n_decisions = db.execute("SELECT count(*) FROM decisions").fetchone()[0]
policy_version = db.execute("SELECT version FROM policies").fetchone()[0]
terminal_id = db.execute("SELECT id FROM terminals ORDER BY id LIMIT 1").fetchone()[0]
db.close()
check(n_decisions > 100, f"only {n_decisions} decisions in the demo store")

for record_id in ["decision:1", f"decision:{n_decisions // 2}", f"decision:{n_decisions}",
                  f"policy:{policy_version}", f"terminal:{terminal_id}"]:
    prefix = record_id.replace(":", "-")[:40]
    run(["audit", "prove", "--store", store, "--record", record_id, "-o", prefix])
    record = open(os.path.join(work, prefix + ".record.json"), "rb").read()
    proof_text = open(os.path.join(work, prefix + ".tlog-proof")).read()
    ok, index, size = check_proof(proof_text, record, verifier)
    check(ok, f"{record_id}: the inclusion proof does not verify independently")
    parsed = json.loads(record)
    canonical = json.dumps(parsed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    check(canonical.encode() == record, f"{record_id}: the record is not in canonical form")
    if record_id.startswith("decision:"):
        db = sqlite3.connect(store)
        row = db.execute("SELECT verdict_json, report_digest, action FROM decisions WHERE seq = ?",
                         (int(record_id.split(":")[1]),)).fetchone()
        db.close()
        check(parsed["verdict_sha256"] == hashlib.sha256(row[0].encode()).hexdigest(),
              f"{record_id}: verdict_sha256 is not the stored verdict's")
        check(parsed["report_sha256"] == row[1] and parsed["action"] == row[2],
              f"{record_id}: the record does not carry the row's evidence")
    p = run(["audit", "verify", "--key", "log.pub", "--proof", prefix + ".tlog-proof",
             "--record", prefix + ".record.json"])
    check(p.stdout.startswith("OK:"), p.stdout)
    altered = record.replace(b'"type"', b'"Type"')
    open(os.path.join(work, "altered.json"), "wb").write(altered)
    run(["audit", "verify", "--key", "log.pub", "--proof", prefix + ".tlog-proof",
         "--record", "altered.json"], expect=1)

p = run(["audit", "consistency", "--store", store, "--old", "first.checkpoint", "--key", "log.pub"])
check(p.stdout.startswith("OK: the log at"), p.stdout)

# --- tampering ----------------------------------------------------------------------------
target = n_decisions // 3


def tampered(name, sql):
    path = fresh_store(name)
    db = sqlite3.connect(path)
    db.executescript(sql)
    db.commit()
    db.close()
    return path


for name, sql, expected in [
        ("edited.db", f"UPDATE decisions SET action = 'allow', published = 'allow' WHERE seq = {target}",
         f"(decision:{target}): the row as stored now does not hash to its leaf (edited)"),
        ("deleted.db", f"DELETE FROM decisions WHERE seq = {target}",
         f"(decision:{target}): the row is gone from the store (deleted)"),
        ("inserted.db",
         "INSERT INTO decisions(terminal, time, action, published, reasons, zones, verdict, "
         "report_digest, verdict_json, policy_version, zone_set_version) SELECT terminal, time, "
         "'allow', 'allow', '[]', zones, verdict, report_digest, verdict_json, policy_version, "
         f"zone_set_version FROM decisions WHERE seq = {target}",
         f"decision:{n_decisions + 1} is stored but was never logged")]:
    path = tampered(name, sql)
    p = run(["audit", "verify", "--store", path, "--key", "log.pub", "--checkpoint",
             "first.checkpoint"], expect=1)
    check(expected in p.stdout and "FAILED: first mismatch" in p.stdout,
          f"{name}: expected '{expected}' in\n{p.stdout}")

# A rewrite that also fixes the leaf, then re-signed by the operator: the store's own
# checkpoints now agree with it, but the auditor's earlier checkpoint does not.
path = tampered("rewritten.db", f"UPDATE decisions SET action = 'allow' WHERE seq = {target}")
p = run(["audit", "prove", "--store", path, "--record", f"decision:{target}"], expect=1)
db = sqlite3.connect(path)
idx = db.execute("SELECT idx FROM log WHERE kind = 'decision' AND ref = ?", (str(target),)).fetchone()[0]
db.close()
# Rebuild the edited decision's record as satfence would, independently, and rewrite its leaf.
good = json.loads(open(os.path.join(work, "decision-1.record.json"), "rb").read())
db = sqlite3.connect(path)
row = db.execute("SELECT * FROM decisions WHERE seq = ?", (target,)).fetchone()
record = {"type": "decision", "seq": row[0], "terminal": row[1], "time": row[2], "action": row[3],
          "published": row[4], "reasons": json.loads(row[5]), "zones": json.loads(row[6]),
          "verdict": row[7], "report_sha256": row[8],
          "verdict_sha256": hashlib.sha256(row[9].encode()).hexdigest(),
          "policy_version": row[10], "zone_set_version": row[11]}
check(set(record) == set(good), f"record fields differ from satfence's: {set(record) ^ set(good)}")
blob = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
db.execute("UPDATE log SET leaf = ? WHERE idx = ?", (tlog_verify.leaf_hash(blob), idx))
db.execute("DELETE FROM checkpoints")
db.commit()
db.close()
run(["audit", "checkpoint", "--store", path, "--key", "log.key"])
p = run(["audit", "verify", "--store", path, "--key", "log.pub"])  # the store alone agrees
p = run(["audit", "verify", "--store", path, "--key", "log.pub", "--checkpoint", "first.checkpoint"],
        expect=1)
check("given checkpoint 1" in p.stdout and "rewritten between entries 0 and" in p.stdout, p.stdout)
p = run(["audit", "consistency", "--store", path, "--old", "first.checkpoint", "--key", "log.pub"],
        expect=1)
check("is not a prefix" in p.stderr, p.stderr)

# Usage errors: no store, a bad key.
run(["audit", "verify", "--store", os.path.join(work, "absent.db"), "--key", "log.pub"], expect=2)
open(os.path.join(work, "bad.pub"), "w").write("not a key\n")
p = run(["audit", "verify", "--store", store, "--key", "bad.pub"], expect=2)
check("bad.pub: not a verifier key" in p.stderr, p.stderr)

if failures:
    print("\n".join(failures))
    sys.exit(1)
print("audit: proofs verified independently; every tampering detected and located")
