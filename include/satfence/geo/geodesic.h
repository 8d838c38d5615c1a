// Geodesics on the WGS-84 ellipsoid, through GeographicLib::Geodesic (Karney, "Algorithms
// for geodesics", J. Geodesy 87, 43-55, 2013): accurate to about 15 nm for any pair of
// points, antipodal ones included. Thread-safe.
//
//   GeodesicInverseResult r = GeodesicInverse({40.64, -73.78}, {1.36, 103.99});
//   r.distance_m;          // 15347628 (JFK to Singapore)
//   Geodetic p = GeodesicDirect({50.45, 30.52}, /*azimuth_deg=*/90.0, /*distance_m=*/1e4);
#ifndef SATFENCE_GEO_GEODESIC_H_
#define SATFENCE_GEO_GEODESIC_H_

#include "satfence/geo/geodetic.h"

namespace satfence::geo {

struct GeodesicInverseResult {
  double distance_m;         // along the ellipsoid surface; heights are ignored
  double start_azimuth_deg;  // forward azimuth at the first point, (-180, 180]
  double end_azimuth_deg;    // forward azimuth at the second point, (-180, 180]
};

GeodesicInverseResult GeodesicInverse(const Geodetic& from, const Geodetic& to);

// The point `distance_m` from `from` along the geodesic leaving at `azimuth_deg`
// (clockwise from north). The result's height is `from`'s height.
Geodetic GeodesicDirect(const Geodetic& from, double azimuth_deg, double distance_m);

}  // namespace satfence::geo

#endif  // SATFENCE_GEO_GEODESIC_H_
