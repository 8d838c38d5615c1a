// What the audit log costs: decisions appended to the SQLite store with the log (a leaf per
// record, in the same transaction, and an inclusion proof for the batch's last record
// produced at once) against plain inserts into the same store without it. Also: opening a
// store (rebuilding the tree) and auditing it (re-hashing every record). One core, same run.
//
//   build/release/src/store/store_bench           # 100,000 decisions in batches of 1,024
//   build/release/src/store/store_bench --smoke   # CI: 2,000
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "satfence/store/audit_log.h"
#include "satfence/store/log_records.h"
#include "satfence/store/store.h"

namespace {

using namespace satfence;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::string FreshPath(const char* name) {
  const char* dir = std::getenv("TMPDIR");
  std::string path = std::string(dir ? dir : "/tmp") + "/satfence-store-bench-" + name + "-" +
                     std::to_string(getpid()) + ".db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  return path;
}

void Remove(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
}

// A decision the size of the demo's: the verdict line is ~700 bytes.
store::DecisionRecord Decision(int i) {
  store::DecisionRecord d;
  d.terminal = "KIT-" + std::to_string(i % 5000);
  d.time = "2026-03-01T11:50:00.250000Z";
  d.action = i % 7 == 0 ? "deny" : "allow";
  d.published = d.action;
  if (i % 7 == 0) d.reasons = {"spoof_suspected", "in_deny_zone"};
  d.zones = {"RUS", "rule:deny"};
  d.verdict = i % 7 == 0 ? "spoofed" : "consistent";
  d.report_digest = store::Sha256Hex("report " + std::to_string(i));
  d.verdict_json =
      R"({"terminal":")" + d.terminal +
      R"(","time":"2026-03-01T11:50:00.250000Z","verdict":"consistent","fix":{"lat":48.2831,)"
      R"("lon":37.1812,"alt_m":212.4,"semi_major_m":188.1,"semi_minor_m":121.7,"azimuth_deg":)"
      R"(41.3},"crlb_h_m":150.2,"statistic":3.41,"dof":4,"p_value":0.492,"assurance":"A2",)"
      R"("basis":["range","range_rate","aoa","beam"],"flags":[],"tests":[{"name":"all",)"
      R"("statistic":3.41,"dof":4,"p_value":0.492},{"name":"physical","statistic":1.02,)"
      R"("dof":2,"p_value":0.6},{"name":"history","statistic":7.9,"dof":8,"p_value":0.44}],)"
      R"("claimed":{"lat":48.2829,"lon":37.1815,"alt_m":210.0},"offsets":{"range_m":812.3,)"
      R"("range_rate_mps":-3.2}})";
  d.policy_version = store::Sha256Hex("policy");
  d.zone_set_version = "sha256:" + store::Sha256Hex("zones");
  return d;
}

struct Run {
  double seconds = 0;
  std::uint64_t proof_hashes = 0;
};

Run Append(const std::string& path, bool logged, int count, int batch) {
  auto s = *store::OpenSqliteStore(path, {.audit_log = logged});
  std::vector<std::vector<store::DecisionRecord>> batches;
  for (int i = 0; i < count; i += batch) {
    batches.emplace_back();
    for (int j = i; j < std::min(count, i + batch); ++j) batches.back().push_back(Decision(j));
  }
  Run run;
  const auto t0 = Clock::now();
  for (std::vector<store::DecisionRecord>& b : batches) {
    if (!s->PutDecisions(b).ok()) std::abort();
    if (logged) {  // the batch's last record is provable now
      const audit::MerkleTree& tree = s->LogTree();
      run.proof_hashes += tree.InclusionProof(tree.size() - 1, tree.size()).size();
    }
  }
  run.seconds = Seconds(t0);
  return run;
}

}  // namespace

int main(int argc, char** argv) {
  const bool smoke = argc > 1 && std::strcmp(argv[1], "--smoke") == 0;
  const int count = smoke ? 2000 : 100000;
  const int single = smoke ? 20 : 500;

  std::printf("store: %d decisions in batches of 1,024 (one durable transaction each)\n", count);
  const std::string plain_path = FreshPath("plain"), logged_path = FreshPath("logged");
  const Run plain = Append(plain_path, false, count, 1024);
  const Run logged = Append(logged_path, true, count, 1024);
  std::printf("  plain inserts:            %10.0f records/s\n", count / plain.seconds);
  std::printf(
      "  inserts + audit log:      %10.0f records/s  (proof of each batch's last record "
      "ready at once)\n",
      count / logged.seconds);
  std::printf("  logged / plain rate:      %10.2f\n", plain.seconds / logged.seconds);

  std::printf("store: %d decisions one at a time (each durable on its own: fsync-bound)\n", single);
  const std::string plain1 = FreshPath("plain1"), logged1 = FreshPath("logged1");
  const Run p1 = Append(plain1, false, single, 1);
  const Run l1 = Append(logged1, true, single, 1);
  std::printf("  plain inserts:            %10.0f records/s\n", single / p1.seconds);
  std::printf("  inserts + audit log:      %10.0f records/s\n", single / l1.seconds);
  std::printf("  logged / plain rate:      %10.2f\n", p1.seconds / l1.seconds);

  auto t0 = Clock::now();
  auto s = *store::OpenSqliteStore(logged_path);
  const double open_s = Seconds(t0);
  auto key = *audit::GenerateSignerKey("satfence.bench/decisions");
  if (!store::SignCheckpoint(*s, {key}, "2026-03-01T12:00:00Z").ok()) std::abort();
  t0 = Clock::now();
  auto result = store::AuditStore(*s, {audit::VerifierOf(key)}, {});
  const double audit_s = Seconds(t0);
  if (!result.ok() || !result->findings.empty()) std::abort();
  std::printf(
      "open (tree of %llu leaves rebuilt): %.3f s; audit verify (every record re-hashed): "
      "%.0f records/s\n",
      static_cast<unsigned long long>(s->LogTree().size()), open_s, result->leaves / audit_s);
  s.reset();
  for (const std::string& p : {plain_path, logged_path, plain1, logged1}) Remove(p);
  return 0;
}
