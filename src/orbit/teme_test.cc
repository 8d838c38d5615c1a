#include "satfence/orbit/teme.h"

#include <gtest/gtest.h>

#include <cmath>

namespace satfence::orbit {
namespace {

// GMST (IAU 1982) in SLALIB's arrangement (P. T. Wallace, sla_GMST): the whole UT1 day is
// the polynomial's argument and the fraction of a day is added separately. An independent
// formulation of the same standard. Vallado's arrangement multiplies T (up to ~0.6) by
// 3.16e9 s, whose ulp is ~2.4e-7 s = 1.7e-11 rad, so the two agree to a few 1e-11 rad.
double SlalibGmst_rad(double mjd_ut1) {
  constexpr double kS2r = 7.272205216643039903848711535369e-5;  // 2 pi / 86400
  const double tu = (mjd_ut1 - 51544.5) / 36525.0;
  const double frac = mjd_ut1 - std::floor(mjd_ut1);
  double g =
      std::fmod(frac * 2.0 * M_PI +
                    (24110.54841 + (8640184.812866 + (0.093104 - 6.2e-6 * tu) * tu) * tu) * kS2r,
                2.0 * M_PI);
  return g < 0 ? g + 2.0 * M_PI : g;
}

TEST(Teme, GmstAgreesWithSlalibsFormulation) {
  for (const char* s : {"1992-08-20T12:14:00Z", "2000-01-01T12:00:00Z", "2025-09-23T16:31:12Z",
                        "1957-10-04T19:28:34Z", "2056-12-31T23:59:59.999999Z"}) {
    const UtcTime t = *ParseRfc3339(s);
    const double mjd = ToJulianDate(t).day - 2400000.5 + ToJulianDate(t).fraction;
    EXPECT_NEAR(GmstIau82_rad(t), SlalibGmst_rad(mjd), 6e-11) << s;
  }
  // Vallado, Fundamentals of Astrodynamics and Applications, Example 3-5:
  // 1992 August 20, 12:14 UT1 -> GMST 152.578787810 deg.
  EXPECT_NEAR(GmstIau82_rad(*ParseRfc3339("1992-08-20T12:14:00Z")) * 180.0 / M_PI, 152.578787810,
              1e-6);
}

TEST(Teme, RotationKeepsLengthsAndZ) {
  const TemeState teme{{-7154.03120202, -3783.17682504, -3536.19412294},
                       {4.741887409, -4.151817765, -2.093935425}};
  const EcefState e = TemeToEcef(teme, *ParseRfc3339("2000-06-28T00:50:19.733571Z"));
  EXPECT_NEAR(Norm(e.position_km), Norm(teme.position_km), 1e-9);
  EXPECT_DOUBLE_EQ(e.position_km.z, teme.position_km.z);
  EXPECT_DOUBLE_EQ(e.velocity_km_s.z, teme.velocity_km_s.z);
}

TEST(Teme, EcefVelocityIsTheRateOfEcefPosition) {
  // Along an SGP4 trajectory, give the transform the TEME velocity that is the central
  // difference of TEME positions (SGP4's analytic velocity differs from that derivative
  // by ~1e-5 km/s), and compare with the central difference of ECEF positions.
  ElementSet iss;
  iss.catalog_number = 25544;
  iss.epoch = *ParseRfc3339("2025-09-23T12:00:00Z");
  iss.mean_motion_rev_per_day = 15.5;
  iss.eccentricity = 0.0004;
  iss.inclination_deg = 51.64;
  iss.raan_deg = 200.0;
  iss.arg_perigee_deg = 80.0;
  iss.mean_anomaly_deg = 10.0;
  const Sgp4 sat = *Sgp4::Create(iss);
  const UtcTime t0 = AddMinutes(iss.epoch, 30.0);
  const auto h = std::chrono::milliseconds(500);  // the differences span 1 s
  auto teme = [&](UtcTime t) { return sat.PropagateTo(t).state.position_km; };
  auto ecef = [&](UtcTime t) { return TemeToEcef(sat.PropagateTo(t).state, t).position_km; };
  const geo::Vec3 teme_rate_km_s = teme(t0 + h) - teme(t0 - h);
  const geo::Vec3 ecef_rate_km_s = ecef(t0 + h) - ecef(t0 - h);
  const EcefState mid = TemeToEcef({teme(t0), teme_rate_km_s}, t0);
  // Central-difference truncation: |r'''| h^2 / 6 ~ 1e-5 km/s^3 * 0.25 s^2 / 6 ~ 4e-7 km/s.
  EXPECT_NEAR(ecef_rate_km_s.x, mid.velocity_km_s.x, 1e-6);
  EXPECT_NEAR(ecef_rate_km_s.y, mid.velocity_km_s.y, 1e-6);
  EXPECT_NEAR(ecef_rate_km_s.z, mid.velocity_km_s.z, 1e-6);
}

}  // namespace
}  // namespace satfence::orbit
