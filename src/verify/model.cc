#include "satfence/verify/model.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>

#include "satfence/geo/geodetic.h"
#include "satfence/geo/local_frame.h"

namespace satfence::verify {
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

// Accumulates J^T J and J^T r for rows of a small Jacobian.
struct Normal {
  int n;
  double a[kMaxParams][kMaxParams] = {};
  double g[kMaxParams] = {};
  void Add(const double* j, double r) {
    for (int i = 0; i < n; ++i) {
      if (j[i] == 0.0) continue;
      g[i] += j[i] * r;
      for (int k = i; k < n; ++k) a[i][k] += j[i] * j[k];
    }
  }
  void Export(ParamMatrix& info, ParamVector& gradient) const {
    info.resize(n, n);
    gradient.resize(n);
    for (int i = 0; i < n; ++i) {
      gradient(i) = g[i];
      for (int k = i; k < n; ++k) info(i, k) = info(k, i) = a[i][k];
    }
  }
};

}  // namespace

TerminalState ClaimedState(const Claim& claim) {
  TerminalState s;
  s.position_ecef_m = geo::GeodeticToEcef(claim.position);
  if (claim.vel_enu_mps) {
    s.velocity_ecef_mps = geo::LocalFrame(claim.position).RotateEnuToEcef(*claim.vel_enu_mps);
  }
  return s;
}

Model::Model(const Report& report, KindSet kinds, bool moving, double surface_sigma_m)
    : moving_(moving), surface_inv_sigma_(surface_sigma_m > 0.0 ? 1.0 / surface_sigma_m : 0.0) {
  rows_.reserve(report.measurements.size());
  const Row* last_sat = nullptr;  // the last row with a satellite (reserve keeps it valid)
  bool has_range = false, has_rate = false;
  for (const Measurement& m : report.measurements) {
    if (!kinds.Has(m.kind)) continue;
    Row row{};
    row.kind = m.kind;
    row.dt_s = std::chrono::duration<double>(m.time - report.time).count();
    row.sat_pos = m.sat_pos_ecef_m;
    row.sat_vel = m.sat_vel_ecef_mps;
    row.value = m.value;
    row.inv_sigma = 1.0 / m.sigma;
    switch (m.kind) {
      case Kind::kRange:
        has_range = true;
        ++equality_residuals_;
        break;
      case Kind::kRangeRate:
        has_rate = true;
        ++equality_residuals_;
        break;
      case Kind::kAoa:
        Across(m.direction_ecef, row.e1, row.e2);
        equality_residuals_ += 2;
        break;
      case Kind::kRangeBound:
        ++inequality_count_;
        break;
      case Kind::kBeam: {
        row.beam_centre = geo::GeodeticToEcef(m.beam_centre);
        geo::LocalFrame frame(m.beam_centre);
        row.beam_up = frame.RotateEnuToEcef({0, 0, 1});
        row.value = m.beam_radius_m;
        ++inequality_count_;
        break;
      }
    }
    if (m.kind != Kind::kBeam) {
      row.same_geometry = last_sat != nullptr && last_sat->dt_s == row.dt_s &&
                          last_sat->sat_pos == row.sat_pos;
    }
    kinds_.Add(m.kind);
    rows_.push_back(row);
    if (m.kind != Kind::kBeam) last_sat = &rows_.back();
  }
  if (surface_inv_sigma_ > 0.0 && !rows_.empty()) ++equality_residuals_;
  num_params_ = moving_ ? 6 : 3;
  if (has_range) range_offset_ = num_params_++;
  if (has_rate) rate_offset_ = num_params_++;
}

