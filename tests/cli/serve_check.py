#!/usr/bin/env python3
"""`satfence serve` on loopback, held to `satfence decide` and to its promises.

Usage: serve_check.py SATFENCE SOURCE_DIR DEMO_DIR WORK_DIR

On the demo's telemetry and registry, the operator's zones and the example policy:
- answers over HTTP equal `satfence decide`'s lines, byte for byte, in order, whatever the
  request sizes; a report sent again is answered with its first decision and not decided
  twice;
- bad input at the door: malformed, truncated and blank lines get located errors while the
  good lines of the same request are decided as decide decides them; another content type
  gets 415; a body or a line count over the limits 413; the server keeps serving;
- reads: a terminal's summary and decisions agree with decide's lines; a decision comes with
  an inclusion proof against the signed checkpoint, checked here independently
  (tlog_verify.py), and its report_sha256 is hashlib's SHA-256 of the line as sent;
- /metrics parses with Prometheus's own parser (prometheus_client) and counts what was sent;
- the door with bearer tokens (`satfence token`): no or an unknown token 401 (gRPC
  UNAUTHENTICATED), a reviewer's token sending telemetry 403 (PERMISSION_DENIED), an ingest
  token sends, a reviewer's token reads;
- TLS on both listeners (a self-signed certificate made by the openssl command): HTTPS and
  gRPC over TLS answer as decide does, and a plaintext client gets nothing;
- events: Server-Sent Events give every stored event in order and resume after the
  Last-Event-ID; a webhook receiver that is down when the events happen gets every one of
  them once it comes up, once per id, in order;
- live configuration (operator token): a zone file that is not GeoJSON fails its background
  build with a located error and nothing changes; a new one is built while reports are
  decided and then names the decisions; a policy with an error is refused with its line and
  nothing changes; a new policy and registry swapped in under load lose no report, and the
  decisions after the swap name the new policy's version (hashlib's SHA-256 of its text);
- SIGTERM: exit 0, everything accepted answered;
- over gRPC (Python's grpcio, messages from protoc --python_out): Submit and Stream answer
  as decide does; each report's digest is SHA-256 of its message bytes as the client encoded
  them; bad reports in a batch get located errors and the rest are decided; a message that is
  not protobuf is refused; grpc.health.v1 says SERVING;
- SIGKILL under load from four clients, then a restart on the same store: every report that
  got an answer is stored once with that decision, no report is stored twice, the
  restarted service answers every report as decide did (each terminal resumes from its
  stored state), and `satfence audit verify` passes.
"""
import hashlib
import ssl
import http.client
import http.server
import socket
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time

from prometheus_client.parser import text_string_to_metric_families

import tlog_verify

satfence, src, demo, work = sys.argv[1:5]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
failures = []


def check(ok, message):
    if not ok:
        failures.append(message)
    return ok


def finish():
    if failures:
        print("\n".join(failures[:20]))
        sys.exit(1)


INPUTS = ["--zones", os.path.join(src, "data/zones/ukraine_scenario.geojson"),
          "--id-property", "A3", "--kind", "territorial_waters", "--action", "allow",
          "--policy", os.path.join(src, "examples/policy.toml"),
          "--registry", os.path.join(demo, "registry.csv")]
telemetry = os.path.join(demo, "telemetry.jsonl")
lines = [x for x in open(telemetry, "rb").read().split(b"\n") if x.strip()]
n = len(lines)

# The reference: decide on the same telemetry and inputs (exit 1: the operator's zones name
# country outlines that are not loaded, each reported).
ref_path = os.path.join(work, "decide.jsonl")
p = subprocess.run([satfence, "decide", telemetry] + INPUTS + ["-o", ref_path],
                   capture_output=True, text=True)
check(p.returncode == 1, f"decide exit {p.returncode}: {p.stderr[-500:]}")
ref = open(ref_path, "rb").read().split(b"\n")[:-1]
check(len(ref) == n, f"decide wrote {len(ref)} lines for {n} reports")
finish()

subprocess.run([satfence, "audit", "keygen", "--name", "serve.test/decisions", "--out",
                os.path.join(work, "log")], check=True, capture_output=True)
verifier = open(os.path.join(work, "log.pub")).read()


