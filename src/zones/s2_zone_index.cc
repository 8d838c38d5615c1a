#include "satfence/zones/s2_zone_index.h"

#include <algorithm>
#include <map>

#include "s2/s2closest_edge_query.h"
#include "s2/s2contains_point_query.h"
#include "s2/s2lax_polygon_shape.h"

namespace satfence::zones {

S2ZoneIndex::S2ZoneIndex(const ZoneSet& set) : index_(std::make_unique<MutableS2ShapeIndex>()) {
  for (size_t z = 0; z < set.zones().size(); ++z) {
    // One shape per polygon part, so that parts meeting along a border (shapes cut at the
    // antimeridian) each keep their own interior.
    for (const auto& part : set.zones()[z].geometry->parts) {
      const int id = index_->Add(std::make_unique<S2LaxPolygonShape>(part));
      if (static_cast<size_t>(id) >= shape_zone_.size()) shape_zone_.resize(id + 1, -1);
      shape_zone_[id] = static_cast<int>(z);
    }
  }
  index_->ForceBuild();
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
  S2ClosestEdgeQuery query(index_.get());
  query.mutable_options()->set_include_interiors(false);
  S2ClosestEdgeQuery::PointTarget target(p);
  const S2ClosestEdgeQuery::Result r = query.FindClosestEdge(&target);
  if (r.is_empty()) return {};
  return {shape_zone_[r.shape_id()], r.distance().ToAngle().radians() * kEarthRadius_m};
}

std::vector<NearestBorder> S2ZoneIndex::BordersWithin(const S2Point& p, double radius_m) const {
  S2ClosestEdgeQuery query(index_.get());
  query.mutable_options()->set_include_interiors(false);
  query.mutable_options()->set_max_distance(
      S1ChordAngle(S1Angle::Radians(radius_m / kEarthRadius_m)).Successor());
  S2ClosestEdgeQuery::PointTarget target(p);
  std::map<int, double> best;
  for (const auto& r : query.FindClosestEdges(&target)) {
    const int z = shape_zone_[r.shape_id()];
    const double d = r.distance().ToAngle().radians() * kEarthRadius_m;
    const auto it = best.find(z);
    if (it == best.end() || d < it->second) best[z] = d;
  }
  std::vector<NearestBorder> out;
  for (const auto& [z, d] : best) out.push_back({z, d});
  return out;
}

}  // namespace satfence::zones
