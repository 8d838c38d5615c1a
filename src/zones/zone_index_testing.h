// Helpers for tests that hold ZoneIndex to S2: points scattered about a set's borders or
// uniform on the sphere, and the agreement of the two indexes' containment answers.
#ifndef SATFENCE_ZONES_ZONE_INDEX_TESTING_H_
#define SATFENCE_ZONES_ZONE_INDEX_TESTING_H_

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "s2/s2latlng.h"
#include "satfence/zones/region.h"
#include "satfence/zones/s2_zone_index.h"
#include "satfence/zones/zone_index.h"
#include "satfence/zones/zone_set.h"

namespace satfence::zones::zone_testing {

// Vertices of the set's borders, every `step`th.
inline std::vector<S2Point> BorderVertices(const ZoneSet& set, size_t step) {
  std::vector<S2Point> out;
  for (const Zone& z : set.zones()) {
    for (const auto& part : z.geometry->parts) {
      for (const auto& ring : part) {
        for (size_t i = 0; i < ring.size(); i += step) out.push_back(ring[i]);
      }
    }
  }
  return out;
}

// A point up to `max_m` from v in a random direction (local flat offsets are enough to
// scatter points around borders), as degrees.
inline S2LatLng Scatter(const S2Point& v, double max_m, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const S2LatLng ll(v);
  const double d_rad = max_m * unit(rng) / kEarthRadius_m, az = 2 * M_PI * unit(rng);
  const double lat_deg =
      std::clamp(ll.lat().degrees() + d_rad * std::cos(az) * 180 / M_PI, -90.0, 90.0);
  const double lon_deg = ll.lng().degrees() + d_rad * std::sin(az) * 180 / M_PI /
                                                  std::max(0.05, std::cos(ll.lat().radians()));
  return S2LatLng::FromDegrees(lat_deg, std::remainder(lon_deg, 360.0));
}

// A point uniform on the sphere.
inline S2LatLng Uniform(std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(-1.0, 1.0), lon(-180.0, 180.0);
  return S2LatLng::FromDegrees(std::asin(u(rng)) * 180 / M_PI, lon(rng));
}

struct Agreement {
  int points = 0;
  int in_table = 0;  // within the index's cell table (|lat| < 85), not its polar caps
  int disagreements = 0;
};

// Asks `index` and `reference` (S2 over the same set) which zones hold each of `n` points,
// half uniform on the sphere and half within 50 km of a border vertex, from `seed` (named
// in failures). Every tenth point is asked again through the batch lookup. Reports the
// first ten disagreements as test failures.
inline Agreement ExpectAgreesWithS2(const ZoneSet& set, const ZoneIndex& index,
                                    const S2ZoneIndex& reference, int n, unsigned seed) {
  std::mt19937_64 rng(seed);
  const std::vector<S2Point> border = BorderVertices(set, 7);
  std::uniform_int_distribution<size_t> pick(0, border.size() - 1);
  Agreement a;
  std::vector<ZoneIndex::LatLngDeg> points;
  std::vector<std::vector<int>> answers;
  for (int i = 0; i < n; ++i) {
    const S2LatLng ll = i % 2 == 0 ? Uniform(rng) : Scatter(border[pick(rng)], 50e3, rng);
    const double lat_deg = ll.lat().degrees(), lon_deg = ll.lng().degrees();
    const S2Point p = S2LatLng::FromDegrees(lat_deg, lon_deg).ToPoint();
    const std::vector<int> fast = index.Containing(lat_deg, lon_deg);
    const std::vector<int> exact = reference.Containing(p);
    ++a.points;
    a.in_table += std::abs(lat_deg) < 85.0;
    if (i % 10 == 0) {
      points.push_back({lat_deg, lon_deg});
      answers.push_back(exact);
    }
    if (fast != exact) {
      ++a.disagreements;
      ADD_FAILURE() << "seed " << seed << " point " << i << " (" << lat_deg << ", " << lon_deg
                    << "): index and S2 disagree";
      if (a.disagreements > 10) break;
    }
  }
  std::vector<std::uint32_t> offsets;
  std::vector<int> zones;
  index.ContainingMany(points, offsets, zones);
  EXPECT_EQ(offsets.size(), points.size() + 1);
  for (size_t i = 0; i + 1 < offsets.size() && i < points.size(); ++i) {
    const std::vector<int> batch(zones.begin() + offsets[i], zones.begin() + offsets[i + 1]);
    if (batch != answers[i]) {
      ++a.disagreements;
      ADD_FAILURE() << "seed " << seed << " batch point " << i << " (" << points[i].lat_deg << ", "
                    << points[i].lon_deg << "): batch lookup and S2 disagree";
      if (a.disagreements > 10) break;
    }
  }
  return a;
}

}  // namespace satfence::zones::zone_testing

#endif  // SATFENCE_ZONES_ZONE_INDEX_TESTING_H_