class Server:
    def __init__(self, name, store, *extra, inputs=INPUTS):
        self.log_path = os.path.join(work, name + ".log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [satfence, "serve", "--http", "127.0.0.1:0", "--grpc", "127.0.0.1:0", "--store", store,
             "--audit-key", os.path.join(work, "log.key"), "--checkpoint-interval", "0.2"]
            + inputs + list(extra), stderr=self.log, stdout=subprocess.DEVNULL)
        self.port = None
        self.token = None
        self.tls = None  # an ssl.SSLContext for HTTPS
        deadline = time.time() + 60
        while self.port is None and time.time() < deadline:
            for line in open(self.log_path):
                if '"msg":"listening"' in line:
                    self.port = int(json.loads(line)["http"].rsplit(":", 1)[1])
                    self.grpc_port = int(json.loads(line)["grpc"].rsplit(":", 1)[1])
            time.sleep(0.05)
        assert self.port, open(self.log_path).read()
        if "--tls-cert" in extra:
            self.tls = ssl.create_default_context(cafile=extra[extra.index("--tls-cert") + 1])
        while time.time() < deadline:
            if self.get("/readyz")[0] == 200:
                return
            time.sleep(0.1)
        raise AssertionError("not ready in 60 s: " + open(self.log_path).read()[-2000:])

    def request(self, method, path, body=None, content_type="application/x-ndjson", token=None):
        c = (http.client.HTTPSConnection("127.0.0.1", self.port, timeout=120, context=self.tls)
             if self.tls else http.client.HTTPConnection("127.0.0.1", self.port, timeout=120))
        headers = {"Content-Type": content_type} if body is not None else {}
        if token or self.token:
            headers["Authorization"] = "Bearer " + (token or self.token)
        c.request(method, path, body=body, headers=headers)
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, data

    def get(self, path):
        try:
            return self.request("GET", path)
        except OSError:
            return 0, b""

    def post(self, body_lines, **kw):
        return self.request("POST", "/v1/reports", b"".join(x + b"\n" for x in body_lines), **kw)

    def stop(self, sig=signal.SIGTERM):
        self.proc.send_signal(sig)
        code = self.proc.wait(timeout=60)
        self.log.close()
        return code


def answers_of(body):
    return body.split(b"\n")[:-1]


lock = threading.Lock()


def client(indices, server, batch, out):
    for k in range(0, len(indices), batch):
        chunk = indices[k:k + batch]
        try:
            status, body = server.post([lines[i] for i in chunk])
        except OSError:
            return
        if status != 200:
            return
        with lock:
            for i, a_line in zip(chunk, answers_of(body)):
                out[i] = a_line


# --- answers equal decide's, in order, whatever the request sizes ------------------------
a = Server("a", os.path.join(work, "a.db"))
got, at = [], 0
for size in [1, 7, 30, 2, 50, n]:
    status, body = a.post(lines[at:at + size])
    check(status == 200, f"status {status} for {size} lines: {body[:300]}")
    got += answers_of(body)
    at += size
    if at >= n:
        break
check(got == ref, "answers over HTTP differ from decide's lines" +
      next((f" (first at line {i + 1}: {g[:200]} vs {r[:200]})"
            for i, (g, r) in enumerate(zip(got, ref)) if g != r), ""))
status, body = a.post(lines)  # again: the first decisions, nothing decided twice
check(status == 200 and answers_of(body) == ref, "a report sent again is not answered as first")
db = sqlite3.connect(os.path.join(work, "a.db"))
check(db.execute("SELECT count(*) FROM decisions").fetchone()[0] == n,
      "reports sent twice were decided twice")
digests = [d for (d,) in db.execute("SELECT report_digest FROM decisions ORDER BY seq")]
db.close()
# Decisions are stored in commit order, which interleaves terminals decided on different
# threads; each names the digest of exactly one line.
line_of = {hashlib.sha256(x).hexdigest(): i for i, x in enumerate(lines)}
check(sorted(digests) == sorted(line_of), "report_sha256 is not SHA-256 of the line as sent")

# --- reads ----------------------------------------------------------------------------------
first = json.loads(ref[0])
term = first["terminal"]
mine = [json.loads(x) for x in ref if json.loads(x)["terminal"] == term]
status, body = a.get(f"/v1/terminals/{term}")
summary = json.loads(body) if status == 200 else {}
check(status == 200 and summary.get("published") == mine[-1]["published"] and
      summary.get("history", {}).get("decisions") == len(mine) and
      summary.get("zones") == mine[-1]["zones"] and summary.get("last_fix") is not None,
      f"terminal summary: {status} {body[:400]}")