Model::Model(const Model& model, KindSet kinds)
    : moving_(model.moving_), surface_inv_sigma_(model.surface_inv_sigma_) {
  rows_.reserve(model.rows_.size());
  bool has_range = false, has_rate = false;
  const Row* last_sat = nullptr;
  for (const Row& source : model.rows_) {
    if (!kinds.Has(source.kind)) continue;
    rows_.push_back(source);
    Row& row = rows_.back();
    switch (row.kind) {
      case Kind::kRange: has_range = true; ++equality_residuals_; break;
      case Kind::kRangeRate: has_rate = true; ++equality_residuals_; break;
      case Kind::kAoa: equality_residuals_ += 2; break;
      case Kind::kRangeBound:
      case Kind::kBeam: ++inequality_count_; break;
    }
    if (row.kind != Kind::kBeam) {
      row.same_geometry = last_sat != nullptr && last_sat->dt_s == row.dt_s &&
                          last_sat->sat_pos == row.sat_pos;
      last_sat = &row;
    }
    kinds_.Add(row.kind);
  }
  if (surface_inv_sigma_ > 0.0 && !rows_.empty()) ++equality_residuals_;
  num_params_ = moving_ ? 6 : 3;
  if (has_range) range_offset_ = num_params_++;
  if (has_rate) rate_offset_ = num_params_++;
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
                       bool equality_only, int* active_one_sided) const {
  const Vec3 p{x(0), x(1), x(2)};
  const Vec3 v = moving_ ? Vec3{x(3), x(4), x(5)} : Vec3{};
  const double b_range = range_offset_ >= 0 ? x(range_offset_) : 0.0;
  const double b_rate = rate_offset_ >= 0 ? x(rate_offset_) : 0.0;
  const bool want = info != nullptr;
  Normal normal{num_params_};
  double j[kMaxParams];
  auto set_motion = [&](Vec3 d_dp, double dt, double scale) {
    std::fill(j, j + num_params_, 0.0);
    j[0] = d_dp.x * scale;
    j[1] = d_dp.y * scale;
    j[2] = d_dp.z * scale;
    if (moving_) {
      j[3] = j[0] * dt;
      j[4] = j[1] * dt;
      j[5] = j[2] * dt;
    }
  };

  // Rows of one epoch (same satellite, same time) share the line of sight: computed once.
  Vec3 d, u;
  double rho = 0.0, inv_rho = 0.0;
  int active = 0;
  double chi2 = 0.0;
  for (const Row& row : rows_) {
    if (row.kind != Kind::kBeam && !row.same_geometry) {
      d = (moving_ ? p + row.dt_s * v : p) - row.sat_pos;
      rho = Norm(d);
      inv_rho = 1.0 / rho;
      u = inv_rho * d;
    }
    switch (row.kind) {
      case Kind::kRange: {
        double res = (row.value - rho - b_range) * row.inv_sigma;
        chi2 += res * res;
        if (want) {
          set_motion(u, row.dt_s, row.inv_sigma);
          j[range_offset_] = row.inv_sigma;
          normal.Add(j, res);
        }
        break;
      }
      case Kind::kRangeRate: {
        Vec3 w = v - row.sat_vel;
        double uw = Dot(u, w);
        double res = (row.value - uw - b_rate) * row.inv_sigma;
        chi2 += res * res;
        if (want) {
          set_motion(inv_rho * (w - uw * u), row.dt_s, row.inv_sigma);
          if (moving_) {
            j[3] += u.x * row.inv_sigma;
            j[4] += u.y * row.inv_sigma;
            j[5] += u.z * row.inv_sigma;
          }
          j[rate_offset_] = row.inv_sigma;
          normal.Add(j, res);
        }
        break;
      }
      case Kind::kAoa: {
        for (Vec3 e : {row.e1, row.e2}) {
          double ue = Dot(u, e);
          double res = -ue * row.inv_sigma;
          chi2 += res * res;
          if (want) {
            set_motion(inv_rho * (e - ue * u), row.dt_s, row.inv_sigma);
            normal.Add(j, res);
          }
        }
        break;
      }
      case Kind::kRangeBound: {
        if (equality_only || rho <= row.value) break;
        ++active;
        double res = (row.value - rho) * row.inv_sigma;
        chi2 += res * res;
        if (want) {
          set_motion(u, row.dt_s, row.inv_sigma);
          normal.Add(j, res);
        }
        break;
      }
      case Kind::kBeam: {
        if (equality_only) break;
        Vec3 db = (moving_ ? p + row.dt_s * v : p) - row.beam_centre;
        Vec3 h = db - Dot(db, row.beam_up) * row.beam_up;
        double dist = Norm(h);
        if (dist <= row.value) break;
        ++active;
        double res = (row.value - dist) * row.inv_sigma;
        chi2 += res * res;
        if (want) {
          set_motion((1.0 / dist) * h, row.dt_s, row.inv_sigma);
          normal.Add(j, res);
        }
        break;
      }
    }
  }
  if (surface_inv_sigma_ > 0.0 && !rows_.empty()) {
    // Height above the ellipsoid; its gradient is the ellipsoid normal at the point.
    geo::Geodetic g = geo::EcefToGeodetic(p);
    double res = -g.height_m * surface_inv_sigma_;
    chi2 += res * res;
    if (want) {
      double lat = g.lat_deg * kDegToRad, lon = g.lon_deg * kDegToRad;
      Vec3 up{std::cos(lat) * std::cos(lon), std::cos(lat) * std::sin(lon), std::sin(lat)};
      std::fill(j, j + num_params_, 0.0);
      j[0] = up.x * surface_inv_sigma_;
      j[1] = up.y * surface_inv_sigma_;
      j[2] = up.z * surface_inv_sigma_;
      normal.Add(j, res);
    }
  }
  if (want) normal.Export(*info, *gradient);
  if (active_one_sided != nullptr) *active_one_sided = active;
  return chi2;
}

