#include "satfence/geo/geodetic.h"

#include <GeographicLib/Geocentric.hpp>
#include <GeographicLib/Math.hpp>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace satfence::geo {

absl::Status ValidateGeodetic(const Geodetic& p) {
  if (!std::isfinite(p.lat_deg) || p.lat_deg < -90.0 || p.lat_deg > 90.0) {
    return absl::InvalidArgumentError(
        absl::StrCat("latitude ", p.lat_deg, " deg is outside [-90, 90]"));
  }
  if (!std::isfinite(p.lon_deg) || p.lon_deg < -540.0 || p.lon_deg > 540.0) {
    return absl::InvalidArgumentError(
        absl::StrCat("longitude ", p.lon_deg, " deg is outside [-540, 540]"));
  }
  if (!std::isfinite(p.height_m)) {
    return absl::InvalidArgumentError(absl::StrCat("height ", p.height_m, " m is not finite"));
  }
  return absl::OkStatus();
}

Vec3 GeodeticToEcef(const Geodetic& p) {
  Vec3 r;
  GeographicLib::Geocentric::WGS84().Forward(p.lat_deg, p.lon_deg, p.height_m, r.x, r.y, r.z);
  return r;
}

Geodetic EcefToGeodetic(Vec3 ecef_m) {
  Geodetic p;
  GeographicLib::Geocentric::WGS84().Reverse(ecef_m.x, ecef_m.y, ecef_m.z, p.lat_deg, p.lon_deg,
                                             p.height_m);
  return p;
}

double NormalizeLongitude_deg(double lon_deg) {
  double lon = GeographicLib::Math::AngNormalize(lon_deg);  // (-180, 180]
  return lon == 180.0 ? -180.0 : lon;
}

}  // namespace satfence::geo