status, body = a.get(f"/v1/terminals/{term}/decisions?since=0&limit=2")
page = json.loads(body) if status == 200 else {}
check(status == 200 and [d["time"] for d in page.get("decisions", [])] ==
      [m["time"] for m in mine[:2]] and "next" in page, f"terminal decisions: {body[:300]}")
check(a.get("/v1/terminals/nobody-at-all")[0] == 404, "an unknown terminal is not 404")
check(a.get(f"/v1/terminals/{term}/decisions?limit=0")[0] == 400, "limit=0 is not 400")
proof = None
deadline = time.time() + 20
while proof is None and time.time() < deadline:
    status, body = a.get("/v1/decisions/5")
    proof = json.loads(body).get("proof") if status == 200 else None
    time.sleep(0.2)
if check(proof is not None, "no inclusion proof for decision 5 within 20 s"):
    ok, index, size = tlog_verify.check_proof(proof["tlog_proof"], proof["record"].encode(),
                                              verifier)
    record = json.loads(proof["record"])
    check(ok, "the inclusion proof does not verify independently")
    i = line_of.get(record["report_sha256"])
    check(record["seq"] == 5 and i is not None and
          json.loads(ref[i])["terminal"] == record["terminal"],
          f"decision 5's record: {proof['record'][:300]}")
check(a.get("/v1/decisions/999999")[0] == 404, "a missing decision is not 404")

# --- metrics, by Prometheus's parser -----------------------------------------------------------
status, body = a.get("/metrics")
families = {f.name: f for f in text_string_to_metric_families(body.decode())}


def value(family, **labels):
    for s in families[family].samples:
        if s.name.endswith("_total") or s.name == family:
            if all(s.labels.get(k) == v for k, v in labels.items()):
                return s.value
    return None


check(value("satfence_reports_received") == 2 * n, f"reports received {value('satfence_reports_received')}")
check(sum(value("satfence_decisions", action=x) for x in ["allow", "review", "deny"]) == n,
      "decisions by action do not sum to the reports")
check(value("satfence_duplicate_reports") == n, "duplicates not counted")
check(families["satfence_stage_seconds"].type == "histogram", "stage_seconds is not a histogram")
check(a.stop() == 0, "SIGTERM: exit status not 0")
check('"msg":"stopped"' in open(a.log_path).read(), "no 'stopped' log line")

# --- gRPC ------------------------------------------------------------------------------------
import grpc  # noqa: E402

subprocess.run(["protoc", "-I", os.path.join(src, "proto"), "--python_out", work,
                os.path.join(src, "proto/satfence/v1/telemetry.proto")], check=True)
sys.path.insert(0, work)
from satfence.v1 import telemetry_pb2 as pb  # noqa: E402

KINDS = {"range": pb.RANGE, "range_rate": pb.RANGE_RATE, "range_bound": pb.RANGE_BOUND,
         "aoa": pb.AOA, "beam": pb.BEAM}


def to_proto(line):
    """A telemetry v1 line as a satfence.v1.Report (docs/telemetry.md; proto comments)."""
    j = json.loads(line)
    r = pb.Report(terminal=j["terminal"])
    r.time.FromJsonString(j["time"])
    c = j["claimed"]
    r.claimed.lat_deg, r.claimed.lon_deg, r.claimed.alt_m = c["lat"], c["lon"], c["alt_m"]
    if c.get("vel_enu_mps") is not None:
        r.claimed.vel_enu_mps.x, r.claimed.vel_enu_mps.y, r.claimed.vel_enu_mps.z = c["vel_enu_mps"]
    for m in j["measurements"]:
        p = r.measurements.add(kind=KINDS[m["kind"]])
        p.time.FromJsonString(m["time"])
        if m.get("sat") is not None:
            p.sat = str(m["sat"])
        if m.get("sat_pos_m") is not None:
            p.sat_pos_m.x, p.sat_pos_m.y, p.sat_pos_m.z = m["sat_pos_m"]
            p.sat_vel_mps.x, p.sat_vel_mps.y, p.sat_vel_mps.z = m["sat_vel_mps"]
        if m.get("sat_pos_sigma_m") is not None:
            p.sat_pos_sigma_m = m["sat_pos_sigma_m"]
        v = m["value"]
        if m["kind"] == "aoa":
            p.direction.x, p.direction.y, p.direction.z = v
        elif m["kind"] == "beam":
            p.beam.lat_deg, p.beam.lon_deg, p.beam.radius_m = v["lat"], v["lon"], v["radius_m"]
        else:
            p.scalar = v
        if m.get("sigma") is not None:
            p.sigma = m["sigma"]
    return r


