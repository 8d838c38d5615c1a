#include "satfence/orbit/element_set.h"

#include <cmath>

#include "absl/strings/str_cat.h"

namespace satfence::orbit {
namespace {

absl::Status OutOfRange(const char* field, double value, const char* range) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", value, " is outside ", range));
}

}  // namespace

absl::Status ValidateElementSet(const ElementSet& e) {
  if (e.catalog_number == 0 || e.catalog_number > kMaxCatalogNumber) {
    return absl::InvalidArgumentError(
        absl::StrCat("NORAD_CAT_ID: ", e.catalog_number, " is outside 1..", kMaxCatalogNumber));
  }
  struct Check {
    const char* field;
    double value;
    double lo, hi;
    bool lo_open, hi_open;
    const char* range;
  };
  const Check checks[] = {
      {"MEAN_MOTION", e.mean_motion_rev_per_day, 0.0, 20.0, true, false, "(0, 20] rev/day"},
      {"ECCENTRICITY", e.eccentricity, 0.0, 1.0, false, true, "[0, 1)"},
      {"INCLINATION", e.inclination_deg, 0.0, 180.0, false, false, "[0, 180] deg"},
      {"RA_OF_ASC_NODE", e.raan_deg, -360.0, 360.0, false, false, "[-360, 360] deg"},
      {"ARG_OF_PERICENTER", e.arg_perigee_deg, -360.0, 360.0, false, false, "[-360, 360] deg"},
      {"MEAN_ANOMALY", e.mean_anomaly_deg, -360.0, 360.0, false, false, "[-360, 360] deg"},
  };
  for (const Check& c : checks) {
    const bool bad = !std::isfinite(c.value) || (c.lo_open ? c.value <= c.lo : c.value < c.lo) ||
                     (c.hi_open ? c.value >= c.hi : c.value > c.hi);
    if (bad) return OutOfRange(c.field, c.value, c.range);
  }
  if (!std::isfinite(e.bstar_per_earth_radius)) {
    return OutOfRange("BSTAR", e.bstar_per_earth_radius, "the finite numbers");
  }
  if (!std::isfinite(e.mean_motion_dot_rev_per_day2)) {
    return OutOfRange("MEAN_MOTION_DOT", e.mean_motion_dot_rev_per_day2, "the finite numbers");
  }
  if (!std::isfinite(e.mean_motion_ddot_rev_per_day3)) {
    return OutOfRange("MEAN_MOTION_DDOT", e.mean_motion_ddot_rev_per_day3, "the finite numbers");
  }
  return absl::OkStatus();
}

}  // namespace satfence::orbit
