#include "satfence/geo/local_frame.h"

#include <GeographicLib/Geocentric.hpp>
#include <cmath>
#include <vector>

namespace satfence::geo {

LocalFrame::LocalFrame(const Geodetic& origin) : origin_(origin) {
  std::vector<double> m(9);
  GeographicLib::Geocentric::WGS84().Forward(origin.lat_deg, origin.lon_deg, origin.height_m,
                                             origin_ecef_m_.x, origin_ecef_m_.y, origin_ecef_m_.z,
                                             m);
  for (int i = 0; i < 9; ++i) enu_to_ecef_[i] = m[i];
}

Vec3 LocalFrame::RotateEnuToEcef(Vec3 v) const {
  const auto& m = enu_to_ecef_;
  return {m[0] * v.x + m[1] * v.y + m[2] * v.z, m[3] * v.x + m[4] * v.y + m[5] * v.z,
          m[6] * v.x + m[7] * v.y + m[8] * v.z};
}

Vec3 LocalFrame::RotateEcefToEnu(Vec3 v) const {
  const auto& m = enu_to_ecef_;  // orthonormal: the inverse is the transpose
  return {m[0] * v.x + m[3] * v.y + m[6] * v.z, m[1] * v.x + m[4] * v.y + m[7] * v.z,
          m[2] * v.x + m[5] * v.y + m[8] * v.z};
}

Vec3 LocalFrame::EcefToEnu_m(Vec3 ecef_m) const { return RotateEcefToEnu(ecef_m - origin_ecef_m_); }

Vec3 LocalFrame::EnuToEcef_m(Vec3 enu_m) const { return origin_ecef_m_ + RotateEnuToEcef(enu_m); }

LookAngles LocalFrame::Look(Vec3 target_ecef_m) const {
  const Vec3 enu = EcefToEnu_m(target_ecef_m);
  const double horizontal = std::hypot(enu.x, enu.y);
  constexpr double kDeg = 180.0 / M_PI;
  double az = std::atan2(enu.x, enu.y) * kDeg;
  if (az < 0.0) az += 360.0;
  if (az >= 360.0) az -= 360.0;
  return {az, std::atan2(enu.z, horizontal) * kDeg, Norm(enu)};
}

}  // namespace satfence::geo
