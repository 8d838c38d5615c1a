// Pass prediction for one satellite over one ground point: rise, culmination and set.
//
//   std::vector<Pass> passes = PredictPasses(sat, site, start, start + 24h, {.min_elevation_deg =
//   25}); for (const Pass& p : passes) print(p.rise, p.culmination, p.set, p.max_elevation_deg);
//
// Method: elevation is sampled every `step` (default: 1/200 of the orbital period,
// ~28 s for Starlink); mask crossings are refined by bisection to 1 ms and the culmination
// by golden-section search to 10 ms. A local maximum between samples is refined as well,
// so a short pass that clears the mask between two samples is still found. Passes that
// are under way at `start` or `end` are cut there and flagged. Elevation is geodetic
// (ellipsoid normal), positions SGP4 + GMST (teme.h). Thread-safe.
#ifndef SATFENCE_ORBIT_PASSES_H_
#define SATFENCE_ORBIT_PASSES_H_

#include <chrono>
#include <vector>

#include "satfence/base/utc_time.h"
#include "satfence/geo/geodetic.h"
#include "satfence/orbit/sgp4.h"

namespace satfence::orbit {

struct Pass {
  UtcTime rise;
  UtcTime culmination;
  UtcTime set;
  double rise_azimuth_deg;
  double max_elevation_deg;
  double culmination_azimuth_deg;
  double set_azimuth_deg;
  bool starts_before_window = false;  // already above the mask at `start`
  bool ends_after_window = false;     // still above the mask at `end`
};

struct PassOptions {
  double min_elevation_deg = 25.0;
  std::chrono::microseconds step{0};  // 0: period / 200
};

std::vector<Pass> PredictPasses(const Sgp4& satellite, const geo::Geodetic& site, UtcTime start,
                                UtcTime end, PassOptions options = {});

}  // namespace satfence::orbit

#endif  // SATFENCE_ORBIT_PASSES_H_
