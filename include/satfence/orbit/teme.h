// TEME -> ECEF for SGP4 output.
//
//   EcefState ecef = TemeToEcef(sgp4_result.state, epoch_plus_tsince);
//
// The rotation is about z by Greenwich mean sidereal time, IAU-82 (Vallado's gstime, the
// convention SGP4 element sets are fitted in), with UT1 = UTC and polar motion ignored.
// Velocity includes the Earth-rotation term -omega x r (omega = 7.292115146706979e-5 rad/s).
// Accuracy against a full IERS reduction: UT1 - UTC (< 0.9 s) moves a LEO satellite's
// ECEF position by up to ~0.4 km along the equator, polar motion by up to ~15 m, and the
// omitted equation of the equinoxes by < 1 m; all far below SGP4's own ~1 km error.
#ifndef SATFENCE_ORBIT_TEME_H_
#define SATFENCE_ORBIT_TEME_H_

#include "satfence/base/utc_time.h"
#include "satfence/geo/vec3.h"
#include "satfence/orbit/sgp4.h"

namespace satfence::orbit {

// Position and velocity in the WGS-84 Earth-fixed frame, kilometres and km/s.
struct EcefState {
  geo::Vec3 position_km;
  geo::Vec3 velocity_km_s;
};

inline constexpr double kEarthRotation_rad_s = 7.292115146706979e-5;

// GMST (IAU-82) in radians, [0, 2 pi), at UT1 = `t`; ~1e-11 rad numerically.
double GmstIau82_rad(UtcTime t);
// The same from a single-double Julian date, as SGP4 uses it internally (~3e-9 rad).
double GmstIau82FromJulianDate_rad(double jd_ut1);

EcefState TemeToEcef(const TemeState& teme, UtcTime t);
// With GMST already computed, for many satellites at one time.
EcefState TemeToEcefAtGmst(const TemeState& teme, double gmst_rad);

}  // namespace satfence::orbit

#endif  // SATFENCE_ORBIT_TEME_H_