def decision_of(result):
    d = result.decision
    return {"terminal": d.terminal, "time": d.time, "action": d.action,
            "published": d.published, "reasons": list(d.reasons), "zones": list(d.zones),
            "policy": d.policy, "zone_set": d.zone_set}


g = Server("g", os.path.join(work, "g.db"))
channel = grpc.insecure_channel(f"127.0.0.1:{g.grpc_port}")
submit = channel.unary_unary("/satfence.v1.Telemetry/Submit",
                             request_serializer=pb.SubmitRequest.SerializeToString,
                             response_deserializer=pb.SubmitResponse.FromString)
stream = channel.stream_stream("/satfence.v1.Telemetry/Stream",
                               request_serializer=pb.Report.SerializeToString,
                               response_deserializer=pb.Result.FromString)
raw_submit = channel.unary_unary("/satfence.v1.Telemetry/Submit")
raw_stream = channel.stream_stream("/satfence.v1.Telemetry/Stream")
health = channel.unary_unary("/grpc.health.v1.Health/Check")
# SERVING follows readiness by a moment: /readyz is what Server() waited for.
serving = None
for _ in range(50):
    serving = health(b"", timeout=10)
    if serving == b"\x08\x01":
        break
    time.sleep(0.1)
check(serving == b"\x08\x01", f"grpc.health.v1 does not say SERVING: {serving}")
reports = [to_proto(x) for x in lines]
ref_json = [json.loads(x) for x in ref]
half = n // 2
got = []
for k in range(0, half, 16):
    got += list(submit(pb.SubmitRequest(reports=reports[k:min(k + 16, half)]), timeout=120).results)
got += list(stream(iter(reports[half:]), timeout=120))
check(len(got) == n and all(r.WhichOneof("result") == "decision" for r in got),
      f"gRPC: {len(got)} results, errors: {[r.error for r in got if r.HasField('error')][:3]}")
check([decision_of(r) for r in got] == ref_json,
      "gRPC answers differ from decide's lines" +
      next((f" (first at {i}: {decision_of(r)} vs {e})"
            for i, (r, e) in enumerate(zip(got, ref_json)) if decision_of(r) != e), ""))
db = sqlite3.connect(os.path.join(work, "g.db"))
stored = {d for (d,) in db.execute("SELECT report_digest FROM decisions")}
db.close()
check(stored == {hashlib.sha256(r.SerializeToString()).hexdigest() for r in reports},
      "gRPC: report_sha256 is not SHA-256 of the Report message as sent")
bad_report = to_proto(lines[0])
bad_report.claimed.lat_deg = 91.0
mixed = submit(pb.SubmitRequest(reports=[reports[0], bad_report, reports[1]]), timeout=60).results
check([r.WhichOneof("result") for r in mixed] == ["decision", "error", "decision"] and
      decision_of(mixed[0]) == ref_json[0] and mixed[1].error.index == 1 and
      mixed[1].error.field == "claimed.lat", f"gRPC mixed batch: {mixed}")
try:
    raw_submit(b"\x0a\xff\xff", timeout=10)
    check(False, "gRPC: a broken SubmitRequest was accepted")
except grpc.RpcError as e:
    check(e.code() == grpc.StatusCode.INVALID_ARGUMENT, f"broken SubmitRequest: {e.code()}")
broken = list(raw_stream(iter([b"\x0a\xff\xff", reports[2].SerializeToString()]), timeout=60))
check(len(broken) == 2 and pb.Result.FromString(broken[0]).error.reason.startswith("not a well") and
      decision_of(pb.Result.FromString(broken[1])) == ref_json[2],
      f"gRPC stream with a broken message: {[pb.Result.FromString(b) for b in broken]}")
channel.close()
check(g.stop() == 0, "SIGTERM with gRPC: exit status not 0")

