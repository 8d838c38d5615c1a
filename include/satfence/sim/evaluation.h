// How well did the verifier do, and how well could anyone have done?
//
//   absl::StatusOr<Evaluation> e = EvaluateFiles("truth.jsonl", "verdicts.jsonl");
//   std::cout << EvaluationText(*e);
//
// Verdicts are matched to truth by terminal and time. The theoretical detection power of a
// report's test is 1 - F(threshold; dof, lambda) of the noncentral chi-square, with dof and
// threshold from the verdict's own test record and lambda from the simulator (the test
// statistic of the noiseless measurements). A1 reports are scored on the test over all kinds,
// A2 reports on the test over the unforgeable kinds; the verdict's overall detection (any
// test, history included) is shown beside them.
#ifndef SATFENCE_SIM_EVALUATION_H_
#define SATFENCE_SIM_EVALUATION_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "satfence/decide/sequential.h"

namespace satfence::sim {

struct ClassRate {
  std::string behaviour;
  int reports = 0;
  int spoofed = 0;  // verdicts of `spoofed` (false alarms for honest classes)
  int inconclusive = 0;
  int flagged = 0;       // the class's own flag: speed_limit (drones), clone (clones)
  double rate_lo = 0.0;  // 95% Clopper-Pearson interval of spoofed / reports
  double rate_hi = 0.0;
};

struct DetectionBin {
  std::string behaviour;  // a1 or a2
  double lo_m = 0.0;      // displacement bin [lo, hi)
  double hi_m = 0.0;
  int reports = 0;
  int test_rejected = 0;  // the class's own test (all kinds for a1, physical for a2)
  double theory = 0.0;    // mean theoretical power of that test over the bin
  int detected = 0;       // verdict `spoofed` by any test
};

// Lying terminals by displacement: how many were caught, and after how long (from their
// first report to their first `spoofed` verdict).
struct TimeToDetection {
  std::string behaviour;
  double lo_m = 0.0;
  double hi_m = 0.0;
  int terminals = 0;
  int detected = 0;
  double median_s = 0.0;  // NaN when none was detected
  double median_reports = 0.0;
};

struct RocPoint {
  double alpha = 0.0;  // threshold on the verdict's (adjusted) p-value
  double false_alarm = 0.0;
  double detection = 0.0;
};

// The sequential spoof test (decide/sequential.h) run over each terminal's verdicts in time
// order, at the policy's threshold: honest terminals denied, how many reports liars took,
// and the test's theory at that threshold.
struct SequentialBin {
  std::string behaviour;  // a1 or a2
  double lo_m = 0.0, hi_m = 0.0;
  int terminals = 0;
  int denied = 0;
  int on_first = 0;   // denied on their first report
  int within_5 = 0;   // within their first five
  double median_reports = 0.0;  // to denial, of those denied (NaN when none)
};
struct DelayPoint {
  double mean_score = 0.0;   // mean normal score z of a displaced terminal's reports
  double simulated = 0.0;    // mean reports to denial (Monte Carlo)
  double siegmund = 0.0;     // Siegmund's approximation
};
struct SequentialEvaluation {
  double threshold = 0.0;
  double design_shift = 0.0;
  double fleet_terminals = 0.0, reports_per_terminal_per_day = 0.0, false_denials_per_day = 0.0;
  double arl0_bound = 0.0;                // Lorden: e^h reports
  double arl0_importance_sampling = 0.0;  // reports, and its relative standard error
  double arl0_relative_error = 0.0;
  double fleet_denials_per_day = 0.0;  // from the CUSUM, at the simulated run length
  int honest_terminals = 0;
  int honest_denied = 0;
  int honest_scored = 0;           // honest reports that were evidence (report_tests > 0)
  double honest_mean_lr = 0.0;     // mean of exp(llr) over them: at most 1 when valid
  std::vector<SequentialBin> bins;
  std::vector<DelayPoint> delay_curve;
};

struct Evaluation {
  int truth_records = 0;
  int verdicts = 0;
  int matched = 0;
  std::vector<std::string> unmatched;  // "file:line: why" for verdicts without truth
  std::vector<ClassRate> classes;
  double honest_false_alarm = 0.0;  // over every honest class
  int honest_reports = 0;
  double configured_alpha = 0.0;  // the verdicts' own false-alarm setting
  std::vector<DetectionBin> bins;
  std::vector<RocPoint> roc;
  // Fixes of honest reports: RMS horizontal error against the RMS Cramer-Rao bound at the
  // truth, and the mean horizontal NEES (2 when the reported ellipses are right).
  int fixes = 0;
  double rms_error_h_m = 0.0;
  double rms_crlb_h_m = 0.0;
  double mean_nees_h = 0.0;
  // Liars: how long until the first `spoofed` verdict.
  int liars = 0;
  int liars_detected = 0;
  double median_time_to_detection_s = 0.0;
  double median_reports_to_detection = 0.0;
  std::vector<TimeToDetection> time_to_detection;
  SequentialEvaluation sequential;
};

absl::StatusOr<Evaluation> EvaluateFiles(const std::string& truth_path,
                                         const std::string& verdicts_path,
                                         const decide::SequentialPolicy& sequential = {});

std::string EvaluationText(const Evaluation& e);
std::string EvaluationJson(const Evaluation& e);

}  // namespace satfence::sim

#endif  // SATFENCE_SIM_EVALUATION_H_
