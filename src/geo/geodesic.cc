#include "satfence/geo/geodesic.h"

#include <GeographicLib/Geodesic.hpp>

namespace satfence::geo {

GeodesicInverseResult GeodesicInverse(const Geodetic& from, const Geodetic& to) {
  GeodesicInverseResult r{};
  GeographicLib::Geodesic::WGS84().Inverse(from.lat_deg, from.lon_deg, to.lat_deg, to.lon_deg,
                                           r.distance_m, r.start_azimuth_deg, r.end_azimuth_deg);
  return r;
}

Geodetic GeodesicDirect(const Geodetic& from, double azimuth_deg, double distance_m) {
  Geodetic p{.height_m = from.height_m};
  GeographicLib::Geodesic::WGS84().Direct(from.lat_deg, from.lon_deg, azimuth_deg, distance_m,
                                          p.lat_deg, p.lon_deg);
  return p;
}

}  // namespace satfence::geo
