#include "satfence/orbit/visibility.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace satfence::orbit {
namespace {

constexpr double kDeg = M_PI / 180.0;
// Lowest ground radius considered: WGS-84 polar radius less 12 km (below any terrain).
constexpr double kMinGroundRadius_km = 6356.752 - 12.0;
// Largest angle between the geodetic and the geocentric vertical on WGS-84 (0.1924 deg),
// rounded up, plus a margin for the grid arithmetic.
constexpr double kVerticalSlack_rad = 0.25 * kDeg;

int LatCell(double lat_rad, int cells) {
  const int c = static_cast<int>((lat_rad + M_PI / 2) / M_PI * cells);
  return std::clamp(c, 0, cells - 1);
}
int LonCell(double lon_rad, int cells) {
  int c = static_cast<int>(std::floor((lon_rad + M_PI) / (2 * M_PI) * cells));
  c %= cells;
  return c < 0 ? c + cells : c;
}

}  // namespace

VisibilityIndex::VisibilityIndex(std::vector<SatelliteState> states, double min_elevation_deg)
    : states_(std::move(states)), min_elevation_deg_(min_elevation_deg) {
  assert(min_elevation_deg >= 0.0 && min_elevation_deg < 90.0);
  double max_radius_km = 0.0;
  unit_.reserve(states_.size());
  for (const SatelliteState& s : states_) {
    const double r = Norm(s.ecef.position_km);
    max_radius_km = std::max(max_radius_km, r);
    unit_.push_back((1.0 / r) * s.ecef.position_km);
  }
  // Central angle lambda at which a satellite at radius r is at geocentric elevation e
  // from a point at radius rho: cos(lambda + e) = (rho / r) cos e. A lower ground point or
  // a higher satellite widens it; the geodetic vertical can tilt elevation by the slack.
  const double e = std::max(0.0, min_elevation_deg * kDeg - kVerticalSlack_rad);
  if (max_radius_km > kMinGroundRadius_km) {
    max_central_angle_rad_ =
        std::acos(kMinGroundRadius_km / max_radius_km * std::cos(e)) - e + kVerticalSlack_rad;
  }
  cos_max_central_angle_ = std::cos(max_central_angle_rad_);

  // Bucket by sub-satellite direction (CSR layout: counts, prefix sums, fill).
  cell_start_.assign(kLatCells * kLonCells + 1, 0);
  std::vector<std::uint32_t> cell_of(states_.size());
  for (size_t i = 0; i < states_.size(); ++i) {
    const geo::Vec3& u = unit_[i];
    const int c = LatCell(std::asin(std::clamp(u.z, -1.0, 1.0)), kLatCells) * kLonCells +
                  LonCell(std::atan2(u.y, u.x), kLonCells);
    cell_of[i] = static_cast<std::uint32_t>(c);
    ++cell_start_[c + 1];
  }
  for (size_t c = 1; c < cell_start_.size(); ++c) cell_start_[c] += cell_start_[c - 1];
  cell_items_.resize(states_.size());
  std::vector<std::uint32_t> fill(cell_start_.begin(), cell_start_.end() - 1);
  for (size_t i = 0; i < states_.size(); ++i) {
    cell_items_[fill[cell_of[i]]++] = static_cast<std::uint32_t>(i);
  }
}

std::vector<VisibleSatellite> VisibilityIndex::Visible(const geo::Geodetic& ground) const {
  std::vector<VisibleSatellite> out;
  if (states_.empty()) return out;
  const geo::LocalFrame frame(ground);
  const geo::Vec3 g = frame.origin_ecef_m();
  const geo::Vec3 gu = (1.0 / Norm(g)) * g;
  const double lat = std::asin(std::clamp(gu.z, -1.0, 1.0));
  const double lon = std::atan2(gu.y, gu.x);
  const double lam = max_central_angle_rad_;

  const int lat_lo = LatCell(lat - lam, kLatCells);
  const int lat_hi = LatCell(lat + lam, kLatCells);
  for (int la = lat_lo; la <= lat_hi; ++la) {
    // Longitude half-width of the cap at this band's most poleward edge.
    const double band_lo = -M_PI / 2 + M_PI * la / kLatCells;
    const double band_hi = band_lo + M_PI / kLatCells;
    const double worst_cos = std::min(std::cos(band_lo), std::cos(band_hi));
    int lon_lo = 0, lon_hi = kLonCells - 1;
    const double sin_lam = std::sin(lam);
    const bool pole_in_cap = std::abs(lat) + lam >= M_PI / 2;
    if (!pole_in_cap && worst_cos > sin_lam) {
      const double half = std::asin(std::min(1.0, sin_lam / worst_cos)) +
                          2.0 * M_PI / kLonCells;  // one cell of slack
      lon_lo = static_cast<int>(std::floor((lon - half + M_PI) / (2 * M_PI) * kLonCells));
      lon_hi = static_cast<int>(std::floor((lon + half + M_PI) / (2 * M_PI) * kLonCells));
    }
    for (int lo = lon_lo; lo <= lon_hi && lo - lon_lo < kLonCells; ++lo) {
      const int cell = la * kLonCells + ((lo % kLonCells) + kLonCells) % kLonCells;
      for (std::uint32_t k = cell_start_[cell]; k < cell_start_[cell + 1]; ++k) {
        const std::uint32_t i = cell_items_[k];
        if (Dot(unit_[i], gu) < cos_max_central_angle_) continue;
        const geo::LookAngles look = frame.Look(1000.0 * states_[i].ecef.position_km);
        if (look.elevation_deg >= min_elevation_deg_) out.push_back({i, look});
      }
    }
  }
  std::sort(out.begin(), out.end(), [](const VisibleSatellite& a, const VisibleSatellite& b) {
    return a.look.elevation_deg > b.look.elevation_deg;
  });
  return out;
}

std::vector<VisibleSatellite> VisibilityIndex::VisibleBruteForce(
    const geo::Geodetic& ground) const {
  std::vector<VisibleSatellite> out;
  const geo::LocalFrame frame(ground);
  for (size_t i = 0; i < states_.size(); ++i) {
    const geo::LookAngles look = frame.Look(1000.0 * states_[i].ecef.position_km);
    if (look.elevation_deg >= min_elevation_deg_) {
      out.push_back({static_cast<std::uint32_t>(i), look});
    }
  }
  std::sort(out.begin(), out.end(), [](const VisibleSatellite& a, const VisibleSatellite& b) {
    return a.look.elevation_deg > b.look.elevation_deg;
  });
  return out;
}

}  // namespace satfence::orbit
