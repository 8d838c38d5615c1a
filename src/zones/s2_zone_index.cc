#include "satfence/zones/s2_zone_index.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "s2/s2closest_edge_query.h"
#include "s2/s2contains_point_query.h"
#include "s2/s2edge_vector_shape.h"
#include "s2/s2latlng.h"
#include "s2/s2lax_polygon_shape.h"
#include "s2/s2loop.h"

namespace satfence::zones {

S2ZoneIndex::S2ZoneIndex(const ZoneSet& set)
    : index_(std::make_unique<MutableS2ShapeIndex>()),
      borders_(std::make_unique<MutableS2ShapeIndex>()) {
  for (size_t z = 0; z < set.zones().size(); ++z) {
    const ZoneGeometry& g = *set.zones()[z].geometry;
    const std::vector<bool> border = BorderEdgeMask(g);
    auto edges = std::make_unique<S2EdgeVectorShape>();
    size_t e = 0;
    for (const auto& part : g.parts) {
      for (const auto& ring : part) {
        for (size_t i = 0; i < ring.size(); ++i, ++e) {
          if (border[e]) edges->Add(ring[i], ring[(i + 1) % ring.size()]);
        }
      }
    }
    borders_->Add(std::move(edges));  // shape id z
    // One shape per polygon part, so that parts meeting along a border (shapes cut at the
    // antimeridian) each keep their own interior.
    for (const auto& part : set.zones()[z].geometry->parts) {
      const int id = index_->Add(std::make_unique<S2LaxPolygonShape>(part));
      if (static_cast<size_t>(id) >= shape_zone_.size()) shape_zone_.resize(id + 1, -1);
      shape_zone_[id] = static_cast<int>(z);
    }
  }
  index_->ForceBuild();
  borders_->ForceBuild();
}

std::vector<int> S2ZoneIndex::Containing(const S2Point& p) const {
  auto query = MakeS2ContainsPointQuery(index_.get());
  std::vector<int> zones;
  query.VisitContainingShapes(p, [&](S2Shape* shape) {
    zones.push_back(shape_zone_[shape->id()]);
    return true;
  });
  std::sort(zones.begin(), zones.end());
  zones.erase(std::unique(zones.begin(), zones.end()), zones.end());
  return zones;
}

std::vector<int> S2ZoneIndex::ContainingShapes(const S2Point& p) const {
  auto query = MakeS2ContainsPointQuery(index_.get());
  std::vector<int> shapes;
  query.VisitContainingShapes(p, [&](S2Shape* shape) {
    shapes.push_back(shape->id());
    return true;
  });
  std::sort(shapes.begin(), shapes.end());
  return shapes;
}

NearestBorder S2ZoneIndex::Nearest(const S2Point& p) const {
  S2ClosestEdgeQuery query(borders_.get());
  query.mutable_options()->set_include_interiors(false);
  S2ClosestEdgeQuery::PointTarget target(p);
  const S2ClosestEdgeQuery::Result r = query.FindClosestEdge(&target);
  if (r.is_empty()) return {};
  return {r.shape_id(), r.distance().ToAngle().radians() * kEarthRadius_m};
}

std::vector<NearestBorder> S2ZoneIndex::BordersWithin(const S2Point& p, double radius_m) const {
  S2ClosestEdgeQuery query(borders_.get());
  query.mutable_options()->set_include_interiors(false);
  query.mutable_options()->set_inclusive_max_distance(
      S1ChordAngle(S1Angle::Radians(radius_m / kEarthRadius_m)));
  S2ClosestEdgeQuery::PointTarget target(p);
  std::map<int, double> best;
  for (const auto& r : query.FindClosestEdges(&target)) {
    const int z = r.shape_id();
    const double d = r.distance().ToAngle().radians() * kEarthRadius_m;
    const auto it = best.find(z);
    if (it == best.end() || d < it->second) best[z] = d;
  }
  std::vector<NearestBorder> out;
  for (const auto& [z, d] : best) out.push_back({z, d});
  return out;
}

void S2ZoneIndex::Classify(const S2Point& p, const Region& region, double search_m, Proximity& out,
                           int ellipse_vertices) const {
  out = Proximity{};
  out.searched_m = std::max(search_m, region.extent_m());
  const std::vector<int> containing = Containing(p);
  const std::vector<NearestBorder> near = BordersWithin(p, out.searched_m);
  std::map<int, ZoneNearby> zones;
  for (int z : containing) zones[z] = {.zone = z, .contains = true};
  for (const NearestBorder& b : near) {
    ZoneNearby& n = zones[b.zone];
    n.zone = b.zone;
    n.border_m = b.distance_m;
  }
  for (auto& [z, n] : zones) {
    n.region = n.contains ? RegionClass::kInside : RegionClass::kOutside;
    if (region.is_circle() && n.border_m <= region.extent_m()) n.region = RegionClass::kStraddles;
  }
  if (!region.is_circle()) {
    // The inscribed polygon, from the gnomonic plane back to the sphere.
    const S2LatLng ll(p);
    const double lat = ll.lat().radians(), lon = ll.lng().radians();
    const S2Point east(-std::sin(lon), std::cos(lon), 0.0);
    const S2Point north(-std::sin(lat) * std::cos(lon), -std::sin(lat) * std::sin(lon),
                        std::cos(lat));
    const double az = region.azimuth_deg * M_PI / 180.0;
    const S2Point major = east * std::sin(az) + north * std::cos(az);
    const S2Point minor = east * std::cos(az) - north * std::sin(az);
    const double ta = std::tan(region.k_sigma * region.semi_major_m / kEarthRadius_m);
    const double tb = std::tan(region.k_sigma * region.semi_minor_m / kEarthRadius_m);
    std::vector<S2Point> ring;  // counter-clockwise: from the major axis away from the minor
    for (int i = 0; i < ellipse_vertices; ++i) {
      const double t = 2 * M_PI * i / ellipse_vertices;
      ring.push_back((p + major * (ta * std::cos(t)) - minor * (tb * std::sin(t))).Normalize());
    }
    MutableS2ShapeIndex ellipse;
    ellipse.Add(std::make_unique<S2LaxPolygonShape>(std::vector<std::vector<S2Point>>{ring}));
    S2ClosestEdgeQuery::ShapeIndexTarget target(&ellipse);
    target.set_include_interiors(true);
    S2ClosestEdgeQuery query(borders_.get());
    query.mutable_options()->set_include_interiors(false);
    query.mutable_options()->set_inclusive_max_distance(S1ChordAngle::Zero());
    for (const auto& r : query.FindClosestEdges(&target)) {
      zones[r.shape_id()].region = RegionClass::kStraddles;
    }
  }
  bool straddles = false;
  for (const auto& [z, n] : zones) {
    out.zones.push_back(n);
    straddles |= n.region == RegionClass::kStraddles;
  }
  out.overall = straddles            ? RegionClass::kStraddles
                : containing.empty() ? RegionClass::kOutside
                                     : RegionClass::kInside;
}

}  // namespace satfence::zones
