// How sure are we that a position is in a zone? The position's uncertainty region against
// each zone's border.
//
//   Region r = Region::Ellipse(3000, 800, 45, 3.0);   // 1-sigma axes, azimuth, k-sigma
//   index.Classify(48.6, 38.0, r, 10e3, proximity);    // ZoneIndex or S2ZoneIndex
//   proximity.overall == RegionClass::kStraddles;      // somewhere within 3 sigma of a border
//
// The region is the k-sigma ellipse of a horizontal error ellipse, drawn in the gnomonic
// (central) projection at the position: the plane tangent to the sphere there, onto which
// great circles, and so zone edges, project as straight lines. Its semi-axes on that plane are
// tan(k * a / R) and tan(k * b / R) (R = kEarthRadius_m), so a circle is exactly the geodesic
// disc of radius k * a, and an ellipse differs from one drawn in any other local plane by
// less than (k a / R)^2 / 3 of its size (under 1 cm for a 10 km ellipse). A region meets a
// zone's border when a border edge touches it (boundary included): the zone is then
// straddled; otherwise the whole region is on the side of its centre, inside or outside.
//
// Borders are the zones' real edges: an edge that two parts of one zone share (a shape cut
// along the antimeridian, a ring split where it touched itself) is internal to the zone and
// is neither a border nor a distance.
#ifndef SATFENCE_ZONES_REGION_H_
#define SATFENCE_ZONES_REGION_H_

#include <limits>
#include <vector>

namespace satfence::zones {

// Mean Earth radius used to turn angles on the unit sphere into metres (IUGG R1).
inline constexpr double kEarthRadius_m = 6371008.8;

struct Region {
  double semi_major_m = 0.0;  // 1-sigma semi-axes, metres
  double semi_minor_m = 0.0;
  double azimuth_deg = 0.0;  // of the major axis, clockwise from north
  double k_sigma = 1.0;      // the region is the k-sigma ellipse

  static Region Circle(double radius_m) { return {radius_m, radius_m, 0.0, 1.0}; }
  static Region Ellipse(double semi_major_m, double semi_minor_m, double azimuth_deg,
                        double k_sigma) {
    return {semi_major_m, semi_minor_m, azimuth_deg, k_sigma};
  }
  // The farthest the region reaches from its centre, metres.
  double extent_m() const { return k_sigma * semi_major_m; }
  bool is_circle() const { return semi_major_m == semi_minor_m; }
};

enum class RegionClass { kInside, kOutside, kStraddles };
const char* ToString(RegionClass c);

struct ZoneNearby {
  int zone = -1;          // index into the set
  bool contains = false;  // the zone holds the region's centre
  // From the centre to the zone's nearest border, metres along the sphere; +infinity when
  // no border lies within the searched radius.
  double border_m = std::numeric_limits<double>::infinity();
  RegionClass region = RegionClass::kOutside;  // the region against this zone
};

struct Proximity {
  // The zones holding the centre or with a border within the searched radius, ascending.
  std::vector<ZoneNearby> zones;
  double searched_m = 0.0;  // borders were looked for this far from the centre
  // kStraddles if the region straddles any zone's border; else kInside if any zone holds
  // the centre; else kOutside.
  RegionClass overall = RegionClass::kOutside;

  // The straddled zones, ascending.
  std::vector<int> Straddled() const;
  // The zones holding the centre, ascending.
  std::vector<int> Containing() const;
};

}  // namespace satfence::zones

#endif  // SATFENCE_ZONES_REGION_H_
