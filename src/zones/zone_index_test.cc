#include "satfence/zones/zone_index.h"

#include <gtest/gtest.h>

#include <random>

#include "s2/s2latlng.h"
#include "satfence/zones/geojson_reader.h"

namespace satfence::zones {
namespace {

const std::string kWorld = std::string(SATFENCE_WORLD_DIR) + "/countries-maritime-10m/map.geo.json";
const std::string kScenario =
    std::string(SATFENCE_SOURCE_DIR) + "/data/zones/ukraine_scenario.geojson";

// The world territorial-sea set plus the example operator zones.
ZoneSet WorldAndScenario() {
  ZoneReadResult world = ReadZonesGeoJsonFile(
      kWorld, {.id_property = "A3", .default_kind = ZoneKind::kTerritorialWaters});
  EXPECT_GT(world.zones.size(), 240u) << kWorld;
  ZoneReadResult scenario = ReadZonesGeoJsonFile(kScenario, {.countries = &world.zones});
  EXPECT_TRUE(scenario.errors.empty());
  for (Zone& z : scenario.zones) world.zones.push_back(std::move(z));
  return ZoneSet(std::move(world.zones));
}

TEST(ZoneIndex, AgreesWithS2OnAMillionPoints) {
  const ZoneSet set = WorldAndScenario();
  const ZoneIndex index(set);
  const unsigned seed = 20261124;
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-1.0, 1.0), lon(-180.0, 180.0), unit(0.0, 1.0);

  // Half uniform on the sphere, half within 50 km of a border vertex (of a random zone,
  // at a random bearing and distance).
  std::vector<S2Point> border_vertices;
  for (const Zone& z : set.zones()) {
    for (const auto& part : z.geometry->parts) {
      for (const auto& ring : part) {
        for (size_t i = 0; i < ring.size(); i += 7) border_vertices.push_back(ring[i]);
      }
    }
  }
  std::uniform_int_distribution<size_t> pick(0, border_vertices.size() - 1);
  int in_table = 0, disagreements = 0;
  const int n = 1'000'000;
  for (int i = 0; i < n; ++i) {
    double lat_deg, lon_deg;
    if (i % 2 == 0) {
      lat_deg = std::asin(u(rng)) * 180.0 / M_PI;
      lon_deg = lon(rng);
    } else {
      const S2LatLng v(border_vertices[pick(rng)]);
      const double d_rad = 50e3 * unit(rng) / kEarthRadius_m, az = 2 * M_PI * unit(rng);
      // Small offsets: a local flat approximation is enough to scatter points near borders.
      lat_deg = std::clamp(v.lat().degrees() + d_rad * std::cos(az) * 180 / M_PI, -90.0, 90.0);
      lon_deg = v.lng().degrees() +
                d_rad * std::sin(az) * 180 / M_PI / std::max(0.05, std::cos(v.lat().radians()));
      lon_deg = std::remainder(lon_deg, 360.0);
    }
    const S2Point p = S2LatLng::FromDegrees(lat_deg, lon_deg).ToPoint();
    const std::vector<int> fast = index.Containing(lat_deg, lon_deg);
    const std::vector<int> exact = index.reference().Containing(p);
    in_table += std::abs(lat_deg) < 85.0;
    if (fast != exact) {
      ++disagreements;
      ADD_FAILURE() << "seed " << seed << " point " << i << " (" << lat_deg << ", " << lon_deg
                    << "): index and S2 disagree";
      if (disagreements > 10) break;
    }
  }
  EXPECT_EQ(disagreements, 0);
  EXPECT_GT(in_table, n * 9 / 10);
  const ZoneIndex::Stats& s = index.stats();
  std::printf("cells %zu (%zu with edges, %zu divided), edges %zu, edge refs %zu, %.0f MB\n",
              s.cells, s.cells_with_edges, s.dense_cells, s.edges, s.edge_refs, s.bytes / 1e6);
}

TEST(ZoneIndex, BordersVerticesAndTheAntimeridianGoWhereS2PutsThem) {
  const ZoneSet set = WorldAndScenario();
  const ZoneIndex index(set);
  int checked = 0;
  // Every 97th vertex of every zone (points exactly on borders), and the midpoints of the
  // edges that leave them.
  for (const Zone& z : set.zones()) {
    for (const auto& part : z.geometry->parts) {
      for (const auto& ring : part) {
        for (size_t i = 0; i < ring.size(); i += 97) {
          for (const S2Point& p : {ring[i], (ring[i] + ring[(i + 1) % ring.size()]).Normalize()}) {
            ASSERT_EQ(index.Containing(p), index.reference().Containing(p)) << z.id << " " << i;
            // The same through degrees (both sides converting the same way).
            const S2LatLng ll(p);
            const double lat = ll.lat().degrees(), lon = ll.lng().degrees();
            ASSERT_EQ(index.Containing(lat, lon),
                      index.reference().Containing(S2LatLng::FromDegrees(lat, lon).ToPoint()))
                << z.id << " " << i;
            ++checked;
          }
        }
      }
    }
  }
  EXPECT_GT(checked, 10000);
  for (double lat = -84.9; lat < 85; lat += 0.37) {
    for (double lon : {-180.0, 180.0, 179.999999, -179.999999}) {
      ASSERT_EQ(index.Containing(lat, lon),
                index.reference().Containing(S2LatLng::FromDegrees(lat, lon).ToPoint()))
          << lat << ", " << lon;
    }
  }
}

}  // namespace
}  // namespace satfence::zones
