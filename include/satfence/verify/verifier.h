// Where is the terminal really, and is its claim a lie?
//
//   Verifier verifier({.false_alarm = 1e-3});
//   Verdict v = verifier.Verify(report);        // also updates the terminal's history
//   std::cout << VerdictJson(v) << "\n";
//
// The fix never trusts the claim: it is the maximum-likelihood state (Model, model.h) found by
// Levenberg-Marquardt from starts derived from the measurements (aoa rays, beam centres, a
// coarse ground search), the mirror of the best across the satellites' track, and the claim
// (one start among several; the lowest chi2 wins). Distinct minima that fit about as well
// are reported as `ambiguous_fix` rather than one picked silently.
//
// The spoof test is the generalised likelihood-ratio test of "the terminal is where (and
// moving as) it claims": T = chi2(claim, offsets free) - chi2(free fix), chi-square with as
// many degrees of freedom as the measurements determine of the claimed state (the rank of
// the Fisher information once the offsets are removed by Schur complement). One-sided kinds
// enter as half-normal penalties; a set with only one-sided kinds is tested by its worst
// violation at the claim (Bonferroni over its constraints).
//
// Adversaries: the test over all kinds holds against GNSS spoofing (A1). A modified terminal
// (A2) can forge `range` and `range_rate`, so when a report has both forgeable and physical
// kinds the physical kinds are also tested alone. History adds, for a terminal whose claim
// stays put, the information-weighted sum of its fixes' offsets from the claim (and, for the
// physical kinds, the sum of their scores at the claim): small displacements show over time. The
// false-alarm probability is split equally (Bonferroni) over the tests that ran, so a report's
// false-alarm rate is at most the configured one.
#ifndef SATFENCE_VERIFY_VERIFIER_H_
#define SATFENCE_VERIFY_VERIFIER_H_

#include <Eigen/Dense>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "satfence/base/utc_time.h"
#include "satfence/geo/geodetic.h"
#include "satfence/verify/model.h"
#include "satfence/verify/report.h"

namespace satfence::verify {

// The verifier's default prior on an oscillator's drift (VerifyOptions), one sigma.
inline constexpr double kDefaultDriftSigma_mps_per_s = 0.02;

// The verifier's default range-bound calibration (VerifyOptions): a processing delay of
// 150 m of range (0.5 us each way) with a 10 m spread. A terminal type's own figures come
// from calibrating it; uncalibrated bounds are one-sided (RangeBoundDelay).
inline constexpr RangeBoundDelay kDefaultRangeBoundDelay{true, 150.0, 10.0};

struct VerifyOptions {
  double false_alarm = 1e-3;               // per report, over all tests
  double speed_limit_mps = 25.0;           // 90 km/h: above it, flag `speed_limit`
  double max_plausible_speed_mps = 340.0;  // implied speeds above it: `impossible_jump`/`clone`
  double max_crlb_h_m = 10'000.0;          // a weaker measurement set is `inconclusive`
  double history_tolerance_m = 100.0;      // a static claim that moves further starts a new history
  // When > 0, fixes assume the terminal is on the ground: height 0 m above the ellipsoid
  // with this sigma (Model). Off by default: it biases fixes in high terrain.
  double surface_sigma_m = 0.0;
  // How fast the range-rate offset (the oscillator) may drift over a window, one sigma
  // (m/s per s): the drift is an unknown with this prior (model.h). A drift is confounded
  // with an along-track displacement in the range rates, so without it a drifting
  // oscillator reads as a spoof; with it, fixes lose part of what the Doppler slope says
  // (the prior keeps most: docs/telemetry.md). 0: a stable oscillator.
  double rate_drift_sigma_mps_per_s = kDefaultDriftSigma_mps_per_s;

