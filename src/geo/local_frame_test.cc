#include "satfence/geo/local_frame.h"

#include <gtest/gtest.h>

namespace satfence::geo {
namespace {

TEST(LocalFrame, ZenithNorthAndEastLookAngles) {
  const LocalFrame eq(Geodetic{0.0, 0.0, 0.0});
  const LookAngles up = eq.Look({kWgs84EquatorialRadius_m + 550e3, 0.0, 0.0});
  EXPECT_NEAR(up.elevation_deg, 90.0, 1e-9);
  EXPECT_NEAR(up.range_m, 550e3, 1e-6);

  const LookAngles north = eq.Look({kWgs84EquatorialRadius_m, 0.0, 1000.0});
  EXPECT_NEAR(north.azimuth_deg, 0.0, 1e-9);
  EXPECT_NEAR(north.elevation_deg, 0.0, 1e-9);
  const LookAngles east = eq.Look({kWgs84EquatorialRadius_m, 1000.0, 0.0});
  EXPECT_NEAR(east.azimuth_deg, 90.0, 1e-9);
  const LookAngles west = eq.Look({kWgs84EquatorialRadius_m, -1000.0, 0.0});
  EXPECT_NEAR(west.azimuth_deg, 270.0, 1e-9);
}

TEST(LocalFrame, UpIsTheEllipsoidNormalNotTheRadius) {
  // At 45 deg latitude the geodetic vertical differs from the geocentric direction by
  // about 0.19 deg; a point 1 km "up" must come back at height 1 km on the same spot.
  const Geodetic site{45.0, 10.0, 100.0};
  const LocalFrame f(site);
  const Geodetic above = EcefToGeodetic(f.EnuToEcef_m({0.0, 0.0, 1000.0}));
  EXPECT_NEAR(above.lat_deg, 45.0, 1e-12);
  EXPECT_NEAR(above.lon_deg, 10.0, 1e-12);
  EXPECT_NEAR(above.height_m, 1100.0, 1e-8);
}

TEST(LocalFrame, RotationsAreInverse) {
  const LocalFrame f(Geodetic{-89.9, 179.9, 0.0});
  const Vec3 v{123.0, -45.0, 6.0};
  const Vec3 back = f.RotateEcefToEnu(f.RotateEnuToEcef(v));
  EXPECT_NEAR(back.x, v.x, 1e-12);
  EXPECT_NEAR(back.y, v.y, 1e-12);
  EXPECT_NEAR(back.z, v.z, 1e-12);
}

}  // namespace
}  // namespace satfence::geo
