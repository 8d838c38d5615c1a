// A local East-North-Up frame at a point on the WGS-84 ellipsoid, and look angles from it.
//
//   LocalFrame site(Geodetic{.lat_deg = 50.45, .lon_deg = 30.52});
//   LookAngles look = site.Look(sat_ecef_m);   // azimuth, elevation, slant range
//   if (look.elevation_deg >= 25.0) { ... }
//
// Up is the ellipsoid normal (geodetic vertical); azimuth is measured clockwise from
// north in [0, 360). The rotation comes from GeographicLib::Geocentric. Immutable and
// thread-safe once built.
#ifndef SATFENCE_GEO_LOCAL_FRAME_H_
#define SATFENCE_GEO_LOCAL_FRAME_H_

#include <array>

#include "satfence/geo/geodetic.h"
#include "satfence/geo/vec3.h"

namespace satfence::geo {

struct LookAngles {
  double azimuth_deg;    // [0, 360), clockwise from north
  double elevation_deg;  // [-90, 90], above the local horizontal plane
  double range_m;        // straight-line distance
};

class LocalFrame {
 public:
  explicit LocalFrame(const Geodetic& origin);

  const Geodetic& origin() const { return origin_; }
  Vec3 origin_ecef_m() const { return origin_ecef_m_; }

  // Position of an ECEF point in this frame (east, north, up), metres.
  Vec3 EcefToEnu_m(Vec3 ecef_m) const;
  Vec3 EnuToEcef_m(Vec3 enu_m) const;
  // Rotation only, for directions and velocities (any unit in, same unit out).
  Vec3 RotateEcefToEnu(Vec3 ecef) const;
  Vec3 RotateEnuToEcef(Vec3 enu) const;

  LookAngles Look(Vec3 target_ecef_m) const;

 private:
  Geodetic origin_;
  Vec3 origin_ecef_m_;
  std::array<double, 9> enu_to_ecef_;  // row-major; columns are east, north, up in ECEF
};

}  // namespace satfence::geo

#endif  // SATFENCE_GEO_LOCAL_FRAME_H_
