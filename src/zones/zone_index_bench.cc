// Point-in-zones lookups on the world territorial-sea set: ZoneIndex against S2's
// S2ContainsPointQuery and GEOS prepared geometries (C API, one per polygon part, an STRtree
// over their envelopes); then the distance to the nearest border and the uncertainty class
// of a disc, against S2ClosestEdgeQuery (with S2ContainsPointQuery for the side). Same
// points, same run, one core, the two timed in alternating slices; S2's query objects are
// made once and reused.
//
//   build/release/src/zones/zones_index_bench           # 1,000,000 points per kind
//   build/release/src/zones/zones_index_bench --smoke   # CI: 20,000
//   build/release/src/zones/zones_index_bench --only nearest   # rows whose name starts so
//   build/release/src/zones/zones_index_bench --cold   # no untimed warm-up before a slice
//   build/release/src/zones/zones_index_bench --ours-only   # ZoneIndex alone, for profilers
//   build/release/src/zones/zones_index_bench --repeat 10   # each row ten times (profiling)
#include <geos_c.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>

#include "s2/s2closest_edge_query.h"
#include "s2/s2contains_point_query.h"
#include "s2/s2latlng.h"
#include "satfence/zones/geojson_reader.h"
#include "satfence/zones/zone_index.h"

namespace {

using namespace satfence::zones;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

struct Point {
  double lat, lon;
};

// --ours-only: the peers are not run (their rates read as zero), so a profile of the run is
// ZoneIndex's.
bool g_ours_only = false;

// Both sides of a comparison: items per second, and the sum of what each returned.
struct Rates {
  double ours, theirs, ours_sum, theirs_sum;
};

// Times `ours(i)` and `theirs(i)` (each returning a number, summed as a check that the two
// agree) over i < n in ten alternating slices, so both meet the same phases of a shared
// machine (whose speed can drift for seconds); which side goes first alternates too, so
// neither always follows the other over the same points. Warm unless `cold`: before its timed
// slice, each side runs untimed over the previous slice's points, as a process doing nothing but
// lookups keeps its tables in cache. Cold, each slice starts in caches the other side filled,
// which costs both (near borders, in paired runs: ZoneIndex 30-40%, S2 20-25%), so a cold run
// measures the interleaving as much as the lookups.
template <typename A, typename B>
Rates Interleaved(size_t n, bool cold, A&& ours, B&& theirs) {
  constexpr size_t kSlices = 10;
  Rates r{0, 0, 0, 0};
  double ours_s = 0.0, theirs_s = 0.0;
  auto run = [&](auto&& f, size_t slice, double* sum) {
    for (size_t i = n * slice / kSlices; i < n * (slice + 1) / kSlices; ++i) {
      const double v = f(i);
      if (sum) *sum += v;
    }
  };
  auto timed = [&](auto&& f, size_t slice, double& seconds, double& sum) {
    if (!cold) run(f, (slice + kSlices - 1) % kSlices, nullptr);
    const auto t0 = Clock::now();
    run(f, slice, &sum);
    seconds += Seconds(t0);
  };
  for (size_t slice = 0; slice < kSlices; ++slice) {
    if (slice % 2 == 0) timed(ours, slice, ours_s, r.ours_sum);
    if (!g_ours_only) timed(theirs, slice, theirs_s, r.theirs_sum);
    if (slice % 2 == 1) timed(ours, slice, ours_s, r.ours_sum);
  }
  r.ours = n / ours_s;
  r.theirs = g_ours_only ? 0.0 : n / theirs_s;
  return r;
}

// GEOS peer: prepared polygon per part, STRtree of envelopes.
class GeosPeer {
 public:
  explicit GeosPeer(const ZoneSet& set) : h_(GEOS_init_r()), tree_(GEOSSTRtree_create_r(h_, 10)) {
    for (size_t z = 0; z < set.zones().size(); ++z) {
      for (const auto& part : set.zones()[z].geometry->parts) {
        std::vector<GEOSGeometry*> rings;
        for (const auto& ring : part) {
          GEOSCoordSequence* seq =
              GEOSCoordSeq_create_r(h_, static_cast<unsigned>(ring.size() + 1), 2);
          for (size_t i = 0; i <= ring.size(); ++i) {
            const S2LatLng ll(ring[i % ring.size()]);
            GEOSCoordSeq_setXY_r(h_, seq, static_cast<unsigned>(i), ll.lng().degrees(),
                                 ll.lat().degrees());
          }
          rings.push_back(GEOSGeom_createLinearRing_r(h_, seq));
        }
        GEOSGeometry* poly = GEOSGeom_createPolygon_r(h_, rings[0], rings.data() + 1,
                                                      static_cast<unsigned>(rings.size() - 1));
        parts_.push_back({poly, GEOSPrepare_r(h_, poly), static_cast<int>(z)});
      }
    }
    for (Part& p : parts_) GEOSSTRtree_insert_r(h_, tree_, p.geometry, &p);
    // A prepared polygon builds its point-in-area index at its first query: one query per
    // part here, so that building counts as the build's time, not the lookups'.
    for (Part& p : parts_) {
      double x, y;
      GEOSGeom_getXMin_r(h_, p.geometry, &x);
      GEOSGeom_getYMin_r(h_, p.geometry, &y);
      GEOSGeometry* corner = GEOSGeom_createPointFromXY_r(h_, x, y);
      GEOSPreparedIntersects_r(h_, p.prepared, corner);
      GEOSGeom_destroy_r(h_, corner);
    }
  }
  ~GeosPeer() {
    GEOSSTRtree_destroy_r(h_, tree_);
    for (Part& p : parts_) {
      GEOSPreparedGeom_destroy_r(h_, p.prepared);
      GEOSGeom_destroy_r(h_, p.geometry);
    }
    GEOS_finish_r(h_);
  }
  int Count(double lat, double lon) {
    GEOSGeometry* pt = GEOSGeom_createPointFromXY_r(h_, lon, lat);
    Query q{this, pt, 0};
    GEOSSTRtree_query_r(
        h_, tree_, pt,
        [](void* item, void* data) {
          auto* query = static_cast<Query*>(data);
          auto* part = static_cast<Part*>(item);
          if (GEOSPreparedIntersects_r(query->self->h_, part->prepared, query->point)) {
            ++query->count;
          }
        },
        &q);
    GEOSGeom_destroy_r(h_, pt);
    return q.count;
  }