  // Robust verification against a model that does not hold (docs/telemetry.md, "When the
  // model does not hold"). At the free fix, a row whose whitened residual is beyond the
  // Bonferroni bound for `outlier_alpha` over the report's rows is an outlier and is left
  // out (its degrees of freedom with it); a kind whose remaining rows fit worse than stated
  // (chi-square of their residuals above their degrees of freedom) has its sigmas scaled by
  // the estimated factor sqrt(chi2 / dof), flagged `sigmas_rescaled` when that fit is
  // improbable at `rescale_alpha`. Then the fix and the tests are made again. Rescaling only
  // ever widens the sigmas, so under the stated model it lowers the false-alarm rate a
  // little (and the power with it), never raises it. A kind needing a factor above
  // `max_sigma_scale`, or losing more than `max_outlier_share` of its rows, is beyond
  // repair: a test resting on it cannot call a terminal `spoofed` (`model_mismatch`).
  bool robust = true;
  double outlier_alpha = 0.01;
  double rescale_alpha = 0.01;
  double max_sigma_scale = 3.0;
  double max_outlier_share = 0.10;
  // How far off (per axis, m) the satellite positions in the reports may be: 0 for an
  // operator's ephemeris (metres), ~1000 for states from public element sets. A fix is
  // then uncertain by this much on top of its measurement noise, and the tests of a static
  // claim (and its history) allow for it: the offset of fix from claim is tested against
  // I^-1 + sigma^2 I3 instead of I^-1 (I the position information).
  double ephemeris_sigma_m = 0.0;
  // The mixture prior of the sequential history test (Verdict::history_log_lr): how far,
  // one sigma per axis (m), a displaced terminal is expected to be from its claim. It sets
  // where the test is most powerful; its false-alarm bound holds for any value.
  double history_prior_m = 1'000.0;
  // How terminals answer distance bounding (model.h, RangeBoundDelay).
  RangeBoundDelay range_bound_delay = kDefaultRangeBoundDelay;
};

enum class Outcome { kConsistent, kSpoofed, kInconclusive };
std::string_view OutcomeName(Outcome o);

struct HorizontalEllipse {
  double semi_major_m = 0.0;  // one sigma
  double semi_minor_m = 0.0;
  double azimuth_deg = 0.0;  // of the major axis, clockwise from north, [0, 180)
};

struct Fix {
  geo::Geodetic position;
  geo::Vec3 position_ecef_m;
  std::optional<geo::Vec3> velocity_enu_mps;  // when the claim moves
  HorizontalEllipse ellipse;
  double sigma_up_m = 0.0;
  Eigen::Matrix3d covariance_ecef_m2 = Eigen::Matrix3d::Zero();
  double chi2 = 0.0;  // of the free fit
  int residual_dof = 0;
  bool ambiguous = false;
  std::optional<geo::Geodetic> alternative;  // the other minimum, when ambiguous
};

// One test of the family: its two-sided (chi-square) part and its one-sided part, each at
// half the test's share of the false-alarm probability when both are present.
struct TestResult {
  bool ran = false;
  KindSet basis;
  double statistic = 0.0;  // the chi-square part's
  int dof = 0;
  double p_value = 1.0;    // the test's, Bonferroni over its parts
  double alpha = 0.0;      // its share of the false-alarm probability
  double threshold = 0.0;  // on `statistic`, at its part's share
  bool rejected = false;
  bool chi2_rejected = false;
  int one_sided_count = 0;
  double one_sided_z = 0.0;
  bool one_sided_rejected = false;
};

struct Verdict {
  std::string terminal;
  UtcTime time;
  int line = 0;
  Outcome outcome = Outcome::kInconclusive;
  std::optional<Fix> fix;
  double crlb_h_m = std::numeric_limits<double>::infinity();
  // The same for the unforgeable kinds alone (aoa, beam, range_bound), at the claim: how well
  // what a modified terminal cannot forge places it (infinite when they do not).
  double crlb_physical_h_m = std::numeric_limits<double>::infinity();
  // The deciding test; p_value is Bonferroni-adjusted over the tests that ran.
  double statistic = 0.0;
  int dof = 0;
  double p_value = 1.0;
  std::vector<std::string_view> assurance;  // "A1", "A2"
  KindSet basis;
  std::vector<std::string_view> flags;
  TestResult all;       // every kind
  TestResult physical;  // aoa, beam, range_bound alone (when the report also has forgeable ones)
  TestResult history;   // the static history over every kind, when there is one
  TestResult physical_history;  // and over the unforgeable kinds (score test, summed)
  int history_windows = 0;
  // For a sequential test across reports (decide.h). `report_p_value`: this report's own
  // tests (all kinds, physical), Bonferroni over those that ran and may call a spoof (not
  // beyond repair), so under the stated model it is uniform or larger whatever came before;
  // `report_tests` of them (0: none could, and the report is no evidence either way).
  // `history_log_lr`: the log of the history's mixture likelihood ratio (HistoryLogLr),
  // averaged over the two histories when both ran; a nonnegative martingale under the
  // stated model, so the chance it ever reaches log(1/a) during a static history is at most
  // a (Ville's inequality). 0 without a history.
  int report_tests = 0;
  double report_p_value = 1.0;
  double history_log_lr = 0.0;
  // Robust verification: rows left out as outliers, and the sigma factor of each kind
  // (range, range_rate, aoa; 1 when untouched: the fit was as good as stated or better),
  // for the test over all kinds.
  int outliers_removed = 0;
  double sigma_scale[3] = {1.0, 1.0, 1.0};
};

// The analysis of one subset of a report's kinds: fix, CRLB and the test's two parts.
//
// The fix and the likelihood-ratio statistic use the two-sided kinds (range, range_rate,
// aoa), whose chi-square distribution is exact. The one-sided kinds (range_bound, beam) are
// tested apart, by their worst violation at the claim: with n of them, z_max in sigmas,
// p = min(1, n Q(z_max)) bounds the false-alarm probability whatever their correlation. They
// also settle a fix's ambiguity: of two minima that fit the two-sided kinds alike, one that
// lies outside the beam (more than 3 sigma) is no alternative.
struct SubsetAnalysis {
  KindSet kinds;
  std::optional<Fix> fix;
  double crlb_h_m = std::numeric_limits<double>::infinity();
  double statistic = 0.0;  // chi2(claim) - chi2(fix), two-sided kinds
  int dof = 0;             // 0: nothing two-sided to test
  double p_value = 1.0;    // of `statistic`
  int one_sided_count = 0;
  double one_sided_z = 0.0;  // worst violation at the claim, sigmas (0 when none)
  double one_sided_p = 1.0;
  double strength_h_m = std::numeric_limits<double>::infinity();   // CRLB, or beam size
  Eigen::Matrix3d position_information = Eigen::Matrix3d::Zero();  // reduced, at the fix
  // Without `locate`: the score (J^T r, offsets profiled) for the position at the claim.
  Eigen::Vector3d position_score = Eigen::Vector3d::Zero();
  ParamVector fix_params;  // with `locate` and a fix: the model's unknowns there
};
//
// Without `locate` there is no fix: the two-sided part is Rao's score test at the claim,
// T = g' I^-1 g from the gradient g and Fisher information I there (offsets profiled), which
// has the likelihood-ratio statistic's distribution to first order and costs one pass over
// the measurements. The verifier uses it for the physical test, whose fix it does not report.
// `drift_sigma_mps_per_s` as Model takes it; the verifier's default unless told.
SubsetAnalysis Analyze(const Report& report, KindSet kinds, double surface_sigma_m = 0.0,
                       bool locate = true,
                       double drift_sigma_mps_per_s = kDefaultDriftSigma_mps_per_s,
                       const RangeBoundDelay& delay = kDefaultRangeBoundDelay);
// The same for a model already built from `report`.
SubsetAnalysis Analyze(const Report& report, const Model& model, bool locate = true);
// The same with the claimed state already in ECEF (ClaimedState(report.claimed)).
// With `fix_start`, the fix is sought from there alone (and from the claim when that fits
// better): for a model reweighted near a fix already found.
SubsetAnalysis Analyze(const Report& report, const TerminalState& claimed, const Model& model,
                       bool locate = true, const ParamVector* fix_start = nullptr);

// The noncentrality of the test of `kinds` for measurements without noise: chi2 at the claim
// minus chi2 at the best fit. With noiseless measurements of the truth this is the lambda
// of the noncentral chi-square the test statistic follows (to first order).
double Noncentrality(const Report& noiseless, KindSet kinds, double surface_sigma_m = 0.0,
                     bool locate = true,
                     double drift_sigma_mps_per_s = kDefaultDriftSigma_mps_per_s,
                     const RangeBoundDelay& delay = kDefaultRangeBoundDelay);

// What the verifier keeps of a terminal between its reports: the last claim and fix (for
// jumps and clones) and, while the claim stays put, the information-weighted offsets of the
// fixes from it (the history tests). Plain values, so a terminal's history can be stored or
// moved to another machine (pipeline/terminal_state.h encodes it).
struct HistoryAccumulator {
  Eigen::Matrix3d information = Eigen::Matrix3d::Zero();
  Eigen::Vector3d weighted_offset = Eigen::Vector3d::Zero();
  int windows = 0;
};
// The log of the mixture likelihood ratio of a history (Robbins' method of mixtures): with
// I the summed information and W the summed information-weighted offsets (or scores),
// W ~ N(I theta, I) for a constant displacement theta, and a prior theta ~ N(0, s^2 I3)
// integrates to  -1/2 log det(I3 + s^2 I) + 1/2 W' (I + I3/s^2)^-1 W.  Under theta = 0 its
// exponential is a nonnegative martingale with mean 1 (Robbins 1970; Lai 2001, sec. 4).
double HistoryLogLr(const HistoryAccumulator& h, double prior_sigma_m);

struct TerminalHistory {
  std::int64_t reports = 0;  // verified so far; 0: nothing below is set
  UtcTime last_time;
  geo::Vec3 last_claim_ecef_m;
  std::optional<geo::Vec3> last_fix_ecef_m;
  double last_fix_sigma_m = 0.0;
  geo::Vec3 anchor_ecef_m;      // the static claim the accumulators refer to
  HistoryAccumulator all;       // information and information-weighted fix offsets
  HistoryAccumulator physical;  // information and scores at the claim (unforgeable kinds)
};

class Verifier {
 public:
  explicit Verifier(VerifyOptions options = {});
  // Verifies `report` against its terminal's `history` and updates it. Reports of one
  // terminal in time order. Safe to call from several threads on different histories.
  Verdict Verify(const Report& report, TerminalHistory& history) const;
  // The same with the histories kept here, by terminal id.
  Verdict Verify(const Report& report);
  const VerifyOptions& options() const { return options_; }

 private:
  VerifyOptions options_;
  absl::flat_hash_map<std::string, TerminalHistory> history_;
};

// One line of `satfence verify` output (no trailing newline).
std::string VerdictJson(const Verdict& v);

}  // namespace satfence::verify

#endif  // SATFENCE_VERIFY_VERIFIER_H_
