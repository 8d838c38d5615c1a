// Mean orbital elements of one object at one epoch, as TLE and CCSDS OMM carry them
// for SGP4/SDP4 (the "SGP4 theory" of the OMM standard, CCSDS 502.0-B-3).
//
//   ReadResult<ElementSet> cat = ReadTleFile("starlink.tle");
//   for (const ElementSet& e : cat.records) { ... e.catalog_number, e.epoch ... }
//
// Units are those of the formats (revolutions per day, degrees) so that a record can be
// written back unchanged; Sgp4 converts to its internal units (radians per minute).
#ifndef SATFENCE_ORBIT_ELEMENT_SET_H_
#define SATFENCE_ORBIT_ELEMENT_SET_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "satfence/base/utc_time.h"

namespace satfence::orbit {

// Largest catalogue number an OMM may carry (NORAD_CAT_ID has up to 9 digits).
inline constexpr std::uint32_t kMaxCatalogNumber = 999'999'999;

struct ElementSet {
  std::uint32_t catalog_number = 0;      // NORAD catalogue number, 1..999,999,999
  std::string name;                      // OBJECT_NAME or the 3LE title line; may be empty
  std::string international_designator;  // COSPAR id as in OMM OBJECT_ID: "1998-067A"
  char classification = 'U';             // U, C or S
  UtcTime epoch{};                       // to the microsecond
  double mean_motion_rev_per_day = 0.0;  // Kozai mean motion (TLE and OMM both use Kozai)
  double eccentricity = 0.0;
  double inclination_deg = 0.0;
  double raan_deg = 0.0;  // right ascension of the ascending node
  double arg_perigee_deg = 0.0;
  double mean_anomaly_deg = 0.0;
  double bstar_per_earth_radius = 0.0;         // B* drag term, 1/(Earth radii)
  double mean_motion_dot_rev_per_day2 = 0.0;   // first derivative of mean motion / 2
  double mean_motion_ddot_rev_per_day3 = 0.0;  // second derivative of mean motion / 6
  int ephemeris_type = 0;                      // 0 for SGP4 element sets
  int element_set_number = 0;
  int rev_at_epoch = 0;
};

// Checks the physical ranges SGP4 relies on: catalogue number in 1..999,999,999, finite
// values, eccentricity in [0, 1), inclination in [0, 180], angles in [0, 360] (or
// [-360, 360] as some producers write them), mean motion in (0, 20] rev/day.
// The error names the OMM field at fault (e.g. "ECCENTRICITY").
absl::Status ValidateElementSet(const ElementSet& e);

}  // namespace satfence::orbit

#endif  // SATFENCE_ORBIT_ELEMENT_SET_H_
