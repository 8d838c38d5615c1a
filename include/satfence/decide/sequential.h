// The sequential spoof test: a fleet's false-denial budget turned into a per-terminal
// threshold, and the theory that checks it (docs/policy.md, "The sequential spoof test").
//
//   SequentialPolicy s;                          // 1 false denial a day, 10M terminals, 1/min
//   double h = SpoofThreshold(s);                // 24.08
//   state.spoof_cusum = max(0, S + ReportLogLr(verdict.report_p_value, s.design_shift));
//
// Per terminal, Page's CUSUM runs over its reports' own p-values, each mapped to a normal
// score z = Q^-1(p) and tested for a shift of d = `design_shift` sigmas:
//     llr = d z - d^2/2,   S_n = max(0, S_n-1 + llr_n),   alarm when S_n >= h.
// Under the stated model a report's p-value is uniform or larger whatever came before, so z
// is at most standard normal, E[exp(llr)] <= 1, exp(S) restarted at each zero is a
// supermartingale, and the average run length to a false alarm is at least e^h reports
// (Lorden 1971, Ann. Math. Statist. 42). Beside it the verifier's history test
// (verify::HistoryLogLr) alarms at the same h; by Ville's inequality it reaches h with
// probability at most e^-h per static history, and a history starts at most once a report.
// Half the budget to each:
//     h = log(2 * fleet terminals * reports per terminal per day / false denials per day).
// The bound is conservative: the CUSUM overshoots h and restarts below it, so its run
// length is longer, about 2 e^(h + 1.166 d) / d^2 (Siegmund 1985, Sequential Analysis:
// Brownian motion corrected by rho = 0.583 = -zeta(1/2)/sqrt(2 pi) for the overshoot),
// which CusumArlImportanceSampling checks by simulation.
//
// A displaced terminal whose reports have mean score mu is detected after about
// (h + overshoot) / (d mu - d^2/2) reports; `design_shift` is best near the mu of the
// smallest displacement that must be caught quickly.
#ifndef SATFENCE_DECIDE_SEQUENTIAL_H_
#define SATFENCE_DECIDE_SEQUENTIAL_H_

#include <cstdint>
#include <string>

namespace satfence::decide {

struct SequentialPolicy {
  double false_denials_per_day = 1.0;  // honest terminals denied, across the fleet
  double fleet_terminals = 1e7;
  double reports_per_terminal_per_day = 1440.0;
  double design_shift = 4.0;  // d, in sigmas of the normal score
};

// h, in natural-log units of likelihood ratio.
double SpoofThreshold(const SequentialPolicy& s);

// The normal score of a p-value, z = Q^-1(p), with p clamped to [1e-300, 1 - 1e-16]
// (z in about [-8.2, 37.0]).
double NormalScore(double p_value);
// One report's contribution to the CUSUM: d z - d^2/2.
double ReportLogLr(double p_value, double design_shift);
// The same from a verdict's sequential evidence: none (0) when none of its tests could say.
inline double ReportEvidence(int report_tests, double report_p_value, double design_shift) {
  return report_tests > 0 ? ReportLogLr(report_p_value, design_shift) : 0.0;
}

// One line saying what the budget sets, for logs: the threshold, the budget it comes from,
// the design shift and Lorden's bound on the run length to a false alarm.
std::string SequentialSummary(const SequentialPolicy& s);

// One report into a terminal's CUSUM: S + llr, kept in [0, 2h] (the cap lets the statistic
// forget a spoof that has ended within about h / (d^2/2) honest reports).
double CusumStep(double cusum, double report_log_lr, double threshold);
// The terminal is denied for spoofing while its CUSUM or its history statistic is at h.
inline bool SpoofAlarm(double cusum, double history_log_lr, double threshold) {
  return cusum >= threshold || history_log_lr >= threshold;
}

// Average run lengths (reports) of the CUSUM at threshold h with scores z ~ N(mean_z, 1).
// Siegmund's corrected diffusion approximation: with D = mean_z - d/2 and
// b = h/d + 1.166,  ARL = (exp(-2 D b) + 2 D b - 1) / (2 D^2)  (b^2 when D = 0).
double CusumArlSiegmund(double h, double design_shift, double mean_z);
// Lorden's lower bound on the run length to a false alarm: e^h.
double CusumArl0Bound(double h);

struct ArlEstimate {
  double arl = 0.0;
  double relative_error = 0.0;  // one standard error over the estimate
};
// Direct simulation: the mean of `runs` run lengths (for small h, or mean_z > 0).
ArlEstimate CusumArlMonteCarlo(double h, double design_shift, double mean_z, int runs,
                               std::uint64_t seed);
// The run length to a false alarm (mean_z = 0) by importance sampling, for thresholds
// where direct simulation would need ~e^h steps. A cycle starts at S = 0 and ends at the
// first S <= 0 or S >= h; by renewal, ARL = E0[cycle length] / P0(cycle ends at h). The
// numerator is simulated directly; the probability under the alternative z ~ N(d, 1),
// where the likelihood ratio of a cycle's path is exp(-S_end), so
// P0(alarm) = E1[exp(-S_end); S_end >= h]  (Siegmund 1976, Ann. Statist. 4).
ArlEstimate CusumArlImportanceSampling(double h, double design_shift, int cycles,
                                       std::uint64_t seed);

}  // namespace satfence::decide

#endif  // SATFENCE_DECIDE_SEQUENTIAL_H_
