// Binomial proportions: exact confidence intervals and tail probabilities (Boost.Math).
//
//   Interval ci = ClopperPearson(5, 20);            // 95%: [0.0866, 0.4910]
//   double p = BinomialUpperTail(8, 10, 0.3);       // P(X >= 8) = 0.00159
#ifndef SATFENCE_BASE_BINOMIAL_H_
#define SATFENCE_BASE_BINOMIAL_H_

namespace satfence {

struct Interval {
  double lo = 0.0;
  double hi = 1.0;
};

// The exact (Clopper-Pearson) two-sided interval for k successes in n trials at the given
// confidence; [0, 1] when n == 0. REQUIRES: 0 <= k <= n.
Interval ClopperPearson(int k, int n, double confidence = 0.95);

// P(X >= k) for X ~ Binomial(n, p): the one-sided p-value of seeing k or more.
double BinomialUpperTail(int k, int n, double p);

}  // namespace satfence

#endif  // SATFENCE_BASE_BINOMIAL_H_
