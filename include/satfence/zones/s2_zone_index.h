// The exact reference for zone queries, built on the S2 geometry library: containment by
// S2ContainsPointQuery (semi-open boundaries: a point on a shared border belongs to
// exactly one side), border distances and uncertainty classes by S2ClosestEdgeQuery over a
// second index holding each zone's border edges (region.h: seams inside a zone are left out).
// ZoneIndex is checked against it; it is also the slow path ZoneIndex falls back to near the poles.
//
//   S2ZoneIndex ref(zone_set);
//   std::vector<int> in = ref.Containing(S2LatLng::FromDegrees(48.6, 38.0).ToPoint());
//
// Thread-safe for concurrent const calls.
#ifndef SATFENCE_ZONES_S2_ZONE_INDEX_H_
#define SATFENCE_ZONES_S2_ZONE_INDEX_H_

#include <memory>
#include <vector>

#include "s2/mutable_s2shape_index.h"
#include "s2/s1chord_angle.h"
#include "satfence/zones/region.h"
#include "satfence/zones/zone_set.h"

namespace satfence::zones {

struct NearestBorder {
  int zone = -1;            // -1: no zone has a border (empty set)
  double distance_m = 0.0;  // along the sphere of radius kEarthRadius_m
};

class S2ZoneIndex {
 public:
  explicit S2ZoneIndex(const ZoneSet& set);

  // Indexes (into set.zones()) of the zones containing p, ascending.
  std::vector<int> Containing(const S2Point& p) const;
  // The same per shape: one shape per polygon part, numbered zone by zone, part by part.
  std::vector<int> ContainingShapes(const S2Point& p) const;
  int shape_zone(int shape) const { return shape_zone_[shape]; }
  int num_shapes() const { return static_cast<int>(shape_zone_.size()); }
  // The nearest border edge of any zone.
  NearestBorder Nearest(const S2Point& p) const;
  // Zones with a border within `radius_m` of p, ascending, each with its distance.
  std::vector<NearestBorder> BordersWithin(const S2Point& p, double radius_m) const;
  // The region centred on p against every zone (region.h), borders looked for up to
  // max(search_m, region.extent_m()) away. An ellipse is tested as the polygon of
  // `ellipse_vertices` vertices inscribed in it (its edges are geodesics, which the
  // gnomonic plane draws straight, so the polygon lies inside the ellipse and reaches
  // within 1 - cos(pi / n) of its size); a circle is tested exactly.
  void Classify(const S2Point& p, const Region& region, double search_m, Proximity& out,
                int ellipse_vertices = 1024) const;

  const MutableS2ShapeIndex& index() const { return *index_; }
  const MutableS2ShapeIndex& border_index() const { return *borders_; }

 private:
  std::unique_ptr<MutableS2ShapeIndex> index_;
  std::unique_ptr<MutableS2ShapeIndex> borders_;  // shape z: zone z's border edges
  std::vector<int> shape_zone_;                   // shape id -> zone
};

}  // namespace satfence::zones

#endif  // SATFENCE_ZONES_S2_ZONE_INDEX_H_
