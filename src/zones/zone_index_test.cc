#include "satfence/zones/zone_index.h"

#include <gtest/gtest.h>

#include <array>
#include <random>
#include <string>

#include "s2/s2latlng.h"
#include "satfence/zones/geojson_reader.h"
#include "zone_index_testing.h"

namespace satfence::zones {
namespace {

const std::string kWorld = std::string(SATFENCE_WORLD_DIR) + "/countries-maritime-10m/map.geo.json";
const std::string kScenario =
    std::string(SATFENCE_SOURCE_DIR) + "/data/zones/ukraine_scenario.geojson";

// The world territorial-sea set plus the example operator zones.
ZoneSet WorldAndScenario() {
  ZoneReadResult world = ReadZonesGeoJsonFile(kWorld, {.id_property = "A3",
                                                       .default_kind = ZoneKind::kTerritorialWaters,
                                                       .mercator_polar_clip = true});
  EXPECT_GT(world.zones.size(), 240u) << kWorld;
  ZoneReadResult scenario = ReadZonesGeoJsonFile(kScenario, {.countries = &world.zones});
  EXPECT_TRUE(scenario.errors.empty());
  for (Zone& z : scenario.zones) world.zones.push_back(std::move(z));
  return ZoneSet(std::move(world.zones));
}

// Built once for the tests below (about 7 s).
const ZoneSet& World() {
  static const ZoneSet* set = new ZoneSet(WorldAndScenario());
  return *set;
}
const ZoneIndex& WorldIndex() {
  static const ZoneIndex* index = new ZoneIndex(World());
  return *index;
}

using zone_testing::BorderVertices;
using zone_testing::Scatter;
using zone_testing::Uniform;

TEST(ZoneIndex, AgreesWithS2OnAMillionPoints) {
  const ZoneSet& set = World();
  const ZoneIndex& index = WorldIndex();
  const zone_testing::Agreement a =
      zone_testing::ExpectAgreesWithS2(set, index, index.reference(), 1'000'000, 20261124);
  EXPECT_EQ(a.disagreements, 0);
  EXPECT_GT(a.in_table, a.points * 9 / 10);
  const ZoneIndex::Stats& s = index.stats();
  std::printf("cells %zu (%zu with edges, %zu divided), edges %zu, edge refs %zu, %.0f MB\n",
              s.cells, s.cells_with_edges, s.dense_cells, s.edges, s.edge_refs, s.bytes / 1e6);
}

std::string Joined(const std::vector<int>& zones) {
  std::string s = "{";
  for (int z : zones) s += " " + std::to_string(z);
  return s + " }";
}

// Whether the index puts p where S2 does, asked with p and with its degrees (both sides
// converting the same way).
::testing::AssertionResult GoesWhereS2PutsIt(const ZoneIndex& index, const S2Point& p) {
  const std::vector<int> ours = index.Containing(p), s2 = index.reference().Containing(p);
  if (ours != s2) return ::testing::AssertionFailure() << Joined(ours) << " vs S2 " << Joined(s2);
  const S2LatLng ll(p);
  const double lat = ll.lat().degrees(), lon = ll.lng().degrees();
  const std::vector<int> ours_deg = index.Containing(lat, lon);
  const std::vector<int> s2_deg =
      index.reference().Containing(S2LatLng::FromDegrees(lat, lon).ToPoint());
  if (ours_deg != s2_deg) {
    return ::testing::AssertionFailure()
           << "(" << lat << ", " << lon << "): " << Joined(ours_deg) << " vs S2 " << Joined(s2_deg);
  }
  return ::testing::AssertionSuccess();
}

// Calls each(zone, i, a, b) for every `step`-th edge a -> b (from vertex i) of every ring,
// until a fatal failure.
template <typename F>
void ForEveryEdge(const ZoneSet& set, size_t step, F&& each) {
  for (const Zone& z : set.zones()) {
    for (const auto& part : z.geometry->parts) {
      for (const auto& ring : part) {
        for (size_t i = 0; i < ring.size(); i += step) {
          if (::testing::Test::HasFatalFailure()) return;
          each(z, i, ring[i], ring[(i + 1) % ring.size()]);
        }
      }
    }
  }
}

TEST(ZoneIndex, BordersVerticesAndTheAntimeridianGoWhereS2PutsThem) {
  const ZoneIndex& index = WorldIndex();
  int checked = 0;
  // Every 97th vertex of every zone (points exactly on borders), and the midpoints of the
  // edges that leave them.
  ForEveryEdge(World(), 97, [&](const Zone& z, size_t i, const S2Point& a, const S2Point& b) {
    for (const S2Point& p : {a, (a + b).Normalize()}) {
      ASSERT_TRUE(GoesWhereS2PutsIt(index, p)) << z.id << " " << i;
      ++checked;
    }
  });
  EXPECT_GT(checked, 10000);
  for (double lat = -84.9; lat < 85; lat += 0.37) {
    for (double lon : {-180.0, 180.0, 179.999999, -179.999999}) {
      ASSERT_EQ(index.Containing(lat, lon),
                index.reference().Containing(S2LatLng::FromDegrees(lat, lon).ToPoint()))
          << lat << ", " << lon;
    }
  }
}

// Leaves count crossings in a plane with float vertices and hand points within a float's
// reach of an edge to S2's predicates: points a nanometre (which may round onto the edge
// itself) to a metre either side of edges, through S2 points and through degrees, must
// still go where S2 puts them.
TEST(ZoneIndex, PointsBesideBordersGoWhereS2PutsThem) {
  const ZoneIndex& index = WorldIndex();
  int checked = 0;
  ForEveryEdge(World(), 211, [&](const Zone& z, size_t i, const S2Point& a, const S2Point& b) {
    const S2Point mid = (a + b).Normalize();
    const S2Point normal = (a + b).CrossProd(b - a).Normalize();
    for (double offset_m : {1e-9, 1e-6, 1e-3, 0.03, 1.0}) {
      for (int side : {-1, 1}) {
        const S2Point p = (mid + normal * (side * offset_m / kEarthRadius_m)).Normalize();
        ASSERT_TRUE(GoesWhereS2PutsIt(index, p))
            << z.id << " " << i << " " << side * offset_m << " m";
        ++checked;
      }
    }
  });
  EXPECT_GT(checked, 50000);
}

// Border distances and uncertainty classes against S2ClosestEdgeQuery (S2ZoneIndex), on
// 8,000 points within 30 km of borders, with discs and ellipses of up to 20 km.
TEST(ZoneIndex, ClassifiesRegionsAsS2Does) {
  const ZoneSet& set = World();
  const ZoneIndex& index = WorldIndex();
  const S2ZoneIndex& ref = index.reference();
  const std::vector<S2Point> border = BorderVertices(set, 13);
  const unsigned seed = 777;
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<size_t> pick(0, border.size() - 1);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  Proximity mine, theirs, theirs_out;
  int straddling = 0, ellipses = 0, skipped = 0, far_zones = 0;
  for (int i = 0; i < 8000; ++i) {
    const S2LatLng ll = Scatter(border[pick(rng)], 30e3, rng);
    const double lat = ll.lat().degrees(), lon = ll.lng().degrees();
    const S2Point p = S2LatLng::FromDegrees(lat, lon).ToPoint();
    const bool ellipse = i % 2 == 1;
    const double a = 20e3 * unit(rng);
    const Region region = ellipse ? Region::Ellipse(a / 3, a / 3 * unit(rng), 360 * unit(rng), 3.0)
                                  : Region::Circle(a);
    const double search_m = 25e3;
    index.Classify(lat, lon, region, search_m, mine);
    ref.Classify(p, region, search_m, theirs);
    SCOPED_TRACE(testing::Message() << "seed " << seed << " point " << i << " (" << lat << ", "
                                    << lon << ") axes " << region.semi_major_m << " "
                                    << region.semi_minor_m << " az " << region.azimuth_deg);
    if (ellipse) {
      // S2 tests the polygon inscribed in the ellipse; where it and the circumscribed one
      // disagree the border passes within 5e-6 of the ellipse's size from it: skipped.
      Region outer = region;
      outer.k_sigma /= std::cos(M_PI / 1024);
      ref.Classify(p, outer, search_m, theirs_out);
      if (theirs_out.Straddled() != theirs.Straddled()) {
        ++skipped;
        continue;
      }
      ++ellipses;
    }
    ASSERT_EQ(mine.zones.size(), theirs.zones.size());
    for (size_t j = 0; j < mine.zones.size(); ++j) {
      const ZoneNearby &m = mine.zones[j], &t = theirs.zones[j];
      ASSERT_EQ(m.zone, t.zone);
      EXPECT_EQ(m.contains, t.contains) << set.zones()[m.zone].id;
      EXPECT_EQ(m.region, t.region) << set.zones()[m.zone].id;
      if (std::isinf(t.border_m)) {
        EXPECT_TRUE(std::isinf(m.border_m));
        ++far_zones;
      } else {
        EXPECT_NEAR(m.border_m, t.border_m, 1e-6) << set.zones()[m.zone].id;  // 1 micrometre
      }
    }
    EXPECT_EQ(mine.overall, theirs.overall);
    straddling += mine.overall == RegionClass::kStraddles;
  }
  EXPECT_GT(straddling, 1200);
  EXPECT_GT(ellipses, 3900);
  EXPECT_LT(skipped, 40);
  EXPECT_GT(far_zones, 40);  // zones holding a point with no border within the search
}

TEST(ZoneIndex, NearestBorderIsS2s) {
  const ZoneSet& set = World();
  const ZoneIndex& index = WorldIndex();
  const std::vector<S2Point> border = BorderVertices(set, 31);
  const unsigned seed = 4242;
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<size_t> pick(0, border.size() - 1);
  for (int i = 0; i < 20000; ++i) {
    // Near borders at every scale the search steps through, and uniform on the sphere.
    S2LatLng ll =
        i % 4 == 3 ? Uniform(rng) : Scatter(border[pick(rng)], std::pow(10.0, 3 + i % 4), rng);
    const double lat_deg = ll.lat().degrees(), lon_deg = ll.lng().degrees();
    const NearestBorder mine = index.Nearest(lat_deg, lon_deg);
    const NearestBorder theirs =
        index.reference().Nearest(S2LatLng::FromDegrees(lat_deg, lon_deg).ToPoint());
    // Zones sharing a border are equally near: compare the distances.
    ASSERT_NEAR(mine.distance_m, theirs.distance_m, 1e-6)
        << "seed " << seed << " point " << i << " (" << lat_deg << ", " << lon_deg << ")";
    ASSERT_GE(mine.zone, 0);
  }
}

// The four corners of the box of `size` degrees from (lat0, lon0), 1e-9 degree inside (the
// farthest points from its centre), and a point on its west and on its north side, `side`
// degrees along.
std::array<std::pair<double, double>, 6> CornersAndSides(double lat0, double lon0, double size,
                                                         double side) {
  constexpr double kIn = 1e-9;
  return {{{lat0 + kIn, lon0 + kIn},
           {lat0 + kIn, lon0 + size - kIn},
           {lat0 + size - kIn, lon0 + kIn},
           {lat0 + size - kIn, lon0 + size - kIn},
           {lat0 + side, lon0 + kIn},
           {lat0 + size - kIn, lon0 + side}}};
}

// Whether the index's nearest border from each point is S2's, to 1 um.
::testing::AssertionResult NearestIsS2s(const ZoneIndex& index,
                                        const std::array<std::pair<double, double>, 6>& points) {
  for (const auto& [lat_deg, lon_deg] : points) {
    const double theirs =
        index.reference().Nearest(S2LatLng::FromDegrees(lat_deg, lon_deg).ToPoint()).distance_m;
    const double mine = index.Nearest(lat_deg, lon_deg).distance_m;
    if (!(std::abs(mine - theirs) <= 1e-6)) {
      return ::testing::AssertionFailure()
             << "(" << lat_deg << ", " << lon_deg << "): " << mine << " m, S2 " << theirs << " m";
    }
  }
  return ::testing::AssertionSuccess();
}

// Off borders a search reads the list of chains its cell keeps for points up to the cell's
// radius from the centre: points at the corners of cells (the farthest from the centre)
// and on a cell's sides, in cells uniform on the sphere, against S2.
TEST(ZoneIndex, NearestBorderFromCellCornersIsS2s) {
  const ZoneIndex& index = WorldIndex();
  const unsigned seed = 6161;
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  constexpr double kCellDeg = 0.25;  // the table's cells
  for (int i = 0; i < 3000; ++i) {
    const S2LatLng ll = Uniform(rng);
    const double lat0 = std::floor(ll.lat().degrees() / kCellDeg) * kCellDeg;
    const double lon0 = std::floor(ll.lng().degrees() / kCellDeg) * kCellDeg;
    ASSERT_TRUE(NearestIsS2s(index, CornersAndSides(lat0, lon0, kCellDeg, unit(rng) * kCellDeg)))
        << "seed " << seed << " cell " << i;
  }
}

// Near borders a search reads the list its sub-cell (a quarter of its cell's side) keeps for
// points up to the sub-cell's radius from its centre: the corners and sides of sub-cells
// about border vertices, against S2.
TEST(ZoneIndex, NearestBorderFromSubCellCornersIsS2s) {
  const ZoneSet& set = World();
  const ZoneIndex& index = WorldIndex();
  const std::vector<S2Point> border = BorderVertices(set, 11);
  const unsigned seed = 2718;
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<size_t> pick(0, border.size() - 1);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  constexpr double kSubDeg = 0.25 / 4;  // the sub-cells
  int checked = 0;
  for (int i = 0; i < 3000; ++i) {
    // A sub-cell within two of the vertex's own, so some hold the border and some do not.
    const S2LatLng v(border[pick(rng)]);
    if (std::abs(v.lat().degrees()) > 84.0) continue;
    auto near = [&](double deg) {
      return (std::floor(deg / kSubDeg) + std::floor(5 * unit(rng)) - 2) * kSubDeg;
    };
    const double lat0 = near(v.lat().degrees()), lon0 = near(v.lng().degrees());
    ASSERT_TRUE(NearestIsS2s(index, CornersAndSides(lat0, lon0, kSubDeg, unit(rng) * kSubDeg)))
        << "seed " << seed << " sub-cell " << i;
    ++checked;
  }
  EXPECT_GT(checked, 2500);
}

// Discs just short of and just past the nearest border (S2's distance less or more 1 mm)
// reach no border and straddle one, whether the index decides from the clearance of the
// leaf it finds the centre in (its centre's distance to the nearest border, rounded down)
// or by searching: points near borders at scales from 100 m to 30 km, and uniform ones.
TEST(ZoneIndex, DiscsStopShortOfOrReachTheNearestBorder) {
  const ZoneSet& set = World();
  const ZoneIndex& index = WorldIndex();
  const std::vector<S2Point> border = BorderVertices(set, 17);
  const unsigned seed = 99;
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<size_t> pick(0, border.size() - 1);
  constexpr double kScales_m[] = {1e2, 1e3, 1e4, 3e4};
  Proximity prox;
  int checked = 0;
  for (int i = 0; i < 20000; ++i) {
    const S2LatLng ll =
        i % 5 == 4 ? Uniform(rng) : Scatter(border[pick(rng)], kScales_m[i % 4], rng);
    const double lat_deg = ll.lat().degrees(), lon_deg = ll.lng().degrees();
    const double d_m =
        index.reference().Nearest(S2LatLng::FromDegrees(lat_deg, lon_deg).ToPoint()).distance_m;
    if (d_m < 0.01 || d_m > 1e6) continue;  // on a border, or a disc for S2 alone
    SCOPED_TRACE(testing::Message() << "seed " << seed << " point " << i << " (" << lat_deg << ", "
                                    << lon_deg << ") nearest border " << d_m << " m");
    index.Classify(lat_deg, lon_deg, Region::Circle(d_m - 1e-3), 0.0, prox);
    ASSERT_NE(prox.overall, RegionClass::kStraddles);
    index.Classify(lat_deg, lon_deg, Region::Circle(d_m + 1e-3), 0.0, prox);
    ASSERT_EQ(prox.overall, RegionClass::kStraddles);
    ++checked;
  }
  EXPECT_GT(checked, 19000);
}

// ClassifyMany against S2ZoneIndex, region by region: discs and ellipses of 100 m to 20 km
// near borders, uniform positions and positions beyond 85 degrees, in one batch.
TEST(ZoneIndex, ClassifiesFleetsAsS2Does) {
  const ZoneSet& set = World();
  const ZoneIndex& index = WorldIndex();
  const std::vector<S2Point> border = BorderVertices(set, 23);
  const unsigned seed = 2024;
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<size_t> pick(0, border.size() - 1);
  std::uniform_real_distribution<double> lon(-180.0, 180.0), unit(0.0, 1.0);
  std::vector<ZoneIndex::RegionAt> fleet;
  for (int i = 0; i < 4000; ++i) {
    const S2LatLng ll = i % 10 == 9   ? S2LatLng::FromDegrees(86.0 + 3.5 * unit(rng), lon(rng))
                        : i % 10 == 8 ? Uniform(rng)
                                      : Scatter(border[pick(rng)], 20e3, rng);
    const double a_m = 100.0 * std::pow(200.0, unit(rng));  // 100 m to 20 km
    const Region region = i % 2 == 0 ? Region::Circle(a_m)
                                     : Region::Ellipse(a_m / 3, a_m / 3 * (0.2 + 0.8 * unit(rng)),
                                                       360 * unit(rng), 3.0);
    fleet.push_back({ll.lat().degrees(), ll.lng().degrees(), region});
  }
  std::vector<Proximity> mine;
  index.ClassifyMany(fleet, 0.0, mine);
  ASSERT_EQ(mine.size(), fleet.size());
  Proximity theirs, theirs_out;
  int straddling = 0, compared = 0;
  for (size_t i = 0; i < fleet.size(); ++i) {
    const ZoneIndex::RegionAt& r = fleet[i];
    const S2Point p = S2LatLng::FromDegrees(r.lat_deg, r.lon_deg).ToPoint();
    index.reference().Classify(p, r.region, 0.0, theirs);
    if (!r.region.is_circle()) {  // S2's inscribed polygon against its circumscribed one
      Region outer = r.region;
      outer.k_sigma /= std::cos(M_PI / 1024);
      index.reference().Classify(p, outer, 0.0, theirs_out);
      if (theirs_out.Straddled() != theirs.Straddled()) continue;
    }
    SCOPED_TRACE(testing::Message()
                 << "seed " << seed << " region " << i << " (" << r.lat_deg << ", " << r.lon_deg
                 << ") axes " << r.region.semi_major_m << " " << r.region.semi_minor_m);
    const Proximity& m = mine[i];
    ASSERT_EQ(m.zones.size(), theirs.zones.size());
    for (size_t j = 0; j < m.zones.size(); ++j) {
      ASSERT_EQ(m.zones[j].zone, theirs.zones[j].zone);
      EXPECT_EQ(m.zones[j].contains, theirs.zones[j].contains);
      EXPECT_EQ(m.zones[j].region, theirs.zones[j].region);
      if (std::isinf(theirs.zones[j].border_m)) {
        EXPECT_TRUE(std::isinf(m.zones[j].border_m));
      } else {
        EXPECT_NEAR(m.zones[j].border_m, theirs.zones[j].border_m, 1e-6);
      }
    }
    EXPECT_EQ(m.overall, theirs.overall);
    straddling += m.overall == RegionClass::kStraddles;
    ++compared;
  }
  EXPECT_GT(compared, 3950);
  EXPECT_GT(straddling, 400);
}

// Classifies the region at (lat, lon) with the index and with S2ZoneIndex, expects the same
// zones, sides, classes and border distances (to 1e-6 m), and returns the index's class.
RegionClass ClassifiesAsS2(const ZoneIndex& index, double lat_deg, double lon_deg,
                           const Region& region) {
  Proximity mine, theirs;
  index.Classify(lat_deg, lon_deg, region, 0.0, mine);
  index.reference().Classify(S2LatLng::FromDegrees(lat_deg, lon_deg).ToPoint(), region, 0.0,
                             theirs);
  EXPECT_EQ(mine.zones.size(), theirs.zones.size());
  for (size_t j = 0; j < std::min(mine.zones.size(), theirs.zones.size()); ++j) {
    EXPECT_EQ(mine.zones[j].zone, theirs.zones[j].zone);
    EXPECT_EQ(mine.zones[j].contains, theirs.zones[j].contains);
    EXPECT_EQ(mine.zones[j].region, theirs.zones[j].region);
    if (!std::isinf(theirs.zones[j].border_m)) {
      EXPECT_NEAR(mine.zones[j].border_m, theirs.zones[j].border_m, 1e-6);
    }
  }
  return mine.overall;
}

// Zones of few, very long edges (an operator's rough box, a triangle over a ninth of the
// world): a chain of them spans tens of degrees, so a search measures edges far beyond the
// plane's horizon and beyond 90 degrees, where tan^2 no longer orders angles. Uniform points
// against S2: containment, nearest border, and discs of up to 1,000 km.
TEST(ZoneIndex, CoarseZonesAreS2s) {
  const std::string coarse = R"({"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"id": "TRIANGLE"}, "geometry": {"type": "Polygon",
     "coordinates": [[[-60, -10], [60, -10], [0, 60], [-60, -10]]]}},
    {"type": "Feature", "properties": {"id": "BAND"}, "geometry": {"type": "Polygon",
     "coordinates": [[[-170, -40], [-110, -40], [-50, -40], [10, -40], [70, -40], [130, -40],
                      [130, -30], [70, -30], [10, -30], [-50, -30], [-110, -30], [-170, -30],
                      [-170, -40]]]}},
    {"type": "Feature", "properties": {"id": "SMALL"}, "geometry": {"type": "Polygon",
     "coordinates": [[[179, 20], [-179, 20], [-179, 22], [179, 22], [179, 20]]]}}]})";
  ZoneReadResult read = ParseZonesGeoJson(coarse, "coarse.geojson");
  ASSERT_TRUE(read.errors.empty()) << read.errors.front().ToString();
  ASSERT_EQ(read.zones.size(), 3u);
  const ZoneSet set(std::move(read.zones));
  const ZoneIndex index(set);
  const unsigned seed = 5151;
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0), u(-1.0, 1.0), lon(-180.0, 180.0);
  int inside = 0, straddling = 0;
  for (int i = 0; i < 4000; ++i) {
    const double lat_deg = std::asin(u(rng)) * 180 / M_PI, lon_deg = lon(rng);
    const S2Point p = S2LatLng::FromDegrees(lat_deg, lon_deg).ToPoint();
    SCOPED_TRACE(testing::Message()
                 << "seed " << seed << " point " << i << " (" << lat_deg << ", " << lon_deg << ")");
    const std::vector<int> in = index.Containing(lat_deg, lon_deg);
    ASSERT_EQ(in, index.reference().Containing(p));
    inside += !in.empty();
    ASSERT_NEAR(index.Nearest(lat_deg, lon_deg).distance_m, index.reference().Nearest(p).distance_m,
                1e-6);
    const Region region = Region::Circle(1000e3 * unit(rng));
    straddling += ClassifiesAsS2(index, lat_deg, lon_deg, region) == RegionClass::kStraddles;
  }
  // The triangle holds about a ninth of the sphere, the band about a twentieth.
  EXPECT_GT(inside, 400);
  EXPECT_GT(straddling, 200);
}

