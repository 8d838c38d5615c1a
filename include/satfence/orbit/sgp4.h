// SGP4/SDP4 propagation of TLE/OMM mean elements, following Vallado, Crawford, Hujsak and
// Kelso, "Revisiting Spacetrack Report #3", AIAA 2006-6753 (and its 2020 companion code).
//
//   absl::StatusOr<Sgp4> sat = Sgp4::Create(element_set);           // WGS-72, improved mode
//   Sgp4Result r = sat->Propagate(/*tsince_min=*/360.0);
//   if (r.error == Sgp4Error::kNone) use(r.state.position_km);      // TEME, km and km/s
//
// Output frame: TEME (true equator, mean equinox of date), the frame SGP4 element sets are
// fitted in; see teme.h to go to ECEF.
//
// Accuracy: reproduces Vallado's reference output (tcppver.out, SGP4-VER.TLE) to 1e-6 km
// in position and 1e-9 km/s in velocity for every case, and fails with the same error code
// at the same time where it does (sgp4_test.cc). SGP4 itself is a ~1 km-at-epoch theory:
// that is the accuracy of the *model*, and element sets are only as good as their fit.
//
// Near-Earth objects (period < 225 min) use SGP4 with the drag terms; others use SDP4's
// lunar-solar periodics and the 12 h / 24 h resonance integrator. The integrator is
// restarted from epoch on every call, so Propagate is const, thread-safe, and gives the
// same answer whatever order times are asked in (the steps are fixed at 720 min, so this
// matches a continuing integration bit for bit).
#ifndef SATFENCE_ORBIT_SGP4_H_
#define SATFENCE_ORBIT_SGP4_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "satfence/base/utc_time.h"
#include "satfence/geo/vec3.h"
#include "satfence/orbit/element_set.h"
#include "satfence/orbit/sgp4_internal.h"

namespace satfence::orbit {

// Vallado's error codes, with his numbering.
enum class Sgp4Error : int {
  kNone = 0,
  kMeanEccentricity = 1,       // mean eccentricity outside [-0.001, 1)
  kMeanMotion = 2,             // mean motion <= 0
  kPerturbedEccentricity = 3,  // perturbed eccentricity outside [0, 1]
  kSemiLatusRectum = 4,        // semi-latus rectum < 0
  kSubOrbital = 5,             // (no longer produced; kept for the numbering)
  kDecayed = 6,                // radius below one Earth radius
};

const char* Sgp4ErrorName(Sgp4Error e);

// Position and velocity in TEME.
struct TemeState {
  geo::Vec3 position_km;
  geo::Vec3 velocity_km_s;
};

struct Sgp4Result {
  TemeState state;  // meaningful only when error == kNone
  Sgp4Error error = Sgp4Error::kNone;
};

enum class GravityModel {
  kWgs72Old,  // Spacetrack Report #3's own constants
  kWgs72,     // the default: what element sets are fitted with
  kWgs84,
};

enum class OpsMode {
  kImproved,  // Vallado's 'i': modern GMST and node handling (the default)
  kAfspc,     // 'a': mimics the AFSPC operational code
};

struct Sgp4Options {
  GravityModel gravity = GravityModel::kWgs72;
  OpsMode mode = OpsMode::kImproved;
};

class Sgp4 {
 public:
  // Initialises the model. Fails (InvalidArgument, naming the field) only for elements that
  // ValidateElementSet rejects; orbits that SGP4 cannot propagate report it per call.
  static absl::StatusOr<Sgp4> Create(const ElementSet& elements, Sgp4Options options = {});

  // State at `tsince_min` minutes after the element set's epoch (negative: before).
  Sgp4Result Propagate(double tsince_min) const;
  Sgp4Result PropagateTo(UtcTime t) const { return Propagate(MinutesBetween(epoch_, t)); }

  std::uint32_t catalog_number() const { return catalog_number_; }
  UtcTime epoch() const { return epoch_; }
  bool deep_space() const { return c_.method == 'd'; }
  // The initialised model, for the batch propagator (sgp4_internal.h).
  const internal::Sgp4Coefficients& coefficients() const { return c_; }

 private:
  Sgp4() = default;
  internal::Sgp4Coefficients c_;
  std::uint32_t catalog_number_ = 0;
  UtcTime epoch_{};
};

}  // namespace satfence::orbit

#endif  // SATFENCE_ORBIT_SGP4_H_