void Model::ProfileOffsets(ParamVector& x) const {
  if (range_offset_ < 0 && rate_offset_ < 0) return;
  const Vec3 p{x(0), x(1), x(2)};
  const Vec3 v = moving_ ? Vec3{x(3), x(4), x(5)} : Vec3{};
  double range_sum = 0, range_w = 0, rate_sum = 0, rate_w = 0;
  for (const Row& row : rows_) {
    if (row.kind != Kind::kRange && row.kind != Kind::kRangeRate) continue;
    const Vec3 r = moving_ ? p + row.dt_s * v : p;
    Vec3 d = r - row.sat_pos;
    double rho = Norm(d);
    double w = row.inv_sigma * row.inv_sigma;
    if (row.kind == Kind::kRange) {
      range_sum += w * (row.value - rho);
      range_w += w;
    } else {
      rate_sum += w * (row.value - Dot((1.0 / rho) * d, v - row.sat_vel));
      rate_w += w;
    }
  }
  if (range_offset_ >= 0) x(range_offset_) = range_sum / range_w;
  if (rate_offset_ >= 0) x(rate_offset_) = rate_sum / rate_w;
}

double Model::MaxViolation(const ParamVector& x) const {
  const Vec3 p{x(0), x(1), x(2)};
  const Vec3 v = moving_ ? Vec3{x(3), x(4), x(5)} : Vec3{};
  double worst = 0.0;
  for (const Row& row : rows_) {
    const Vec3 r = moving_ ? p + row.dt_s * v : p;
    double excess = 0.0;
    if (row.kind == Kind::kRangeBound) {
      excess = Norm(r - row.sat_pos) - row.value;
    } else if (row.kind == Kind::kBeam) {
      Vec3 d = r - row.beam_centre;
      excess = Norm(d - Dot(d, row.beam_up) * row.beam_up) - row.value;
    } else {
      continue;
    }
    worst = std::max(worst, excess * row.inv_sigma);
  }
  return worst;
}

std::optional<TerminalState> Model::MeanSatellite() const {
  TerminalState mean;
  int n = 0;
  for (const Row& row : rows_) {
    if (row.kind == Kind::kBeam) continue;
    mean.position_ecef_m = mean.position_ecef_m + row.sat_pos;
    mean.velocity_ecef_mps = mean.velocity_ecef_mps + row.sat_vel;
    ++n;
  }
  if (n == 0) return std::nullopt;
  mean.position_ecef_m = (1.0 / n) * mean.position_ecef_m;
  mean.velocity_ecef_mps = (1.0 / n) * mean.velocity_ecef_mps;
  return mean;
}