// Near and beyond 85 degrees, where searches go through the two polar cap nodes: zones
// with borders beyond 85 N (one wholly inside the cap, one crossing 85 N, one round the
// pole itself), and the world set near both poles. Discs of up to 100 km and nearest
// borders against S2.
TEST(ZoneIndex, PolarSearchesAreS2s) {
  const std::string polar = R"({"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"id": "CAP"}, "geometry": {"type": "Polygon",
     "coordinates": [[[-30, 86], [30, 86], [30, 88], [-30, 88], [-30, 86]]]}},
    {"type": "Feature", "properties": {"id": "CROSS"}, "geometry": {"type": "Polygon",
     "coordinates": [[[100, 84], [120, 84], [120, 87], [100, 87], [100, 84]]]}},
    {"type": "Feature", "properties": {"id": "POLE"}, "geometry": {"type": "Polygon",
     "coordinates": [[[-180, 89.5], [-90, 89.5], [0, 89.5], [90, 89.5], [180, 89.5],
                      [180, 90], [-180, 90], [-180, 89.5]]]}},
    {"type": "Feature", "properties": {"id": "SOUTH"}, "geometry": {"type": "Polygon",
     "coordinates": [[[0, -86], [120, -86], [-120, -86], [0, -86]]]}}]})";
  ZoneReadResult read = ParseZonesGeoJson(polar, "polar.geojson");
  ASSERT_TRUE(read.errors.empty());
  ASSERT_EQ(read.zones.size(), 4u);
  const ZoneSet polar_set(std::move(read.zones));
  const ZoneIndex polar_index(polar_set);
  const unsigned seed = 9090;
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0), lon(-180.0, 180.0);
  for (const ZoneIndex* index : {&polar_index, &WorldIndex()}) {
    int straddling = 0;
    for (int i = 0; i < 2000; ++i) {
      const bool south = index != &polar_index && i % 2 == 0;
      const double lat_deg = (south ? -1.0 : 1.0) * (84.0 + 6.0 * unit(rng));
      const double lon_deg = lon(rng);
      const S2Point p = S2LatLng::FromDegrees(lat_deg, lon_deg).ToPoint();
      SCOPED_TRACE(testing::Message() << "seed " << seed << " point " << i << " (" << lat_deg
                                      << ", " << lon_deg << ")");
      const NearestBorder nb = index->Nearest(lat_deg, lon_deg);
      ASSERT_NEAR(nb.distance_m, index->reference().Nearest(p).distance_m, 1e-6);
      const Region region = Region::Circle(100e3 * unit(rng));
      straddling += ClassifiesAsS2(*index, lat_deg, lon_deg, region) == RegionClass::kStraddles;
    }
    // The polar zones are straddled often; the world's borders reach about 84 N.
    EXPECT_GT(straddling, index == &polar_index ? 300 : 5);
  }
  // Containment beyond 85 degrees: the index answers beyond the last edge of a cap itself
  // (SOUTH's edges bulge to about 88 S, POLE's reach the pole; the world's clip ends at
  // 85.05 S), S2 nearer.
  int in_south = 0;
  for (const ZoneIndex* index : {&polar_index, &WorldIndex()}) {
    for (int i = 0; i < 4000; ++i) {
      const double lat_deg = (i % 2 == 0 ? -1.0 : 1.0) * (85.0 + 5.0 * unit(rng));
      const double lon_deg = lon(rng);
      const S2Point p = S2LatLng::FromDegrees(lat_deg, lon_deg).ToPoint();
      const std::vector<int> theirs = index->reference().Containing(p);
      ASSERT_EQ(index->Containing(lat_deg, lon_deg), theirs)
          << "seed " << seed << " point " << i << " (" << lat_deg << ", " << lon_deg << ")";
      ASSERT_EQ(index->Containing(p), theirs) << "point " << i;
      in_south += index == &polar_index && lat_deg < -88.5 && theirs == std::vector<int>{3};
    }
  }
  EXPECT_GT(in_south, 500);
}

