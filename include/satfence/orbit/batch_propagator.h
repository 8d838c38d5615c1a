// SGP4 for a whole catalogue at once: near-Earth satellites are laid out as structures of
// arrays and propagated several per instruction (Highway, dispatched at run time to the
// widest SIMD the CPU has); deep-space satellites (SDP4, rare in LEO catalogues) go
// through the scalar Sgp4::Propagate.
//
//   BatchPropagator batch(models);               // models: std::vector<Sgp4>
//   BatchStates out;
//   batch.PropagateTo(t, out);                   // every satellite at instant t
//   if (out.error[i] == Sgp4Error::kNone) use(out.x_km[i], ...);   // TEME
//
// Accuracy: within 1 mm of the scalar path in position and 1e-9 km/s in velocity on every
// SIMD target (batch_propagator_test.cc checks every satellite of the real Starlink
// snapshot over three days, on each target the CPU supports; the worst is 0.5 um). Not
// bit-identical: the SIMD sine and cosine differ from glibc's in the last bits, small
// corrections to known angles are applied by rotation, and angle reduction uses a
// multiply instead of fmod (batch_propagator.cc).
// Error codes are the scalar path's. Thread-safe for concurrent const calls.
#ifndef SATFENCE_ORBIT_BATCH_PROPAGATOR_H_
#define SATFENCE_ORBIT_BATCH_PROPAGATOR_H_

#include <cstdint>
#include <vector>

#include "satfence/base/utc_time.h"
#include "satfence/orbit/sgp4.h"

namespace satfence::orbit {

// TEME states of a batch, one entry per satellite in construction order.
struct BatchStates {
  std::vector<double> x_km, y_km, z_km;
  std::vector<double> vx_km_s, vy_km_s, vz_km_s;
  std::vector<Sgp4Error> error;
  void Resize(size_t n);
};

class BatchPropagator {
 public:
  BatchPropagator() = default;
  explicit BatchPropagator(std::vector<Sgp4> satellites);

  size_t size() const { return satellites_.size(); }
  const std::vector<Sgp4>& satellites() const { return satellites_; }

  // Satellite i at tsince_min[i] minutes from its own epoch. REQUIRES: size() entries.
  void Propagate(const std::vector<double>& tsince_min, BatchStates& out) const;
  // Every satellite at the same minutes since its own epoch.
  void PropagateMinutes(double tsince_min, BatchStates& out) const;
  // Every satellite at one instant.
  void PropagateTo(UtcTime t, BatchStates& out) const;

 private:
  std::vector<Sgp4> satellites_;
  std::vector<std::uint32_t> near_index_;  // positions in satellites_ of the SIMD lanes
  std::vector<std::uint32_t> scalar_index_;
  std::vector<std::vector<double>> near_;  // one array per coefficient (batch::Column), padded
};

}  // namespace satfence::orbit

#endif  // SATFENCE_ORBIT_BATCH_PROPAGATOR_H_
