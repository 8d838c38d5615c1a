#include "satfence/verify/model.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>

#include "satfence/geo/geodetic.h"
#include "satfence/geo/local_frame.h"

namespace satfence::verify {

// Four lanes of doubles (GCC vector extensions): element-wise IEEE arithmetic, so the same
// bits whatever instructions carry it (SSE2 pairs, AVX), and no contraction (-ffp-contract=off).
using Lanes = double __attribute__((vector_size(4 * sizeof(double))));
constexpr int kLanes = 4;

// The lanes' sum, always in this order.
inline double SumLanes(const Lanes& sums) { return (sums[0] + sums[1]) + (sums[2] + sums[3]); }

struct Model::EpochBlock {
  Lanes dt;
  Lanes sat_pos[3];
  Lanes sat_vel[3];
  Lanes range, range_w;
  Lanes rate, rate_w;
  Lanes e1[3], e2[3];
  Lanes aoa_w;

  // The lines of sight from the four satellites to the terminal at `p` (moved by `v` over
  // each epoch's dt when moving), and their lengths.
  template <bool kMoving>
  void LineOfSight(geo::Vec3 p, geo::Vec3 v, Lanes d[3], Lanes& rho) const {
    if constexpr (kMoving) {
      d[0] = (p.x + dt * v.x) - sat_pos[0];
      d[1] = (p.y + dt * v.y) - sat_pos[1];
      d[2] = (p.z + dt * v.z) - sat_pos[2];
    } else {
      d[0] = p.x - sat_pos[0];
      d[1] = p.y - sat_pos[1];
      d[2] = p.z - sat_pos[2];
    }
    const Lanes rho2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
    for (int l = 0; l < kLanes; ++l) rho[l] = std::sqrt(rho2[l]);
  }
};

namespace {

using geo::Cross;
using geo::Dot;
using geo::Norm;
using geo::Vec3;

constexpr double kPi = 3.14159265358979323846;
constexpr double kDegToRad = kPi / 180.0;
// WGS-84 polar radius.
constexpr double kPolarRadius_m = geo::kWgs84EquatorialRadius_m * (1.0 - geo::kWgs84Flattening);

Vec3 Unit(Vec3 v) { return (1.0 / Norm(v)) * v; }

// Two unit vectors orthogonal to `m` and to each other.
void Across(Vec3 m, Vec3& e1, Vec3& e2) {
  Vec3 helper = std::abs(m.z) < 0.9 ? Vec3{0, 0, 1} : Vec3{1, 0, 0};
  e1 = Unit(Cross(helper, m));
  e2 = Cross(m, e1);
}

// Where the ray from `origin` along unit `dir` first meets the WGS-84 ellipsoid.
std::optional<Vec3> RayMeetsEllipsoid(Vec3 origin, Vec3 dir) {
  const double a = geo::kWgs84EquatorialRadius_m;
  const double b = kPolarRadius_m;
  Vec3 o{origin.x / a, origin.y / a, origin.z / b};
  Vec3 d{dir.x / a, dir.y / a, dir.z / b};
  double qa = Dot(d, d), qb = 2.0 * Dot(o, d), qc = Dot(o, o) - 1.0;
  double disc = qb * qb - 4.0 * qa * qc;
  if (disc < 0.0) return std::nullopt;
  double t = (-qb - std::sqrt(disc)) / (2.0 * qa);
  if (t <= 0.0) return std::nullopt;
  return origin + t * dir;
}

// Solves the symmetric system a x = b (LDLT) at the fixed size of the parameter layout, where
// Eigen's kernels unroll; the same factorisation as at the dynamic size.
template <int N>
ParamVector SolveSymmetricFixed(const ParamMatrix& a, const ParamVector& b) {
  const Eigen::Matrix<double, N, N> m = a;
  const Eigen::Matrix<double, N, 1> v = b;
  return ParamVector(m.ldlt().solve(v));
}

ParamVector SolveSymmetric(const ParamMatrix& a, const ParamVector& b) {
  switch (a.rows()) {
    case 3:
      return SolveSymmetricFixed<3>(a, b);
    case 4:
      return SolveSymmetricFixed<4>(a, b);
    case 5:
      return SolveSymmetricFixed<5>(a, b);
    case 6:
      return SolveSymmetricFixed<6>(a, b);
    case 7:
      return SolveSymmetricFixed<7>(a, b);
    case 8:
      return SolveSymmetricFixed<8>(a, b);
    case 9:
      return SolveSymmetricFixed<9>(a, b);
    default:
      return a.ldlt().solve(b);
  }
}

}  // namespace

TerminalState ClaimedState(const Claim& claim) {
  TerminalState s;
  s.position_ecef_m = geo::GeodeticToEcef(claim.position);
  if (claim.vel_enu_mps) {
    s.velocity_ecef_mps = geo::LocalFrame(claim.position).RotateEnuToEcef(*claim.vel_enu_mps);
  }
  return s;
}

Model::Model(const Report& report, KindSet kinds, bool moving, double surface_sigma_m,
             double drift_sigma_mps_per_s, const RangeBoundDelay& delay)
    : moving_(moving),
      drift_inv_sigma_(drift_sigma_mps_per_s > 0.0 ? 1.0 / drift_sigma_mps_per_s : 0.0),
      surface_inv_sigma_(surface_sigma_m > 0.0 ? 1.0 / surface_sigma_m : 0.0) {
  std::vector<Epoch> epochs;
  epochs.reserve(report.measurements.size());
  std::vector<std::string_view> satellites;  // ids in order of first appearance
  for (const Measurement& m : report.measurements) {
    if (!kinds.Has(m.kind)) continue;
    kinds_.Add(m.kind);
    const double dt_s = std::chrono::duration<double>(m.time - report.time).count();
    if (m.kind == Kind::kRangeBound || m.kind == Kind::kBeam) {
      Bound b;
      b.kind = m.kind;
      b.dt_s = dt_s;
      b.sat_pos = m.sat_pos_ecef_m;
      b.sat_vel = m.sat_vel_ecef_mps;
      b.value = m.kind == Kind::kBeam ? m.beam_radius_m : m.value;
      b.inv_sigma = 1.0 / m.sigma;
      if (m.kind == Kind::kRangeBound && delay.calibrated) {
        b.two_sided = true;
        b.value -= delay.mean_m;
        b.inv_sigma = 1.0 / std::hypot(m.sigma, delay.sigma_m);
      } else if (m.kind == Kind::kRangeBound) {
        b.inv_sigma = 1.0 / std::hypot(m.sigma, delay.one_sided_extra_sigma_m);
      }
      if (m.kind == Kind::kBeam) {
        b.beam_centre = geo::GeodeticToEcef(m.beam_centre);
        const double lat = m.beam_centre.lat_deg * kDegToRad,
                     lon = m.beam_centre.lon_deg * kDegToRad;
        b.beam_up = {std::cos(lat) * std::cos(lon), std::cos(lat) * std::sin(lon), std::sin(lat)};
      }
      bounds_.push_back(b);
      continue;
    }
    // A new epoch unless this measurement shares the last one's satellite state and time
    // and its kind is still free there.
    Epoch* e = epochs.empty() ? nullptr : &epochs.back();
    const bool same = e != nullptr && e->dt_s == dt_s && e->sat_pos == m.sat_pos_ecef_m;
    const bool taken = e != nullptr && ((m.kind == Kind::kRange && e->range_inv_sigma > 0.0) ||
                                        (m.kind == Kind::kRangeRate && e->rate_inv_sigma > 0.0) ||
                                        (m.kind == Kind::kAoa && e->aoa_inv_sigma > 0.0));
    if (!same || taken) {
      e = &epochs.emplace_back();
      e->dt_s = dt_s;
      e->sat_pos = m.sat_pos_ecef_m;
      e->sat_vel = m.sat_vel_ecef_mps;
      const auto known = std::find(satellites.begin(), satellites.end(), m.sat);
      e->satellite = static_cast<int>(known - satellites.begin());
      if (known == satellites.end()) {
        satellites.push_back(m.sat);
        satellite_sigma_m_.push_back(0.0);
      }
    }
    satellite_sigma_m_[e->satellite] = std::max(satellite_sigma_m_[e->satellite], m.sat_pos_sigma_m);
    switch (m.kind) {
      case Kind::kRange:
        e->range = m.value;
        e->range_inv_sigma = 1.0 / m.sigma;
        break;
      case Kind::kRangeRate:
        e->rate = m.value;
        e->rate_inv_sigma = 1.0 / m.sigma;
        break;
      default:
        Across(m.direction_ecef, e->e1, e->e2);
        e->aoa_inv_sigma = 1.0 / m.sigma;
        break;
    }
  }
  SetEpochs(std::move(epochs));
  Finish();
}

Model::Model(const Model& model, KindSet kinds)
    : satellite_sigma_m_(model.satellite_sigma_m_),
      moving_(model.moving_),
      drift_inv_sigma_(model.drift_inv_sigma_),
      surface_inv_sigma_(model.surface_inv_sigma_) {
  const bool keep_range = kinds.Has(Kind::kRange), keep_rate = kinds.Has(Kind::kRangeRate),
             keep_aoa = kinds.Has(Kind::kAoa);
  bool shareable = keep_aoa || !model.kinds_.Has(Kind::kAoa);
  for (const Epoch& e : *model.epochs_) {
    if (!shareable) break;
    shareable = (keep_range && e.range_inv_sigma > 0.0) || (keep_rate && e.rate_inv_sigma > 0.0) ||
                (keep_aoa && e.aoa_inv_sigma > 0.0);
  }
  for (Kind k : {Kind::kRange, Kind::kRangeRate, Kind::kAoa}) {
    if (kinds.Has(k) && model.kinds_.Has(k)) kinds_.Add(k);
  }
  if (shareable) {
    epochs_ = model.epochs_;
    blocks_ = model.blocks_;
  } else {
    std::vector<Epoch> epochs;
    epochs.reserve(model.epochs_->size());
    for (Epoch e : *model.epochs_) {
      if (!keep_range) e.range_inv_sigma = 0.0;
      if (!keep_rate) e.rate_inv_sigma = 0.0;
      if (!keep_aoa) e.aoa_inv_sigma = 0.0;
      if (e.range_inv_sigma > 0.0 || e.rate_inv_sigma > 0.0 || e.aoa_inv_sigma > 0.0) {
        epochs.push_back(e);
      }
    }
    SetEpochs(std::move(epochs));
  }
  for (const Bound& b : model.bounds_) {
    if (!kinds.Has(b.kind)) continue;
    kinds_.Add(b.kind);
    bounds_.push_back(b);
  }
  Finish();
}

void Model::SetEpochs(std::vector<Epoch> epochs) {
  // The last block's unused lanes repeat a real satellite position (a finite range) with
  // weight zero.
  std::vector<EpochBlock> blocks((epochs.size() + kLanes - 1) / kLanes);
  for (size_t i = 0; i < blocks.size() * kLanes; ++i) {
    EpochBlock& b = blocks[i / kLanes];
    const int l = static_cast<int>(i % kLanes);
    const bool real = i < epochs.size();
    const Epoch& e = epochs[real ? i : epochs.size() - 1];
    auto set = [l](Lanes* lanes, Vec3 v) {
      lanes[0][l] = v.x;
      lanes[1][l] = v.y;
      lanes[2][l] = v.z;
    };
    set(b.sat_pos, e.sat_pos);
    if (!real) continue;
    b.dt[l] = e.dt_s;
    set(b.sat_vel, e.sat_vel);
    b.range[l] = e.range;
    b.range_w[l] = e.range_inv_sigma;
    b.rate[l] = e.rate;
    b.rate_w[l] = e.rate_inv_sigma;
    set(b.e1, e.e1);
    set(b.e2, e.e2);
    b.aoa_w[l] = e.aoa_inv_sigma;
  }
  epochs_ = std::make_shared<const std::vector<Epoch>>(std::move(epochs));
  blocks_ = std::make_shared<const std::vector<EpochBlock>>(std::move(blocks));
}

void Model::Finish() {
  // Rows of kinds outside kinds_ are masked (a shared epoch list).
  const bool range = kinds_.Has(Kind::kRange), rate = kinds_.Has(Kind::kRangeRate);
  equality_residuals_ = 0;
  for (const Epoch& e : *epochs_) {
    equality_residuals_ += (range && e.range_inv_sigma > 0.0) + (rate && e.rate_inv_sigma > 0.0) +
                           2 * (e.aoa_inv_sigma > 0.0);
  }
  inequality_count_ = 0;
  for (const Bound& b : bounds_) (b.two_sided ? equality_residuals_ : inequality_count_) += 1;
  if (surface_inv_sigma_ > 0.0 && !empty()) ++equality_residuals_;
  if (drifts() && kinds_.Has(Kind::kRangeRate)) ++equality_residuals_;  // the drift's prior
  num_params_ = moving_ ? 6 : 3;
  if (kinds_.Has(Kind::kRange)) range_offset_ = num_params_++;
  if (kinds_.Has(Kind::kRangeRate)) {
    rate_offset_ = num_params_++;
    if (drifts()) ++num_params_;  // the offset's drift
  }
}

ParamVector Model::Pack(const TerminalState& s) const {
  ParamVector x = ParamVector::Zero(num_params_);
  x(0) = s.position_ecef_m.x;
  x(1) = s.position_ecef_m.y;
  x(2) = s.position_ecef_m.z;
  if (moving_) {
    x(3) = s.velocity_ecef_mps.x;
    x(4) = s.velocity_ecef_mps.y;
    x(5) = s.velocity_ecef_mps.z;
  }
  return x;
}

TerminalState Model::Unpack(const ParamVector& x) const {
  TerminalState s;
  s.position_ecef_m = {x(0), x(1), x(2)};
  if (moving_) s.velocity_ecef_mps = {x(3), x(4), x(5)};
  return s;
}

double Model::Evaluate(const ParamVector& x, ParamMatrix* info, ParamVector* gradient,
                       bool equality_only) const {
  const bool rate = rate_offset_ >= 0, drift = rate && drifts();
  const int layout = (moving_ ? 8 : 0) + (range_offset_ >= 0 ? 4 : 0) + (rate ? 2 : 0) + drift;
  switch (layout) {
#define SATFENCE_LAYOUT(n, m, r, q, d) \
  case n:                              \
    return EvaluateFixed<m, r, q, d>(x, info, gradient, equality_only);
    SATFENCE_LAYOUT(0, false, false, false, false)
    SATFENCE_LAYOUT(2, false, false, true, false)
    SATFENCE_LAYOUT(3, false, false, true, true)
    SATFENCE_LAYOUT(4, false, true, false, false)
    SATFENCE_LAYOUT(6, false, true, true, false)
    SATFENCE_LAYOUT(7, false, true, true, true)
    SATFENCE_LAYOUT(8, true, false, false, false)
    SATFENCE_LAYOUT(10, true, false, true, false)
    SATFENCE_LAYOUT(11, true, false, true, true)
    SATFENCE_LAYOUT(12, true, true, false, false)
    SATFENCE_LAYOUT(14, true, true, true, false)
    default:
      return EvaluateFixed<true, true, true, true>(x, info, gradient, equality_only);
#undef SATFENCE_LAYOUT
  }
}

// The parameter layout fixed at compile time, so the normal-equation updates unroll and the
// Jacobian row stays in registers: position, velocity when moving, then the offsets present.
template <bool kMoving, bool kRange, bool kRate, bool kDrift>
double Model::EvaluateFixed(const ParamVector& x, ParamMatrix* info, ParamVector* gradient,
                            bool equality_only) const {
  constexpr int kBase = kMoving ? 6 : 3;
  constexpr int kRangeIndex = kBase;
  constexpr int kRateIndex = kBase + (kRange ? 1 : 0);
  constexpr int kDriftIndex = kRateIndex + 1;
  constexpr int N = kBase + (kRange ? 1 : 0) + (kRate ? 1 : 0) + (kDrift ? 1 : 0);
  const Vec3 p{x(0), x(1), x(2)};
  Vec3 v;
  if constexpr (kMoving) v = {x(3), x(4), x(5)};
  const double b_range = kRange ? x(kRangeIndex) : 0.0;
  const double b_rate = kRate ? x(kRateIndex) : 0.0;
  const double drift = kDrift ? x(kDriftIndex) : 0.0;
  const bool want = info != nullptr;
  constexpr int kState = kMoving ? 6 : 3;  // position, and velocity when moving
  double a[N][N] = {};
  double g[N] = {};
  // Adds one row of the one-sided kinds or the surface (scaled by 1/sigma; no offset): `jp`
  // is its derivative by the position, jp * dt by the velocity when moving.
  auto row = [&](Vec3 jp, double dt, double res) {
    double q[kState];
    q[0] = jp.x;
    q[1] = jp.y;
    q[2] = jp.z;
    if constexpr (kMoving) {
      q[3] = q[0] * dt;
      q[4] = q[1] * dt;
      q[5] = q[2] * dt;
    }
#pragma GCC unroll 6
    for (int i = 0; i < kState; ++i) {
      g[i] += q[i] * res;
#pragma GCC unroll 6
      for (int k = i; k < kState; ++k) a[i][k] += q[i] * q[k];
    }
  };

  // The epochs, four at a time: each lane accumulates its own partial sums (epochs i, i + 4,
  // ...), added up in a fixed order at the end. Absent kinds have weight zero and add zeros.
  Lanes lane_a[N][N] = {};
  Lanes lane_g[N] = {};
  Lanes lane_chi2 = {};
  // `offset` (when >= 0) is the column of the row's offset, of derivative w_offset; a rate
  // row's drift column follows it, of derivative w_offset * dt.
  auto lane_row = [&](const Lanes jp[3], Lanes dt, const Lanes jv[3], int offset, Lanes w_offset,
                      Lanes res) __attribute__((always_inline)) {
    Lanes jl[N];
    jl[0] = jp[0];
    jl[1] = jp[1];
    jl[2] = jp[2];
    if constexpr (kMoving) {
      jl[3] = jp[0] * dt + jv[0];
      jl[4] = jp[1] * dt + jv[1];
      jl[5] = jp[2] * dt + jv[2];
    }
#pragma GCC unroll 8
    for (int i = 0; i < kState; ++i) {
      lane_g[i] += jl[i] * res;
#pragma GCC unroll 8
      for (int k = i; k < kState; ++k) lane_a[i][k] += jl[i] * jl[k];
    }
    if (offset >= 0) {
      lane_g[offset] += w_offset * res;
#pragma GCC unroll 8
      for (int i = 0; i < kState; ++i) lane_a[i][offset] += jl[i] * w_offset;
      lane_a[offset][offset] += w_offset * w_offset;
    }
    if constexpr (kDrift) {
      if (offset == kRateIndex) {
        const Lanes w_drift = w_offset * dt;
        lane_g[kDriftIndex] += w_drift * res;
#pragma GCC unroll 8
        for (int i = 0; i < kState; ++i) lane_a[i][kDriftIndex] += jl[i] * w_drift;
        lane_a[kRateIndex][kDriftIndex] += w_offset * w_drift;
        lane_a[kDriftIndex][kDriftIndex] += w_drift * w_drift;
      }
    }
  };
  const Lanes lanes_zero = {};
  const Lanes no_velocity[3] = {lanes_zero, lanes_zero, lanes_zero};
  for (const EpochBlock& e : *blocks_) {
    Lanes d[3], rho;
    e.LineOfSight<kMoving>(p, v, d, rho);
    const Lanes inv_rho = 1.0 / rho;
    const Lanes u[3] = {inv_rho * d[0], inv_rho * d[1], inv_rho * d[2]};
    if constexpr (kRange) {
      const Lanes w = e.range_w;
      const Lanes res = (e.range - rho - b_range) * w;
      lane_chi2 += res * res;
      if (want) {
        const Lanes jp[3] = {w * u[0], w * u[1], w * u[2]};
        lane_row(jp, e.dt, no_velocity, kRangeIndex, w, res);
      }
    }
    if constexpr (kRate) {
      const Lanes w = e.rate_w;
      const Lanes rel[3] = {v.x - e.sat_vel[0], v.y - e.sat_vel[1], v.z - e.sat_vel[2]};
      const Lanes uw = u[0] * rel[0] + u[1] * rel[1] + u[2] * rel[2];
      const Lanes res = (e.rate - uw - b_rate - drift * e.dt) * w;
      lane_chi2 += res * res;
      if (want) {
        Lanes jp[3], jv[3];
        for (int c = 0; c < 3; ++c) {
          jp[c] = w * (inv_rho * (rel[c] - uw * u[c]));
          jv[c] = w * u[c];
        }
        lane_row(jp, e.dt, jv, kRateIndex, w, res);
      }
    }
    {
      const Lanes w = e.aoa_w;
      const Lanes u1 = u[0] * e.e1[0] + u[1] * e.e1[1] + u[2] * e.e1[2];
      const Lanes u2 = u[0] * e.e2[0] + u[1] * e.e2[1] + u[2] * e.e2[2];
      lane_chi2 += (u1 * u1 + u2 * u2) * (w * w);
      if (want) {
        Lanes jp1[3], jp2[3];
        for (int c = 0; c < 3; ++c) {
          jp1[c] = w * (inv_rho * (e.e1[c] - u1 * u[c]));
          jp2[c] = w * (inv_rho * (e.e2[c] - u2 * u[c]));
        }
        lane_row(jp1, e.dt, no_velocity, -1, lanes_zero, -u1 * w);
        lane_row(jp2, e.dt, no_velocity, -1, lanes_zero, -u2 * w);
      }
    }
  }
  double chi2 = SumLanes(lane_chi2);
  if (want) {
    for (int i = 0; i < N; ++i) {
      g[i] = SumLanes(lane_g[i]);
      for (int k = i; k < N; ++k) a[i][k] = SumLanes(lane_a[i][k]);
    }
  }

  for (const Bound& b : bounds_) {
    if (!b.two_sided) continue;
    // A calibrated range bound: a range without an unknown offset.
    const Vec3 r = kMoving ? p + b.dt_s * v : p;
    const Vec3 dir = r - b.sat_pos;
    const double length = Norm(dir);
    const double res = (b.value - length) * b.inv_sigma;
    chi2 += res * res;
    if (want) row(b.inv_sigma * ((1.0 / length) * dir), b.dt_s, res);
  }
  if (!equality_only) {
    for (const Bound& b : bounds_) {
      if (b.two_sided) continue;
      const Vec3 r = kMoving ? p + b.dt_s * v : p;
      Vec3 dir;
      if (b.kind == Kind::kRangeBound) {
        dir = r - b.sat_pos;
      } else {
        const Vec3 db = r - b.beam_centre;
        dir = db - Dot(db, b.beam_up) * b.beam_up;
      }
      const double length = Norm(dir);
      const double excess = length - b.value;
      if (excess <= 0.0) continue;
      const double res = -excess * b.inv_sigma;
      chi2 += res * res;
      if (want) row(b.inv_sigma * ((1.0 / length) * dir), b.dt_s, res);
    }
  }
  if constexpr (kDrift) {
    // The drift's prior: 0 with sigma 1 / drift_inv_sigma_.
    const double res = -drift * drift_inv_sigma_;
    chi2 += res * res;
    if (want) {
      g[kDriftIndex] += drift_inv_sigma_ * res;
      a[kDriftIndex][kDriftIndex] += drift_inv_sigma_ * drift_inv_sigma_;
    }
  }
  if (surface_inv_sigma_ > 0.0 && !empty()) {
    // Height above the ellipsoid; its gradient is the ellipsoid normal at the point.
    geo::Geodetic gd = geo::EcefToGeodetic(p);
    const double res = -gd.height_m * surface_inv_sigma_;
    chi2 += res * res;
    if (want) {
      const double lat = gd.lat_deg * kDegToRad, lon = gd.lon_deg * kDegToRad;
      const Vec3 up{std::cos(lat) * std::cos(lon), std::cos(lat) * std::sin(lon), std::sin(lat)};
      // The height does not depend on the velocity (dt 0: only the position part).
      row(surface_inv_sigma_ * up, 0.0, res);
    }
  }
  if (want) {
    info->resize(N, N);
    gradient->resize(N);
    for (int i = 0; i < N; ++i) {
      (*gradient)(i) = g[i];
      for (int k = i; k < N; ++k) (*info)(i, k) = (*info)(k, i) = a[i][k];
    }
  }
  return chi2;
}

void Model::ProfileOffsets(ParamVector& x) const {
  if (range_offset_ < 0 && rate_offset_ < 0) return;
  const Vec3 p{x(0), x(1), x(2)};
  const Vec3 v = moving_ ? Vec3{x(3), x(4), x(5)} : Vec3{};
  const bool range = range_offset_ >= 0, rate = rate_offset_ >= 0;
  // Four epochs at a time, as in the evaluation (absent kinds weigh zero).
  Lanes range_sum = {}, range_w = {}, rate_sum = {}, rate_w = {};
  Lanes rate_wt = {}, rate_wtt = {}, rate_sum_t = {};  // for the drift: sums with dt, dt^2
  for (const EpochBlock& e : *blocks_) {
    Lanes d[3], rho;
    if (moving_) {
      e.LineOfSight<true>(p, v, d, rho);
    } else {
      e.LineOfSight<false>(p, v, d, rho);
    }
    if (range) {
      const Lanes w = e.range_w * e.range_w;
      range_sum += w * (e.range - rho);
      range_w += w;
    }
    if (rate) {
      const Lanes w = e.rate_w * e.rate_w;
      const Lanes inv_rho = 1.0 / rho;
      const Lanes uw = (inv_rho * d[0]) * (v.x - e.sat_vel[0]) +
                       (inv_rho * d[1]) * (v.y - e.sat_vel[1]) +
                       (inv_rho * d[2]) * (v.z - e.sat_vel[2]);
      rate_sum += w * (e.rate - uw);
      rate_w += w;
      rate_wt += w * e.dt;
      rate_wtt += w * e.dt * e.dt;
      rate_sum_t += w * e.dt * (e.rate - uw);
    }
  }
  if (range) x(range_offset_) = SumLanes(range_sum) / SumLanes(range_w);
  if (rate) {
    // Weighted least squares of the rate residuals on (1, dt): the offset and its drift.
    const double s0 = SumLanes(rate_w), s1 = SumLanes(rate_wt),
                 s2 = SumLanes(rate_wtt) + drift_inv_sigma_ * drift_inv_sigma_;  // the prior
    const double t0 = SumLanes(rate_sum), t1 = SumLanes(rate_sum_t);
    const double det = s0 * s2 - s1 * s1;
    if (!drifts()) {
      x(rate_offset_) = t0 / s0;
    } else if (det > 1e-12 * s0 * s2) {
      x(rate_offset_) = (s2 * t0 - s1 * t1) / det;
      x(rate_offset_ + 1) = (s0 * t1 - s1 * t0) / det;
    } else {  // every rate at one instant: no drift to see
      x(rate_offset_) = t0 / s0;
      x(rate_offset_ + 1) = 0.0;
    }
  }
}

double Model::MaxViolation(const ParamVector& x) const {
  const Vec3 p{x(0), x(1), x(2)};
  const Vec3 v = moving_ ? Vec3{x(3), x(4), x(5)} : Vec3{};
  double worst = 0.0;
  for (const Bound& b : bounds_) {
    if (b.two_sided) continue;
    const Vec3 r = moving_ ? p + b.dt_s * v : p;
    double excess;
    if (b.kind == Kind::kRangeBound) {
      excess = Norm(r - b.sat_pos) - b.value;
    } else {
      const Vec3 d = r - b.beam_centre;
      excess = Norm(d - Dot(d, b.beam_up) * b.beam_up) - b.value;
    }
    worst = std::max(worst, excess * b.inv_sigma);
  }
  return worst;
}

template <typename F>
void Model::ForEachEpochResidual(const ParamVector& x, F&& f) const {
  const Vec3 p{x(0), x(1), x(2)};
  const Vec3 v = moving_ ? Vec3{x(3), x(4), x(5)} : Vec3{};
  const double b_range = range_offset_ >= 0 ? x(range_offset_) : 0.0;
  const double b_rate = rate_offset_ >= 0 ? x(rate_offset_) : 0.0;
  const double drift = rate_drift_index() >= 0 ? x(rate_drift_index()) : 0.0;
  for (const Epoch& e : *epochs_) {
    const Vec3 r = moving_ ? p + e.dt_s * v : p;
    const Vec3 d = r - e.sat_pos;
    const double rho = Norm(d);
    const Vec3 u = (1.0 / rho) * d;
    const double range = (e.range - (rho + b_range)) * e.range_inv_sigma;
    const double rate =
        (e.rate - (Dot(u, v - e.sat_vel) + b_rate + drift * e.dt_s)) * e.rate_inv_sigma;
    const double a1 = Dot(u, e.e1) * e.aoa_inv_sigma, a2 = Dot(u, e.e2) * e.aoa_inv_sigma;
    f(e, range, rate, a1, a2, u, rho);
  }
}

Model::KindFit Model::FitByKind(const ParamVector& x) const {
  KindFit fit;
  const bool use_range = kinds_.Has(Kind::kRange), use_rate = kinds_.Has(Kind::kRangeRate),
             use_aoa = kinds_.Has(Kind::kAoa);
  // Leverages: h = j' I^-1 j for each row's whitened Jacobian j (the rows as Evaluate forms
  // them), with I from Evaluate. Full rank in practice (LDLT); the pseudo-inverse when some
  // direction is not measured.
  ParamMatrix info;
  ParamVector gradient;
  Evaluate(x, &info, &gradient, /*equality_only=*/true);
  const int n = num_params_;
  ParamMatrix info_inv;
  const Eigen::LDLT<ParamMatrix> ldlt(info);
  if (ldlt.info() == Eigen::Success && ldlt.isPositive() &&
      ldlt.vectorD().minCoeff() > 1e-12 * ldlt.vectorD().maxCoeff()) {
    info_inv = ldlt.solve(ParamMatrix::Identity(info.rows(), info.cols()));
  } else {
    info_inv = info.completeOrthogonalDecomposition().pseudoInverse();
  }
  const Vec3 v = moving_ ? Vec3{x(3), x(4), x(5)} : Vec3{};
  auto leverage = [&](const Vec3& jp, double dt, const Vec3& jv, int offset, double w_offset,
                      double w_drift) {
    ParamVector j = ParamVector::Zero(n);
    j(0) = jp.x;
    j(1) = jp.y;
    j(2) = jp.z;
    if (moving_) {
      j(3) = jp.x * dt + jv.x;
      j(4) = jp.y * dt + jv.y;
      j(5) = jp.z * dt + jv.z;
    }
    if (offset >= 0) j(offset) = w_offset;
    if (offset >= 0 && offset == rate_offset_ && drifts()) j(offset + 1) = w_drift;
    return std::clamp(j.dot(info_inv * j), 0.0, 1.0);
  };
  ForEachEpochResidual(x, [&](const Epoch& e, double range, double rate, double a1, double a2,
                              const Vec3& u, double rho) {
    if (use_range && e.range_inv_sigma > 0.0) {
      const double w = e.range_inv_sigma;
      fit.squared[0].push_back(range * range);
      fit.leverage[0].push_back(leverage(w * u, e.dt_s, Vec3{}, range_offset_, w, 0.0));
    }
    if (use_rate && e.rate_inv_sigma > 0.0) {
      const double w = e.rate_inv_sigma;
      const Vec3 rel = v - e.sat_vel;
      const Vec3 jp = (w / rho) * (rel - Dot(u, rel) * u);
      fit.squared[1].push_back(rate * rate);
      fit.leverage[1].push_back(leverage(jp, e.dt_s, w * u, rate_offset_, w, w * e.dt_s));
    }
    if (use_aoa && e.aoa_inv_sigma > 0.0) {
      const double w = e.aoa_inv_sigma;
      fit.squared[2].push_back(a1 * a1);
      fit.squared[2].push_back(a2 * a2);
      for (const Vec3& axis : {e.e1, e.e2}) {
        const Vec3 jp = (w / rho) * (axis - Dot(u, axis) * u);
        fit.leverage[2].push_back(leverage(jp, e.dt_s, Vec3{}, -1, 0.0, 0.0));
      }
    }
  });
  return fit;
}

double Model::MaxSatellitePositionSigma() const {
  double largest = 0.0;
  for (double s : satellite_sigma_m_) largest = std::max(largest, s);
  return largest;
}

std::vector<ParamMatrix> Model::InformationBySatellite(const ParamVector& x) const {
  int count = 0;
  for (const Epoch& e : *epochs_) count = std::max(count, e.satellite + 1);
  std::vector<ParamMatrix> out;
  for (int k = 0; k < count; ++k) {
    std::vector<Epoch> own;
    for (const Epoch& e : *epochs_) {
      if (e.satellite == k) own.push_back(e);
    }
    Model part = *this;
    part.bounds_.clear();
    part.surface_inv_sigma_ = 0.0;
    part.SetEpochs(std::move(own));
    ParamMatrix info;
    ParamVector gradient;
    part.Evaluate(x, &info, &gradient, /*equality_only=*/true);
    out.push_back(std::move(info));
  }
  return out;
}

Model Model::WithoutRow(int kind, int row) const {
  const bool use[3] = {kinds_.Has(Kind::kRange), kinds_.Has(Kind::kRangeRate),
                       kinds_.Has(Kind::kAoa)};
  std::vector<Epoch> epochs = *epochs_;
  int seen[3] = {0, 0, 0};
  for (Epoch& e : epochs) {
    double* w[3] = {&e.range_inv_sigma, &e.rate_inv_sigma, &e.aoa_inv_sigma};
    for (int k = 0; k < 3; ++k) {
      if (!use[k] || *w[k] <= 0.0) continue;
      const int rows = k == 2 ? 2 : 1;
      if (k == kind && row >= seen[k] && row < seen[k] + rows) *w[k] = 0.0;
      seen[k] += rows;
    }
  }
  Model out = *this;
  out.SetEpochs(std::move(epochs));
  out.Finish();
  return out;
}

Model Model::Reweighted(const ParamVector& x, const double (&sigma_scale)[3],
                        double outlier_z) const {
  return Reweighted(x, sigma_scale, outlier_z, FitByKind(x));
}

Model Model::Reweighted(const ParamVector& x, const double (&sigma_scale)[3], double outlier_z,
                        const KindFit& fit) const {
  // outlier_z is in stated sigmas; a rescaled kind's bound scales with it.
  Model out = *this;
  const bool use_range = kinds_.Has(Kind::kRange), use_rate = kinds_.Has(Kind::kRangeRate),
             use_aoa = kinds_.Has(Kind::kAoa);
  std::vector<Epoch> epochs;
  epochs.reserve(epochs_->size());
  // Rows are judged by their deleted residuals (KindFit): r / sqrt(1 - h).
  size_t next[3] = {0, 0, 0};
  auto deleted = [&](int k, double residual) {
    const double h = next[k] < fit.leverage[k].size() ? fit.leverage[k][next[k]] : 0.0;
    ++next[k];
    return std::abs(residual) / std::sqrt(std::max(1.0 - h, 0.05));
  };
  ForEachEpochResidual(x, [&](const Epoch& original, double range, double rate, double a1,
                              double a2, const Vec3&, double) {
    Epoch e = original;
    const bool has_range = use_range && e.range_inv_sigma > 0.0;
    const bool has_rate = use_rate && e.rate_inv_sigma > 0.0;
    const bool has_aoa = use_aoa && e.aoa_inv_sigma > 0.0;
    if (!has_range || deleted(0, range) > outlier_z * sigma_scale[0]) e.range_inv_sigma = 0.0;
    if (!has_rate || deleted(1, rate) > outlier_z * sigma_scale[1]) e.rate_inv_sigma = 0.0;
    if (has_aoa) {
      const double d1 = deleted(2, a1), d2 = deleted(2, a2);
      if (std::max(d1, d2) > outlier_z * sigma_scale[2]) e.aoa_inv_sigma = 0.0;
    } else {
      e.aoa_inv_sigma = 0.0;
    }
    e.range_inv_sigma /= sigma_scale[0];
    e.rate_inv_sigma /= sigma_scale[1];
    e.aoa_inv_sigma /= sigma_scale[2];
    if (e.range_inv_sigma > 0.0 || e.rate_inv_sigma > 0.0 || e.aoa_inv_sigma > 0.0) {
      epochs.push_back(e);
    }
  });
  out.SetEpochs(std::move(epochs));
  // A kind whose every row went is no longer present (and its offset no longer estimated).
  KindSet kinds;
  for (Kind k : {Kind::kRange, Kind::kRangeRate, Kind::kAoa}) {
    if (!kinds_.Has(k)) continue;
    for (const Epoch& e : *out.epochs_) {
      const double w = k == Kind::kRange       ? e.range_inv_sigma
                       : k == Kind::kRangeRate ? e.rate_inv_sigma
                                               : e.aoa_inv_sigma;
      if (w > 0.0) {
        kinds.Add(k);
        break;
      }
    }
  }
  for (const Bound& b : bounds_) kinds.Add(b.kind);
  out.kinds_ = kinds;
  out.range_offset_ = -1;
  out.rate_offset_ = -1;
  out.Finish();
  return out;
}

std::optional<TerminalState> Model::MeanSatellite() const {
  TerminalState mean;
  int n = 0;
  auto add = [&](Vec3 pos, Vec3 vel) {
    mean.position_ecef_m = mean.position_ecef_m + pos;
    mean.velocity_ecef_mps = mean.velocity_ecef_mps + vel;
    ++n;
  };
  for (const Epoch& e : *epochs_) add(e.sat_pos, e.sat_vel);
  for (const Bound& b : bounds_) {
    if (b.kind == Kind::kRangeBound) add(b.sat_pos, b.sat_vel);
  }
  if (n == 0) return std::nullopt;
  mean.position_ecef_m = (1.0 / n) * mean.position_ecef_m;
  mean.velocity_ecef_mps = (1.0 / n) * mean.velocity_ecef_mps;
  return mean;
}

std::vector<Vec3> Model::MeasurementStarts() const {
  std::vector<Vec3> starts;
  // Angles of arrival: each ray meets the ground within about sigma x range (a few km) of
  // the terminal; their mean is closer still.
  Vec3 sum;
  int hits = 0;
  for (const Epoch& e : *epochs_) {
    if (e.aoa_inv_sigma == 0.0) continue;
    if (auto hit = RayMeetsEllipsoid(e.sat_pos, Cross(e.e1, e.e2))) {
      sum = sum + *hit;
      ++hits;
    }
  }
  if (hits > 0) return {(1.0 / hits) * sum};
  for (const Bound& b : bounds_) {
    if (b.kind == Kind::kBeam) return {b.beam_centre};
  }

  // Ranges and range rates only: search the ground the first satellite can see (central
  // angle up to 15 deg, elevation above ~10 deg at Starlink heights) on a 1.5 deg grid, and
  // keep the two best places that are far apart (the pass's mirror pair).
  const Vec3* first = nullptr;
  if (!epochs_->empty()) first = &epochs_->front().sat_pos;
  for (const Bound& b : bounds_) {
    if (first == nullptr && b.kind == Kind::kRangeBound) first = &b.sat_pos;
  }
  if (first == nullptr) return starts;
  Vec3 centre = Unit(*first);
  Vec3 east = Unit(Cross(Vec3{0, 0, 1}, centre));
  if (!std::isfinite(east.x)) east = {1, 0, 0};
  Vec3 north = Cross(centre, east);
  struct Candidate {
    Vec3 position;
    double chi2;
  };
  std::vector<Candidate> grid;
  const double step_rad = 1.5 * kDegToRad;
  for (int ring = 0; ring <= 10; ++ring) {
    double theta = ring * step_rad;
    int count = ring == 0 ? 1 : static_cast<int>(std::ceil(2.0 * kPi * std::sin(theta) / step_rad));
    for (int k = 0; k < count; ++k) {
      double phi = 2.0 * kPi * k / count;
      Vec3 dir = std::cos(theta) * centre +
                 std::sin(theta) * (std::cos(phi) * north + std::sin(phi) * east);
      geo::Geodetic g = geo::EcefToGeodetic(geo::kWgs84EquatorialRadius_m * dir);
      g.height_m = 0.0;
      Vec3 ground = geo::GeodeticToEcef(g);
      ParamVector x = Pack({ground, {}});
      ProfileOffsets(x);
      grid.push_back({ground, Evaluate(x, nullptr, nullptr)});
    }
  }
  std::sort(grid.begin(), grid.end(),
            [](const Candidate& a, const Candidate& b) { return a.chi2 < b.chi2; });
  const double far_m = 1.5 * step_rad * geo::kWgs84EquatorialRadius_m;
  for (const Candidate& c : grid) {
    bool distinct = true;
    for (const Vec3& s : starts) distinct = distinct && Norm(c.position - s) > far_m;
    if (distinct) starts.push_back(c.position);
    if (starts.size() == 2) break;
  }
  return starts;
}

Solution Solve(const Model& model, ParamVector x, int max_iterations) {
  constexpr bool kTwoSided = true;
  constexpr double kMaxStep_m = 100'000.0;
  Solution s;
  model.ProfileOffsets(x);
  ParamMatrix info, info_next;
  ParamVector gradient, gradient_next;
  double chi2 = model.Evaluate(x, &info, &gradient, kTwoSided);
  double lambda = 1e-6;
  const int n = model.num_params();
  for (s.iterations = 1; s.iterations <= max_iterations; ++s.iterations) {
    ParamMatrix damped = info;
    for (int i = 0; i < n; ++i) damped(i, i) += lambda * std::max(info(i, i), 1e-12);
    ParamVector step = SolveSymmetric(damped, gradient);
    if (!step.allFinite()) break;
    // A trust region: no step moves the terminal more than 100 km (far starts cross the
    // ground in several steps instead of leaping off the Earth).
    double length_m = step.head<3>().norm();
    if (length_m > kMaxStep_m) step *= kMaxStep_m / length_m;
    // Gauss-Newton predicts a decrease of about gradient . step. When the step would move
    // the terminal less than 5 cm (1 cm/s) for less than 1e-3 of chi-square, far below any
    // uncertainty reported, x is the minimum and the step need not be evaluated.
    if (length_m < 0.05 && (!model.moving() || step.segment<3>(3).norm() < 0.01) &&
        gradient.dot(step) < 1e-3) {
      s.converged = true;
      break;
    }
    ParamVector next = x + step;
    double chi2_next = model.Evaluate(next, &info_next, &gradient_next, kTwoSided);
    double position_step_m = step.head<3>().norm();
    double velocity_step_mps = model.moving() ? step.segment<3>(3).norm() : 0.0;
    bool small = position_step_m < 1e-3 && velocity_step_mps < 1e-3;
    if (chi2_next <= chi2) {
      // No measurable gain (a flat valley of a weak geometry) also ends the search.
      bool flat = chi2 - chi2_next <= 1e-10 * (1.0 + chi2);
      small = small || flat;
      x = next;
      chi2 = chi2_next;
      std::swap(info, info_next);
      std::swap(gradient, gradient_next);
      lambda = std::max(lambda * 0.1, 1e-12);
      if (small) {
        s.converged = true;
        break;
      }
    } else {
      if (small) {  // no better point within a millimetre: at the minimum
        s.converged = true;
        break;
      }
      lambda *= 10.0;
      if (lambda > 1e12) break;
    }
  }
  s.x = x;
  s.chi2 = chi2;
  s.information = info;
  return s;
}

ParamMatrix SchurComplement(const ParamMatrix& info, int k) {
  const int n = static_cast<int>(info.rows());
  ParamMatrix a = info.topLeftCorner(k, k);
  if (n == k) return a;
  ParamMatrix b = info.topRightCorner(k, n - k);
  ParamMatrix d = info.bottomRightCorner(n - k, n - k);
  // The eliminated block is usually well conditioned (offsets; velocity when moving): LDLT.
  // When it is singular (a velocity component nothing measures), its pseudo-inverse.
  Eigen::LDLT<ParamMatrix> ldlt(d);
  const auto pivots = ldlt.vectorD();
  const bool regular =
      ldlt.info() == Eigen::Success && pivots.minCoeff() > 1e-12 * pivots.maxCoeff();
  ParamMatrix d_inv_bt =
      regular ? ParamMatrix(ldlt.solve(b.transpose()))
              : ParamMatrix(d.completeOrthogonalDecomposition().pseudoInverse() * b.transpose());
  ParamMatrix s = a - b * d_inv_bt;
  return 0.5 * (s + s.transpose());
}

int InformationRank(const ParamMatrix& info) {
  const int n = static_cast<int>(info.rows());
  ParamVector scale(n);
  for (int i = 0; i < n; ++i) {
    scale(i) = info(i, i) > 0.0 ? 1.0 / std::sqrt(info(i, i)) : 0.0;
  }
  ParamMatrix scaled = scale.asDiagonal() * info * scale.asDiagonal();
  ParamVector eigenvalues;
  if (n == 3) {  // the position alone: Eigen's closed form
    Eigen::SelfAdjointEigenSolver<Eigen::Matrix3d> eig;
    eig.computeDirect(Eigen::Matrix3d(scaled), Eigen::EigenvaluesOnly);
    eigenvalues = eig.eigenvalues();
  } else {
    eigenvalues = Eigen::MatrixXd(scaled).selfadjointView<Eigen::Lower>().eigenvalues();
  }
  int rank = 0;
  for (int i = 0; i < n; ++i) rank += eigenvalues(i) > 1e-9 ? 1 : 0;
  return rank;
}

}  // namespace satfence::verify