# --- events: SSE and a webhook that is down, then up -------------------------------------------
probe = socket.socket()
probe.bind(("127.0.0.1", 0))
hook_port = probe.getsockname()[1]
probe.close()
e = Server("e", os.path.join(work, "e.db"), "--webhook", f"http://127.0.0.1:{hook_port}/hook",
           "--event", "enter", "--event", "exit", "--event", "inside", "--event",
           "action_changed", "--event", "spoof_suspected")
status, _ = e.post(lines)
check(status == 200, f"events server: {status}")
db = sqlite3.connect(os.path.join(work, "e.db"))
stored_events = [(i, t, k) for (i, t, k) in db.execute(
    "SELECT seq, terminal, kind FROM events ORDER BY seq")]
db.close()
kinds = {k for (_, _, k) in stored_events}
check({"inside", "action_changed", "spoof_suspected"} <= kinds, f"event kinds {kinds}")


def sse(server, path, count, headers=None):
    """The first `count` events of an SSE stream, as (id, kind, data)."""
    c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    c.request("GET", path, headers=headers or {})
    r = c.getresponse()
    out, block = [], {}
    while len(out) < count:
        line = r.fp.readline().decode().rstrip("\n")
        if line.startswith("id: "):
            block["id"] = int(line[4:])
        elif line.startswith("event: "):
            block["kind"] = line[7:]
        elif line.startswith("data: "):
            block["data"] = json.loads(line[6:])
        elif line == "" and block:
            out.append((block["id"], block["kind"], block["data"]))
            block = {}
    c.close()
    return out


streamed = sse(e, "/v1/events?since=0", len(stored_events))
check([(i, d["terminal"], k) for (i, k, d) in streamed] == stored_events,
      "SSE does not give the stored events in order")
resumed = sse(e, "/v1/events", 5, {"Last-Event-ID": str(stored_events[9][0])})
check([i for (i, _, _) in resumed] == [x[0] for x in stored_events[10:15]],
      "SSE does not resume after Last-Event-ID")
received = []


class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        received.extend(body["events"])
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


time.sleep(2)  # the webhook has been failing since the first event
hook = http.server.HTTPServer(("127.0.0.1", hook_port), Hook)
threading.Thread(target=hook.serve_forever, daemon=True).start()
deadline = time.time() + 60
while len(received) < len(stored_events) and time.time() < deadline:
    time.sleep(0.2)
hook.shutdown()
ids = [x["id"] for x in received]
check(ids == [x[0] for x in stored_events],
      f"the webhook got {len(ids)} events ({len(set(ids))} ids) of {len(stored_events)}, "
      f"in order: {ids == sorted(ids)}")
status, body = e.get("/metrics")
check(b"satfence_webhook_failures_total 0" not in body, "the webhook's failures are not counted")
check(e.stop() == 0, "SIGTERM with a webhook: exit status not 0")

# --- TLS ----------------------------------------------------------------------------------------
cert, key = os.path.join(work, "tls.crt"), os.path.join(work, "tls.key")
subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                "-nodes", "-days", "1", "-subj", "/CN=satfence-test", "-addext",
                "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert],
               check=True, capture_output=True)
t = Server("t", os.path.join(work, "t.db"), "--tls-cert", cert, "--tls-key", key)
status, body = t.post(lines[:3])
check(status == 200 and answers_of(body) == ref[:3], f"HTTPS: {status} {body[:200]}")
plain = http.client.HTTPConnection("127.0.0.1", t.port, timeout=10)
try:
    plain.request("GET", "/readyz")
    check(plain.getresponse().status != 200, "plain HTTP to the TLS listener was answered")
except (OSError, http.client.HTTPException):
    pass  # refused: as it should be
tls_channel = grpc.secure_channel(f"127.0.0.1:{t.grpc_port}",
                                  grpc.ssl_channel_credentials(open(cert, "rb").read()))
tls_submit = tls_channel.unary_unary("/satfence.v1.Telemetry/Submit",
                                     request_serializer=pb.SubmitRequest.SerializeToString,
                                     response_deserializer=pb.SubmitResponse.FromString)
got_tls = tls_submit(pb.SubmitRequest(reports=reports[3:6]), timeout=60).results
check([decision_of(r) for r in got_tls] == ref_json[3:6], f"gRPC over TLS: {got_tls}")
tls_channel.close()
plain_channel = grpc.insecure_channel(f"127.0.0.1:{t.grpc_port}")
try:
    plain_channel.unary_unary("/grpc.health.v1.Health/Check")(b"", timeout=5)
    check(False, "plaintext gRPC to the TLS listener was answered")
