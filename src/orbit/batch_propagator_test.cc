#include "satfence/orbit/batch_propagator.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "hwy/targets.h"
#include "satfence/orbit/constellation.h"
#include "satfence/orbit/tle.h"

namespace satfence::orbit {
namespace {

const std::string kData = std::string(SATFENCE_TESTDATA_DIR);

std::vector<Sgp4> Models(const std::vector<ElementSet>& e) {
  return Constellation::ModelsFromElements(e).records;
}

// Every satellite, every time: same error code as the scalar path, and within 1 mm and
// 1e-9 km/s where both succeed.
void ExpectMatchesScalar(const std::vector<Sgp4>& sats, const std::vector<double>& minutes,
                         int* compared) {
  const BatchPropagator batch(sats);
  BatchStates out;
  double worst_m = 0.0;
  for (double t : minutes) {
    batch.PropagateMinutes(t, out);
    for (size_t i = 0; i < sats.size(); ++i) {
      const Sgp4Result r = sats[i].Propagate(t);
      ASSERT_EQ(out.error[i], r.error) << sats[i].catalog_number() << " at " << t;
      if (r.error != Sgp4Error::kNone) continue;
      const geo::Vec3 dp = geo::Vec3{out.x_km[i], out.y_km[i], out.z_km[i]} - r.state.position_km;
      const geo::Vec3 dv =
          geo::Vec3{out.vx_km_s[i], out.vy_km_s[i], out.vz_km_s[i]} - r.state.velocity_km_s;
      ASSERT_LE(Norm(dp), 1e-6) << sats[i].catalog_number() << " at " << t;
      ASSERT_LE(Norm(dv), 1e-9) << sats[i].catalog_number() << " at " << t;
      worst_m = std::max(worst_m, Norm(dp) * 1e3);
      ++*compared;
    }
  }
  std::printf("%s: worst batch-scalar position difference %.3g m\n",
              hwy::TargetName(hwy::SupportedAndGeneratedTargets().front()), worst_m);
}

TEST(BatchPropagator, MatchesScalarOnTheStarlinkSnapshotOverThreeDays) {
  const ReadResult<ElementSet> cat = ReadTleFile(kData + "/starlink/starlink_20250923.tle");
  ASSERT_EQ(cat.records.size(), 8325u);
  // Every SIMD target this build has and this CPU runs (AVX-512, AVX2, SSE4, ...), so that
  // a machine without AVX-512 is covered by the same assertions.
  for (const int64_t target : hwy::SupportedAndGeneratedTargets()) {
    SCOPED_TRACE(hwy::TargetName(target));
    hwy::SetSupportedTargetsForTest(target);
    int compared = 0;
    ExpectMatchesScalar(Models(cat.records), {-1440.0, 0.0, 17.5, 720.0, 2000.0, 4320.0},
                        &compared);
    EXPECT_GT(compared, 6 * 8300);
  }
  hwy::SetSupportedTargetsForTest(0);
}

TEST(BatchPropagator, MatchesScalarOnValladosCasesIncludingDeepSpaceAndErrors) {
  const ReadResult<ElementSet> cat =
      ReadTleFile(kData + "/sgp4/SGP4-VER.TLE", {.checksum = ChecksumPolicy::kIgnore});
  ASSERT_EQ(cat.records.size(), 33u);
  for (const int64_t target : hwy::SupportedAndGeneratedTargets()) {
    SCOPED_TRACE(hwy::TargetName(target));
    hwy::SetSupportedTargetsForTest(target);
    int compared = 0;
    ExpectMatchesScalar(Models(cat.records), {0.0, 25.0, 55.0, 440.0, 494.2, 1440.0}, &compared);
    EXPECT_GT(compared, 100);
  }
  hwy::SetSupportedTargetsForTest(0);
}

TEST(BatchPropagator, SixSnapshotSatellitesFailAtThreeDaysAsTheDataReadmeSays) {
  // testdata/starlink/README.md: at 4,320 min, 44954, 46153, 57790, 57948 give code 1 and
  // 58392, 62097 give code 6.
  const ReadResult<ElementSet> cat = ReadTleFile(kData + "/starlink/starlink_20250923.tle");
  const BatchPropagator batch(Models(cat.records));
  BatchStates out;
  batch.PropagateMinutes(4320.0, out);
  std::map<std::uint32_t, int> failures;
  for (size_t i = 0; i < batch.size(); ++i) {
    if (out.error[i] != Sgp4Error::kNone) {
      failures[batch.satellites()[i].catalog_number()] = static_cast<int>(out.error[i]);
    }
  }
  const std::map<std::uint32_t, int> expected = {{44954, 1}, {46153, 1}, {57790, 1},
                                                 {57948, 1}, {58392, 6}, {62097, 6}};
  EXPECT_EQ(failures, expected);
}

TEST(Constellation, StarlinkGen1ShellsAsFiled) {
  const UtcTime epoch = *ParseRfc3339("2026-03-01T00:00:00Z");
  const Constellation gen1 = Constellation::FromShells(StarlinkGen1Shells(), epoch);
  ASSERT_EQ(gen1.size(), 4408u);
  const std::vector<SatelliteState> now = gen1.EcefStatesAt(AddMinutes(epoch, 90.0));
  ASSERT_EQ(now.size(), 4408u);
  // Shell by shell: geocentric radius within 12 km of the filed altitude (J2 short-period
  // terms and the Earth's oblateness in SGP4 move it by a few km), and inclination from
  // the angular momentum within 0.1 deg.
  struct Expect {
    size_t first, count;
    double altitude_km, inclination_deg;
  };
  for (const Expect& e :
       {Expect{0, 1584, 550, 53.0}, Expect{1584, 1584, 540, 53.2}, Expect{3168, 720, 570, 70.0},
        Expect{3888, 348, 560, 97.6}, Expect{4236, 172, 560, 97.6}}) {
    for (size_t i = e.first; i < e.first + e.count; ++i) {
      const TemeState s = gen1.satellites()[i].PropagateTo(AddMinutes(epoch, 90.0)).state;
      EXPECT_NEAR(Norm(now[i].ecef.position_km) - 6378.135, e.altitude_km, 12.0) << i;
      const geo::Vec3 h = Cross(s.position_km, s.velocity_km_s);
      EXPECT_NEAR(std::acos(h.z / Norm(h)) * 180.0 / M_PI, e.inclination_deg, 0.1) << i;
    }
  }
  EXPECT_EQ(gen1.satellites().front().catalog_number(), 900000001u);
}

TEST(Constellation, WalkerPhasingSpacesSatellitesEvenly) {
  const WalkerShell shell{"test", 550.0, 53.0, 4, 3, 1, 0.0};
  const std::vector<ElementSet> e = WalkerElements(shell, UtcTime{}, 1);
  ASSERT_EQ(e.size(), 12u);
  EXPECT_DOUBLE_EQ(e[3].raan_deg, 90.0);                  // plane 2
  EXPECT_DOUBLE_EQ(e[3].mean_anomaly_deg, 360.0 / 12.0);  // shifted f * 360 / t
  EXPECT_DOUBLE_EQ(e[4].mean_anomaly_deg, 120.0 + 30.0);
}

}  // namespace
}  // namespace satfence::orbit
