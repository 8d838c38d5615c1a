#include "satfence/orbit/constellation.h"

#include <cmath>

#include "absl/strings/str_cat.h"

namespace satfence::orbit {

std::vector<WalkerShell> StarlinkGen1Shells() {
  return {
      {"550 km / 53.0 deg", 550.0, 53.0, 72, 22, 1, 0.0},
      {"540 km / 53.2 deg", 540.0, 53.2, 72, 22, 1, 2.5},
      {"570 km / 70.0 deg", 570.0, 70.0, 36, 20, 1, 0.0},
      {"560 km / 97.6 deg (6 planes)", 560.0, 97.6, 6, 58, 1, 0.0},
      {"560 km / 97.6 deg (4 planes)", 560.0, 97.6, 4, 43, 1, 45.0},
  };
}

std::vector<ElementSet> WalkerElements(const WalkerShell& shell, UtcTime epoch,
                                       std::uint32_t first_catalog_number) {
  // WGS-72, as SGP4 uses: mu = 398600.8 km^3/s^2, equatorial radius 6378.135 km.
  constexpr double kMu_km3_s2 = 398600.8;
  constexpr double kRadius_km = 6378.135;
  const double a_km = kRadius_km + shell.altitude_km;
  const double n_rad_s = std::sqrt(kMu_km3_s2 / (a_km * a_km * a_km));
  const double n_rev_day = n_rad_s * 86400.0 / (2.0 * M_PI);
  const int total = shell.planes * shell.sats_per_plane;

  std::vector<ElementSet> out;
  out.reserve(total);
  for (int p = 0; p < shell.planes; ++p) {
    for (int s = 0; s < shell.sats_per_plane; ++s) {
      ElementSet e;
      e.catalog_number = first_catalog_number + static_cast<std::uint32_t>(out.size());
      e.name = absl::StrCat(shell.name, " P", p + 1, " S", s + 1);
      e.epoch = epoch;
      e.mean_motion_rev_per_day = n_rev_day;
      e.eccentricity = 0.0;
      e.inclination_deg = shell.inclination_deg;
      e.raan_deg = std::fmod(shell.raan_offset_deg + 360.0 * p / shell.planes, 360.0);
      e.arg_perigee_deg = 0.0;
      e.mean_anomaly_deg =
          std::fmod(360.0 * s / shell.sats_per_plane + 360.0 * shell.phasing * p / total, 360.0);
      out.push_back(std::move(e));
    }
  }
  return out;
}

ReadResult<Sgp4> Constellation::ModelsFromElements(const std::vector<ElementSet>& elements) {
  ReadResult<Sgp4> r;
  for (size_t i = 0; i < elements.size(); ++i) {
    absl::StatusOr<Sgp4> sat = Sgp4::Create(elements[i]);
    if (sat.ok()) {
      r.records.push_back(*std::move(sat));
    } else {
      r.errors.push_back({"", 0, static_cast<int>(i + 1), "",
                          absl::StrCat("NORAD_CAT_ID ", elements[i].catalog_number),
                          std::string(sat.status().message())});
    }
  }
  return r;
}

Constellation::Constellation(std::vector<ElementSet> elements) {
  // Keep the element sets and the models in step: an element set SGP4 rejects is dropped
  // from both (ModelsFromElements reports why, for callers that want to say so).
  for (ElementSet& e : elements) {
    absl::StatusOr<Sgp4> sat = Sgp4::Create(e);
    if (!sat.ok()) continue;
    satellites_.push_back(*std::move(sat));
    elements_.push_back(std::move(e));
  }
  batch_ = BatchPropagator(satellites_);
}

Constellation Constellation::FromElements(const std::vector<ElementSet>& elements) {
  return Constellation(elements);
}

Constellation Constellation::FromShells(const std::vector<WalkerShell>& shells, UtcTime epoch) {
  std::vector<ElementSet> all;
  std::uint32_t next = 900'000'001;
  for (const WalkerShell& shell : shells) {
    std::vector<ElementSet> e = WalkerElements(shell, epoch, next);
    next += static_cast<std::uint32_t>(e.size());
    all.insert(all.end(), e.begin(), e.end());
  }
  return Constellation(std::move(all));
}

std::vector<SatelliteState> Constellation::EcefStatesAt(UtcTime t) const {
  BatchStates teme;
  batch_.PropagateTo(t, teme);
  const double gmst = GmstIau82_rad(t);
  std::vector<SatelliteState> out;
  out.reserve(satellites_.size());
  for (size_t i = 0; i < satellites_.size(); ++i) {
    if (teme.error[i] != Sgp4Error::kNone) continue;
    const TemeState s{{teme.x_km[i], teme.y_km[i], teme.z_km[i]},
                      {teme.vx_km_s[i], teme.vy_km_s[i], teme.vz_km_s[i]}};
    out.push_back({satellites_[i].catalog_number(), TemeToEcefAtGmst(s, gmst)});
  }
  return out;
}

}  // namespace satfence::orbit