except grpc.RpcError:
    pass
plain_channel.close()
check(t.stop() == 0, "SIGTERM with TLS: exit status not 0")

# --- bad input at the door ----------------------------------------------------------------------
# The inputs and limits from a config file; the command line wins over it.
config = os.path.join(work, "serve.toml")
with open(config, "w") as f:
    f.write(f"""zones = ["{os.path.join(src, 'data/zones/ukraine_scenario.geojson')}"]
id-property = "A3"
kind = "territorial_waters"
action = "allow"
policy = "{os.path.join(src, 'examples/policy.toml')}"
registry = "{os.path.join(demo, 'registry.csv')}"
max-body-bytes = {1 << 20}
max-reports-per-request = 5
""")
tokens = {}
for role in ["ingest", "reviewer", "operator"]:
    out = subprocess.run([satfence, "token", "--role", role], capture_output=True, text=True,
                         check=True).stdout.split("\n")
    tokens[role] = (out[0].split(" ")[1], out[1].split(" ")[1])
b = Server("b", os.path.join(work, "b.db"), "--config", config, "--max-reports-per-request",
           "60", "--token", tokens["ingest"][1], "--token", tokens["reviewer"][1],
           "--token", tokens["operator"][1], inputs=[])
status, body = b.post(lines[:1])
check(status == 401 and b"bearer token" in body, f"no token: {status} {body}")
b.token = "0" * 64
check(b.post(lines[:1])[0] == 401, "an unknown token is not 401")
b.token = tokens["reviewer"][0]
status, body = b.post(lines[:1])
check(status == 403 and b"reviewer" in body, f"a reviewer sending: {status} {body}")
b_channel = grpc.insecure_channel(f"127.0.0.1:{b.grpc_port}")
b_submit = b_channel.unary_unary("/satfence.v1.Telemetry/Submit",
                                 request_serializer=pb.SubmitRequest.SerializeToString,
                                 response_deserializer=pb.SubmitResponse.FromString)
for token, code in [(None, grpc.StatusCode.UNAUTHENTICATED),
                    (tokens["reviewer"][0], grpc.StatusCode.PERMISSION_DENIED)]:
    try:
        b_submit(pb.SubmitRequest(reports=[reports[1]]), timeout=30,
                 metadata=[("authorization", "Bearer " + token)] if token else None)
        check(False, f"gRPC with token {token}: accepted")
    except grpc.RpcError as e:
        check(e.code() == code, f"gRPC with token {token}: {e.code()}")
# A terminal's first report that the rest of this server's checks do not send.
later = {ref_json[i]["terminal"] for i in range(10)}
j = next(i for i, r in enumerate(ref_json) if r["terminal"] not in later)
result = b_submit(pb.SubmitRequest(reports=[reports[j]]), timeout=60,
                  metadata=[("authorization", "Bearer " + tokens["ingest"][0])]).results
check(decision_of(result[0]) == ref_json[j], f"gRPC with the ingest token: {result}")
b_channel.close()
b.token = tokens["ingest"][0]
with open(os.path.join(work, "typo.toml"), "w") as f:
    f.write('http = "127.0.0.1:0"\nmax-reports-per-requests = 5\n')
p = subprocess.run([satfence, "serve", "--config", os.path.join(work, "typo.toml")] + INPUTS,
                   capture_output=True, text=True, timeout=60)
check(p.returncode == 2 and "typo.toml:2: max-reports-per-requests: not an option" in p.stderr,
      f"a config file with an unknown key: {p.returncode} {p.stderr[-300:]}")
