// SGP4/SDP4 against Vallado's published verification output (AIAA 2006-6753):
// every element set of SGP4-VER.TLE, every time of tcppver.out, WGS-72, improved mode.
// The data are in testdata/sgp4 (testdata/README.md gives their source and format).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "satfence/orbit/sgp4.h"
#include "satfence/orbit/tle.h"

namespace satfence::orbit {
namespace {

const std::string kDir = std::string(SATFENCE_TESTDATA_DIR) + "/sgp4/";

struct RefLine {
  double tsince_min;
  double r[3];
  double v[3];
};
struct RefBlock {
  std::uint32_t catalog_number;
  std::vector<RefLine> lines;
};

std::vector<RefBlock> ReadTcppver() {
  std::ifstream in(kDir + "tcppver.out");
  EXPECT_TRUE(in) << "missing " << kDir << "tcppver.out";
  std::vector<RefBlock> blocks;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream s(line);
    if (line.find("xx") != std::string::npos) {
      RefBlock b{};
      s >> b.catalog_number;
      blocks.push_back(b);
      continue;
    }
    RefLine r{};
    s >> r.tsince_min >> r.r[0] >> r.r[1] >> r.r[2] >> r.v[0] >> r.v[1] >> r.v[2];
    if (s && !blocks.empty()) blocks.back().lines.push_back(r);
  }
  return blocks;
}

// Where the reference run stops, and with which code (testdata/sgp4/README.md).
struct Failure {
  Sgp4Error code;
  double tsince_min;
};
const std::map<std::pair<std::uint32_t, int>, Failure> kFailures = {
    {{22312, 0}, {Sgp4Error::kMeanEccentricity, 494.2}},
    {{28350, 0}, {Sgp4Error::kMeanEccentricity, 1560.0}},
    {{28872, 0}, {Sgp4Error::kDecayed, 55.0}},
    {{29141, 0}, {Sgp4Error::kDecayed, 440.0}},
    {{33333, 0}, {Sgp4Error::kSemiLatusRectum, 25.0}},
    {{33334, 0}, {Sgp4Error::kPerturbedEccentricity, 0.0}},
    {{20413, 1}, {Sgp4Error::kDecayed, 1844345.0}},
};

TEST(Sgp4, ReproducesValladoVerificationOutput) {
  // The made-up cases 33333-33335 carry wrong checksums on purpose.
  const ReadResult<ElementSet> tle =
      ReadTleFile(kDir + "SGP4-VER.TLE", {.checksum = ChecksumPolicy::kIgnore});
  ASSERT_TRUE(tle.errors.empty()) << tle.errors.front().ToString();
  const std::vector<RefBlock> ref = ReadTcppver();
  ASSERT_EQ(tle.records.size(), 33u);
  ASSERT_EQ(ref.size(), tle.records.size());

  double worst_r_km = 0.0, worst_v_km_s = 0.0;
  int compared = 0;
  std::map<std::uint32_t, int> seen;
  for (size_t i = 0; i < ref.size(); ++i) {
    const ElementSet& e = tle.records[i];
    ASSERT_EQ(e.catalog_number, ref[i].catalog_number);
    const int occurrence = seen[e.catalog_number]++;
    const absl::StatusOr<Sgp4> sat = Sgp4::Create(e);
    ASSERT_TRUE(sat.ok()) << sat.status();
    const auto failure = kFailures.find({e.catalog_number, occurrence});

    for (size_t k = 0; k < ref[i].lines.size(); ++k) {
      const RefLine& want = ref[i].lines[k];
      // 33334 fails at t = 0; the driver's first line there repeats 33333's last state.
      if (failure != kFailures.end() && failure->second.tsince_min == 0.0 && k == 0) continue;
      const Sgp4Result got = sat->Propagate(want.tsince_min);
      ASSERT_EQ(got.error, Sgp4Error::kNone)
          << e.catalog_number << " at " << want.tsince_min << ": " << Sgp4ErrorName(got.error);
      const double pos[3] = {got.state.position_km.x, got.state.position_km.y,
                             got.state.position_km.z};
      const double vel[3] = {got.state.velocity_km_s.x, got.state.velocity_km_s.y,
                             got.state.velocity_km_s.z};
      for (int j = 0; j < 3; ++j) {
        EXPECT_NEAR(pos[j], want.r[j], 1e-6) << e.catalog_number << " t=" << want.tsince_min;
        EXPECT_NEAR(vel[j], want.v[j], 1e-9) << e.catalog_number << " t=" << want.tsince_min;
        worst_r_km = std::max(worst_r_km, std::abs(pos[j] - want.r[j]));
        worst_v_km_s = std::max(worst_v_km_s, std::abs(vel[j] - want.v[j]));
      }
      ++compared;
    }
    if (failure != kFailures.end()) {
      const Sgp4Result got = sat->Propagate(failure->second.tsince_min);
      EXPECT_EQ(got.error, failure->second.code)
          << e.catalog_number << " at " << failure->second.tsince_min;
    }
  }
  // 667 state lines, less 33334's artefact line.
  EXPECT_EQ(compared, 666);
  RecordProperty("worst_position_km", std::to_string(worst_r_km));
  std::printf("compared %d states; worst |dr| %.3g km, worst |dv| %.3g km/s\n", compared,
              worst_r_km, worst_v_km_s);
}

TEST(Sgp4, ErrorsDoNotDependOnCallOrder) {
  // Deep-space resonance restarts from epoch: asking late then early gives the same answer.
  const ReadResult<ElementSet> tle =
      ReadTleFile(kDir + "SGP4-VER.TLE", {.checksum = ChecksumPolicy::kIgnore});
  ASSERT_FALSE(tle.records.empty());
  for (const ElementSet& e : tle.records) {
    const Sgp4 sat = *Sgp4::Create(e);
    const Sgp4Result late = sat.Propagate(2880.0);
    const Sgp4Result early = sat.Propagate(-1440.0);
    const Sgp4Result late_again = sat.Propagate(2880.0);
    EXPECT_EQ(late.error, late_again.error);
    EXPECT_EQ(late.state.position_km, late_again.state.position_km) << e.catalog_number;
    (void)early;
  }
}

}  // namespace
}  // namespace satfence::orbit
