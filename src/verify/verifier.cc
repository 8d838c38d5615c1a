#include "satfence/verify/verifier.h"

#include <algorithm>
#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/non_central_chi_squared.hpp>
#include <boost/math/distributions/normal.hpp>
#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "satfence/geo/local_frame.h"

namespace satfence::verify {
namespace {

using geo::Norm;
using geo::Vec3;

constexpr double kPi = 3.14159265358979323846;

Eigen::Vector3d ToEigen(Vec3 v) { return {v.x, v.y, v.z}; }
Vec3 FromEigen(const Eigen::Vector3d& v) { return {v(0), v(1), v(2)}; }

// Double precision throughout (Boost promotes to long double by default: slower, and no
// more accurate than the statistics it is applied to).
using Policy = boost::math::policies::policy<boost::math::policies::promote_double<false>>;
using ChiSquared = boost::math::chi_squared_distribution<double, Policy>;
using Normal = boost::math::normal_distribution<double, Policy>;

// A row the unknowns follow this closely (leverage above it) cannot be checked against the
// others, so an error in it passes as a displacement (typically the lone epoch of a
// satellite handed over at the window's edge, which alone fixes the oscillator's drift and
// the along-track position together). A rejection must survive leaving out any one such
// row (`rests_on_one_row`).
constexpr double kMaxLeverage = 0.5;
constexpr int kMaxLoneRows = 4;

// How improbably small the physical test's statistic must be, for the displacement the
// fix over all kinds shows, before the two are said to disagree (`kinds_disagree`).
constexpr double kKindsAgreeAlpha = 1e-2;

double ChiSquareSurvival(double statistic, int dof) {
  if (dof <= 0) return 1.0;
  if (!(statistic > 0.0)) return 1.0;
  if (!std::isfinite(statistic)) return 0.0;
  ChiSquared d(dof);
  return boost::math::cdf(boost::math::complement(d, statistic));
}

double ChiSquareThreshold(double alpha, int dof) {
  if (dof <= 0) return std::numeric_limits<double>::infinity();
  // Inverting the distribution costs microseconds; verifiers ask for a handful of values.
  thread_local std::vector<std::tuple<double, int, double>> cache;
  for (const auto& [a, k, threshold] : cache) {
    if (a == alpha && k == dof) return threshold;
  }
  ChiSquared d(dof);
  double threshold = boost::math::quantile(boost::math::complement(d, alpha));
  if (cache.size() < 64) cache.emplace_back(alpha, dof, threshold);
  return threshold;
}

// Rotation whose rows are east, north, up at `p`.
Eigen::Matrix3d EcefToEnu(const geo::Geodetic& p) {
  geo::LocalFrame frame(p);
  Eigen::Matrix3d r;
  for (int i = 0; i < 3; ++i) {
    Vec3 axis = frame.RotateEnuToEcef(i == 0   ? Vec3{1, 0, 0}
                                      : i == 1 ? Vec3{0, 1, 0}
                                               : Vec3{0, 0, 1});
    r.row(i) = ToEigen(axis).transpose();
  }
  return r;
}

HorizontalEllipse EllipseOf(const Eigen::Matrix2d& cov_en) {
  Eigen::SelfAdjointEigenSolver<Eigen::Matrix2d> eig(cov_en);
  HorizontalEllipse e;
  e.semi_major_m = std::sqrt(std::max(eig.eigenvalues()(1), 0.0));
  e.semi_minor_m = std::sqrt(std::max(eig.eigenvalues()(0), 0.0));
  Eigen::Vector2d major = eig.eigenvectors().col(1);  // (east, north)
  double az = std::atan2(major(0), major(1)) * 180.0 / kPi;
  if (az < 0.0) az += 180.0;
  if (az >= 180.0) az -= 180.0;
  e.azimuth_deg = az;
  return e;
}

bool Invertible(const Eigen::Matrix3d& info) { return InformationRank(ParamMatrix(info)) == 3; }

// What `info` leaves known about the terminal once the offsets are estimated too: about its
// state (position, and velocity when moving) with the rank of that, and about its position.
// A static claim's state is its position: one Schur complement and one rank serve both.
struct Reduced {
  ParamMatrix state;
  int rank = 0;
  Eigen::Matrix3d position;
  bool position_determined = false;
};

Reduced Reduce(const ParamMatrix& info, bool moving) {
  Reduced r;
  r.state = SchurComplement(info, moving ? 6 : 3);
  r.rank = InformationRank(r.state);
  if (moving) {
    r.position = SchurComplement(info, 3);
    r.position_determined = Invertible(r.position);
  } else {
    r.position = r.state;
    r.position_determined = r.rank == 3;
  }
  return r;
}

}  // namespace

std::string_view OutcomeName(Outcome o) {
  switch (o) {
    case Outcome::kConsistent:
      return "consistent";
    case Outcome::kSpoofed:
      return "spoofed";
    case Outcome::kInconclusive:
      return "inconclusive";
  }
  return "unknown";
}

SubsetAnalysis Analyze(const Report& report, KindSet kinds, double surface_sigma_m, bool locate,
                       double drift_sigma_mps_per_s, const RangeBoundDelay& delay) {
  return Analyze(report,
                 Model(report, kinds, report.claimed.vel_enu_mps.has_value(), surface_sigma_m,
                       drift_sigma_mps_per_s, delay),
                 locate);
}

SubsetAnalysis Analyze(const Report& report, const Model& model, bool locate) {
  return Analyze(report, ClaimedState(report.claimed), model, locate);
}

SubsetAnalysis Analyze(const Report& report, const TerminalState& claimed, const Model& model,
                       bool locate, const ParamVector* fix_start) {
  const bool moving = model.moving();
  SubsetAnalysis a;
  a.kinds = model.kinds();
  if (model.empty()) return a;

  ParamVector claim = model.Pack(claimed);
  model.ProfileOffsets(claim);

  // The one-sided part: the worst violation at the claim, Bonferroni over the constraints.
  a.one_sided_count = model.inequality_count();
  if (a.one_sided_count > 0) {
    a.one_sided_z = model.MaxViolation(claim);
    Normal normal;
    a.one_sided_p = std::min(
        1.0, a.one_sided_count * boost::math::cdf(boost::math::complement(normal, a.one_sided_z)));
  }
  if (model.equality_residuals() == 0) {
    for (const Measurement& m : report.measurements) {
      if (m.kind == Kind::kBeam && model.kinds().Has(Kind::kBeam)) {
        // A uniform position in a disc of radius R has a horizontal RMS of R / sqrt(2).
        a.strength_h_m = std::min(a.strength_h_m, m.beam_radius_m / std::sqrt(2.0));
      }
    }
    return a;
  }

  constexpr bool kTwoSided = true;
  if (!locate) {
    // Rao's score test at the claim (offsets profiled, so their gradient is zero).
    ParamMatrix info;
    ParamVector gradient;
    model.Evaluate(claim, &info, &gradient, kTwoSided);
    const int k = moving ? 6 : 3;
    const Reduced reduced = Reduce(info, moving);
    a.dof = reduced.rank;
    ParamVector g = gradient.head(k);
    a.position_score = g.head<3>();
    // Full rank (the usual case): LDLT; otherwise the pseudo-inverse over the measured part.
    const ParamVector solved =
        a.dof == k ? ParamVector(reduced.state.ldlt().solve(g))
                   : ParamVector(reduced.state.completeOrthogonalDecomposition().solve(g));
    a.statistic = std::max(0.0, g.dot(solved));
    a.p_value = ChiSquareSurvival(a.statistic, a.dof);
    a.position_information = reduced.position;
    if (reduced.position_determined) {
      Eigen::Matrix3d r = EcefToEnu(report.claimed.position);
      Eigen::Matrix3d cov_enu = r * reduced.position.inverse() * r.transpose();
      a.crlb_h_m = std::sqrt(cov_enu(0, 0) + cov_enu(1, 1));
      a.strength_h_m = a.crlb_h_m;
    }
    return a;
  }

  // The two-sided part. Starts from the measurements (model.h, MeasurementStarts).
  std::vector<Solution> solutions;
  if (fix_start != nullptr) {
    solutions.push_back(Solve(model, *fix_start));
  } else {
    for (const Vec3& s : model.MeasurementStarts()) {
      solutions.push_back(Solve(model, model.Pack({s, {}})));
    }
  }
  auto best_of = [&]() {
    return std::min_element(solutions.begin(), solutions.end(),
                            [](const Solution& x, const Solution& y) { return x.chi2 < y.chi2; });
  };
  // The claim is one more start, needed only when it fits better than the fix found so far
  // (then the true minimum may lie near it, and the test's denominator must be the minimum).
  const double chi2_claim = model.Evaluate(claim, nullptr, nullptr, kTwoSided);
  if (chi2_claim < best_of()->chi2) solutions.push_back(Solve(model, claim));
  // The mirror of the fix across the plane of the satellites' mean track (through the
  // Earth's centre): refined when it fits nearly as well as it stands (on average within
  // 5 sigma per residual), which is what a second minimum there needs.
  // With angles of arrival there is no mirror: the direction itself is measured.
  std::optional<TerminalState> sat;
  if (!model.kinds().Has(Kind::kAoa)) sat = model.MeanSatellite();
  if (sat) {
    Eigen::Vector3d n =
        ToEigen(geo::Cross(sat->position_ecef_m, sat->velocity_ecef_mps)).normalized();
    Eigen::Vector3d p = best_of()->x.head<3>();
    Eigen::Vector3d mirror = p - 2.0 * p.dot(n) * n;
    if ((mirror - p).norm() > 1000.0) {
      ParamVector start = best_of()->x;
      start.head<3>() = mirror;
      model.ProfileOffsets(start);
      if (model.Evaluate(start, nullptr, nullptr, kTwoSided) <
          best_of()->chi2 + 25.0 * model.equality_residuals()) {
        solutions.push_back(Solve(model, start));
      }
    }
  }
  const Solution* best = &*best_of();

  const Reduced reduced = Reduce(best->information, moving);
  a.dof = reduced.rank;
  Eigen::Matrix3d position_info = reduced.position;
  a.position_information = position_info;
  a.statistic = std::max(0.0, chi2_claim - best->chi2);
  a.p_value = ChiSquareSurvival(a.statistic, a.dof);

  if (!reduced.position_determined) return a;  // the position is not determined: no fix

  // Another minimum that fits about as well (within the 95% quantile of the test's own
  // statistic) and lies well outside the error ellipse: the geometry is ambiguous, unless
  // the one-sided constraints (the beam) rule one of the two out.
  constexpr double kOutside_sigma = 3.0;
  const double close_chi2 = ChiSquareThreshold(0.05, std::max(a.dof, 1));
  const Solution* alternative = nullptr;
  for (const Solution& s : solutions) {
    if (&s == best || !s.converged || s.chi2 - best->chi2 >= close_chi2) continue;
    Eigen::Matrix3d cov = position_info.inverse();
    double far_m = std::max(100.0, 10.0 * std::sqrt(cov.trace()));
    if ((s.x.head<3>() - best->x.head<3>()).norm() <= far_m) continue;
    bool best_inside = model.MaxViolation(best->x) <= kOutside_sigma;
    bool other_inside = model.MaxViolation(s.x) <= kOutside_sigma;
    if (best_inside && !other_inside) continue;
    if (!best_inside && other_inside) {
      best = &s;  // the beam settles it
      continue;
    }
    alternative = &s;
  }
  if (best != &*best_of()) {
    position_info = SchurComplement(best->information, 3);
    if (!Invertible(position_info)) return a;
  }

  Fix fix;
  TerminalState state = model.Unpack(best->x);
  fix.position_ecef_m = state.position_ecef_m;
  fix.position = geo::EcefToGeodetic(state.position_ecef_m);
  fix.covariance_ecef_m2 = position_info.inverse();
  Eigen::Matrix3d r = EcefToEnu(fix.position);
  Eigen::Matrix3d cov_enu = r * fix.covariance_ecef_m2 * r.transpose();
  fix.ellipse = EllipseOf(cov_enu.topLeftCorner<2, 2>());
  fix.sigma_up_m = std::sqrt(std::max(cov_enu(2, 2), 0.0));
  if (moving) fix.velocity_enu_mps = FromEigen(r * ToEigen(state.velocity_ecef_mps));
  fix.chi2 = best->chi2;
  fix.residual_dof = model.equality_residuals() - model.num_params();
  if (alternative != nullptr) {
    fix.ambiguous = true;
    fix.alternative =
        geo::EcefToGeodetic({alternative->x(0), alternative->x(1), alternative->x(2)});
  }
  a.crlb_h_m = std::sqrt(cov_enu(0, 0) + cov_enu(1, 1));
  a.strength_h_m = a.crlb_h_m;
  a.fix = fix;
  a.fix_params = best->x;
  return a;
}

double Noncentrality(const Report& noiseless, KindSet kinds, double surface_sigma_m, bool locate,
                     double drift_sigma_mps_per_s, const RangeBoundDelay& delay) {
  return Analyze(noiseless, kinds, surface_sigma_m, locate, drift_sigma_mps_per_s, delay)
      .statistic;
}

namespace {

// The robust stage's verdict on one model at its free fix (VerifyOptions, "robust").
struct Robustness {
  std::optional<Model> model;  // reweighted; none when every kind fit as stated
  int removed = 0;
  double scale[3] = {1.0, 1.0, 1.0};
  bool significant = false;  // a factor improbable under the stated model (rescale_alpha)
  bool beyond_repair = false;
};

// `apply_to`: the model to reweight when not `model` itself (the same rows of the kinds
// judged, and others besides).
Robustness Robustify(const Model& model, const ParamVector& x, const VerifyOptions& o,
                     const Model* apply_to = nullptr) {
  Robustness r;
  const int rows = model.equality_residuals();
  if (rows <= model.num_params()) return r;
  // Bonferroni over the rows: a report under the stated model loses one with probability
  // at most outlier_alpha.
  Normal normal;
  const double z =
      boost::math::quantile(boost::math::complement(normal, o.outlier_alpha / (2.0 * rows)));
  // The median of chi-square with one degree of freedom.
  constexpr double kChi2MedianOneDof = 0.454936423119572695;
  Model::KindFit fit = model.FitByKind(x);
  bool changed = false;
  for (int k = 0; k < 3; ++k) {
    std::vector<double>& squared = fit.squared[k];
    const int n = static_cast<int>(squared.size());
    if (n == 0) continue;
    // The kind's share of the residual degrees of freedom.
    const double dof = n * (1.0 - static_cast<double>(model.num_params()) / rows);
    // A first scale from the median (an outlier cannot move it), only upwards, to tell the
    // outliers; the factor itself from the mean of the others (efficient, consistent).
    std::vector<double> sorted = squared;
    std::nth_element(sorted.begin(), sorted.begin() + n / 2, sorted.end());
    const double median_scale2 =
        dof >= 1.0 ? sorted[n / 2] / kChi2MedianOneDof * n / dof : 1.0;
    const double s = std::sqrt(std::max(1.0, median_scale2));
    // Outliers: rows beyond z such sigmas (an aoa row, its two components together, when
    // either is). The others are rescaled when they fit worse than stated.
    const int per_row = k == 2 ? 2 : 1;
    int outliers = 0;  // rows
    double chi2 = 0.0;
    const std::vector<double>& leverage = fit.leverage[k];
    for (int i = 0; i + per_row <= n; i += per_row) {
      double largest = 0.0, row = 0.0;
      for (int c = 0; c < per_row; ++c) {
        // The deleted residual: what the row's error was before the fix followed it.
        const double h = i + c < static_cast<int>(leverage.size()) ? leverage[i + c] : 0.0;
        largest = std::max(largest, squared[i + c] / std::max(1.0 - h, 0.05));
        row += squared[i + c];
      }
      if (largest > z * z * s * s) {
        ++outliers;
      } else {
        chi2 += row;
      }
    }
    r.removed += outliers;
    changed |= outliers > 0;
    if (outliers * per_row > o.max_outlier_share * n) r.beyond_repair = true;
    const int kept_dof = static_cast<int>(std::lround(dof * (n - outliers * per_row) / n));
    if (kept_dof > 0 && chi2 > kept_dof) {
      r.scale[k] = std::sqrt(chi2 / kept_dof);
      changed = true;
      r.significant |= ChiSquareSurvival(chi2, kept_dof) < o.rescale_alpha;
      if (r.scale[k] > o.max_sigma_scale) r.beyond_repair = true;
    }
  }
  if (changed) {
    // The fit was made on `model`; a different model to reweight needs its own.
    r.model = apply_to != nullptr ? apply_to->Reweighted(x, r.scale, z)
                                  : model.Reweighted(x, r.scale, z, fit);
  }
  return r;
}

// How far a fix's position moves, as a covariance, when each satellite's positions in the
// report are off by one constant vector of sigma_m per axis (independent between
// satellites): a "consider" analysis (Tapley, Schutz and Born, Statistical Orbit
// Determination, 2004, sec. 6.3). A bias b_k of satellite k moves the rows by -J_k,pos b_k,
// so the least-squares unknowns by -I^-1 C_k b_k, C_k the position columns of satellite
// k's information; at low elevation that is more than b_k itself on the ground.
// `x`: where the model is linearised (the fix, or the claim for the score test). Each
// satellite's sigma is the larger of `sigma_m` and what its measurements declare.
Eigen::Matrix3d EphemerisCovariance(const Model& model, const ParamVector& x, double sigma_m) {
  ParamMatrix info;
  ParamVector gradient;
  model.Evaluate(x, &info, &gradient, /*equality_only=*/true);
  const ParamMatrix info_inv = info.completeOrthogonalDecomposition().pseudoInverse();
  Eigen::Matrix3d cov = Eigen::Matrix3d::Zero();
  const std::vector<ParamMatrix> by_satellite = model.InformationBySatellite(x);
  for (size_t k = 0; k < by_satellite.size(); ++k) {
    const double sigma = std::max(sigma_m, model.SatellitePositionSigma(static_cast<int>(k)));
    if (sigma <= 0.0) continue;
    const Eigen::MatrixXd moved = info_inv * by_satellite[k].leftCols(3);  // per unit bias
    const Eigen::Matrix3d position = moved.topRows(3);
    cov += sigma * sigma * position * position.transpose();
  }
  return cov;
}

// delta' (info^-1 + allowance)^-1 delta: the offset of a fix from the claim tested when the
// fix is uncertain by `allowance` beyond `info`.
double InflatedStatistic(const Eigen::Vector3d& delta, const Eigen::Matrix3d& info,
                         const Eigen::Matrix3d& allowance) {
  const Eigen::Matrix3d cov = info.inverse() + allowance;
  return delta.dot(cov.ldlt().solve(delta));
}

// The information a window contributes to a history, with the allowance.
Eigen::Matrix3d EffectiveInformation(const Eigen::Matrix3d& info,
                                     const Eigen::Matrix3d& allowance) {
  return (info.inverse() + allowance).inverse();
}

}  // namespace

double HistoryLogLr(const HistoryAccumulator& h, double prior_sigma_m) {
  const double s2 = prior_sigma_m * prior_sigma_m;
  const Eigen::Matrix3d spread = Eigen::Matrix3d::Identity() + s2 * h.information;
  const Eigen::Matrix3d posterior = h.information + Eigen::Matrix3d::Identity() / s2;
  const Eigen::LLT<Eigen::Matrix3d> spread_llt(spread), posterior_llt(posterior);
  if (spread_llt.info() != Eigen::Success || posterior_llt.info() != Eigen::Success) return 0.0;
  double log_det = 0.0;  // of `spread`, from its Cholesky factor
  for (int i = 0; i < 3; ++i) log_det += 2.0 * std::log(spread_llt.matrixL()(i, i));
  const Eigen::Vector3d& w = h.weighted_offset;
  return -0.5 * log_det + 0.5 * w.dot(posterior_llt.solve(w));
}

Verifier::Verifier(VerifyOptions options) : options_(options) {}

Verdict Verifier::Verify(const Report& report) {
  return Verify(report, history_[report.terminal]);
}

Verdict Verifier::Verify(const Report& report, TerminalHistory& h) const {
  Verdict v;
  v.terminal = report.terminal;
  v.time = report.time;
  v.line = report.line;

  // Satellite positions uncertain (the options' floor, or any measurement's declaration):
  // range bounds one-sided, widened by that much.
  RangeBoundDelay bounds = options_.range_bound_delay;
  double declared_eph = options_.ephemeris_sigma_m;
  for (const Measurement& m : report.measurements) {
    declared_eph = std::max(declared_eph, m.sat_pos_sigma_m);
  }
  if (declared_eph > 0.0) {
    bounds.calibrated = false;
    bounds.one_sided_extra_sigma_m = declared_eph;
  }
  const Model all_model(report, KindSet::All(), report.claimed.vel_enu_mps.has_value(),
                        options_.surface_sigma_m, options_.rate_drift_sigma_mps_per_s, bounds);
  const KindSet present = all_model.kinds();
  const KindSet physical = present.Intersect(KindSet::Physical());
  const TerminalState claimed = ClaimedState(report.claimed);
  SubsetAnalysis all = Analyze(report, claimed, all_model);
  // Robust stage: outliers out and sigmas rescaled where the free fix shows the stated
  // model does not hold, then the analysis again (VerifyOptions::robust).
  Robustness all_robust;
  if (options_.robust && all.fix) {
    all_robust = Robustify(all_model, all.fix_params, options_);
    // Again at the new fix while that finds more outliers: one outlier can pull the first
    // fix far enough to hide another (masking), which then alone decides the test.
    constexpr int kMaxPasses = 3;
    for (int pass = 0; pass < kMaxPasses && all_robust.model; ++pass) {
      // The same layout of unknowns unless a kind lost every row: then start afresh.
      const bool same_layout = all_robust.model->num_params() == all_model.num_params();
      const ParamVector start = all.fix_params;
      all = Analyze(report, claimed, *all_robust.model, true, same_layout ? &start : nullptr);
      if (pass + 1 == kMaxPasses || !all.fix) break;
      Robustness more = Robustify(*all_robust.model, all.fix_params, options_);
      if (more.removed == 0 || !more.model) break;
      all_robust.removed += more.removed;
      for (int k = 0; k < 3; ++k) all_robust.scale[k] *= more.scale[k];
      all_robust.significant |= more.significant;
      all_robust.beyond_repair |= more.beyond_repair;
      for (int k = 0; k < 3; ++k) {
        all_robust.beyond_repair |= all_robust.scale[k] > options_.max_sigma_scale;
      }
      all_robust.model = std::move(more.model);
    }
  }
  // A rejection over all kinds must survive leaving out any one row that cannot be checked
  // against the others (kMaxLeverage): the analysis without the row whose deletion gives
  // the smallest statistic is used instead, its fix included (the statistic is never larger,
  // so the false-alarm rate holds).
  bool rests_on_one_row = false;
  if (options_.robust && all.fix && all.dof > 0 && all.p_value < options_.false_alarm) {
    const Model& used = all_robust.model ? *all_robust.model : all_model;
    const Model::KindFit fit = used.FitByKind(all.fix_params);
    int tried = 0;
    for (int k = 0; k < 3 && tried < kMaxLoneRows; ++k) {
      const int step = k == 2 ? 2 : 1;
      for (size_t i = 0; i < fit.leverage[k].size() && tried < kMaxLoneRows; i += step) {
        double leverage = fit.leverage[k][i];
        if (step == 2 && i + 1 < fit.leverage[k].size()) {
          leverage = std::max(leverage, fit.leverage[k][i + 1]);
        }
        if (leverage <= kMaxLeverage) continue;
        ++tried;
        const Model without = used.WithoutRow(k, static_cast<int>(i));
        const ParamVector start = all.fix_params;
        SubsetAnalysis rest = Analyze(report, claimed, without, true, &start);
        if (rest.fix && rest.dof > 0 && rest.statistic < all.statistic) {
          rests_on_one_row |= rest.p_value >= options_.false_alarm;
          all = std::move(rest);  // the fix without the row, too
        }
      }
    }
  }
  std::optional<SubsetAnalysis> phys;
  Robustness phys_robust;
  std::optional<Model> phys_used;
  if (present.HasForgeable() && !physical.Empty()) {
    Model phys_model(all_model, KindSet::Physical());
    // The physical kinds' model judged by the angles at their own fix: a modified
    // terminal's forged ranges spoil the fit over all kinds, not the angles', and its
    // lengthened range bounds disagree with the angles by design (that is the evidence
    // against it), not because the stated model fails.
    KindSet angles_only;
    angles_only.Add(Kind::kAoa);
    angles_only.Add(Kind::kBeam);
    if (all_robust.significant || all_robust.removed > 0) {
      const Model angles(all_model, angles_only);
      if (angles.equality_residuals() > angles.num_params()) {
        const SubsetAnalysis located = Analyze(report, claimed, angles);
        if (located.fix) {
          phys_robust = Robustify(angles, located.fix_params, options_, &phys_model);
          if (phys_robust.model) phys_model = *phys_robust.model;
        }
      }
    }
    phys = Analyze(report, claimed, phys_model, /*locate=*/false);
    // Angles and calibrated bounds together: bounds a modified terminal lengthened to fit
    // its claim add information at the claim but no evidence, and so dilute what the
    // angles show. The physical test is then the stronger of the angles alone and every
    // physical kind, Bonferroni over the two.
    if (bounds.calibrated && phys_model.kinds().Has(Kind::kAoa) &&
        phys_model.kinds().Has(Kind::kRangeBound) && phys->dof > 0) {
      const SubsetAnalysis by_angles =
          Analyze(report, claimed, Model(phys_model, angles_only), /*locate=*/false);
      if (by_angles.dof > 0) {
        const double p = std::min(1.0, 2.0 * std::min(by_angles.p_value, phys->p_value));
        if (by_angles.p_value < phys->p_value) {
          phys->statistic = by_angles.statistic;
          phys->dof = by_angles.dof;
        }
        phys->p_value = p;
      }
    }
    phys_used = std::move(phys_model);
  }
  // The ephemeris allowance for a static claim: the fix's offset from the claim tested
  // against its covariance plus the satellites' position uncertainty. It applies when the
  // options or the satellites of the two-sided rows declare one.
  const double eph = std::max(options_.ephemeris_sigma_m, all_model.MaxSatellitePositionSigma());
  const bool is_static_claim = !report.claimed.vel_enu_mps.has_value();
  const Model& all_used = all_robust.model ? *all_robust.model : all_model;
  Eigen::Matrix3d all_allowance = Eigen::Matrix3d::Zero(), phys_allowance = all_allowance;
  if (eph > 0.0 && is_static_claim) {
    if (all.fix && Invertible(all.position_information)) {
      all_allowance = EphemerisCovariance(all_used, all.fix_params, options_.ephemeris_sigma_m);
      all.statistic = InflatedStatistic(ToEigen(all.fix->position_ecef_m - claimed.position_ecef_m),
                                        all.position_information, all_allowance);
      all.dof = 3;
      all.p_value = ChiSquareSurvival(all.statistic, all.dof);
    }
    if (phys && phys->dof == 3 && Invertible(phys->position_information)) {
      ParamVector at_claim = phys_used->Pack(claimed);
      phys_used->ProfileOffsets(at_claim);
      phys_allowance = EphemerisCovariance(*phys_used, at_claim, options_.ephemeris_sigma_m);
      const Eigen::Vector3d delta = phys->position_information.ldlt().solve(phys->position_score);
      phys->statistic = InflatedStatistic(delta, phys->position_information, phys_allowance);
      phys->p_value = ChiSquareSurvival(phys->statistic, phys->dof);
    }
  }

  // The tests over all kinds and over the unforgeable ones must tell one story: a GNSS-
  // spoofed terminal's displacement shows in both, in proportion to their information; a
  // modified terminal's shows in the physical kinds. A rejection over all kinds whose
  // displacement the physical kinds, strong enough to see it, plainly do not show (their
  // statistic improbably small for the noncentrality that displacement would give them) is
  // the forgeable kinds' model failing (an outlier the robust stage missed, a bias), not
  // evidence against the claim: flagged `kinds_disagree`, and the test over all kinds may
  // not call a spoof. It costs a GNSS-spoofed report this check's alpha of its detection.
  bool kinds_disagree = false;
  if (options_.robust && eph == 0.0 && all.fix && phys && phys->dof == 3 && all.dof > 0 &&
      all.p_value < options_.false_alarm && Invertible(phys->position_information)) {
    const Eigen::Vector3d delta = ToEigen(all.fix->position_ecef_m - claimed.position_ecef_m);
    const double lambda = delta.dot(phys->position_information * delta);
    boost::math::non_central_chi_squared_distribution<double, Policy> nc(3, lambda);
    kinds_disagree = lambda > 0.0 && boost::math::cdf(nc, phys->statistic) < kKindsAgreeAlpha;
  }
  // Static history: the fixes' offsets from a claim that has not moved, information-weighted.
  const bool is_static = !report.claimed.vel_enu_mps.has_value();
  const bool is_new = h.reports == 0;
  ++h.reports;
  if (is_new || !is_static ||
      Norm(claimed.position_ecef_m - h.anchor_ecef_m) > options_.history_tolerance_m) {
    h.all = HistoryAccumulator{};
    h.physical = HistoryAccumulator{};
    h.anchor_ecef_m = claimed.position_ecef_m;
  }
  // Only windows whose fix is strong enough to decide on (max_crlb_h_m) join the history:
  // a weaker fix is not near-Gaussian (tens of km, often far off in a shallow minimum), and
  // its information would claim a precision its offset does not have.
  if (is_static && all.fix && !all.fix->ambiguous && !kinds_disagree &&
      !all_robust.beyond_repair && all.strength_h_m <= options_.max_crlb_h_m) {
    Eigen::Vector3d offset = ToEigen(all.fix->position_ecef_m - h.anchor_ecef_m);
    const Eigen::Matrix3d w = eph > 0.0
                                  ? EffectiveInformation(all.position_information, all_allowance)
                                  : all.position_information;
    h.all.information += w;
    h.all.weighted_offset += w * offset;
    ++h.all.windows;
  }
  if (is_static && phys && phys->dof == 3 && !phys_robust.beyond_repair &&
      phys->strength_h_m <= options_.max_crlb_h_m) {
    if (eph > 0.0 && Invertible(phys->position_information)) {
      // The score is I delta; with the allowance, W delta.
      const Eigen::Matrix3d w = EffectiveInformation(phys->position_information, phys_allowance);
      h.physical.information += w;
      h.physical.weighted_offset +=
          w * phys->position_information.ldlt().solve(phys->position_score);
    } else {
      h.physical.information += phys->position_information;
      h.physical.weighted_offset += phys->position_score;
    }
    ++h.physical.windows;
  }

  // The family of tests, each at an equal share of the false-alarm probability; within a
  // test, its chi-square and one-sided parts at equal shares of the test's.
  auto fill = [](TestResult& t, const SubsetAnalysis& s) {
    t.ran = s.dof > 0 || s.one_sided_count > 0;
    t.basis = s.kinds;
    t.statistic = s.statistic;
    t.dof = s.dof;
    t.one_sided_count = s.one_sided_count;
    t.one_sided_z = s.one_sided_z;
  };
  fill(v.all, all);
  if (phys) fill(v.physical, *phys);
  v.history_windows = h.all.windows;
  if (h.all.windows >= 2 && Invertible(h.all.information)) {
    v.history.ran = true;
    v.history.basis = all.kinds;
    Eigen::Vector3d w = h.all.weighted_offset;
    v.history.statistic = w.dot(h.all.information.ldlt().solve(w));
    v.history.dof = 3;
  }
  if (h.physical.windows >= 2 && Invertible(h.physical.information)) {
    v.physical_history.ran = true;
    v.physical_history.basis = phys->kinds;
    Eigen::Vector3d g = h.physical.weighted_offset;
    v.physical_history.statistic = g.dot(h.physical.information.ldlt().solve(g));
    v.physical_history.dof = 3;
  }
  const int tests =
      int(v.all.ran) + int(v.physical.ran) + int(v.history.ran) + int(v.physical_history.ran);
  const double alpha = tests > 0 ? options_.false_alarm / tests : options_.false_alarm;
  TestResult* deciding = nullptr;
  for (TestResult* t : {&v.all, &v.physical, &v.history, &v.physical_history}) {
    if (!t->ran) continue;
    const SubsetAnalysis* s = t == &v.all ? &all : t == &v.physical ? &*phys : nullptr;
    double p_chi2 = s ? s->p_value : ChiSquareSurvival(t->statistic, t->dof);
    double p_one_sided = s ? s->one_sided_p : 1.0;
    const int parts = int(t->dof > 0) + int(t->one_sided_count > 0);
    t->alpha = alpha;
    t->threshold = ChiSquareThreshold(alpha / parts, t->dof);
    t->chi2_rejected = t->dof > 0 && p_chi2 < alpha / parts;
    t->one_sided_rejected = t->one_sided_count > 0 && p_one_sided < alpha / parts;
    t->p_value = std::min(1.0, parts * std::min(t->dof > 0 ? p_chi2 : 1.0,
                                                t->one_sided_count > 0 ? p_one_sided : 1.0));
    t->rejected = t->chi2_rejected || t->one_sided_rejected;
    if (deciding == nullptr || t->p_value < deciding->p_value) deciding = t;
  }
  // A test over kinds whose model is beyond repair (the robust stage) may not call a
  // terminal spoofed; its rejection makes the verdict inconclusive instead.
  const bool all_trusted = !all_robust.beyond_repair && !kinds_disagree;
  const bool phys_trusted = !phys_robust.beyond_repair;
  auto counts = [&](const TestResult& t) {
    const bool physical_test = &t == &v.physical || &t == &v.physical_history;
    return t.rejected && (physical_test ? phys_trusted : all_trusted);
  };
  const bool rejected =
      counts(v.all) || counts(v.physical) || counts(v.history) || counts(v.physical_history);
  const bool mismatch_only = !rejected && (v.all.rejected || v.physical.rejected ||
                                           v.history.rejected || v.physical_history.rejected);
  if (rejected) {
    // The rejecting test with the smallest p-value, except that one on unforgeable kinds
    // outranks one that a modified terminal could have caused.
    deciding = nullptr;
    for (TestResult* t : {&v.all, &v.history, &v.physical_history, &v.physical}) {
      if (!counts(*t)) continue;
      const bool physical_test = t == &v.physical || t == &v.physical_history;
      if (deciding == nullptr || physical_test || t->p_value < deciding->p_value) deciding = t;
    }
  }

  v.fix = all.fix;
  v.crlb_h_m = all.crlb_h_m;
  if (phys) v.crlb_physical_h_m = phys->crlb_h_m;
  if (!present.HasForgeable()) v.crlb_physical_h_m = all.crlb_h_m;
  if (deciding != nullptr) {
    v.statistic = deciding->statistic;
    v.dof = deciding->dof;
    v.p_value = std::min(1.0, deciding->p_value * tests);
  }

  // The sequential evidence (Verdict): this report's own tests, and the histories' mixtures.
  {
    double p_min = 1.0;
    for (const TestResult* t : {&v.all, &v.physical}) {
      const bool trusted = t == &v.all ? all_trusted : phys_trusted;
      if (!t->ran || !trusted) continue;
      ++v.report_tests;
      p_min = std::min(p_min, t->p_value);
    }
    v.report_p_value = std::min(1.0, p_min * std::max(v.report_tests, 1));
    double logs[2];
    int histories = 0;
    if (h.all.windows >= 1 && all_trusted) {
      logs[histories++] = HistoryLogLr(h.all, options_.history_prior_m);
    }
    if (h.physical.windows >= 1 && phys_trusted && phys) {
      logs[histories++] = HistoryLogLr(h.physical, options_.history_prior_m);
    }
    if (histories == 1) v.history_log_lr = logs[0];
    if (histories == 2) {  // the log of the two ratios' mean
      const double top = std::max(logs[0], logs[1]);
      v.history_log_lr =
          top + std::log(0.5 * (std::exp(logs[0] - top) + std::exp(logs[1] - top)));
    }
  }

  v.outliers_removed = all_robust.removed;
  for (int k = 0; k < 3; ++k) v.sigma_scale[k] = all_robust.scale[k];
  const bool strong = all.strength_h_m <= options_.max_crlb_h_m && v.all.ran;
  if (rejected) {
    v.outcome = Outcome::kSpoofed;
    v.basis = deciding->basis;
    if (deciding->one_sided_rejected && !deciding->chi2_rejected) {
      KindSet one_sided;
      for (Kind k : {Kind::kRangeBound, Kind::kBeam}) {
        if (deciding->basis.Has(k)) one_sided.Add(k);
      }
      v.basis = one_sided;
    }
    v.assurance.push_back("A1");
    // Evidence that rests on unforgeable kinds alone holds against a modified terminal too.
    if (!deciding->basis.HasForgeable()) v.assurance.push_back("A2");
  } else if (mismatch_only) {
    v.outcome = Outcome::kInconclusive;
    v.basis = all.kinds;
  } else if (strong) {
    v.outcome = Outcome::kConsistent;
    v.basis = all.kinds;
    v.assurance.push_back("A1");
    bool physical_strong = !present.HasForgeable() ||
                           (phys && v.physical.ran && phys->strength_h_m <= options_.max_crlb_h_m);
    if (physical_strong) v.assurance.push_back("A2");
  } else {
    v.outcome = Outcome::kInconclusive;
    v.basis = all.kinds;
  }

  // Flags: named reasons an operator can filter on.
  if (v.all.rejected) v.flags.push_back("gnss_inconsistent");
  if (v.physical.rejected) v.flags.push_back("physical_inconsistent");
  if (v.history.rejected || v.physical_history.rejected) v.flags.push_back("history_inconsistent");
  if (all.fix && all.fix->ambiguous) v.flags.push_back("ambiguous_fix");
  if (all.fix && all.fix->residual_dof > 0 &&
      ChiSquareSurvival(all.fix->chi2, all.fix->residual_dof) < options_.false_alarm) {
    v.flags.push_back("poor_fit");  // the measurements disagree among themselves
  }
  if (all_robust.beyond_repair || phys_robust.beyond_repair) v.flags.push_back("model_mismatch");
  if (kinds_disagree) v.flags.push_back("kinds_disagree");
  if (rests_on_one_row) v.flags.push_back("rests_on_one_row");
  if (all_robust.removed > 0) v.flags.push_back("outliers_removed");
  if (all_robust.significant) v.flags.push_back("sigmas_rescaled");
  if (v.outcome == Outcome::kInconclusive && !mismatch_only) v.flags.push_back("weak_geometry");
  {
    double claimed_speed = 0.0;
    if (report.claimed.vel_enu_mps) {
      Vec3 ve = *report.claimed.vel_enu_mps;
      claimed_speed = std::hypot(ve.x, ve.y);
    }
    double fixed_speed = 0.0;
    if (all.fix && all.fix->velocity_enu_mps) {
      fixed_speed = std::hypot(all.fix->velocity_enu_mps->x, all.fix->velocity_enu_mps->y);
    }
    if (claimed_speed > options_.speed_limit_mps || fixed_speed > options_.speed_limit_mps) {
      v.flags.push_back("speed_limit");
    }
  }
  if (!is_new) {
    double dt_s = std::abs(std::chrono::duration<double>(report.time - h.last_time).count());
    double claim_jump_m = Norm(claimed.position_ecef_m - h.last_claim_ecef_m);
    if (claim_jump_m > options_.max_plausible_speed_mps * dt_s + options_.history_tolerance_m) {
      v.flags.push_back("impossible_jump");
    }
    if (all.fix && h.last_fix_ecef_m) {
      double sigma = all.fix->ellipse.semi_major_m + h.last_fix_sigma_m;
      double fix_jump_m = Norm(all.fix->position_ecef_m - *h.last_fix_ecef_m) - 5.0 * sigma;
      // Two places at once: the network itself saw the identity too far apart.
      if (fix_jump_m > options_.max_plausible_speed_mps * dt_s + options_.history_tolerance_m) {
        v.flags.push_back("clone");
      }
    }
  }
  h.last_time = report.time;
  h.last_claim_ecef_m = claimed.position_ecef_m;
  if (all.fix && !all.fix->ambiguous) {
    h.last_fix_ecef_m = all.fix->position_ecef_m;
    h.last_fix_sigma_m = all.fix->ellipse.semi_major_m;
  }
  return v;
}

namespace {

std::string Number(double x) {
  if (!std::isfinite(x)) return "null";
  return absl::StrFormat("%.10g", x);
}

std::string Names(const std::vector<std::string_view>& names) {
  std::string out = "[";
  for (size_t i = 0; i < names.size(); ++i) {
    out += i ? ",\"" : "\"";
    out.append(names[i]);
    out += '"';
  }
  return out + "]";
}

std::string TestJson(const TestResult& t) {
  if (!t.ran) return "null";
  return absl::StrCat(
      "{\"basis\":", Names(t.basis.Names()), ",\"statistic\":", Number(t.statistic),
      ",\"dof\":", t.dof, ",\"p_value\":", Number(t.p_value), ",\"alpha\":", Number(t.alpha),
      ",\"threshold\":", Number(t.threshold), ",\"rejected\":", t.rejected ? "true" : "false",
      ",\"chi2_rejected\":", t.chi2_rejected ? "true" : "false",
      ",\"one_sided\":", t.one_sided_count, ",\"one_sided_z\":", Number(t.one_sided_z),
      ",\"one_sided_rejected\":", t.one_sided_rejected ? "true" : "false", "}");
}

// The robust stage's doing, when it did anything: rows left out and sigma factors.
std::string Robust(const Verdict& v) {
  if (v.outliers_removed == 0 && v.sigma_scale[0] == 1.0 && v.sigma_scale[1] == 1.0 &&
      v.sigma_scale[2] == 1.0) {
    return "";
  }
  return absl::StrFormat(
      ",\"robust\":{\"outliers_removed\":%d,\"sigma_scale\":{\"range\":%.4g,\"range_rate\":%.4g,"
      "\"aoa\":%.4g}}",
      v.outliers_removed, v.sigma_scale[0], v.sigma_scale[1], v.sigma_scale[2]);
}

}  // namespace

std::string VerdictJson(const Verdict& v) {
  std::string fix = "null";
  if (v.fix) {
    const Fix& f = *v.fix;
    fix = absl::StrFormat(
        "{\"lat\":%.7f,\"lon\":%.7f,\"alt_m\":%.1f,\"semi_major_m\":%s,\"semi_minor_m\":%s,"
        "\"azimuth_deg\":%.2f",
        f.position.lat_deg, f.position.lon_deg, f.position.height_m, Number(f.ellipse.semi_major_m),
        Number(f.ellipse.semi_minor_m), f.ellipse.azimuth_deg);
    if (f.velocity_enu_mps) {
      absl::StrAppendFormat(&fix, ",\"vel_enu_mps\":[%.3f,%.3f,%.3f]", f.velocity_enu_mps->x,
                            f.velocity_enu_mps->y, f.velocity_enu_mps->z);
    }
    if (f.alternative) {
      absl::StrAppendFormat(&fix, ",\"alternative\":{\"lat\":%.7f,\"lon\":%.7f}",
                            f.alternative->lat_deg, f.alternative->lon_deg);
    }
    fix += "}";
  }
  return absl::StrCat(
      "{\"terminal\":", nlohmann::json(v.terminal).dump(), ",\"time\":\"", FormatRfc3339(v.time),
      "\",\"verdict\":\"", std::string(OutcomeName(v.outcome)), "\",\"fix\":", fix,
      ",\"crlb_h_m\":", Number(v.crlb_h_m), ",\"crlb_physical_h_m\":",
      Number(v.crlb_physical_h_m), ",\"statistic\":", Number(v.statistic),
      ",\"dof\":", v.dof, ",\"p_value\":", Number(v.p_value), ",\"assurance\":", Names(v.assurance),
      ",\"basis\":", Names(v.basis.Names()), ",\"flags\":", Names(v.flags), ",\"line\":", v.line,
      ",\"tests\":{\"all\":", TestJson(v.all), ",\"physical\":", TestJson(v.physical),
      ",\"history\":", TestJson(v.history), ",\"physical_history\":", TestJson(v.physical_history),
      "},\"history_windows\":", v.history_windows, ",\"sequential\":{\"report_tests\":",
      v.report_tests, ",\"report_p_value\":", Number(v.report_p_value),
      ",\"history_log_lr\":", Number(v.history_log_lr), "}", Robust(v), "}");
}

}  // namespace satfence::verify