bad = [lines[0], b'{"version": 1, "terminal": 42}', lines[1][: len(lines[1]) // 2], b"",
       b"not json", lines[2]]
status, body = b.post(bad)
ans = answers_of(body)
check(status == 200 and len(ans) == 6, f"mixed batch: {status}, {len(ans)} answers")
if len(ans) == 6:
    check([ans[0], ans[5]] == [ref[0], ref[2]] and ans[1:5] != ref[1:5],
          "good lines of a mixed batch are not decided as decide decides them")
    errors = [json.loads(x) for x in ans[1:5]]
    check([e["line"] for e in errors] == [2, 3, 4, 5], f"error lines {ans[1:5]}")
    check(errors[0]["error"]["field"] == "terminal", f"wrong-type error: {errors[0]}")
    check(all(e["error"]["reason"] for e in errors), "an error without a reason")
status, body = b.post(lines[:3], content_type="text/plain")
check(status == 415 and b"application/x-ndjson" in body, f"content type: {status} {body}")
status, body = b.post([b"x" * (1 << 20)])
check(status == 413, f"body over the limit: {status}")
status, body = b.post([b""] * 61)
check(status == 413 and b"60" in body, f"line count over the limit: {status} {body}")
check(b.get("/healthz")[0] == 200, "not healthy after bad input")
check(b.get(f"/v1/terminals/{term}")[0] == 403, "an ingest token may read")
b.token = tokens["reviewer"][0]
check(b.get(f"/v1/terminals/{term}")[0] == 200, "a reviewer's token may not read")
b.token = tokens["ingest"][0]
status, body = b.post([lines[1]] + lines[3:10])
check(status == 200 and answers_of(body) == [ref[1]] + ref[3:10],
      "after bad input, good reports are not decided as decide decides them")
# Live configuration, under load.
policy_text = open(os.path.join(src, "examples/policy.toml")).read()
check(b.request("PUT", "/v1/policy", policy_text.encode(), "application/toml")[0] == 403,
      "an ingest token may change the policy")
operator = tokens["operator"][0]
status, body = b.request("PUT", "/v1/policy", b"k_sigma = 3\nhysteresis_reports = 'two'\n",
                         "application/toml", token=operator)
check(status == 400 and b"policy:2" in body, f"a bad policy: {status} {body}")
new_policy = policy_text.replace("hysteresis_reports = 2", "hysteresis_reports = 3")
check(new_policy != policy_text, "the example policy has no hysteresis_reports = 2")
under_load = {}
loader = threading.Thread(target=client, args=(list(range(10, n)), b, 4, under_load))
loader.start()
time.sleep(0.3)
status, body = b.request("PUT", "/v1/policy", new_policy.encode(), "application/toml",
                         token=operator)
new_version = hashlib.sha256(new_policy.encode()).hexdigest()
check(status == 200 and json.loads(body).get("policy") == new_version, f"PUT policy: {body}")
registry_text = open(os.path.join(demo, "registry.csv"), "rb").read()
status, body = b.request("PUT", "/v1/registry", registry_text + b"KIT-X,,,\n", "text/csv",
                         token=operator)
check(status == 400 and b"registry:" in body, f"a bad registry: {status} {body[:300]}")
status, body = b.request("PUT", "/v1/registry", registry_text, "text/csv", token=operator)
check(status == 200, f"PUT registry: {status} {body}")
loader.join()
check(len(under_load) == n - 10, f"{n - 10 - len(under_load)} reports lost during the swap")
after = lines[0].replace(json.dumps(json.loads(lines[0])["terminal"]).encode(),
                        b'"after-the-swap"', 1)
status, body = b.post([after])
check(status == 200 and json.loads(body)["policy"] == new_version,
      f"a decision after the swap does not name the new policy: {body[:300]}")
# A new zone set, built in the background.
def zones_state(server):
    status, body = server.request("GET", "/v1/zones", token=tokens["reviewer"][0])
    return json.loads(body) if status == 200 else {}


def wait_built(server):
    deadline = time.time() + 120
    while time.time() < deadline:
        state = zones_state(server)
        if state.get("change", {}).get("state") in ("done", "failed"):
            return state
        time.sleep(0.2)
    return zones_state(server)


old_zone_set = zones_state(b).get("zone_set")
status, body = b.request("PUT", "/v1/zones?format=geojson", b'{"type": "FeatureCollection",',
                         "application/geo+json", token=operator)
check(status == 202, f"PUT zones: {status} {body}")
state = wait_built(b)
check(state.get("change", {}).get("state") == "failed" and
      "PUT /v1/zones" in state["change"].get("error", "") and state["zone_set"] == old_zone_set,
      f"a broken zone file: {state}")
scenario = json.load(open(os.path.join(src, "data/zones/ukraine_scenario.geojson")))
scenario["features"].append({"type": "Feature", "properties": {
    "id": "test:live", "name": "Added live", "kind": "operator", "action": "review",
    "priority": 50}, "geometry": {"type": "Polygon", "coordinates": [
        [[-10, -10], [-9, -10], [-9, -9], [-10, -9], [-10, -10]]]}})
status, body = b.request("PUT", "/v1/zones", json.dumps(scenario).encode(),
                         "application/geo+json", token=operator)
check(status == 202, f"PUT zones: {status} {body}")
state = wait_built(b)
new_zone_set = state.get("change", {}).get("zone_set")
check(state.get("change", {}).get("state") == "done" and new_zone_set != old_zone_set and
      state.get("zone_set") == new_zone_set, f"a new zone set: {state}")
after_zones = lines[1].replace(json.dumps(json.loads(lines[1])["terminal"]).encode(),
                               b'"after-the-zones"', 1)
status, body = b.post([after_zones])
check(status == 200 and json.loads(body)["zone_set"] == new_zone_set,
      f"a decision after the new zones does not name them: {body[:300]}")
check(b.stop() == 0, "SIGTERM after bad input: exit status not 0")
p = subprocess.run([satfence, "audit", "verify", "--store", os.path.join(work, "b.db"), "--key",
                    os.path.join(work, "log.pub")], capture_output=True, text=True)
check(p.returncode == 0, f"audit verify after live changes: {p.stdout} {p.stderr}")

# --- SIGKILL under load, then a restart on the same store --------------------------------------
store = os.path.join(work, "c.db")
c = Server("c", store)
clients = 4
by_client = [[] for _ in range(clients)]
for i, line in enumerate(lines):
    t = json.loads(line)["terminal"]
    by_client[int(hashlib.md5(t.encode()).hexdigest(), 16) % clients].append(i)
answered = {}
threads = [threading.Thread(target=client, args=(ix, c, 2, answered)) for ix in by_client]
for t in threads:
    t.start()
while len(answered) < n // 3 and any(t.is_alive() for t in threads):
    time.sleep(0.001)
c.proc.kill()  # SIGKILL
c.proc.wait()
for t in threads:
    t.join()
killed_with = dict(answered)
check(0 < len(killed_with) < n, f"{len(killed_with)} of {n} answered before the kill")
db = sqlite3.connect(store)
rows = {d: (t, tm, act, pub, json.loads(rs), json.loads(zs), pv, zv)
        for (d, t, tm, act, pub, rs, zs, pv, zv) in db.execute(
            "SELECT report_digest, terminal, time, action, published, reasons, zones, "
            "policy_version, zone_set_version FROM decisions")}
twice = db.execute("SELECT count(*) FROM (SELECT report_digest FROM decisions "
                   "GROUP BY report_digest HAVING count(*) > 1)").fetchone()[0]
db.close()
check(twice == 0, f"{twice} reports stored twice")
lost = 0
for i, a_line in killed_with.items():
    row = rows.get(hashlib.sha256(lines[i]).hexdigest())
    j = json.loads(a_line)
    if row is None or row != (j["terminal"], j["time"], j["action"], j["published"],
                              j["reasons"], j["zones"], j["policy"], j["zone_set"]):
        lost += 1
check(lost == 0, f"{lost} answered reports are not stored with the decision they got")
d = Server("d", store)
after = {}
threads = [threading.Thread(target=client, args=(ix, d, 3, after)) for ix in by_client]
for t in threads:
    t.start()
for t in threads:
    t.join()
check(len(after) == n and all(after[i] == ref[i] for i in range(n)),
      f"after the restart, {sum(after.get(i) != ref[i] for i in range(n))} of {n} answers "
      "differ from decide's")
check(d.stop() == 0, "SIGTERM after the restart: exit status not 0")
db = sqlite3.connect(store)
check(db.execute("SELECT count(*) FROM decisions").fetchone()[0] == n,
      "after the restart, not one decision per report")
db.close()
p = subprocess.run([satfence, "audit", "verify", "--store", store, "--key",
                    os.path.join(work, "log.pub")], capture_output=True, text=True)
check(p.returncode == 0, f"audit verify after SIGKILL: {p.returncode} {p.stdout} {p.stderr}")

finish()
print(f"serve: {n} reports answered as decide over HTTP and gRPC; resent, bad, oversized input handled; "
      f"killed with {len(killed_with)} answered, none lost or doubled; audit verifies")
