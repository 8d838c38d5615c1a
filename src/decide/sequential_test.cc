// The sequential spoof test's threshold and run lengths, against published CUSUM tables and
// against each other: direct simulation where it is cheap, importance sampling where it is
// not, Siegmund's approximation and Lorden's bound.
#include "satfence/decide/sequential.h"

#include <gtest/gtest.h>

#include <cmath>

namespace satfence::decide {
namespace {

TEST(Sequential, ThresholdFromTheFleetBudget) {
  // log(2 x 1e7 terminals x 1440 reports / 1 false denial) = log(2.88e10).
  EXPECT_NEAR(SpoofThreshold({}), 24.0836412, 1e-6);
  SequentialPolicy small{.false_denials_per_day = 10.0, .fleet_terminals = 1e5,
                         .reports_per_terminal_per_day = 96.0};
  EXPECT_NEAR(SpoofThreshold(small), std::log(1.92e6), 1e-12);
}

TEST(Sequential, NormalScores) {
  EXPECT_NEAR(NormalScore(2.866515718791939e-07), 5.0, 1e-9);  // Q(5), Abramowitz & Stegun 26.2
  EXPECT_NEAR(NormalScore(0.5), 0.0, 1e-12);
  EXPECT_NEAR(NormalScore(0.15865525393145707), 1.0, 1e-9);  // Q(1)
  EXPECT_NEAR(NormalScore(0.0), NormalScore(1e-300), 0.0);    // clamped, finite
  EXPECT_GT(NormalScore(0.0), 37.0);
  EXPECT_LT(NormalScore(1.0), -8.0);
  EXPECT_TRUE(std::isfinite(NormalScore(1.0)));
  EXPECT_NEAR(ReportLogLr(2.866515718791939e-07, 4.0), 4.0 * 5.0 - 8.0, 1e-8);
}

// One-sided CUSUM with reference value k = 0.5 sigma (d = 1 here, h in log-LR units equals
// h in sigmas): in-control ARL 336 at h = 4 and 930 at h = 5; after a 1-sigma shift, 8.38
// and 10.4 (Montgomery, Introduction to Statistical Quality Control, 6th ed., Table 9.3,
// whose two-sided in-control values 168 and 465 are half the one-sided ones).
TEST(Sequential, RunLengthsMatchPublishedTables) {
  struct Row {
    double h, mean_z, published;
  };
  for (const Row& r : {Row{4.0, 0.0, 336.0}, Row{5.0, 0.0, 930.0}, Row{4.0, 1.0, 8.38},
                       Row{5.0, 1.0, 10.4}}) {
    const ArlEstimate mc = CusumArlMonteCarlo(r.h, 1.0, r.mean_z, 20'000, 7);
    EXPECT_NEAR(mc.arl, r.published, 4.0 * mc.relative_error * r.published + 0.01 * r.published)
        << "h " << r.h << " shift " << r.mean_z;
    EXPECT_NEAR(CusumArlSiegmund(r.h, 1.0, r.mean_z), r.published, 0.03 * r.published)
        << "h " << r.h << " shift " << r.mean_z;
  }
}

TEST(Sequential, ImportanceSamplingAgreesWithDirectSimulation) {
  for (auto [h, d] : {std::pair{4.0, 1.0}, std::pair{6.0, 4.0}}) {
    const ArlEstimate direct = CusumArlMonteCarlo(h, d, 0.0, 3'000, 11);
    const ArlEstimate is = CusumArlImportanceSampling(h, d, 200'000, 13);
    const double se = std::hypot(direct.relative_error * direct.arl, is.relative_error * is.arl);
    EXPECT_NEAR(is.arl, direct.arl, 4.0 * se) << "h " << h << " d " << d;
    EXPECT_GE(direct.arl, CusumArl0Bound(h) * (1.0 - 4.0 * direct.relative_error));
  }
}

// At the default policy's threshold (e^24 reports cannot be simulated directly): the run
// length to a false alarm is above Lorden's bound.
TEST(Sequential, TheFleetBudgetHoldsAtTheDesignThreshold) {
  const SequentialPolicy policy;
  const double h = SpoofThreshold(policy);
  const ArlEstimate is = CusumArlImportanceSampling(h, policy.design_shift, 200'000, 17);
  ASSERT_LT(is.relative_error, 0.05);
  EXPECT_GT(is.arl, CusumArl0Bound(h));
  // Siegmund's approximation is for shifts small against the noise; at d = 4 it overstates
  // the run length (by about 1.5x), so the simulation, not it, is what the budget rests on.
  EXPECT_LT(is.arl, CusumArlSiegmund(h, policy.design_shift, 0.0));
  // Expected honest denials a day across the fleet from the CUSUM: within its half budget.
  const double per_day = policy.fleet_terminals * policy.reports_per_terminal_per_day / is.arl;
  EXPECT_LT(per_day, 0.5 * policy.false_denials_per_day);
  // Detection: a report stream with mean score 5 (about 1e-6 per report) crosses within a
  // few reports; the approximation and a simulation agree.
  const ArlEstimate delay = CusumArlMonteCarlo(h, policy.design_shift, 5.0, 20'000, 19);
  EXPECT_NEAR(delay.arl, CusumArlSiegmund(h, policy.design_shift, 5.0), 0.6);
  EXPECT_LE(delay.arl, 3.0);
}

}  // namespace
}  // namespace satfence::decide
