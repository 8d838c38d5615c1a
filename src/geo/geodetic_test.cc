#include "satfence/geo/geodetic.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace satfence::geo {
namespace {

// Semi-minor axis b = a(1 - f) = 6356752.3142 m (NIMA TR8350.2, table 3.1).
constexpr double kWgs84PolarRadius_m = 6356752.314245;

TEST(Geodetic, DefiningPointsOfTheEllipsoid) {
  const Vec3 origin = GeodeticToEcef({0.0, 0.0, 0.0});
  EXPECT_DOUBLE_EQ(origin.x, kWgs84EquatorialRadius_m);
  EXPECT_NEAR(origin.y, 0.0, 1e-9);
  EXPECT_NEAR(origin.z, 0.0, 1e-9);

  const Vec3 north = GeodeticToEcef({90.0, 123.0, 0.0});
  EXPECT_NEAR(north.x, 0.0, 1e-9);
  EXPECT_NEAR(north.y, 0.0, 1e-9);
  EXPECT_NEAR(north.z, kWgs84PolarRadius_m, 1e-6);

  const Vec3 south_high = GeodeticToEcef({-90.0, 0.0, 1000.0});
  EXPECT_NEAR(south_high.z, -(kWgs84PolarRadius_m + 1000.0), 1e-6);

  const Vec3 east = GeodeticToEcef({0.0, 90.0, 550e3});
  EXPECT_NEAR(east.x, 0.0, 1e-9);
  EXPECT_NEAR(east.y, kWgs84EquatorialRadius_m + 550e3, 1e-6);
}

TEST(Geodetic, AntimeridianAndSignedZero) {
  const Vec3 east = GeodeticToEcef({10.0, 180.0, 0.0});
  const Vec3 west = GeodeticToEcef({10.0, -180.0, 0.0});
  EXPECT_NEAR(Norm(east - west), 0.0, 1e-8);
  EXPECT_EQ(NormalizeLongitude_deg(180.0), -180.0);
  EXPECT_EQ(NormalizeLongitude_deg(-180.0), -180.0);
  EXPECT_EQ(NormalizeLongitude_deg(540.0), -180.0);
  EXPECT_DOUBLE_EQ(NormalizeLongitude_deg(190.0), -170.0);
  EXPECT_EQ(NormalizeLongitude_deg(-0.0), 0.0);
  const Vec3 minus_zero = GeodeticToEcef({-0.0, -0.0, 0.0});
  EXPECT_DOUBLE_EQ(minus_zero.x, kWgs84EquatorialRadius_m);
}

TEST(Geodetic, RoundTripsEverywhereToANanometre) {
  const unsigned seed = 20261124;
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> lat(-90.0, 90.0), lon(-180.0, 180.0), h(-500.0, 2.0e6);
  for (int i = 0; i < 10000; ++i) {
    const Geodetic p{lat(rng), lon(rng), h(rng)};
    const Geodetic q = EcefToGeodetic(GeodeticToEcef(p));
    ASSERT_NEAR(q.lat_deg, p.lat_deg, 1e-12) << "seed " << seed << " i " << i;
    if (std::abs(p.lat_deg) < 89.9999) {
      ASSERT_NEAR(q.lon_deg, p.lon_deg, 1e-12) << "seed " << seed << " i " << i;
    }
    ASSERT_NEAR(q.height_m, p.height_m, 1e-8) << "seed " << seed << " i " << i;
  }
}

TEST(Geodetic, ValidationNamesThePart) {
  EXPECT_TRUE(ValidateGeodetic({48.6, 38.0, 180.0}).ok());
  EXPECT_TRUE(ValidateGeodetic({-90.0, 180.0, 0.0}).ok());
  EXPECT_NE(ValidateGeodetic({90.5, 0.0, 0.0}).message().find("latitude"), std::string::npos);
  EXPECT_NE(ValidateGeodetic({NAN, 0.0, 0.0}).message().find("latitude"), std::string::npos);
  EXPECT_NE(ValidateGeodetic({0.0, 1e9, 0.0}).message().find("longitude"), std::string::npos);
  EXPECT_NE(ValidateGeodetic({0.0, 0.0, INFINITY}).message().find("height"), std::string::npos);
}

}  // namespace
}  // namespace satfence::geo
