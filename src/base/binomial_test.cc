// Binomial intervals and tails against published and hand-computed values.
#include "satfence/base/binomial.h"

#include <gtest/gtest.h>

#include <cmath>

namespace satfence {
namespace {

TEST(ClopperPearson, MatchesTabulatedIntervals) {
  // Exact 95% intervals as tabulated (e.g. Clopper & Pearson 1934; R's binom.test):
  // 0/10 -> [0, 0.3085]; 5/10 -> [0.1871, 0.8129]; 5/20 -> [0.0866, 0.4910].
  Interval a = ClopperPearson(0, 10);
  EXPECT_EQ(a.lo, 0.0);
  EXPECT_NEAR(a.hi, 0.3085, 5e-5);
  Interval b = ClopperPearson(5, 10);
  EXPECT_NEAR(b.lo, 0.1871, 5e-5);
  EXPECT_NEAR(b.hi, 0.8129, 5e-5);
  Interval c = ClopperPearson(5, 20);
  EXPECT_NEAR(c.lo, 0.0866, 5e-5);
  EXPECT_NEAR(c.hi, 0.4910, 5e-5);
  Interval all = ClopperPearson(10, 10);
  EXPECT_NEAR(all.lo, 0.6915, 5e-5);
  EXPECT_EQ(all.hi, 1.0);
  Interval none = ClopperPearson(0, 0);
  EXPECT_EQ(none.lo, 0.0);
  EXPECT_EQ(none.hi, 1.0);
}

TEST(BinomialUpperTail, MatchesTheSumOfTerms) {
  // P(X >= 8), X ~ B(10, 0.3) = 45 (.3^8)(.7^2) + 10 (.3^9)(.7) + .3^10 = 0.0015903864.
  const double by_terms =
      45 * std::pow(0.3, 8) * std::pow(0.7, 2) + 10 * std::pow(0.3, 9) * 0.7 + std::pow(0.3, 10);
  EXPECT_NEAR(by_terms, 0.0015903864, 1e-13);
  EXPECT_NEAR(BinomialUpperTail(8, 10, 0.3), by_terms, 1e-15);
  EXPECT_DOUBLE_EQ(BinomialUpperTail(0, 10, 0.3), 1.0);
  EXPECT_DOUBLE_EQ(BinomialUpperTail(11, 10, 0.3), 0.0);
  // P(X >= 1) = 1 - (1 - p)^n.
  EXPECT_NEAR(BinomialUpperTail(1, 20, 0.05), 1.0 - std::pow(0.95, 20), 1e-14);
}

}  // namespace
}  // namespace satfence
