// The measurement model of one report, and its least-squares solution.
//
// Unknowns, in this order: the terminal's ECEF position at the report time (m); when moving,
// its ECEF velocity (m/s, constant over the window, so the terminal is at p + v dt at a
// measurement dt seconds from the report time); the report's range offset (m) when it has
// `range` measurements; its range-rate offset (m/s) and that offset's drift (m/s per s: an
// oscillator drifting linearly over the window, offset b + d dt) when it has `range_rate`
// ones.
//
// Each measurement contributes a whitened residual (measured - predicted) / sigma:
//   range       |r - s| + b_range
//   range_rate  u . (v_r - v_s) + b_rate + d dt,   u = (r - s) / |r - s|
//   aoa         the predicted direction u in two axes orthogonal to the measured one
//               (small-angle components, rad / sigma)
//   range_bound with a calibrated delay (RangeBoundDelay): two-sided, like a range with a
//               known offset: (bound - delay - |r - s|) / sqrt(sigma^2 + delay_sigma^2);
//               without one: one-sided, (bound - |r - s|) / sigma when the range exceeds
//               the bound, else 0
//   beam        one-sided: (radius - d) / sigma when the horizontal distance d from the
//               beam's centre exceeds the radius, else 0
// so chi2 = sum of squared residuals is minus twice the log-likelihood up to a constant
// (Gaussian noise; the one-sided kinds as half-normal penalties on violations).
//
// Light time, the Sagnac term and atmospheric delays are not modelled: the operator's
// measurement pipeline applies them before the report is written (as the format states).
// Accuracy: residuals and Jacobians are exact to double rounding (~1e-9 m at LEO ranges).
// Sums over epochs run in four lanes (every fourth epoch each), added in a fixed order at the
// end: element-wise IEEE arithmetic without contraction, so a report gives the same bits on
// every x86-64 instruction set and every run.
#ifndef SATFENCE_VERIFY_MODEL_H_
#define SATFENCE_VERIFY_MODEL_H_

#include <Eigen/Dense>
#include <memory>
#include <optional>
#include <vector>

#include "satfence/geo/vec3.h"
#include "satfence/verify/report.h"

namespace satfence::verify {

inline constexpr int kMaxParams = 9;
using ParamVector = Eigen::Matrix<double, Eigen::Dynamic, 1, 0, kMaxParams, 1>;
using ParamMatrix =
    Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, 0, kMaxParams, kMaxParams>;

// A terminal state: where it is and how it moves, ECEF.
struct TerminalState {
  geo::Vec3 position_ecef_m;
  geo::Vec3 velocity_ecef_mps;
};

// The claimed state in ECEF (velocity rotated from the claim's east-north-up).
TerminalState ClaimedState(const Claim& claim);

// How a terminal answers a distance-bounding challenge: after a processing delay, in metres
// of range (c times the time), calibrated for the terminal type as a mean and a spread.
// Calibrated, a bound is the true range plus that delay plus noise, and tells distance both
// ways (verifiable multilateration, Capkun and Hubaux, IEEE JSAC 24(2), 2006): a modified
// terminal can lengthen a bound by waiting but not shorten it, so a claim displaced towards
// any satellite leaves that satellite's bound too long. Uncalibrated, a bound is only an
// upper limit on the range (one-sided).
struct RangeBoundDelay {
  bool calibrated = false;
  double mean_m = 0.0;
  double sigma_m = 0.0;
  // Read one-sided, a bound's sigma is widened by this much (root sum of squares): the
  // verifier's ephemeris allowance. A satellite position error is common to a pass's
  // bounds, which would break a two-sided test's independence between rows; a one-sided
  // worst-violation test (Bonferroni) is valid whatever their correlation.
  double one_sided_extra_sigma_m = 0.0;
};

class Model {
 public:
  // The measurements of `report` whose kind is in `kinds` (every measurement must have its
  // satellite state). Velocity is estimated when `moving`.
  // `surface_sigma_m` > 0 adds one more residual: the terminal's height above the
  // ellipsoid is 0 m with that standard deviation ("it is on the ground"; no terrain model).
  // It resolves the height a single satellite pass cannot, and with it the pass's mirror pair.
  // `drift_sigma_mps_per_s` > 0: the range-rate offset may drift over the window, with
  // this prior sigma on the drift (one more unknown, and one more residual: the drift is 0
  // with that sigma). 0: a stable oscillator, whose Doppler slope alone places the terminal
  // along the track (which matters when little else does: one satellite, no angles).
  // `delay`: how `range_bound` rows are read (RangeBoundDelay).
  Model(const Report& report, KindSet kinds, bool moving, double surface_sigma_m = 0.0,
        double drift_sigma_mps_per_s = 0.0, const RangeBoundDelay& delay = {});

