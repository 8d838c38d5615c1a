// The pipeline on simulated telemetry measured by the real Starlink snapshot, over two zones
// that share a border along 37 E: honest homes and drivers on both sides, GNSS-spoofed
// terminals and a cloned identity, so that the verifier's history and the decider's
// hysteresis and zone events all carry state from report to report. The reference for a
// terminal state moved between owners, or read back from the store after a restart, is the
// same reports decided in one process without interruption: every verdict and decision line
// must come out byte for byte the same (and dropping the state must not).
#include "satfence/pipeline/pipeline.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "satfence/sim/scenario.h"
#include "satfence/verify/telemetry.h"
#include "satfence/zones/geojson_reader.h"

namespace satfence::pipeline {
namespace {

constexpr char kZones[] = R"({"type": "FeatureCollection", "features": [
 {"type": "Feature", "properties": {"id": "west", "name": "West", "kind": "operator",
   "action": "allow", "priority": 10},
  "geometry": {"type": "Polygon", "coordinates": [[[30,46],[37,46],[37,52],[30,52],[30,46]]]}},
 {"type": "Feature", "properties": {"id": "east", "name": "East", "kind": "operator",
   "action": "deny", "priority": 10},
  "geometry": {"type": "Polygon", "coordinates": [[[37,46],[40,46],[40,52],[37,52],[37,46]]]}}
]})";

constexpr char kScenario[] = R"(
seed = 7
start = "2025-09-23T06:00:00Z"
duration_s = 3600
[constellation]
elements = "@ELEMENTS@"
[report]
window_s = 40
cadence_s = 1
interval_s = 300
kinds = ["range", "range_rate", "aoa", "beam"]
[[group]]
name = "homes"
count = 4
centre = [48.3, 37.0]
radius_km = 15
[[group]]
name = "drivers"
behaviour = "vehicle"
count = 3
centre = [48.3, 36.95]
radius_km = 10
[[group]]
name = "spoofed"
behaviour = "a1"
count = 3
centre = [48.3, 37.4]
radius_km = 10
displacement_m = [3000, 20000]
[[group]]
name = "clone"
behaviour = "clone"
count = 1
centre = [48.3, 36.5]
)";

struct Simulated {
  std::vector<verify::Report> reports;
  std::vector<registry::Terminal> terminals;
};

const Simulated& Telemetry() {
  static const Simulated* simulated = [] {
    std::string text = kScenario;
    text.replace(text.find("@ELEMENTS@"), 10,
                 std::string(SATFENCE_TESTDATA_DIR) + "/starlink/starlink_20250923.tle");
    const std::string path =
        ::testing::TempDir() + "/pipeline-" + std::to_string(getpid()) + ".toml";
    std::ofstream(path) << text;
    absl::StatusOr<sim::Scenario> scenario = sim::LoadScenario(path, "");
    EXPECT_TRUE(scenario.ok()) << scenario.status();
    auto* s = new Simulated;
    if (scenario.ok()) {
      sim::Simulate(
          *scenario,
          [&](const verify::Report& r, const sim::TruthRecord&) { s->reports.push_back(r); }, {},
          [&](const registry::Terminal& t) { s->terminals.push_back(t); });
    }
    return s;
  }();
  return *simulated;
}

class PipelineTest : public ::testing::Test {
 protected:
  PipelineTest()
      : policy_(*decide::ParsePolicy("hysteresis_reports = 2\n", "policy.toml")),
        set_(zones::ParseZonesGeoJson(kZones, "zones.geojson").zones),
        index_(set_),
        registry_(Telemetry().terminals),
        inputs_{policy_, set_, index_, registry_, verifier_} {}

  // What a report gives: its verdict and its decision line.
  std::string Lines(const verify::Report& r, const Decided& d) const {
    return verify::VerdictJson(d.verdict) + "\n" + DecisionLine(r, d, policy_, set_) + "\n";
  }

  // Every report decided in one process, one state per terminal throughout.
  std::vector<std::string> Uninterrupted() {
    InMemoryTerminalStates states;
    Pipeline p(inputs_, states, nullptr);
    std::vector<std::string> out;
    for (const verify::Report& r : Telemetry().reports) {
      out.push_back(Lines(r, p.Process(r, DigestOf(verify::ReportJson(r)))));
    }
    return out;
  }

  decide::Policy policy_;
  zones::ZoneSet set_;
  zones::ZoneIndex index_;
  registry::Registry registry_;
  verify::Verifier verifier_;
  Inputs inputs_;
};

TEST_F(PipelineTest, TheScenarioCarriesStateFromReportToReport) {
  const std::vector<verify::Report>& reports = Telemetry().reports;
  ASSERT_GE(reports.size(), 100u);
  InMemoryTerminalStates states;
  int histories = 0, hysteresis = 0, zone_events = 0, clones = 0;
  for (const verify::Report& r : reports) {
    const bool first = states.Get(r.terminal).decision.reports == 0;
    const Decided d = DecideReport(inputs_, r, states.Get(r.terminal));
    histories += d.verdict.history.ran;
    hysteresis += !first && d.decision.decision.action != d.decision.published;
    zone_events += static_cast<int>(d.decision.events.size());
    for (std::string_view f : d.verdict.flags) clones += f == "clone";
  }
  EXPECT_EQ(states.size(), Telemetry().terminals.size());
  EXPECT_GT(histories, 20);
  EXPECT_GT(hysteresis, 0);
  EXPECT_GT(zone_events, 0);
  EXPECT_GT(clones, 0);
}

