#include "satfence/geo/geodesic.h"

#include <gtest/gtest.h>

#include <cmath>

namespace satfence::geo {
namespace {

double Dms(double d, double m, double s) { return d + m / 60.0 + s / 3600.0; }

TEST(Geodesic, JfkToSingaporeAsInTheGeodSolveManual) {
  // GeodSolve(1), EXAMPLES: 40:38:23N 073:46:44W 01:21:33N 103:59:22E
  //   -> 003:18:29.9 177:29:09.2 15347628
  const Geodetic jfk{Dms(40, 38, 23), -Dms(73, 46, 44)};
  const Geodetic sin{Dms(1, 21, 33), Dms(103, 59, 22)};
  const GeodesicInverseResult r = GeodesicInverse(jfk, sin);
  EXPECT_NEAR(r.distance_m, 15347628.0, 0.5);
  EXPECT_NEAR(r.start_azimuth_deg, Dms(3, 18, 29.9), 0.05 / 3600.0);
  EXPECT_NEAR(r.end_azimuth_deg, Dms(177, 29, 9.2), 0.05 / 3600.0);
}

TEST(Geodesic, MeridianQuadrantAndEquatorialDegree) {
  // WGS-84 meridian quadrant: 10,001,965.729 m (NIMA TR8350.2 derived constants).
  EXPECT_NEAR(GeodesicInverse({0.0, 17.0}, {90.0, 17.0}).distance_m, 10001965.729, 1e-3);
  // Along the equator a short geodesic is the equator itself: a * pi / 180 per degree.
  const GeodesicInverseResult eq = GeodesicInverse({0.0, 179.5}, {0.0, -179.5});
  EXPECT_NEAR(eq.distance_m, kWgs84EquatorialRadius_m * M_PI / 180.0, 1e-6);
  EXPECT_NEAR(eq.start_azimuth_deg, 90.0, 1e-12);  // eastwards across the antimeridian
}

TEST(Geodesic, DirectInvertsInverse) {
  const Geodetic kyiv{50.45, 30.52, 180.0};
  for (double az : {0.0, 45.0, 90.0, 179.9, -135.0}) {
    const Geodetic p = GeodesicDirect(kyiv, az, 12345.678);
    const GeodesicInverseResult r = GeodesicInverse(kyiv, p);
    EXPECT_NEAR(r.distance_m, 12345.678, 1e-8);
    EXPECT_NEAR(r.start_azimuth_deg, az, 1e-9);
    EXPECT_EQ(p.height_m, 180.0);
  }
}

}  // namespace
}  // namespace satfence::geo
