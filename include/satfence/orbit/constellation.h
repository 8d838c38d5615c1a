// A set of satellites that can be asked for their Earth-fixed states at any time: either
// a real catalogue (TLE/OMM) or generated Walker-delta shells such as Starlink's filings.
//
//   Constellation real = Constellation::FromElements(ReadElementsFile(path).records);
//   Constellation gen1 = Constellation::FromShells(StarlinkGen1Shells(), epoch);
//   std::vector<SatelliteState> now = gen1.EcefStatesAt(t);   // one per satellite
//
// States come from SGP4 (WGS-72, improved mode) through the batch propagator, then
// TEME -> ECEF by GMST (teme.h). Immutable after construction; thread-safe.
#ifndef SATFENCE_ORBIT_CONSTELLATION_H_
#define SATFENCE_ORBIT_CONSTELLATION_H_

#include <cstdint>
#include <string>
#include <vector>

#include "satfence/base/record_error.h"
#include "satfence/base/utc_time.h"
#include "satfence/orbit/batch_propagator.h"
#include "satfence/orbit/element_set.h"
#include "satfence/orbit/sgp4.h"
#include "satfence/orbit/teme.h"

namespace satfence::orbit {

// One shell of a Walker-delta constellation i: t/p/f (t = planes * sats_per_plane).
struct WalkerShell {
  std::string name;
  double altitude_km;  // above the WGS-72 equatorial radius, circular orbits
  double inclination_deg;
  int planes;
  int sats_per_plane;
  int phasing;                   // Walker f in [0, planes): plane k is shifted f*k*360/t deg
  double raan_offset_deg = 0.0;  // rotates the whole shell, to interleave shells
};

// The Starlink Gen1 shells as filed with the FCC (SAT-MOD-20200417-00037):
// 550 km/53.0 deg 72x22; 540 km/53.2 deg 72x22; 570 km/70 deg 36x20; 560 km/97.6 deg 6x58
// and 4x43 (4,408 satellites). Phasing is not in the filing; f = 1 is used, and the
// second polar shell is rotated by 45 deg so that the two polar shells interleave.
std::vector<WalkerShell> StarlinkGen1Shells();

// Mean elements for a shell's satellites at `epoch`, catalogue numbers counting up from
// `first_catalog_number`. Mean motion from Kepler's third law with WGS-72 mu; the J2
// secular drift is left to SGP4.
std::vector<ElementSet> WalkerElements(const WalkerShell& shell, UtcTime epoch,
                                       std::uint32_t first_catalog_number);

struct SatelliteState {
  std::uint32_t catalog_number;
  EcefState ecef;
};

class Constellation {
 public:
  // One model per element set that Sgp4::Create accepts, and an error for each other.
  static ReadResult<Sgp4> ModelsFromElements(const std::vector<ElementSet>& elements);
  // Element sets that Sgp4::Create rejects are left out (see ModelsFromElements).
  static Constellation FromElements(const std::vector<ElementSet>& elements);
  // Generated shells; synthetic catalogue numbers start at 900,000,001.
  static Constellation FromShells(const std::vector<WalkerShell>& shells, UtcTime epoch);

  size_t size() const { return satellites_.size(); }
  const std::vector<Sgp4>& satellites() const { return satellites_; }
  const std::vector<ElementSet>& elements() const { return elements_; }

  // ECEF states of every satellite that propagates at `t` (failures are left out; the
  // count of those is `size() - result.size()`), in catalogue order.
  std::vector<SatelliteState> EcefStatesAt(UtcTime t) const;

 private:
  explicit Constellation(std::vector<ElementSet> elements);
  std::vector<ElementSet> elements_;
  std::vector<Sgp4> satellites_;
  BatchPropagator batch_;
};

}  // namespace satfence::orbit

#endif  // SATFENCE_ORBIT_CONSTELLATION_H_