TEST_F(PipelineTest, AStateMovedBetweenOwnersDecidesAsIfItHadStayed) {
  const std::vector<std::string> reference = Uninterrupted();
  // Two owners; each report goes to the other owner than its terminal's previous one, its
  // state handed over as bytes.
  InMemoryTerminalStates owners[2];
  std::map<std::string, int> owner_of;
  std::vector<std::string> moved, dropped;
  InMemoryTerminalStates fresh;
  for (const verify::Report& r : Telemetry().reports) {
    auto [it, first] = owner_of.try_emplace(r.terminal, 0);
    if (!first) {
      std::optional<TerminalState> state = owners[it->second].Release(r.terminal);
      ASSERT_TRUE(state.has_value());
      it->second = 1 - it->second;
      absl::StatusOr<TerminalState> decoded = DecodeTerminalState(EncodeTerminalState(*state));
      ASSERT_TRUE(decoded.ok()) << decoded.status();
      owners[it->second].Adopt(r.terminal, *std::move(decoded));
    }
    moved.push_back(Lines(r, DecideReport(inputs_, r, owners[it->second].Get(r.terminal))));
    TerminalState none;
    dropped.push_back(Lines(r, DecideReport(inputs_, r, none)));
  }
  ASSERT_EQ(moved.size(), reference.size());
  for (size_t i = 0; i < moved.size(); ++i) ASSERT_EQ(moved[i], reference[i]) << "report " << i;
  EXPECT_NE(dropped, reference);  // the state matters
}

TEST_F(PipelineTest, ARestartResumesFromTheStateInTheStore) {
  const std::vector<std::string> reference = Uninterrupted();
  const std::vector<verify::Report>& reports = Telemetry().reports;
  const std::string path = ::testing::TempDir() + "/pipeline-" + std::to_string(getpid()) + ".db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  const size_t half = reports.size() / 2;
  {
    std::unique_ptr<store::Store> db = *store::OpenSqliteStore(path);
    StoredTerminalStates states(*db);
    Pipeline p(inputs_, states, db.get(), /*batch_size=*/16);
    ASSERT_TRUE(p.StoreVersions("hysteresis_reports = 2\n", "two zones").ok());
    for (size_t i = 0; i < half; ++i) {
      EXPECT_EQ(Lines(reports[i], p.Process(reports[i], DigestOf(verify::ReportJson(reports[i])))),
                reference[i]);
    }
    ASSERT_TRUE(p.Flush().ok());
    EXPECT_EQ(p.counts().stored, static_cast<int>(half));
  }
  std::unique_ptr<store::Store> db = *store::OpenSqliteStore(path);
  StoredTerminalStates states(*db);
  Pipeline p(inputs_, states, db.get(), 16);
  for (size_t i = half; i < reports.size(); ++i) {
    ASSERT_EQ(Lines(reports[i], p.Process(reports[i], DigestOf(verify::ReportJson(reports[i])))),
              reference[i])
        << "report " << i;
  }
  ASSERT_TRUE(p.Flush().ok());
  EXPECT_EQ(states.unreadable(), 0);
  EXPECT_EQ(*db->DecisionCount(), static_cast<std::int64_t>(reports.size()));
  // Each stored decision names the digest of its report's bytes and the versions it was
  // made under; its events name it.
  const verify::Report& last = reports.back();
  std::optional<store::DecisionRecord> found =
      *db->DecisionByDigest(audit::Hex(DigestOf(verify::ReportJson(last))));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->terminal, last.terminal);
  EXPECT_EQ(found->policy_version, policy_.version);
  EXPECT_EQ(found->zone_set_version, set_.version());
  int events = 0;
  for (const registry::Terminal& t : Telemetry().terminals) {
    const std::vector<store::EventRecord> stored = *db->Events(t.id);
    for (const store::EventRecord& e : stored) {
      ++events;
      std::vector<store::DecisionRecord> d = *db->Decisions(e.decision_seq - 1, 1);
      ASSERT_EQ(d.size(), 1u);
      EXPECT_EQ(d[0].terminal, e.terminal);
      EXPECT_EQ(d[0].time, e.time);
    }
  }
  EXPECT_GT(events, 0);
}

TEST_F(PipelineTest, AnUnreadableStoredStateStartsTheTerminalAfreshAndSaysSo) {
  const std::string path =
      ::testing::TempDir() + "/pipeline-bad-" + std::to_string(getpid()) + ".db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  std::unique_ptr<store::Store> db = *store::OpenSqliteStore(path);
  store::Batch batch;
  batch.states = {{"KIT-1", "{\"format\":1,\"history\":{}}"}};
  ASSERT_TRUE(db->PutBatch(batch).ok());
  StoredTerminalStates states(*db);
  EXPECT_EQ(states.Get("KIT-1").decision.reports, 0);
  EXPECT_EQ(states.unreadable(), 1);
  EXPECT_NE(states.last_error().message().find("KIT-1"), std::string::npos);
  EXPECT_NE(states.last_error().message().find("history.reports"), std::string::npos)
      << states.last_error();
}

TEST(DigestOf, IsSha256OfTheBytes) {
  // FIPS 180-2, appendix B.1 and B.2.
  EXPECT_EQ(audit::Hex(DigestOf("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(audit::Hex(DigestOf("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

}  // namespace
}  // namespace satfence::pipeline