  // The rows of `model` whose kind is in `kinds` (same motion and surface settings), without
  // deriving anything again. When the rows left out are only ranges or range rates and no
  // epoch is left empty (the unforgeable kinds of a report that has angles of arrival at every
  // epoch), the epochs are shared with `model` instead of copied: the parameter layout masks
  // the rows left out, with the same sums in the same order.
  Model(const Model& model, KindSet kinds);

  int num_params() const { return num_params_; }
  bool moving() const { return moving_; }
  int range_offset_index() const { return range_offset_; }
  int rate_offset_index() const { return rate_offset_; }
  int rate_drift_index() const { return rate_offset_ >= 0 && drifts() ? rate_offset_ + 1 : -1; }
  // Kinds actually present among the used measurements.
  KindSet kinds() const { return kinds_; }
  // Residual components of the two-sided kinds (aoa counts two): the chi-square budget.
  int equality_residuals() const { return equality_residuals_; }
  int inequality_count() const { return inequality_count_; }
  bool empty() const { return epochs_->empty() && bounds_.empty(); }

  ParamVector Pack(const TerminalState& s) const;  // offsets set to zero
  TerminalState Unpack(const ParamVector& x) const;

  // chi2 at `x`. With `info` and `gradient`, also J^T J and J^T r of the whitened residuals
  // (J = d predicted / dx / sigma, r = whitened residual), so a Gauss-Newton step solves
  // info * dx = gradient. One-sided rows count only while violated; `equality_only` leaves
  // them out entirely (the Fisher information of the regular measurements).
  double Evaluate(const ParamVector& x, ParamMatrix* info, ParamVector* gradient,
                  bool equality_only = false) const;

  // Sets the offsets (and the rate drift) in `x` to their least-squares values for its
  // position and velocity (they enter linearly, so this is exact).
  void ProfileOffsets(ParamVector& x) const;

  // Largest squared one-sided violation (in sigmas) at `x`, and how many one-sided rows.
  double MaxViolation(const ParamVector& x) const;

  // How the two-sided rows fit at `x`, kind by kind (index 0 range, 1 range_rate, 2 aoa):
  // the squared whitened residual of each row (an aoa row gives its two components apart).
  // With it, each row's leverage h (the diagonal of the hat matrix J (J^T J)^-1 J^T over the
  // two-sided rows and priors, in [0, 1)): a row the unknowns can follow closely (the first
  // or last range rate of a window, with the oscillator's drift free) shows a residual of
  // only about sqrt(1 - h) of its error, so an outlier test reads r^2 / (1 - h), the
  // deleted residual (Cook and Weisberg, Residuals and Influence in Regression, 1982).
  struct KindFit {
    std::vector<double> squared[3];
    std::vector<double> leverage[3];
  };
  KindFit FitByKind(const ParamVector& x) const;

  // The Fisher information (J^T J of the two-sided rows, as Evaluate gives it) that each
  // satellite's rows contribute at `x`, satellites in order of first appearance. The
  // verifier's ephemeris allowance reads it: the rows' derivative by a satellite's position
  // is minus their derivative by the terminal's.
  std::vector<ParamMatrix> InformationBySatellite(const ParamVector& x) const;
  // The declared accuracy of satellite k's positions (Measurement::sat_pos_sigma_m, the
  // largest over its measurements; 0 when none was stated), k as above.
  double SatellitePositionSigma(int k) const {
    return k < static_cast<int>(satellite_sigma_m_.size()) ? satellite_sigma_m_[k] : 0.0;
  }
  double MaxSatellitePositionSigma() const;

  // A copy of the model whose two-sided rows of kind k have their sigmas multiplied by
  // `sigma_scale[k]` (k as in KindFit), and without the rows whose whitened residual at `x`
  // is beyond `outlier_z` rescaled sigmas. Its equality_residuals() counts what is left, so
  // the tests' degrees of freedom pay for the rows removed.
  // Rows are judged by their deleted residuals (KindFit; `fit` when already made at `x`).
  Model Reweighted(const ParamVector& x, const double (&sigma_scale)[3], double outlier_z) const;
  Model Reweighted(const ParamVector& x, const double (&sigma_scale)[3], double outlier_z,
                   const KindFit& fit) const;
  // The model without one two-sided row: the `row`th of kind `kind` (0 range, 1 range_rate,
  // 2 aoa; as KindFit counts them, an aoa row's two components being rows 2i and 2i+1).
  Model WithoutRow(int kind, int row) const;

