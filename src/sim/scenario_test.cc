// Scenario files: located errors, and the simulation's promises (reproducible, the groups'
// behaviour as specified).
#include "satfence/sim/scenario.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "satfence/geo/geodesic.h"
#include "satfence/verify/telemetry.h"

namespace satfence::sim {
namespace {

std::string Write(const std::string& name, const std::string& text) {
  std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

constexpr char kSmall[] = R"(seed = 3
start = "2025-09-23T08:00:00Z"
duration_s = 700
[constellation]
elements = "testdata/starlink/starlink_20250923.tle"
[report]
window_s = 20
interval_s = 300
[[group]]
name = "liars"
behaviour = "a1"
count = 3
centre = [48.0, 37.0]
radius_km = 20
displacement_m = [500, 2000]
[[group]]
name = "twins"
behaviour = "clone"
count = 1
centre = [50.0, 30.0]
clone_distance_km = 300
)";

absl::StatusOr<Scenario> Load(const std::string& text) {
  return LoadScenario(Write("scenario.toml", text), SATFENCE_SOURCE_DIR);
}

TEST(Scenario, ErrorsNameFileLineAndKey) {
  struct Case {
    std::string from, to, expected;
  };
  const std::vector<Case> cases = {
      {"behaviour = \"a1\"", "behaviour = \"tank\"", ":11: group[0].behaviour: unknown 'tank'"},
      {"count = 3", "count = -3", ":12: group[0].count: -3 is outside"},
      {"window_s = 20", "window_s = \"long\"", ":7: report.window_s: expected a number"},
      {"seed = 3", "seed = 3\nspeed = 4", ":2: speed: unknown key"},
      {"start = \"2025-09-23T08:00:00Z\"\n", "", "start: missing"},
      {"centre = [48.0, 37.0]", "centre = [48.0]",
       ":13: group[0].centre: expected [lat_deg, lon_deg]"},
      {"displacement_m = [500, 2000]", "displacement_m = [2000, 500]",
       "group[0].displacement_m: expected 0 < min <= max"},
      {"elements = \"testdata/starlink/starlink_20250923.tle\"", "shells = \"oneweb\"",
       "constellation.shells:"},
      {"[report]", "[report", ":6: "},
      {"testdata/starlink/starlink_20250923.tle", "testdata/starlink/missing.tle",
       "constellation.elements: no such file: "},
  };
  for (const Case& c : cases) {
    std::string text = kSmall;
    size_t at = text.find(c.from);
    ASSERT_NE(at, std::string::npos) << c.from;
    text.replace(at, c.from.size(), c.to);
    absl::StatusOr<Scenario> s = Load(text);
    ASSERT_FALSE(s.ok()) << c.to;
    EXPECT_NE(s.status().message().find("scenario.toml"), std::string::npos) << s.status();
    EXPECT_NE(s.status().message().find(c.expected), std::string::npos) << s.status();
  }
}

std::vector<std::string> Telemetry(const Scenario& s, std::vector<TruthRecord>* truth = nullptr) {
  std::vector<std::string> lines;
  Simulate(s, [&](const verify::Report& r, const TruthRecord& t) {
    lines.push_back(verify::ReportJson(r));
    if (truth) truth->push_back(t);
  });
  return lines;
}

TEST(Scenario, SameSeedSameTelemetryAndGroupsBehaveAsSpecified) {
  absl::StatusOr<Scenario> s = Load(kSmall);
  ASSERT_TRUE(s.ok()) << s.status();
  std::vector<TruthRecord> truth;
  std::vector<std::string> first = Telemetry(*s, &truth);
  EXPECT_EQ(Telemetry(*s), first);
  Scenario other = *s;
  other.seed = 4;
  EXPECT_NE(Telemetry(other), first);

  ASSERT_FALSE(truth.empty());
  std::map<std::string, std::set<int>> kits;
  for (size_t i = 0; i < truth.size(); ++i) {
    const TruthRecord& t = truth[i];
    if (i > 0) {
      EXPECT_LE(truth[i - 1].time, t.time);  // emitted in time order
    }
    if (t.behaviour == Behaviour::kA1) {
      EXPECT_GE(t.displacement_m, 500.0);
      EXPECT_LE(t.displacement_m, 2000.0);
      EXPECT_GT(t.lambda_all, 0.0);
    } else {
      EXPECT_EQ(t.displacement_m, 0.0);
      EXPECT_EQ(t.lambda_all, 0.0);
    }
    kits[t.terminal].insert(t.kit);
  }
  EXPECT_EQ(kits["twins-0001"], (std::set<int>{0, 1}));
  // The claim of a liar is displaced by the stated distance from the truth.
  ReadResult<verify::Report> reports = verify::ReadTelemetry(
      [&] {
        std::string all;
        for (const std::string& l : first) all += l + "\n";
        return all;
      }(),
      "sim");
  ASSERT_EQ(reports.records.size(), truth.size());
  for (size_t i = 0; i < truth.size(); ++i) {
    double d =
        geo::GeodesicInverse(reports.records[i].claimed.position, truth[i].position).distance_m;
    EXPECT_NEAR(d, truth[i].displacement_m, 1e-3) << truth[i].terminal;
  }
}

}  // namespace
}  // namespace satfence::sim
