#include "satfence/orbit/passes.h"

#include <cmath>
#include <limits>

#include "satfence/geo/local_frame.h"
#include "satfence/orbit/teme.h"

namespace satfence::orbit {
namespace {

using std::chrono::microseconds;

class ElevationFunction {
 public:
  ElevationFunction(const Sgp4& sat, const geo::Geodetic& site) : sat_(sat), frame_(site) {}
  // Look angles at t; elevation -90 when SGP4 fails (a decayed satellite is not visible).
  geo::LookAngles operator()(UtcTime t) const {
    const Sgp4Result r = sat_.PropagateTo(t);
    if (r.error != Sgp4Error::kNone) return {0.0, -90.0, 0.0};
    const EcefState e = TemeToEcef(r.state, t);
    return frame_.Look(1000.0 * e.position_km);
  }

 private:
  const Sgp4& sat_;
  geo::LocalFrame frame_;
};

// Time in (lo, hi] where elevation crosses the mask, to 1 ms; `rising` says which way.
UtcTime Crossing(const ElevationFunction& f, UtcTime lo, UtcTime hi, double mask, bool rising) {
  while (hi - lo > microseconds(1000)) {
    const UtcTime mid = lo + (hi - lo) / 2;
    const bool above = f(mid).elevation_deg >= mask;
    ((above == rising) ? hi : lo) = mid;
  }
  return hi;
}

// Golden-section search for the elevation maximum in [lo, hi], to 10 ms.
UtcTime Culmination(const ElevationFunction& f, UtcTime lo, UtcTime hi) {
  constexpr double kInvPhi = 0.6180339887498949;
  auto at = [&](UtcTime a, UtcTime b, double frac) {
    return a + microseconds(std::llround(static_cast<double>((b - a).count()) * frac));
  };
  UtcTime x1 = at(lo, hi, 1.0 - kInvPhi), x2 = at(lo, hi, kInvPhi);
  double f1 = f(x1).elevation_deg, f2 = f(x2).elevation_deg;
  while (hi - lo > microseconds(10'000)) {
    if (f1 < f2) {
      lo = x1;
      x1 = x2;
      f1 = f2;
      x2 = at(lo, hi, kInvPhi);
      f2 = f(x2).elevation_deg;
    } else {
      hi = x2;
      x2 = x1;
      f2 = f1;
      x1 = at(lo, hi, 1.0 - kInvPhi);
      f1 = f(x1).elevation_deg;
    }
  }
  return f1 > f2 ? x1 : x2;
}

}  // namespace

std::vector<Pass> PredictPasses(const Sgp4& satellite, const geo::Geodetic& site, UtcTime start,
                                UtcTime end, PassOptions options) {
  std::vector<Pass> passes;
  if (end <= start) return passes;
  const double mask = options.min_elevation_deg;
  microseconds step = options.step;
  if (step.count() <= 0) {
    const double period_min = 2.0 * M_PI / satellite.coefficients().no_unkozai;
    step = microseconds(std::llround(period_min * 60e6 / 200.0));
  }
  const ElevationFunction f(satellite, site);

  std::vector<UtcTime> t;
  for (UtcTime x = start; x < end; x += step) t.push_back(x);
  t.push_back(end);
  std::vector<double> el(t.size());
  for (size_t i = 0; i < t.size(); ++i) el[i] = f(t[i]).elevation_deg;

  auto finish = [&](Pass p, UtcTime rise, UtcTime set) {
    p.rise = rise;
    p.set = set;
    p.culmination = Culmination(f, rise, set);
    const geo::LookAngles top = f(p.culmination);
    p.max_elevation_deg = top.elevation_deg;
    p.culmination_azimuth_deg = top.azimuth_deg;
    p.rise_azimuth_deg = f(rise).azimuth_deg;
    p.set_azimuth_deg = f(set).azimuth_deg;
    passes.push_back(p);
  };

  bool up = el[0] >= mask;
  Pass current;
  UtcTime rise = start;
  current.starts_before_window = up;
  for (size_t i = 1; i < t.size(); ++i) {
    const bool now_up = el[i] >= mask;
    if (!up && now_up) {
      rise = Crossing(f, t[i - 1], t[i], mask, /*rising=*/true);
      current = Pass{};
    } else if (up && !now_up) {
      finish(current, rise, Crossing(f, t[i - 1], t[i], mask, /*rising=*/false));
    } else if (!up && !now_up && i + 1 < t.size() && el[i] > el[i - 1] && el[i] >= el[i + 1] &&
               el[i] > mask - 10.0) {
      // A maximum below the mask at the samples may still clear it in between.
      const UtcTime top = Culmination(f, t[i - 1], t[i + 1]);
      if (f(top).elevation_deg >= mask) {
        current = Pass{};
        finish(current, Crossing(f, t[i - 1], top, mask, true),
               Crossing(f, top, t[i + 1], mask, false));
      }
    }
    up = now_up;
  }
  if (up) {
    current.ends_after_window = true;
    finish(current, rise, end);
  }
  return passes;
}

}  // namespace satfence::orbit
