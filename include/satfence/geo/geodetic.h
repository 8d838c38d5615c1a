// WGS-84 geodetic coordinates and their conversion to and from ECEF, through GeographicLib.
//
//   Geodetic kyiv{.lat_deg = 50.45, .lon_deg = 30.52, .height_m = 180.0};
//   Vec3 kyiv_ecef_m = GeodeticToEcef(kyiv);
//   Geodetic back = EcefToGeodetic(kyiv_ecef_m);   // equal to ~1e-9 m
//
// ECEF is the WGS-84 Earth-centred, Earth-fixed frame in metres (z to the north pole,
// x through latitude 0, longitude 0). Heights are above the ellipsoid. Conversions use
// GeographicLib::Geocentric (Karney, arXiv:1102.1215), accurate to a few nanometres for
// any point within the solar system. Thread-safe.
#ifndef SATFENCE_GEO_GEODETIC_H_
#define SATFENCE_GEO_GEODETIC_H_

#include <string>

#include "absl/status/status.h"
#include "satfence/geo/vec3.h"

namespace satfence::geo {

// WGS-84 defining parameters (NIMA TR8350.2).
inline constexpr double kWgs84EquatorialRadius_m = 6378137.0;
inline constexpr double kWgs84Flattening = 1.0 / 298.257223563;

struct Geodetic {
  double lat_deg = 0.0;   // [-90, 90]
  double lon_deg = 0.0;   // any; results are reduced to [-180, 180)
  double height_m = 0.0;  // above the WGS-84 ellipsoid
};

// OK when latitude is in [-90, 90], longitude in [-540, 540] and all parts are finite;
// otherwise an InvalidArgument naming the part. Call on every position read from input.
absl::Status ValidateGeodetic(const Geodetic& p);

Vec3 GeodeticToEcef(const Geodetic& p);
Geodetic EcefToGeodetic(Vec3 ecef_m);

// Longitude reduced to [-180, 180).
double NormalizeLongitude_deg(double lon_deg);

}  // namespace satfence::geo

#endif  // SATFENCE_GEO_GEODETIC_H_
