#include "satfence/orbit/visibility.h"

#include <gtest/gtest.h>

#include <random>
#include <set>

#include "satfence/orbit/passes.h"
#include "satfence/orbit/tle.h"

namespace satfence::orbit {
namespace {

const std::string kSnapshot =
    std::string(SATFENCE_TESTDATA_DIR) + "/starlink/starlink_20250923.tle";
const UtcTime kTime = *ParseRfc3339("2025-09-23T12:00:00Z");

std::set<std::uint32_t> Ids(const std::vector<VisibleSatellite>& v) {
  std::set<std::uint32_t> s;
  for (const VisibleSatellite& x : v) s.insert(x.index);
  return s;
}

void ExpectIndexEqualsBruteForce(const VisibilityIndex& index, unsigned seed, int n) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-1.0, 1.0), lon(-180.0, 180.0), h(-400.0, 12000.0);
  std::vector<geo::Geodetic> points = {{90, 0, 0},        {-90, 0, 0},        {0, 180, 0},
                                       {0, -180, 0},      {89.9, 179.9, 0},   {-16.5, 179.99, 0},
                                       {66.0, -179.5, 0}, {50.45, 30.52, 180}};
  for (int i = 0; i < n; ++i) {
    points.push_back({std::asin(u(rng)) * 180.0 / M_PI, lon(rng), h(rng)});  // uniform on sphere
  }
  size_t seen = 0;
  for (const geo::Geodetic& p : points) {
    const auto fast = index.Visible(p);
    const auto slow = index.VisibleBruteForce(p);
    ASSERT_EQ(Ids(fast), Ids(slow)) << "seed " << seed << " at " << p.lat_deg << ", " << p.lon_deg;
    seen += fast.size();
  }
  EXPECT_GT(seen, points.size());  // the test saw satellites, not only empty skies
}

TEST(VisibilityIndex, SameSatellitesAsAllPairsOnTheRealSnapshot) {
  const Constellation c = Constellation::FromElements(ReadTleFile(kSnapshot).records);
  for (double mask : {0.0, 25.0, 40.0}) {
    ExpectIndexEqualsBruteForce(VisibilityIndex(c.EcefStatesAt(kTime), mask), 20261124, 600);
  }
}

TEST(VisibilityIndex, SameSatellitesAsAllPairsOnTheGen1Shells) {
  const Constellation c = Constellation::FromShells(StarlinkGen1Shells(), kTime);
  ExpectIndexEqualsBruteForce(VisibilityIndex(c.EcefStatesAt(AddMinutes(kTime, 33)), 25.0), 7,
                              1000);
}

TEST(VisibilityIndex, EmptyAndSingleSatellite) {
  EXPECT_TRUE(VisibilityIndex({}, 25.0).Visible({0, 0, 0}).empty());
  const SatelliteState overhead{1, {{6378.137 + 550.0, 0, 0}, {0, 7.6, 0}}};
  const VisibilityIndex one({overhead}, 25.0);
  ASSERT_EQ(one.Visible({0, 0, 0}).size(), 1u);
  EXPECT_NEAR(one.Visible({0, 0, 0})[0].look.elevation_deg, 90.0, 1e-9);
  EXPECT_TRUE(one.Visible({0, 180, 0}).empty());
}

TEST(Passes, MatchDenseSamplingOverADay) {
  const ReadResult<ElementSet> cat = ReadTleFile(kSnapshot);
  const geo::Geodetic kyiv{50.45, 30.52, 180.0};
  const UtcTime start = kTime, end = AddMinutes(kTime, 1440.0);
  int checked = 0;
  for (size_t k = 0; k < cat.records.size(); k += 997) {
    const Sgp4 sat = *Sgp4::Create(cat.records[k]);
    const std::vector<Pass> passes =
        PredictPasses(sat, kyiv, start, end, {.min_elevation_deg = 25});
    // Reference: elevation every second; intervals above the mask.
    const geo::LocalFrame frame(kyiv);
    std::vector<std::pair<UtcTime, UtcTime>> truth;
    std::vector<double> peak;
    bool up = false;
    for (UtcTime t = start; t <= end; t += std::chrono::seconds(1)) {
      const Sgp4Result r = sat.PropagateTo(t);
      const double el = frame.Look(1000.0 * TemeToEcef(r.state, t).position_km).elevation_deg;
      if (el >= 25.0 && !up) {
        truth.push_back({t, t});
        peak.push_back(el);
      }
      if (el >= 25.0) {
        truth.back().second = t;
        peak.back() = std::max(peak.back(), el);
      }
      up = el >= 25.0;
    }
    ASSERT_EQ(passes.size(), truth.size()) << cat.records[k].catalog_number;
    for (size_t i = 0; i < passes.size(); ++i) {
      EXPECT_LE(std::chrono::abs(passes[i].rise - truth[i].first), std::chrono::seconds(1));
      EXPECT_LE(std::chrono::abs(passes[i].set - truth[i].second), std::chrono::seconds(1));
      EXPECT_GE(passes[i].max_elevation_deg, peak[i] - 1e-6);
      EXPECT_LT(passes[i].rise, passes[i].culmination);
      EXPECT_LT(passes[i].culmination, passes[i].set);
      ++checked;
    }
  }
  EXPECT_GT(checked, 5);
}

}  // namespace
}  // namespace satfence::orbit