std::vector<Vec3> Model::MeasurementStarts() const {
  std::vector<Vec3> starts;
  // Angle of arrival: the ray from the satellite meets the ground near the terminal.
  std::vector<const Row*> aoa, beams;
  for (const Row& row : rows_) {
    if (row.kind == Kind::kAoa) aoa.push_back(&row);
    if (row.kind == Kind::kBeam) beams.push_back(&row);
  }
  if (!aoa.empty()) {
    // The middle one (its error on the ground is about sigma x range, a few km at most).
    const Row& row = *aoa[aoa.size() / 2];
    if (auto hit = RayMeetsEllipsoid(row.sat_pos, Cross(row.e1, row.e2))) starts.push_back(*hit);
  }
  if (starts.empty() && !beams.empty()) starts.push_back(beams.front()->beam_centre);
  if (!starts.empty()) return starts;

  // Ranges and range rates only: search the ground the first satellite can see (central
  // angle up to 15 deg, elevation above ~10 deg at Starlink heights) on a 1.5 deg grid, and
  // keep the two best places that are far apart (the pass's mirror pair).
  const Row* first = nullptr;
  for (const Row& row : rows_) {
    if (row.kind != Kind::kBeam) {
      first = &row;
      break;
    }
  }
  if (first == nullptr) return starts;
  Vec3 centre = Unit(first->sat_pos);
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

Solution Solve(const Model& model, ParamVector x, bool equality_only, int max_iterations) {
  constexpr double kMaxStep_m = 100'000.0;
  Solution s;
  model.ProfileOffsets(x);
  ParamMatrix info, info_next;
  ParamVector gradient, gradient_next;
  int active = 0, active_next = 0;
  double chi2 = model.Evaluate(x, &info, &gradient, equality_only, &active);
  double lambda = 1e-6;
  const int n = model.num_params();
  for (s.iterations = 1; s.iterations <= max_iterations; ++s.iterations) {
    ParamMatrix damped = info;
    for (int i = 0; i < n; ++i) damped(i, i) += lambda * std::max(info(i, i), 1e-12);
    ParamVector step = damped.ldlt().solve(gradient);
    if (!step.allFinite()) break;
    // A trust region: no step moves the terminal more than 100 km (far starts cross the
    // ground in several steps instead of leaping off the Earth).
    double length_m = step.head<3>().norm();
    if (length_m > kMaxStep_m) step *= kMaxStep_m / length_m;
    // Gauss-Newton predicts a decrease of about gradient . step; below a millimetre and a
    // millionth of a chi-square unit, x is the minimum and the step need not be evaluated.
    if (length_m < 1e-3 && (!model.moving() || step.segment<3>(3).norm() < 1e-3) &&
        gradient.dot(step) < 1e-6) {
      s.converged = true;
      break;
    }
    ParamVector next = x + step;
    double chi2_next = model.Evaluate(next, &info_next, &gradient_next, equality_only, &active_next);
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
      active = active_next;
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
  s.one_sided_active = active > 0;
  return s;
}

ParamMatrix Information(const Model& model, const ParamVector& x) {
  ParamMatrix info;
  ParamVector gradient;
  model.Evaluate(x, &info, &gradient, /*equality_only=*/true);
  return info;
}

Eigen::MatrixXd SchurComplement(const ParamMatrix& info, int k) {
  const int n = static_cast<int>(info.rows());
  Eigen::MatrixXd a = info.topLeftCorner(k, k);
  if (n == k) return a;
  Eigen::MatrixXd b = info.topRightCorner(k, n - k);
  Eigen::MatrixXd d = info.bottomRightCorner(n - k, n - k);
  Eigen::MatrixXd d_inv = d.completeOrthogonalDecomposition().pseudoInverse();
  Eigen::MatrixXd s = a - b * d_inv * b.transpose();
  return 0.5 * (s + s.transpose());
}

int InformationRank(const Eigen::MatrixXd& info) {
  const int n = static_cast<int>(info.rows());
  Eigen::VectorXd scale(n);
  for (int i = 0; i < n; ++i) {
    scale(i) = info(i, i) > 0.0 ? 1.0 / std::sqrt(info(i, i)) : 0.0;
  }
  Eigen::MatrixXd scaled = scale.asDiagonal() * info * scale.asDiagonal();
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(scaled, Eigen::EigenvaluesOnly);
  int rank = 0;
  for (int i = 0; i < n; ++i) rank += eig.eigenvalues()(i) > 1e-9 ? 1 : 0;
  return rank;
}

}  // namespace satfence::verify
