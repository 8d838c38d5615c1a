// The measurement model's derivatives against central finite differences, and the
// closed-form offsets against the normal equations.
#include "satfence/verify/model.h"

#include <gtest/gtest.h>

#include <chrono>

#include "satfence/geo/geodetic.h"
#include "satfence/geo/local_frame.h"

namespace satfence::verify {
namespace {

using geo::Vec3;

UtcTime T0() { return UtcTime{std::chrono::seconds(1'758'600'000)}; }

// A terminal near Kyiv, two satellites 550 km up passing north-east and west of it, and
// a beam that the terminal sits just outside of (so the one-sided rows are active).
Report TwoSatelliteReport(bool moving) {
  Report r;
  r.terminal = "T";
  r.time = T0();
  r.claimed.position = {50.45, 30.52, 180.0};
  if (moving) r.claimed.vel_enu_mps = Vec3{20.0, -5.0, 0.5};
  geo::LocalFrame frame(r.claimed.position);
  const Vec3 sats_enu[] = {{300e3, 400e3, 550e3}, {-450e3, 100e3, 560e3}};
  const Vec3 vels_enu[] = {{-2000.0, 7000.0, 10.0}, {1500.0, -7200.0, -5.0}};
  for (int s = 0; s < 2; ++s) {
    for (int k = 0; k < 5; ++k) {
      Measurement m;
      m.time = T0() + std::chrono::seconds(3 * k - 6);
      m.sat = std::to_string(44714 + s);
      m.has_sat_state = true;
      double dt = 3.0 * k - 6.0;
      m.sat_pos_ecef_m = frame.EnuToEcef_m(sats_enu[s] + dt * vels_enu[s]);
      m.sat_vel_ecef_mps = frame.RotateEnuToEcef(vels_enu[s]);
      Vec3 los = frame.origin_ecef_m() - m.sat_pos_ecef_m;
      double rho = geo::Norm(los);
      for (Kind kind : {Kind::kRange, Kind::kRangeRate, Kind::kAoa, Kind::kRangeBound}) {
        Measurement x = m;
        x.kind = kind;
        x.value = kind == Kind::kRange ? rho + 120.0 + 7.0 * k
                  : kind == Kind::kRangeRate
                      ? geo::Dot((1.0 / rho) * los, -1.0 * m.sat_vel_ecef_mps) + 1.0 + 0.1 * k
                      : rho - 500.0;  // a violated bound
        x.sigma = kind == Kind::kAoa ? 0.003 : kind == Kind::kRangeRate ? 0.5 : 30.0;
        Vec3 u = (1.0 / rho) * los + Vec3{0.002 * s, -0.001 * k, 0.0015};
        x.direction_ecef = (1.0 / geo::Norm(u)) * u;
        r.measurements.push_back(x);
      }
    }
  }
  Measurement beam;
  beam.kind = Kind::kBeam;
  beam.time = T0();
  beam.beam_centre = {50.60, 30.40, 0.0};  // ~18 km away
  beam.beam_radius_m = 12'000.0;
  beam.sigma = 600.0;
  r.measurements.push_back(beam);
  return r;
}

class ModelDerivatives : public ::testing::TestWithParam<bool> {};

TEST_P(ModelDerivatives, GradientAndInformationMatchFiniteDifferences) {
  const bool moving = GetParam();
  Report report = TwoSatelliteReport(moving);
  // With a drifting oscillator (prior sigma 0.02 m/s per s): every column is exercised.
  Model model(report, KindSet::All(), moving, 0.0, 0.02);
  ASSERT_EQ(model.num_params(), (moving ? 6 : 3) + 3);  // range offset, rate offset and drift
  ParamVector x = model.Pack(ClaimedState(report.claimed));
  x(model.range_offset_index()) = 80.0;
  x(model.rate_offset_index()) = 2.5;
  x(model.rate_drift_index()) = 0.03;
  x(0) += 1500.0;  // off the claim, so every kind has a non-zero residual
  x(2) -= 700.0;

  ParamMatrix info;
  ParamVector gradient;
  model.Evaluate(x, &info, &gradient);
  // chi2 = sum r^2 with r = (measured - predicted)/sigma, so d chi2/dx = -2 J^T r.
  for (int i = 0; i < model.num_params(); ++i) {
    double h = i < 3 ? 0.01 : i < (moving ? 6 : 3) ? 1e-4 : 1e-3;
    ParamVector up = x, down = x;
    up(i) += h;
    down(i) -= h;
    double numeric =
        (model.Evaluate(up, nullptr, nullptr) - model.Evaluate(down, nullptr, nullptr)) / (2.0 * h);
    EXPECT_NEAR(-2.0 * gradient(i), numeric, 1e-6 * std::max(1.0, std::abs(numeric)))
        << "parameter " << i;
  }
  // Gauss-Newton information: for a residual that is linear in the offsets, d2 chi2/db2 = 2
  // n/sigma^2.
  ParamVector up = x, down = x;
  const int b = model.range_offset_index();
  up(b) += 1.0;
  down(b) -= 1.0;
  double second = model.Evaluate(up, nullptr, nullptr) - 2.0 * model.Evaluate(x, nullptr, nullptr) +
                  model.Evaluate(down, nullptr, nullptr);
  EXPECT_NEAR(2.0 * info(b, b), second, 1e-9 * second);
}

INSTANTIATE_TEST_SUITE_P(StaticAndMoving, ModelDerivatives, ::testing::Values(false, true));

TEST(Model, ProfiledOffsetsZeroTheirGradient) {
  Report report = TwoSatelliteReport(false);
  Model model(report, KindSet::All(), false, 0.0, 0.02);
  ParamVector x = model.Pack(ClaimedState(report.claimed));
  model.ProfileOffsets(x);
  ParamMatrix info;
  ParamVector gradient;
  model.Evaluate(x, &info, &gradient);
  EXPECT_NEAR(gradient(model.range_offset_index()), 0.0, 1e-9);
  EXPECT_NEAR(gradient(model.rate_offset_index()), 0.0, 1e-9);
  EXPECT_NEAR(gradient(model.rate_drift_index()), 0.0, 1e-9);
}

TEST(Model, OneSidedRowsCountOnlyWhenViolated) {
  Report report = TwoSatelliteReport(false);
  for (Measurement& m : report.measurements) {
    if (m.kind == Kind::kRangeBound) m.value += 1000.0;  // now 500 m above the true range
    if (m.kind == Kind::kBeam) m.beam_radius_m = 30'000.0;
  }
  Model model(report, KindSet::Physical(), false);
  ParamVector claim = model.Pack(ClaimedState(report.claimed));
  EXPECT_EQ(model.MaxViolation(claim), 0.0);
  Model bounds_only(
      report,
      [] {
        KindSet k;
        k.Add(Kind::kRangeBound);
        k.Add(Kind::kBeam);
        return k;
      }(),
      false);
  EXPECT_EQ(bounds_only.Evaluate(bounds_only.Pack(ClaimedState(report.claimed)), nullptr, nullptr),
            0.0);
  EXPECT_EQ(bounds_only.equality_residuals(), 0);
  EXPECT_EQ(bounds_only.inequality_count(), 11);
}

// A model filtered from another (sharing its epochs or copying them) is the model built from
// the report with those kinds: the same counts, and bit for bit the same chi2, information
// and gradient, static and moving.
TEST(Model, FilteredModelsAreTheModelsOfTheirKinds) {
  KindSet rates_and_bounds, ranges_only, no_aoa;
  rates_and_bounds.Add(Kind::kRangeRate);
  rates_and_bounds.Add(Kind::kRangeBound);
  ranges_only.Add(Kind::kRange);
  for (Kind k : {Kind::kRange, Kind::kRangeRate, Kind::kRangeBound, Kind::kBeam}) no_aoa.Add(k);
  for (int variant = 0; variant < 4; ++variant) {
    const bool moving = variant % 2 == 1;
    Report report = TwoSatelliteReport(moving);
    if (variant >= 2) {
      // One epoch without its angle of arrival: the unforgeable kinds drop that epoch, so
      // their model copies the others instead of sharing them.
      for (auto it = report.measurements.begin(); it != report.measurements.end(); ++it) {
        if (it->kind == Kind::kAoa) {
          report.measurements.erase(it);
          break;
        }
      }
    }
    const Model all(report, KindSet::All(), moving);
    for (KindSet kinds : {KindSet::Physical(), rates_and_bounds, ranges_only, no_aoa}) {
      SCOPED_TRACE(::testing::Message() << "variant " << variant << ", kinds "
                                        << ::testing::PrintToString(kinds.Names()));
      const Model filtered(all, kinds);
      const Model direct(report, kinds, moving);
      ASSERT_EQ(filtered.num_params(), direct.num_params());
      EXPECT_EQ(filtered.kinds().Names(), direct.kinds().Names());
      EXPECT_EQ(filtered.equality_residuals(), direct.equality_residuals());
      EXPECT_EQ(filtered.inequality_count(), direct.inequality_count());
      EXPECT_EQ(filtered.MeasurementStarts().size(), direct.MeasurementStarts().size());
      ParamVector x = direct.Pack(ClaimedState(report.claimed));
      x(0) += 900.0;
      x(1) -= 400.0;
      ParamVector x_filtered = x, x_direct = x;
      filtered.ProfileOffsets(x_filtered);
      direct.ProfileOffsets(x_direct);
      EXPECT_EQ(x_filtered, x_direct);
      ParamMatrix info_filtered, info_direct;
      ParamVector gradient_filtered, gradient_direct;
      EXPECT_EQ(filtered.Evaluate(x_direct, &info_filtered, &gradient_filtered),
                direct.Evaluate(x_direct, &info_direct, &gradient_direct));
      EXPECT_EQ(info_filtered, info_direct);
      EXPECT_EQ(gradient_filtered, gradient_direct);
    }
  }
}

TEST(Model, InformationRankIsScaleFree) {
  ParamMatrix info(3, 3);
  info << 1e12, 0, 0, 0, 1e-6, 0, 0, 0, 4.0;
  EXPECT_EQ(InformationRank(info), 3);
  info(1, 1) = 0.0;
  EXPECT_EQ(InformationRank(info), 2);
  ParamMatrix collinear(2, 2);
  collinear << 4.0, 2.0, 2.0, 1.0;
  EXPECT_EQ(InformationRank(collinear), 1);
}

}  // namespace
}  // namespace satfence::verify
