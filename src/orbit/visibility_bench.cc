// Visibility for many ground points at one instant against the real Starlink snapshot
// (8,325 satellites, 25 deg mask): the index against the all-pairs loop, same run.
//
//   build/release/src/orbit/orbit_visibility_bench           # 1,000,000 points
//   build/release/src/orbit/orbit_visibility_bench --smoke   # CI: 2,000 points
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>

#include "satfence/orbit/tle.h"
#include "satfence/orbit/visibility.h"

int main(int argc, char** argv) {
  using namespace satfence;
  using Clock = std::chrono::steady_clock;
  const bool smoke = argc > 1 && std::strcmp(argv[1], "--smoke") == 0;
  const size_t n_index = smoke ? 2000 : 1'000'000;
  const size_t n_naive = smoke ? 200 : 5'000;

  const std::string path = std::string(SATFENCE_TESTDATA_DIR) + "/starlink/starlink_20250923.tle";
  const orbit::Constellation c =
      orbit::Constellation::FromElements(orbit::ReadTleFile(path).records);
  const UtcTime t = *ParseRfc3339("2025-09-23T12:00:00Z");
  const auto b0 = Clock::now();
  const orbit::VisibilityIndex index(c.EcefStatesAt(t), 25.0);
  const double build_ms = std::chrono::duration<double, std::milli>(Clock::now() - b0).count();

  const unsigned seed = 1;
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-1.0, 1.0), lon(-180.0, 180.0);
  std::vector<geo::Geodetic> points(n_index);
  for (auto& p : points) p = {std::asin(u(rng)) * 180.0 / M_PI, lon(rng), 0.0};

  size_t visible = 0;
  const auto i0 = Clock::now();
  for (const auto& p : points) visible += index.Visible(p).size();
  const double index_s = std::chrono::duration<double>(Clock::now() - i0).count();

  size_t visible_naive = 0, visible_check = 0;
  const auto n0 = Clock::now();
  for (size_t i = 0; i < n_naive; ++i) visible_naive += index.VisibleBruteForce(points[i]).size();
  const double naive_s = std::chrono::duration<double>(Clock::now() - n0).count();
  for (size_t i = 0; i < n_naive; ++i) visible_check += index.Visible(points[i]).size();

  const double index_rate = n_index / index_s, naive_rate = n_naive / naive_s;
  std::printf("Visibility, one core, %zu satellites, 25 deg mask, seed %u\n", c.size(), seed);
  std::printf("  index build (propagate + bucket)  %8.1f ms\n", build_ms + 0.0);
  std::printf("  index      %9zu points  %10.0f points/s  (%.2f visible per point)\n", n_index,
              index_rate, static_cast<double>(visible) / n_index);
  std::printf("  all-pairs  %9zu points  %10.0f points/s\n", n_naive, naive_rate);
  std::printf("  index / all-pairs: %.1fx\n", index_rate / naive_rate);
  return visible_check == visible_naive ? 0 : 1;
}