 private:
  struct Part {
    GEOSGeometry* geometry;
    const GEOSPreparedGeometry* prepared;
    int zone;
  };
  struct Query {
    GeosPeer* self;
    GEOSGeometry* point;
    int count;
  };
  GEOSContextHandle_t h_;
  GEOSSTRtree* tree_;
  std::vector<Part> parts_;
};

}  // namespace

int main(int argc, char** argv) {
  bool smoke = false, cold = false;
  int repeat = 1;
  const char* only = "";  // run only the rows whose name starts with this
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--smoke") == 0) smoke = true;
    if (std::strcmp(argv[i], "--cold") == 0) cold = true;
    if (std::strcmp(argv[i], "--ours-only") == 0) g_ours_only = true;
    if (std::strcmp(argv[i], "--repeat") == 0 && i + 1 < argc) repeat = std::atoi(argv[++i]);
    if (std::strcmp(argv[i], "--only") == 0 && i + 1 < argc) only = argv[++i];
  }
  auto wanted = [&](const char* name) { return std::strncmp(name, only, std::strlen(only)) == 0; };
  const size_t n = smoke ? 20'000 : 1'000'000;
  const size_t n_geos = smoke ? 5'000 : 200'000;
  const std::string world =
      std::string(SATFENCE_WORLD_DIR) + "/countries-maritime-10m/map.geo.json";

  auto t0 = Clock::now();
  ZoneReadResult r = ReadZonesGeoJsonFile(world, {.id_property = "A3",
                                                  .default_kind = ZoneKind::kTerritorialWaters,
                                                  .mercator_polar_clip = true});
  if (r.zones.empty()) {  // no world set (scripts/setup installs it): say why, not crash
    for (const satfence::RecordError& e : r.errors)
      std::fprintf(stderr, "%s\n", e.ToString().c_str());
    std::fprintf(stderr, "zones_index_bench: no zones read from %s\n", world.c_str());
    return 1;
  }
  const ZoneSet set(std::move(r.zones));
  const double load_s = Seconds(t0);
  t0 = Clock::now();
  const ZoneIndex index(set);
  const double build_s = Seconds(t0);
  t0 = Clock::now();
  GeosPeer geos(set);
  const double geos_build_s = Seconds(t0);

  // Points: uniform on the sphere, and within 50 km of border vertices. Seeded.
  const unsigned seed = 7;
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-1.0, 1.0), lon(-180.0, 180.0), unit(0.0, 1.0);
  std::vector<S2Point> border;
  for (const Zone& z : set.zones())
    for (const auto& part : z.geometry->parts)
      for (const auto& ring : part)
        for (size_t i = 0; i < ring.size(); i += 5) border.push_back(ring[i]);
  std::uniform_int_distribution<size_t> pick(0, border.size() - 1);
  std::vector<Point> uniform(n), near(n);
  for (Point& p : uniform) p = {std::asin(u(rng)) * 180 / M_PI, lon(rng)};
  for (Point& p : near) {
    const S2LatLng v(border[pick(rng)]);
    const double d = 50e3 * unit(rng) / kEarthRadius_m, az = 2 * M_PI * unit(rng);
    p.lat = std::clamp(v.lat().degrees() + d * std::cos(az) * 180 / M_PI, -89.9, 89.9);
    p.lon = std::remainder(v.lng().degrees() + d * std::sin(az) * 180 / M_PI /
                                                   std::max(0.05, std::cos(v.lat().radians())),
                           360.0);
  }

  std::printf(
      "zones: %zu (%zu rejected), load %.2f s; ZoneIndex build %.2f s, %.0f MB; "
      "GEOS build %.2f s; seed %u; %s\n",
      set.size(), r.errors.size(), load_s, build_s, index.stats().bytes / 1e6, geos_build_s, seed,
      cold ? "cold (no warm-up before a timed slice)" : "warm (each timed slice after a warm-up)");
  const ZoneIndex::Stats& st = index.stats();
  std::printf(
      "ZoneIndex: %zu edges, %zu nodes (%zu cells, %zu with edges, %zu dense), %zu edge "
      "references, %zu chains; %zu cells off borders and %zu cells' sub-cells list %zu "
      "chains; %zu one-degree blocks of differing cells\n",
      st.edges, st.nodes, st.cells, st.cells_with_edges, st.dense_cells, st.edge_refs, st.chains,
      st.far_cells, st.sub_cells, st.far_chains, st.mixed_blocks);
  std::printf("%-8s %14s %14s %14s %10s %10s\n", "points", "ZoneIndex/s", "S2/s", "GEOS/s", "vs S2",
              "vs GEOS");
  for (const auto& [name, pts] :
       {std::pair<const char*, const std::vector<Point>*>{"uniform", &uniform},
        {"border", &near}}) {
    if (!wanted(name)) continue;
    std::vector<int> found;
    auto query = MakeS2ContainsPointQuery(&index.reference().index());
    auto s2_count = [&](const Point& p) {
      double parts = 0;
      query.VisitContainingShapes(S2LatLng::FromDegrees(p.lat, p.lon).ToPoint(),
                                  [&](S2Shape*) { return ++parts, true; });
      return parts;
    };
    const Rates single = Interleaved(
        pts->size(), cold,
        [&](size_t i) {
          index.Containing((*pts)[i].lat, (*pts)[i].lon, found);
          return static_cast<double>(found.size());
        },
        [&](size_t i) { return s2_count((*pts)[i]); });

    // The same points through the batch lookup, 1,000 at a time, against S2 again.
    std::vector<ZoneIndex::LatLngDeg> batch;
    std::vector<std::uint32_t> offsets;
    std::vector<int> zones;
    constexpr size_t kBatch = 1000;
    const Rates many = Interleaved(
        pts->size() / kBatch, cold,
        [&](size_t b) {
          batch.clear();
          for (size_t i = b * kBatch; i < (b + 1) * kBatch; ++i) {
            batch.push_back({(*pts)[i].lat, (*pts)[i].lon});
          }
          index.ContainingMany(batch, offsets, zones);
          return static_cast<double>(zones.size());
        },
        [&](size_t b) {
          double parts = 0;
          for (size_t i = b * kBatch; i < (b + 1) * kBatch; ++i) parts += s2_count((*pts)[i]);
          return parts;
        });

    size_t geos_hits = 0;
    if (!cold) {
      for (size_t i = n_geos; i < n_geos + n_geos / 10; ++i) {
        geos.Count((*pts)[i].lat, (*pts)[i].lon);
      }
    }
    t0 = Clock::now();
    for (size_t i = 0; i < n_geos; ++i) geos_hits += geos.Count((*pts)[i].lat, (*pts)[i].lon);
    const double g = n_geos / Seconds(t0);
    std::printf("%-8s %14.0f %14.0f %14.0f %9.1fx %9.1fx   (zones found: %.0f; S2 parts %.0f)\n",
                name, single.ours, single.theirs, g, single.ours / single.theirs, single.ours / g,
                single.ours_sum, single.theirs_sum);
    std::printf("%-8s %14.0f %14.0f %14s %9.1fx %10s   (batches of %zu; zones found: %.0f)\n",
                (std::string(name) + "*").c_str(), many.ours * kBatch, many.theirs * kBatch, "-",
                many.ours / many.theirs, "-", kBatch, many.ours_sum);
  }

  // Border distances and uncertainty classes.
  S2ClosestEdgeQuery closest(&index.reference().border_index());
  closest.mutable_options()->set_include_interiors(false);
  auto contains = MakeS2ContainsPointQuery(&index.reference().index());
  std::printf("\n%-28s %14s %14s %10s\n", "query", "ZoneIndex/s", "S2/s", "vs S2");
  auto row = [&](const char* name, const std::vector<Point>& pts, auto&& ours_fn, auto&& s2_fn) {
    if (!wanted(name)) return;
    const size_t m = pts.size() / 4;  // S2's closest-edge queries are slow: a quarter
    Rates rates{};
    for (int run = 0; run < repeat; ++run) {  // the last run's rates are printed
      rates = Interleaved(
          m, cold, [&](size_t i) { return ours_fn(pts[i]); },
          [&](size_t i) { return s2_fn(pts[i]); });
    }
    std::printf("%-28s %14.0f %14.0f %9.1fx   (sums %.6g, %.6g)\n", name, rates.ours, rates.theirs,
                rates.ours / rates.theirs, rates.ours_sum, rates.theirs_sum);
  };
  auto s2_nearest = [&](const Point& p) {
    S2ClosestEdgeQuery::PointTarget target(S2LatLng::FromDegrees(p.lat, p.lon).ToPoint());
    return closest.FindClosestEdge(&target).distance().ToAngle().radians() * kEarthRadius_m;
  };
  auto ours_nearest = [&](const Point& p) { return index.Nearest(p.lat, p.lon).distance_m; };
  row("nearest border, border pts", near, ours_nearest, s2_nearest);
  row("nearest border, uniform pts", uniform, ours_nearest, s2_nearest);
  // The class of a disc: each zone within the radius straddled, the others by their side.
  Proximity proximity;
  for (double radius_m : {1e3, 10e3}) {
    auto ours_class = [&](const Point& p) {
      index.Classify(p.lat, p.lon, Region::Circle(radius_m), 0.0, proximity);
      return static_cast<double>(proximity.overall == RegionClass::kStraddles);
    };
    auto s2_class = [&](const Point& p) {
      const S2Point q = S2LatLng::FromDegrees(p.lat, p.lon).ToPoint();
      size_t inside = 0;
      contains.VisitContainingShapes(q, [&](S2Shape*) { return ++inside, true; });
      closest.mutable_options()->set_inclusive_max_distance(
          S1ChordAngle(S1Angle::Radians(radius_m / kEarthRadius_m)));
      S2ClosestEdgeQuery::PointTarget target(q);
      closest.mutable_options()->set_max_results(S2ClosestEdgeQuery::Options::kMaxMaxResults);
      const bool straddles = !closest.FindClosestEdges(&target).empty();
      closest.mutable_options()->set_max_results(1);
      closest.mutable_options()->set_max_distance(S1ChordAngle::Infinity());
      return static_cast<double>(straddles);
    };
    char name[64];
    std::snprintf(name, sizeof name, "class, %.0f km disc", radius_m / 1e3);
    row(name, near, ours_class, s2_class);
    // The same regions through ClassifyMany, 1,000 at a time.
    std::snprintf(name, sizeof name, "class, %.0f km disc*", radius_m / 1e3);
    if (wanted(name)) {
      constexpr size_t kBatch = 1000;
      std::vector<ZoneIndex::RegionAt> batch;
      std::vector<Proximity> found;
      const Rates rates = Interleaved(
          near.size() / 4 / kBatch, cold,
          [&](size_t b) {
            batch.clear();
            for (size_t i = b * kBatch; i < (b + 1) * kBatch; ++i) {
              batch.push_back({near[i].lat, near[i].lon, Region::Circle(radius_m)});
            }
            index.ClassifyMany(batch, 0.0, found);
            double straddling = 0;
            for (const Proximity& f : found) straddling += f.overall == RegionClass::kStraddles;
            return straddling;
          },
          [&](size_t b) {
            double straddling = 0;
            for (size_t i = b * kBatch; i < (b + 1) * kBatch; ++i) straddling += s2_class(near[i]);
            return straddling;
          });
      std::printf("%-28s %14.0f %14.0f %9.1fx   (batches of %zu; sums %.6g, %.6g)\n", name,
                  rates.ours * kBatch, rates.theirs * kBatch, rates.ours / rates.theirs, kBatch,
                  rates.ours_sum, rates.theirs_sum);
    }
  }
  // An ellipse (3 sigma of 3 km x 500 m): ZoneIndex only; S2 has no ellipse query (its
  // closest-edge query against a polygon of the ellipse runs at a few thousand a second).
  if (wanted("class, 3-sigma ellipse")) {
    const size_t m = near.size() / 4;
    double hits = 0;
    t0 = Clock::now();
    for (size_t i = 0; i < m; ++i) {
      index.Classify(near[i].lat, near[i].lon, Region::Ellipse(3e3, 500, 30.0 * i, 3.0), 0.0,
                     proximity);
      hits += proximity.overall == RegionClass::kStraddles;
    }
    std::printf("%-28s %14.0f %14s %10s   (straddling %.0f)\n", "class, 3-sigma ellipse",
                m / Seconds(t0), "-", "-", hits);
  }
  return 0;
}
