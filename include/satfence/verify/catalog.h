// Satellite states for measurements that do not carry them: SGP4 from a catalogue.
//
//   ReadResult<orbit::ElementSet> elements = orbit::ReadElementsFile("starlink.tle");
//   SatelliteCatalog catalog(elements.records);
//   RecordError error;
//   if (!FillSatelliteStates(report, &catalog, error)) ... // error names the measurement
//
// States are SGP4 (TEME) rotated to ECEF by GMST (IAU-82, UT1 = UTC, no polar motion), as
// the orbit module does everywhere. A public element set places a LEO satellite to about a
// kilometre near its epoch, worse by kilometres a day away from it; the states filled carry
// that as their declared accuracy (kElementSetPositionSigma_m), which the verifier allows for.
#ifndef SATFENCE_VERIFY_CATALOG_H_
#define SATFENCE_VERIFY_CATALOG_H_

#include <string>
#include <unordered_map>
#include <vector>

#include "satfence/base/record_error.h"
#include "satfence/orbit/element_set.h"
#include "satfence/orbit/sgp4.h"
#include "satfence/verify/report.h"

namespace satfence::verify {

// The per-axis accuracy declared for satellite positions computed from public element sets.
inline constexpr double kElementSetPositionSigma_m = 1000.0;

class SatelliteCatalog {
 public:
  // Element sets SGP4 cannot initialise are left out (lookups of them then fail).
  explicit SatelliteCatalog(const std::vector<orbit::ElementSet>& elements);
  size_t size() const { return models_.size(); }
  // The model for a satellite id (catalogue number as text, leading zeros ignored).
  const orbit::Sgp4* Find(const std::string& sat) const;

 private:
  std::vector<orbit::Sgp4> models_;
  std::unordered_map<std::uint32_t, size_t> by_number_;
};

// Gives every measurement of `report` that lacks one its satellite state from `catalog`
// (which may be null). Fails, naming the measurement and field, when a state is missing and
// cannot be computed (no catalogue, unknown satellite, SGP4 error at that time).
bool FillSatelliteStates(Report& report, const SatelliteCatalog* catalog, RecordError& error);

}  // namespace satfence::verify

#endif  // SATFENCE_VERIFY_CATALOG_H_
