#include "satfence/geo/sin_cos_deg.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace satfence::geo {
namespace {

// The library's sine and cosine of the same angle in radians are the reference.
void ExpectLibraryValues(double deg) {
  const SinCos sc = SinCosDeg(deg);
  const double rad = deg * (M_PI / 180.0);
  ASSERT_NEAR(sc.sin, std::sin(rad), 5e-16) << deg << " deg";
  ASSERT_NEAR(sc.cos, std::cos(rad), 5e-16) << deg << " deg";
}

TEST(SinCosDeg, IsTheLibrarysOverTheWholeCircle) {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> any(-180.0, 180.0), small(-1e-3, 1e-3);
  for (int i = 0; i < 1'000'000; ++i) ExpectLibraryValues(any(rng));
  // Near the table's points and half-way between them (where the remainder is largest and
  // the nearest point is a tie), the ends, and angles near zero.
  for (int k = -1440; k <= 1440; ++k) {
    const double eighth = k * 0.125;
    for (double off : {-1e-12, 0.0, 1e-12}) {
      if (std::abs(eighth + off) <= 180.0) ExpectLibraryValues(eighth + off);
    }
  }
  for (double deg : {180.0, -180.0, 179.99999999999997, 1e-300, -1e-300, 0.0, 90.0, -90.0}) {
    ExpectLibraryValues(deg);
  }
  for (int i = 0; i < 10'000; ++i) ExpectLibraryValues(small(rng));
}

TEST(SinCosDeg, KeepsExactValuesAndSymmetries) {
  EXPECT_EQ(SinCosDeg(0.0).sin, 0.0);
  EXPECT_EQ(SinCosDeg(0.0).cos, 1.0);
  EXPECT_EQ(SinCosDeg(90.0).sin, 1.0);
  EXPECT_EQ(SinCosDeg(-90.0).sin, -1.0);
  EXPECT_EQ(SinCosDeg(180.0).cos, -1.0);
  // At the table's points the values are the exact angle's, rounded once (the library's
  // sin(M_PI / 6) is 0.49999999999999994: M_PI / 6 is a little short of 30 degrees).
  EXPECT_EQ(SinCosDeg(30.0).sin, 0.5);
  EXPECT_EQ(SinCosDeg(-150.0).sin, -0.5);
  EXPECT_EQ(SinCosDeg(60.0).cos, 0.5);
  // Odd sine, even cosine: the table's two halves mirror each other, and so do the results
  // (bit for bit on ten million random angles), but at an exact eighth of a degree, where
  // the nearest quarter of deg and of -deg may lie on different sides (4e-19 apart).
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> any(0.0, 180.0);
  for (int i = 0; i < 10'000; ++i) {
    const double deg = any(rng);
    EXPECT_EQ(SinCosDeg(-deg).cos, SinCosDeg(deg).cos) << deg;
    EXPECT_NEAR(SinCosDeg(-deg).sin, -SinCosDeg(deg).sin, 1e-16) << deg;
  }
}

}  // namespace
}  // namespace satfence::geo
