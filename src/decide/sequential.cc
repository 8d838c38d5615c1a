#include "satfence/decide/sequential.h"

#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <random>

#include "absl/strings/str_format.h"

namespace satfence::decide {
namespace {

using Normal = boost::math::normal_distribution<
    double, boost::math::policies::policy<boost::math::policies::promote_double<false>>>;

// Siegmund's overshoot correction, 2 rho (rho = 0.583).
constexpr double kOvershoot = 1.166;

}  // namespace

double SpoofThreshold(const SequentialPolicy& s) {
  return std::log(2.0 * s.fleet_terminals * s.reports_per_terminal_per_day /
                  s.false_denials_per_day);
}

std::string SequentialSummary(const SequentialPolicy& s) {
  const double h = SpoofThreshold(s);
  return absl::StrFormat(
      "sequential spoof test: threshold %.2f (log-likelihood ratio) for at most %g honest "
      "terminals denied a day across %.0f reporting %g times a day; design shift %g sigma; "
      "run length to a false alarm at least %.3g reports a terminal",
      h, s.false_denials_per_day, s.fleet_terminals, s.reports_per_terminal_per_day,
      s.design_shift, CusumArl0Bound(h));
}

double NormalScore(double p_value) {
  const double p = std::clamp(std::isnan(p_value) ? 1.0 : p_value, 1e-300, 1.0 - 1e-16);
  return -boost::math::quantile(Normal(), p);
}

double ReportLogLr(double p_value, double design_shift) {
  return design_shift * NormalScore(p_value) - 0.5 * design_shift * design_shift;
}

double CusumStep(double cusum, double report_log_lr, double threshold) {
  return std::clamp(cusum + report_log_lr, 0.0, 2.0 * threshold);
}

double CusumArlSiegmund(double h, double design_shift, double mean_z) {
  const double drift = mean_z - 0.5 * design_shift;
  const double b = h / design_shift + kOvershoot;
  if (std::abs(drift) < 1e-12) return b * b;
  return (std::exp(-2.0 * drift * b) + 2.0 * drift * b - 1.0) / (2.0 * drift * drift);
}

double CusumArl0Bound(double h) { return std::exp(h); }

ArlEstimate CusumArlMonteCarlo(double h, double design_shift, double mean_z, int runs,
                               std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> z(mean_z, 1.0);
  const double d = design_shift, half = 0.5 * d * d;
  double sum = 0.0, sum2 = 0.0;
  for (int r = 0; r < runs; ++r) {
    double s = 0.0;
    std::int64_t n = 0;
    do {
      s = std::max(0.0, s + d * z(rng) - half);
      ++n;
    } while (s < h);
    sum += static_cast<double>(n);
    sum2 += static_cast<double>(n) * static_cast<double>(n);
  }
  const double mean = sum / runs;
  const double var = std::max(0.0, sum2 / runs - mean * mean);
  return {mean, std::sqrt(var / runs) / mean};
}

ArlEstimate CusumArlImportanceSampling(double h, double design_shift, int cycles,
                                       std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> null_z(0.0, 1.0), tilted_z(design_shift, 1.0);
  const double d = design_shift, half = 0.5 * d * d;
  // One cycle from S = 0: its length and where it ended.
  auto cycle = [&](std::normal_distribution<double>& z) {
    double s = 0.0;
    std::int64_t n = 0;
    do {
      s += d * z(rng) - half;
      ++n;
    } while (s > 0.0 && s < h);
    return std::pair{n, s};
  };
  double len = 0.0, len2 = 0.0, w = 0.0, w2 = 0.0;
  for (int c = 0; c < cycles; ++c) {
    const double n = static_cast<double>(cycle(null_z).first);
    len += n;
    len2 += n * n;
    const auto [m, end] = cycle(tilted_z);
    const double weight = end >= h ? std::exp(-end) : 0.0;
    w += weight;
    w2 += weight * weight;
  }
  const double mean_len = len / cycles, p = w / cycles;
  if (!(p > 0.0)) return {INFINITY, INFINITY};
  const double rel_len = std::sqrt(std::max(0.0, len2 / cycles - mean_len * mean_len) / cycles) /
                         mean_len;
  const double rel_p = std::sqrt(std::max(0.0, w2 / cycles - p * p) / cycles) / p;
  return {mean_len / p, std::hypot(rel_len, rel_p)};
}

}  // namespace satfence::decide
