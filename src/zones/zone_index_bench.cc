// Point-in-zones lookups on the world territorial-sea set (plus the example scenario):
// ZoneIndex against S2's S2ContainsPointQuery and GEOS prepared geometries (C API, one per
// polygon part, an STRtree over their envelopes), same points, same run, one core.
//
//   build/release/src/zones/zones_index_bench           # 1,000,000 points per kind
//   build/release/src/zones/zones_index_bench --smoke   # CI: 20,000
#include <geos_c.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>

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
          auto* q = static_cast<Query*>(data);
          auto* part = static_cast<Part*>(item);
          if (GEOSPreparedIntersects_r(q->self->h_, part->prepared, q->point)) ++q->count;
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
  const bool smoke = argc > 1 && std::strcmp(argv[1], "--smoke") == 0;
  const size_t n = smoke ? 20'000 : 1'000'000;
  const size_t n_geos = smoke ? 5'000 : 200'000;
  const std::string world =
      std::string(SATFENCE_WORLD_DIR) + "/countries-maritime-10m/map.geo.json";

  auto t0 = Clock::now();
  ZoneReadResult r = ReadZonesGeoJsonFile(
      world, {.id_property = "A3", .default_kind = ZoneKind::kTerritorialWaters});
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
      "GEOS build %.2f s; seed %u\n",
      set.size(), r.errors.size(), load_s, build_s, index.stats().bytes / 1e6, geos_build_s, seed);
  std::printf("%-8s %14s %14s %14s %10s %10s\n", "points", "ZoneIndex/s", "S2/s", "GEOS/s", "vs S2",
              "vs GEOS");
  for (const auto& [name, pts] :
       {std::pair<const char*, const std::vector<Point>*>{"uniform", &uniform},
        {"border", &near}}) {
    size_t hits = 0;
    t0 = Clock::now();
    std::vector<int> found;
    for (const Point& p : *pts) {
      index.Containing(p.lat, p.lon, found);
      hits += found.size();
    }
    const double ours = pts->size() / Seconds(t0);

    auto query = MakeS2ContainsPointQuery(&index.reference().index());
    size_t s2_hits = 0;
    t0 = Clock::now();
    for (const Point& p : *pts) {
      query.VisitContainingShapes(S2LatLng::FromDegrees(p.lat, p.lon).ToPoint(), [&](S2Shape*) {
        ++s2_hits;
        return true;
      });
    }
    const double s2 = pts->size() / Seconds(t0);

    size_t geos_hits = 0;
    t0 = Clock::now();
    for (size_t i = 0; i < n_geos; ++i) geos_hits += geos.Count((*pts)[i].lat, (*pts)[i].lon);
    const double g = n_geos / Seconds(t0);
    std::printf("%-8s %14.0f %14.0f %14.0f %9.1fx %9.1fx   (zones found: %zu; S2 parts %zu)\n",
                name, ours, s2, g, ours / s2, ours / g, hits, s2_hits);
  }
  return 0;
}
