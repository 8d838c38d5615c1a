#include "satfence/sim/measure.h"

#include <chrono>
#include <cmath>
#include <map>
#include <random>

#include "satfence/geo/local_frame.h"
#include "satfence/orbit/teme.h"

namespace satfence::sim {
namespace {

using geo::Dot;
using geo::Norm;
using geo::Vec3;
using verify::Kind;
using verify::Measurement;

double Seconds(UtcTime from, UtcTime to) {
  return std::chrono::duration<double>(to - from).count();
}

Vec3 GaussianVec(Rng& rng, double sigma) {
  std::normal_distribution<double> n(0.0, sigma);
  double x = n(rng), y = n(rng), z = n(rng);
  return {x, y, z};
}

// The unit vector `u` tilted by the small angles a and b (rad) along two axes across it.
Vec3 Tilted(Vec3 u, double a, double b) {
  Vec3 helper = std::abs(u.z) < 0.9 ? Vec3{0, 0, 1} : Vec3{1, 0, 0};
  Vec3 e1 = geo::Cross(helper, u);
  e1 = (1.0 / Norm(e1)) * e1;
  Vec3 e2 = geo::Cross(u, e1);
  Vec3 w = u + a * e1 + b * e2;
  return (1.0 / Norm(w)) * w;
}

// A unit vector at angle ~N(0, sigma) per axis from `u` (small angles).
Vec3 PerturbDirection(Vec3 u, double sigma, Rng& rng) {
  std::normal_distribution<double> n(0.0, sigma);
  double a = n(rng), b = n(rng);
  return Tilted(u, a, b);
}

struct Draws {
  bool noisy;
  Rng* rng;
  const Mismatch* mismatch = nullptr;  // null: the stated model holds
  double Gauss(double sigma) {
    if (!noisy) return 0.0;
    std::normal_distribution<double> n(0.0, sigma);
    return n(*rng);
  }
  double Uniform01() {
    std::uniform_real_distribution<double> u(0.0, 1.0);
    return u(*rng);
  }
  // The error of a two-sided measurement whose stated sigma is `sigma`.
  double Error(double sigma) {
    if (!noisy) return 0.0;
    if (mismatch == nullptr) return Gauss(sigma);
    const Mismatch& m = *mismatch;
    if (m.outlier_fraction > 0.0 && Uniform01() < m.outlier_fraction) {
      return (Uniform01() < 0.5 ? -1.0 : 1.0) * m.outlier_sigmas * sigma;
    }
    const double scaled = m.sigma_scale * sigma;
    if (m.student_t_dof > 2.0) {
      std::student_t_distribution<double> t(m.student_t_dof);
      return scaled * std::sqrt((m.student_t_dof - 2.0) / m.student_t_dof) * t(*rng);
    }
    return Gauss(scaled);
  }
  double Exponential(double mean) {
    if (!noisy || mean <= 0.0) return 0.0;
    std::exponential_distribution<double> e(1.0 / mean);
    return e(*rng);
  }
};

verify::Report Generate(const ReportSpec& spec, const TruthTrack& truth,
                        const std::vector<SatelliteSample>& samples, const MeasurementNoise& noise,
                        Draws draws) {
  verify::Report report;
  report.terminal = spec.terminal;
  report.time = spec.time;
  report.claimed = spec.claimed;
  const double range_offset = draws.Gauss(noise.range_offset_sigma_m);
  const double rate_offset = draws.Gauss(noise.range_rate_offset_sigma_mps);
  const Mismatch no_mismatch;
  const Mismatch& mismatch = draws.mismatch != nullptr ? *draws.mismatch : no_mismatch;
  std::map<std::string, Vec3> ephemeris_bias;  // per serving satellite, this report
  const TruthTrack& forged = spec.forge_from ? *spec.forge_from : truth;
  std::string last_beam_sat;
  for (const SatelliteSample& s : samples) {
    const verify::TerminalState real = truth.At(s.time);
    const verify::TerminalState seen = forged.At(s.time);
    Measurement base;
    base.time = s.time;
    base.sat = s.sat;
    base.has_sat_state = spec.include_sat_states;
    if (spec.include_sat_states) {
      Vec3 eph = draws.noisy && noise.ephemeris_sigma_m > 0.0
                     ? GaussianVec(*draws.rng, noise.ephemeris_sigma_m)
                     : Vec3{};
      if (draws.noisy && mismatch.ephemeris_bias_sigma_m > 0.0) {
        auto [it, fresh] = ephemeris_bias.try_emplace(s.sat);
        if (fresh) it->second = GaussianVec(*draws.rng, mismatch.ephemeris_bias_sigma_m);
        eph = eph + it->second;
      }
      base.sat_pos_ecef_m = s.pos_ecef_m + eph;
      base.sat_vel_ecef_mps = s.vel_ecef_mps;
    }
    auto range_of = [&](const verify::TerminalState& t) {
      return Norm(t.position_ecef_m - s.pos_ecef_m);
    };
    auto rate_of = [&](const verify::TerminalState& t) {
      Vec3 d = t.position_ecef_m - s.pos_ecef_m;
      return Dot((1.0 / Norm(d)) * d, t.velocity_ecef_mps - s.vel_ecef_mps);
    };
    // A scalar measurement: its truth plus the report's offset plus noise.
    auto scalar = [&](Kind kind, double sigma, double truth_value, double offset) {
      if (!spec.kinds.Has(kind)) return;
      Measurement m = base;
      m.kind = kind;
      m.sigma = sigma;
      m.value = truth_value + offset + draws.Error(sigma);
      report.measurements.push_back(m);
    };
    double multipath_m = 0.0;
    if (draws.noisy && mismatch.multipath_fraction > 0.0 &&
        draws.Uniform01() < mismatch.multipath_fraction) {
      multipath_m = draws.Exponential(mismatch.multipath_mean_m);
    }
    const double drift_mps = mismatch.rate_drift_mps_per_s * Seconds(spec.time, s.time);
    scalar(Kind::kRange, noise.range_sigma_m, range_of(seen) + multipath_m, range_offset);
    scalar(Kind::kRangeRate, noise.range_rate_sigma_mps, rate_of(seen) + drift_mps, rate_offset);
    if (spec.kinds.Has(Kind::kAoa)) {
      Measurement m = base;
      m.kind = Kind::kAoa;
      m.sigma = noise.aoa_sigma_rad;
      Vec3 d = real.position_ecef_m - s.pos_ecef_m;
      Vec3 u = (1.0 / Norm(d)) * d;
      if (!draws.noisy) {
        m.direction_ecef = u;
      } else if (draws.mismatch == nullptr) {
        m.direction_ecef = PerturbDirection(u, m.sigma, *draws.rng);
      } else {
        // Two independent errors across the direction, each as Error draws them (drawn in
        // turn: the order of a draw is part of the seed's telemetry).
        const double a = draws.Error(m.sigma);
        const double b = draws.Error(m.sigma);
        m.direction_ecef = Tilted(u, a, b);
      }
      report.measurements.push_back(m);
    }
    if (spec.kinds.Has(Kind::kRangeBound)) {
      // Distance bounding: the true range plus the terminal's processing delay (its
      // calibrated mean and spread) plus noise. A modified terminal answers as one at its
      // claim would wherever that only takes waiting longer; where the claim is nearer the
      // satellite than it is, the best it can do is answer at once, with no delay at all.
      Measurement m = base;
      m.kind = Kind::kRangeBound;
      m.sigma = noise.range_bound_sigma_m;
      const double delay_m =
          noise.range_bound_delay_mean_m + draws.Gauss(noise.range_bound_delay_sigma_m);
      double answered_m = range_of(real) + delay_m;
      if (spec.forge_from) answered_m = std::max(range_of(real), range_of(seen) + delay_m);
      m.value = answered_m + draws.Gauss(m.sigma);
      report.measurements.push_back(m);
    }
    if (spec.kinds.Has(Kind::kBeam) && s.sat != last_beam_sat) {
      // The serving beam: a circle that holds the terminal, its centre anywhere within
      // 0.8 radius of it (beams are laid on a fixed grid, not centred on terminals).
      last_beam_sat = s.sat;
      Measurement m;
      m.kind = Kind::kBeam;
      m.time = s.time;
      m.sat = s.sat;
      m.beam_radius_m = noise.beam_radius_m;
      m.sigma = 0.05 * noise.beam_radius_m;
      geo::Geodetic where = geo::EcefToGeodetic(real.position_ecef_m);
      where.height_m = 0.0;
      if (draws.noisy) {
        std::uniform_real_distribution<double> u01(0.0, 1.0);
        double r = 0.8 * noise.beam_radius_m * std::sqrt(u01(*draws.rng));
        double az = 2.0 * 3.14159265358979323846 * u01(*draws.rng);
        geo::LocalFrame frame(where);
        where = geo::EcefToGeodetic(frame.EnuToEcef_m({r * std::sin(az), r * std::cos(az), 0.0}));
        where.height_m = 0.0;
      }
      m.beam_centre = where;
      report.measurements.push_back(m);
    }
  }
  return report;
}

}  // namespace

verify::TerminalState TruthTrack::At(UtcTime t) const {
  double dt = Seconds(report_time, t);
  return {at_report.position_ecef_m + dt * at_report.velocity_ecef_mps,
          at_report.velocity_ecef_mps};
}

verify::Report MeasureReport(const ReportSpec& spec, const TruthTrack& truth,
                             const std::vector<SatelliteSample>& samples,
                             const MeasurementNoise& noise, Rng& rng, const Mismatch& mismatch) {
  return Generate(spec, truth, samples, noise,
                  Draws{true, &rng, mismatch.Any() ? &mismatch : nullptr});
}

verify::Report NoiselessReport(const ReportSpec& spec, const TruthTrack& truth,
                               const std::vector<SatelliteSample>& samples,
                               const MeasurementNoise& noise) {
  ReportSpec exact = spec;
  exact.include_sat_states = true;
  return Generate(exact, truth, samples, noise, Draws{false, nullptr, nullptr});
}

ServingSchedule::ServingSchedule(const orbit::Constellation& constellation,
                                 double min_elevation_deg, double slot_s)
    : constellation_(constellation),
      min_elevation_deg_(min_elevation_deg),
      slot_us_(static_cast<std::int64_t>(slot_s * 1e6)) {
  for (size_t i = 0; i < constellation.satellites().size(); ++i) {
    model_of_number_[constellation.satellites()[i].catalog_number()] = i;
  }
}

ServingSchedule::~ServingSchedule() = default;

const orbit::VisibilityIndex& ServingSchedule::Slot(std::int64_t slot) {
  auto it = slots_.find(slot);
  if (it != slots_.end()) return *it->second;
  UtcTime start{std::chrono::microseconds(slot * slot_us_)};
  auto index = std::make_unique<orbit::VisibilityIndex>(constellation_.EcefStatesAt(start),
                                                        min_elevation_deg_);
  return *slots_.emplace(slot, std::move(index)).first->second;
}

std::vector<SatelliteSample> ServingSchedule::Serving(const geo::Geodetic& where,
                                                      const std::vector<UtcTime>& times) {
  std::vector<SatelliteSample> out;
  out.reserve(times.size());
  std::int64_t current_slot = INT64_MIN;
  const orbit::Sgp4* serving = nullptr;
  for (UtcTime t : times) {
    std::int64_t us = t.time_since_epoch().count();
    std::int64_t slot = us >= 0 ? us / slot_us_ : -((-us + slot_us_ - 1) / slot_us_);
    if (slot != current_slot) {
      current_slot = slot;
      serving = nullptr;
      const orbit::VisibilityIndex& index = Slot(slot);
      std::vector<orbit::VisibleSatellite> visible = index.Visible(where);
      if (!visible.empty()) {
        std::uint32_t number = index.states()[visible.front().index].catalog_number;
        serving = &constellation_.satellites()[model_of_number_.at(number)];
      }
    }
    if (serving == nullptr) continue;
    orbit::Sgp4Result r = serving->PropagateTo(t);
    if (r.error != orbit::Sgp4Error::kNone) continue;
    orbit::EcefState e = orbit::TemeToEcef(r.state, t);
    out.push_back({t, std::to_string(serving->catalog_number()), 1000.0 * e.position_km,
                   1000.0 * e.velocity_km_s});
  }
  return out;
}

}  // namespace satfence::sim
