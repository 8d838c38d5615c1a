#include "satfence/geo/sin_cos_deg.h"

namespace satfence::geo::internal {
namespace {

std::array<SinCos, 1441> MakeQuarterDegree() {
  std::array<SinCos, 1441> table;
  constexpr long double kPi = 3.141592653589793238462643383279502884L;
  for (int k = -720; k <= 720; ++k) {
    const long double a = k * kPi / 720.0L;
    table[k + 720] = {static_cast<double>(std::sin(a)), static_cast<double>(std::cos(a))};
  }
  return table;
}

}  // namespace

const std::array<SinCos, 1441> kQuarterDegree = MakeQuarterDegree();

}  // namespace satfence::geo::internal
