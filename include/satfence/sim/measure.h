// Network measurements of a terminal, as an operator's ground segment would report them.
//
//   ServingSchedule schedule(constellation);               // serving satellite above 25 deg,
//   auto serving = schedule.Serving(where, t);             // reassigned every 15 s
//   Report r = MeasureReport(spec, truth, serving_samples, noise, rng);
//
// Truth is exact physics: ranges, range rates and directions from the terminal's true state
// to the satellite's true state; then noise, the report's constant range and range-rate
// offsets (hardware delay, oscillator offset), range-bound processing delay, and ephemeris
// error on the satellite states written into the report. An A2 terminal forges its `range`
// and `range_rate` to agree with its claim (with the noise and offsets an honest one would
// show); it cannot touch `aoa`, `beam` or `range_bound`.
#ifndef SATFENCE_SIM_MEASURE_H_
#define SATFENCE_SIM_MEASURE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "satfence/base/utc_time.h"
#include "satfence/geo/geodetic.h"
#include "satfence/orbit/constellation.h"
#include "satfence/orbit/visibility.h"
#include "satfence/verify/model.h"
#include "satfence/verify/report.h"

namespace satfence::sim {

using Rng = std::mt19937_64;

// A satellite's true state at one instant.
struct SatelliteSample {
  UtcTime time;
  std::string sat;
  geo::Vec3 pos_ecef_m;
  geo::Vec3 vel_ecef_mps;
};

struct MeasurementNoise {
  double range_sigma_m = 30.0;
  double range_rate_sigma_mps = 0.5;
  double aoa_sigma_rad = 0.003;
  double range_bound_sigma_m = 30.0;
  // The terminals' processing delay in distance bounding, in metres of range: Gaussian
  // with this mean and spread (the calibration the verifier is given).
  double range_bound_delay_mean_m = 150.0;
  double range_bound_delay_sigma_m = 10.0;
  double beam_radius_m = 12'000.0;
  double range_offset_sigma_m = 500.0;  // per report, constant
  double range_rate_offset_sigma_mps = 20.0;
  double ephemeris_sigma_m = 0.0;  // error of the satellite positions reported
};

// How the world departs from what the reports state, for judging the verifier under model
// mismatch (docs/simulation.md, "Model mismatch"). The stated sigmas in the reports stay
// those of MeasurementNoise; the errors drawn follow this.
struct Mismatch {
  // The true noise of range, range_rate and aoa is this many times the stated sigma.
  double sigma_scale = 1.0;
  // > 2: their noise is Student-t with this many degrees of freedom, scaled to the stated
  // variance (heavier tails, the same spread).
  double student_t_dof = 0.0;
  // The share of range, range_rate and aoa measurements that are outliers, off by
  // `outlier_sigmas` stated sigmas (either sign; for aoa, across the direction).
  double outlier_fraction = 0.0;
  double outlier_sigmas = 10.0;
  // Satellite positions as a public element set gives them instead of the operator's
  // ephemeris: each serving satellite's reported positions in a report are off by one
  // constant vector, normal with this sigma per axis (element sets: ~1 km).
  double ephemeris_bias_sigma_m = 0.0;
  // The oscillator's offset drifts linearly over the window: range_rate gains this times
  // the time from the report (m/s per s).
  double rate_drift_mps_per_s = 0.0;
  // Multipath on range: this share of range measurements carries an excess path,
  // exponential with mean `multipath_mean_m` (a reflected path is only ever longer).
  double multipath_fraction = 0.0;
  double multipath_mean_m = 0.0;

  bool Any() const {
    return sigma_scale != 1.0 || student_t_dof > 0.0 || outlier_fraction > 0.0 ||
           ephemeris_bias_sigma_m > 0.0 || rate_drift_mps_per_s != 0.0 ||
           multipath_fraction > 0.0;
  }
};

// The terminal's true state at any instant.
struct TruthTrack {
  verify::TerminalState at_report;  // ECEF position and velocity at the report time
  UtcTime report_time;
  verify::TerminalState At(UtcTime t) const;
};

struct ReportSpec {
  std::string terminal;
  UtcTime time;
  verify::Claim claimed;
  verify::KindSet kinds;
  // A2: range and range_rate computed from this state (the claimed one) instead of the truth.
  std::optional<TruthTrack> forge_from;
  bool include_sat_states = true;  // else only ids (a catalogue supplies the states)
};

// One measurement of each kind in `spec.kinds` per satellite sample (beams once per serving
// satellite change).
verify::Report MeasureReport(const ReportSpec& spec, const TruthTrack& truth,
                             const std::vector<SatelliteSample>& samples,
                             const MeasurementNoise& noise, Rng& rng,
                             const Mismatch& mismatch = {});

// The same measurements without any noise, offsets or delays: the mean the noisy ones scatter
// around (for the test's noncentrality).
verify::Report NoiselessReport(const ReportSpec& spec, const TruthTrack& truth,
                               const std::vector<SatelliteSample>& samples,
                               const MeasurementNoise& noise);

// Serving satellites: at the start of each slot the highest satellite above the elevation
// mask serves the terminal until the slot ends.
class ServingSchedule {
 public:
  ServingSchedule(const orbit::Constellation& constellation, double min_elevation_deg = 25.0,
                  double slot_s = 15.0);
  ~ServingSchedule();

  // States of the serving satellites at each of `times` (ascending); an instant whose slot
  // has no satellite above the mask is left out.
  std::vector<SatelliteSample> Serving(const geo::Geodetic& where,
                                       const std::vector<UtcTime>& times);

 private:
  const orbit::VisibilityIndex& Slot(std::int64_t slot);
  const orbit::Constellation& constellation_;
  double min_elevation_deg_;
  std::int64_t slot_us_;
  std::unordered_map<std::uint32_t, size_t> model_of_number_;
  std::map<std::int64_t, std::unique_ptr<orbit::VisibilityIndex>> slots_;
};

}  // namespace satfence::sim

#endif  // SATFENCE_SIM_MEASURE_H_