// A shape cut along the antimeridian has no border there: Fiji's territorial sea is two
// parts meeting at 180 E (drawn a metre apart in places), and a point on the cut between
// Vanua Levu and the Lau islands is kilometres from Fiji's real border.
TEST(ZoneIndex, TheAntimeridianCutIsNoBorder) {
  const ZoneSet& set = World();
  const ZoneIndex& index = WorldIndex();
  const int fji = set.Find("FJI");
  ASSERT_GE(fji, 0);
  for (double lon : {180.0, -180.0, 179.9999, -179.9999}) {
    Proximity p;
    index.Classify(-17.5, lon, Region::Circle(1000.0), 1000.0, p);
    EXPECT_EQ(p.Containing(), std::vector<int>{fji}) << lon;
    EXPECT_EQ(p.overall, RegionClass::kInside) << lon;
    const NearestBorder nb = index.Nearest(-17.5, lon);
    EXPECT_GT(nb.distance_m, 10e3) << lon;
    EXPECT_NEAR(nb.distance_m,
                index.reference().Nearest(S2LatLng::FromDegrees(-17.5, lon).ToPoint()).distance_m,
                1e-6);
  }
}

}  // namespace
}  // namespace satfence::zones

namespace satfence::zones {
namespace {

// Enclaves and the antimeridian on real borders (with the example rules, which take
// Russia's outline): Chukotka runs across 180 E; Lesotho lies
// inside South Africa, whose outline in this data does not cut it out (data/README.md),
// so Maseru is in both. Each place answered the same by the index, S2 and geography.
TEST(ZoneIndex, EnclavesTheAntimeridianAndThePolesOnRealBorders) {
  const ZoneSet& set = World();
  const ZoneIndex& index = WorldIndex();
  struct Place {
    const char* name;
    double lat, lon;
    std::vector<std::string> zones;
  } places[] = {
      {"Maseru", -29.3151, 27.4869, {"LSO", "ZAF"}},
      {"Bloemfontein", -29.0852, 26.1596, {"ZAF"}},
      {"Anadyr", 64.7337, 177.5089, {"RUS", "rule:RUS"}},
      {"Uelen", 66.1597, -169.8094, {"RUS", "rule:RUS"}},
      {"Taveuni (east of 180)", -16.80, -179.97, {"FJI"}},
      {"South Pole", -90.0, 0.0, {"ATA"}},
      {"South Pole, any longitude", -90.0, 137.0, {"ATA"}},
      {"Vostok Station", -78.4645, 106.8339, {"ATA"}},
      {"McMurdo Station", -77.8463, 166.6682, {"ATA"}},
      {"North Pole (sea ice)", 90.0, 0.0, {}},
      {"Southern Ocean off Antarctica", -60.0, -40.0, {}},
  };
  for (const Place& p : places) {
    const std::vector<int> in = index.Containing(p.lat, p.lon);
    std::vector<std::string> ids;
    for (int z : in) ids.push_back(set.zones()[z].id);
    std::sort(ids.begin(), ids.end());
    EXPECT_EQ(ids, p.zones) << p.name;
    EXPECT_EQ(in, index.reference().Containing(S2LatLng::FromDegrees(p.lat, p.lon).ToPoint()));
  }
  // Maseru sits on the Caledon, Lesotho's border: a 5 km disc straddles it, and the
  // zones straddled are S2's.
  Proximity prox, s2_prox;
  index.Classify(-29.3151, 27.4869, Region::Circle(5e3), 0.0, prox);
  index.reference().Classify(S2LatLng::FromDegrees(-29.3151, 27.4869).ToPoint(),
                             Region::Circle(5e3), 0.0, s2_prox);
  std::vector<std::string> straddled;
  for (int z : prox.Straddled()) straddled.push_back(set.zones()[z].id);
  EXPECT_NE(std::find(straddled.begin(), straddled.end(), "LSO"), straddled.end());
  EXPECT_EQ(prox.Straddled(), s2_prox.Straddled());
}

// The plane's tests take a lookup's point from UnitFromDegrees and allow it 1e-15 per
// component off S2's point of the same degrees.
TEST(ZoneIndex, UnitFromDegreesIsS2sPoint) {
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> lat(-90.0, 90.0), lon(-180.0, 180.0);
  auto expect_near = [](double lat_deg, double lon_deg) {
    const S2Point ours = UnitFromDegrees(lat_deg, lon_deg);
    const S2Point s2 = S2LatLng::FromDegrees(lat_deg, lon_deg).ToPoint();
    for (int i = 0; i < 3; ++i) ASSERT_NEAR(ours[i], s2[i], 1e-15) << lat_deg << ", " << lon_deg;
  };
  for (int i = 0; i < 1'000'000; ++i) expect_near(lat(rng), lon(rng));
  for (double a : {-90.0, -89.875, -45.125, 0.0, 0.125, 85.0, 90.0}) {
    for (double o : {-180.0, -179.875, -0.125, 0.0, 33.375, 180.0}) expect_near(a, o);
  }
}

// A set without zones: no zone holds anything, there is no border to be near, and every
// region lies outside.
TEST(ZoneIndex, AnEmptySetHoldsNothing) {
  const ZoneSet set(std::vector<Zone>{});
  const ZoneIndex index(set);
  for (const auto& [lat, lon] : {std::pair{10.0, 20.0}, {89.9, -179.9}, {-90.0, 0.0}}) {
    EXPECT_TRUE(index.Containing(lat, lon).empty());
    EXPECT_EQ(index.Nearest(lat, lon).zone, -1);
    Proximity prox;
    index.Classify(lat, lon, Region::Circle(1000.0), 10'000.0, prox);
    EXPECT_TRUE(prox.zones.empty());
    EXPECT_EQ(prox.overall, RegionClass::kOutside);
  }
}

}  // namespace
}  // namespace satfence::zones