  // Mean satellite position and velocity of the used measurements (for mirror starts).
  std::optional<TerminalState> MeanSatellite() const;

  // Starting points derived from the measurements alone: an aoa ray met with the ellipsoid,
  // else a beam centre, else a coarse search of the ground under the first satellite (which
  // returns two distinct candidates: a single pass's mirror pair).
  std::vector<geo::Vec3> MeasurementStarts() const;

 private:
  // The two-sided measurements grouped by epoch (one satellite state and time), so each
  // line of sight is computed once. inv_sigma 0 marks a kind absent from the epoch.
  struct Epoch {
    double dt_s = 0.0;
    geo::Vec3 sat_pos;
    geo::Vec3 sat_vel;
    double range = 0.0, range_inv_sigma = 0.0;
    double rate = 0.0, rate_inv_sigma = 0.0;
    geo::Vec3 e1, e2;  // aoa: orthonormal axes across the measured direction
    double aoa_inv_sigma = 0.0;
    int satellite = 0;  // which of the report's satellites (in order of appearance)
  };
  // A one-sided measurement: a range bound (satellite state) or a beam (centre, vertical).
  struct Bound {
    Kind kind = Kind::kRangeBound;
    double dt_s = 0.0;
    geo::Vec3 sat_pos;
    geo::Vec3 sat_vel;
    double value = 0.0;  // the bound (less the delay when two-sided), or the beam's radius (m)
    double inv_sigma = 0.0;
    bool two_sided = false;  // a range bound with a calibrated delay
    geo::Vec3 beam_centre;
    geo::Vec3 beam_up;
  };
  // The epochs in blocks of four, field by field, for the evaluation (model.cc).
  struct EpochBlock;
  void SetEpochs(std::vector<Epoch> epochs);
  void Finish();  // counts residuals, sets the parameter layout
  // Calls f(epoch, range, rate, aoa1, aoa2, u, rho) with each epoch's whitened residuals at
  // `x` (a kind absent from the epoch gives 0), the unit line of sight from the satellite and
  // the range.
  template <typename F>
  void ForEachEpochResidual(const ParamVector& x, F&& f) const;
  template <bool kMoving, bool kRange, bool kRate, bool kDrift>
  double EvaluateFixed(const ParamVector& x, ParamMatrix* info, ParamVector* gradient,
                       bool equality_only) const;

  // Shared between a model and the models filtered from it (immutable once built).
  std::shared_ptr<const std::vector<Epoch>> epochs_;
  std::shared_ptr<const std::vector<EpochBlock>> blocks_;
  std::vector<Bound> bounds_;
  KindSet kinds_;
  std::vector<double> satellite_sigma_m_;  // by satellite index (Epoch::satellite)
  bool moving_;
  double drift_inv_sigma_ = 0.0;  // the drift's prior; 0: no drift unknown
  bool drifts() const { return drift_inv_sigma_ > 0.0; }
  double surface_inv_sigma_ = 0.0;
  int num_params_ = 3;
  int range_offset_ = -1;
  int rate_offset_ = -1;
  int equality_residuals_ = 0;
  int inequality_count_ = 0;
};

// The least-squares solution from one start.
struct Solution {
  ParamVector x;
  double chi2 = 0.0;
  int iterations = 0;
  bool converged = false;
  ParamMatrix information;  // J^T J at x: the Fisher information there
};

// Levenberg-Marquardt over the two-sided rows from `start` (offsets profiled first). The
// one-sided rows are tested apart and settle ambiguities (verifier.h); they do not pull the
// fix. Converges when the next step would move the terminal less than 5 cm (1 cm/s) for
// less than 1e-3 of chi-square.
Solution Solve(const Model& model, ParamVector start, int max_iterations = 40);

// The Schur complement of `info` onto its first `k` unknowns (3: position; 6: position and
// velocity): the information left about them once every other unknown is estimated too.
ParamMatrix SchurComplement(const ParamMatrix& info, int k);

// Numerical rank of a symmetric information matrix, scale-free (unit-diagonal scaling).
int InformationRank(const ParamMatrix& info);

}  // namespace satfence::verify

#endif  // SATFENCE_VERIFY_MODEL_H_
