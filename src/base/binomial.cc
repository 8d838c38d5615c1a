#include "satfence/base/binomial.h"

#include <boost/math/special_functions/beta.hpp>

namespace satfence {

Interval ClopperPearson(int k, int n, double confidence) {
  if (n <= 0) return {0.0, 1.0};
  const double tail = (1.0 - confidence) / 2.0;
  return {k == 0 ? 0.0 : boost::math::ibeta_inv(k, n - k + 1, tail),
          k == n ? 1.0 : boost::math::ibeta_inv(k + 1, n - k, 1.0 - tail)};
}

double BinomialUpperTail(int k, int n, double p) {
  if (k <= 0) return 1.0;
  if (k > n) return 0.0;
  if (p <= 0.0) return 0.0;
  if (p >= 1.0) return 1.0;
  // P(X >= k) = I_p(k, n - k + 1), the regularised incomplete beta function.
  return boost::math::ibeta(k, n - k + 1, p);
}

}  // namespace satfence
