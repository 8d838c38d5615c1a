#include "satfence/orbit/teme.h"

#include <cmath>

namespace satfence::orbit {

namespace {

// Vallado, Fundamentals of Astrodynamics, eq. 3-47 (IAU-82): GMST in seconds of time from
// Julian centuries of UT1 since J2000, reduced to radians in [0, 2 pi).
double GmstFromCenturies_rad(double tut1) {
  constexpr double kTwoPi = 2.0 * M_PI;
  double temp = -6.2e-6 * tut1 * tut1 * tut1 + 0.093104 * tut1 * tut1 +
                (876600.0 * 3600 + 8640184.812866) * tut1 + 67310.54841;
  temp = std::fmod(temp * (M_PI / 180.0) / 240.0, kTwoPi);
  if (temp < 0.0) temp += kTwoPi;
  return temp;
}

}  // namespace

double GmstIau82FromJulianDate_rad(double jd_ut1) {
  return GmstFromCenturies_rad((jd_ut1 - 2451545.0) / 36525.0);
}

double GmstIau82_rad(UtcTime t) {
  // From the split date: a single-double Julian date would cost ~3e-9 rad (2 cm at LEO).
  const JulianDate jd = ToJulianDate(t);
  return GmstFromCenturies_rad(((jd.day - 2451545.0) + jd.fraction) / 36525.0);
}

EcefState TemeToEcefAtGmst(const TemeState& teme, double gmst_rad) {
  const double c = std::cos(gmst_rad);
  const double s = std::sin(gmst_rad);
  const geo::Vec3& r = teme.position_km;
  const geo::Vec3& v = teme.velocity_km_s;
  EcefState out;
  out.position_km = {c * r.x + s * r.y, -s * r.x + c * r.y, r.z};
  const geo::Vec3 v_rot = {c * v.x + s * v.y, -s * v.x + c * v.y, v.z};
  // v_ecef = R v_teme - omega x r_ecef, omega along +z.
  out.velocity_km_s = {v_rot.x + kEarthRotation_rad_s * out.position_km.y,
                       v_rot.y - kEarthRotation_rad_s * out.position_km.x, v_rot.z};
  return out;
}

EcefState TemeToEcef(const TemeState& teme, UtcTime t) {
  return TemeToEcefAtGmst(teme, GmstIau82_rad(t));
}

}  // namespace satfence::orbit
