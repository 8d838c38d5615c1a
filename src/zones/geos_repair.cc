#include "satfence/zones/geos_repair.h"

#include <geos_c.h>

#include <memory>

namespace satfence::zones {
namespace {

// One GEOS context per call: the reentrant API, no global state.
class Context {
 public:
  Context() : h_(GEOS_init_r()) {}
  ~Context() { GEOS_finish_r(h_); }
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;
  GEOSContextHandle_t get() const { return h_; }

 private:
  GEOSContextHandle_t h_;
};

GEOSGeometry* Ring(GEOSContextHandle_t h, const std::vector<LonLat>& ring) {
  GEOSCoordSequence* seq = GEOSCoordSeq_create_r(h, static_cast<unsigned>(ring.size()), 2);
  for (unsigned i = 0; i < ring.size(); ++i) {
    GEOSCoordSeq_setXY_r(h, seq, i, ring[i].lon_deg, ring[i].lat_deg);
  }
  return GEOSGeom_createLinearRing_r(h, seq);  // takes the sequence
}

std::vector<LonLat> Positions(GEOSContextHandle_t h, const GEOSGeometry* ring) {
  const GEOSCoordSequence* seq = GEOSGeom_getCoordSeq_r(h, ring);
  unsigned n = 0;
  GEOSCoordSeq_getSize_r(h, seq, &n);
  std::vector<LonLat> out(n);
  for (unsigned i = 0; i < n; ++i)
    GEOSCoordSeq_getXY_r(h, seq, i, &out[i].lon_deg, &out[i].lat_deg);
  return out;
}

void CollectPolygons(GEOSContextHandle_t h, const GEOSGeometry* g, std::vector<PolygonRings>& out) {
  const int type = GEOSGeomTypeId_r(h, g);
  if (type == GEOS_POLYGON) {
    if (GEOSisEmpty_r(h, g)) return;
    PolygonRings polygon;
    polygon.push_back(Positions(h, GEOSGetExteriorRing_r(h, g)));
    for (int i = 0; i < GEOSGetNumInteriorRings_r(h, g); ++i) {
      polygon.push_back(Positions(h, GEOSGetInteriorRingN_r(h, g, i)));
    }
    out.push_back(std::move(polygon));
  } else if (type == GEOS_MULTIPOLYGON || type == GEOS_GEOMETRYCOLLECTION) {
    for (int i = 0; i < GEOSGetNumGeometries_r(h, g); ++i) {
      CollectPolygons(h, GEOSGetGeometryN_r(h, g, i), out);
    }
  }
}

}  // namespace

std::optional<std::vector<PolygonRings>> RepairWithGeos(const std::vector<PolygonRings>& parts) {
  const Context ctx;
  GEOSContextHandle_t h = ctx.get();
  std::vector<GEOSGeometry*> polygons;
  for (const PolygonRings& part : parts) {
    if (part.empty() || part[0].size() < 4) continue;
    std::vector<GEOSGeometry*> holes;
    for (size_t r = 1; r < part.size(); ++r) {
      if (part[r].size() >= 4) holes.push_back(Ring(h, part[r]));
    }
    polygons.push_back(GEOSGeom_createPolygon_r(h, Ring(h, part[0]), holes.data(),
                                                static_cast<unsigned>(holes.size())));
  }
  if (polygons.empty()) return std::nullopt;
  GEOSGeometry* input = GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, polygons.data(),
                                                    static_cast<unsigned>(polygons.size()));
  GEOSGeometry* valid = GEOSMakeValid_r(h, input);
  GEOSGeom_destroy_r(h, input);
  if (valid == nullptr) return std::nullopt;
  std::vector<PolygonRings> out;
  CollectPolygons(h, valid, out);
  GEOSGeom_destroy_r(h, valid);
  if (out.empty()) return std::nullopt;
  return out;
}

}  // namespace satfence::zones
