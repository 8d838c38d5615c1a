// Turns polygon rings given as longitude/latitude positions (as GeoJSON, KML and
// shapefiles carry them) into a validated ZoneGeometry on the sphere.
//
//   std::vector<PolygonRings> parts = {{{{30, 50}, {31, 50}, {31, 51}, {30, 50}}}};
//   GeometryBuild g = BuildZoneGeometry(parts, /*multi=*/false);
//   if (!g.geometry) report(g.error_path, g.error);
//
// Each ring must be closed (first position == last) with at least 4 positions and valid
// coordinates. Consecutive duplicate points are dropped, and so are "spikes" that go to a
// point and straight back (the cut-at-the-antimeridian-to-the-pole artefact of polar
// shapes). A ring that touches itself at a point (allowed in shapefiles, common in real
// borders, invalid in OGC and S2) is split there into simple rings; a piece that turns
// the same way as the whole ring is a lobe, one that turns the other way is a hole. The
// interior of each ring is the smaller region it bounds; S2 checks that the
// ring does not cross itself, and holes must lie inside their shell.
#ifndef SATFENCE_ZONES_POLYGON_BUILDER_H_
#define SATFENCE_ZONES_POLYGON_BUILDER_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "satfence/zones/zone.h"

namespace satfence::zones {

struct LonLat {
  double lon_deg;
  double lat_deg;
};

// One polygon: rings[0] is the shell, the rest are holes.
using PolygonRings = std::vector<std::vector<LonLat>>;

struct GeometryBuild {
  std::shared_ptr<const ZoneGeometry> geometry;  // null when rejected
  std::string error_path;         // "coordinates[1][0][17]" (GeoJSON-style) for the offending spot
  std::string error;              // what is wrong, with the coordinate
  int rings_against_rfc7946 = 0;  // accepted rings wound the other way
  int duplicate_points_dropped = 0;
  int spikes_removed = 0;
  int rings_split_at_touching_points = 0;  // rings that passed through a point twice
  std::vector<std::string> repairs;        // "path: what was wrong", for each repaired polygon
  struct Dropped {
    std::string path;     // "coordinates[3][0]"
    std::string message;  // why, and whether a hole or the whole polygon went
  };
  std::vector<Dropped> dropped;  // with a repair hook: what was left out, in input order
};

// Turns one invalid ring (closed, as positions) into valid polygons, or gives up (see
// geos_repair.h).
using RingRepair =
    std::function<std::optional<std::vector<PolygonRings>>(const std::vector<LonLat>& ring)>;

// `multi`: the parts come from a MultiPolygon (paths get the part index).
//
// With `repair` (lenient, as PostGIS's ST_MakeValid): a ring that fails validation (it
// crosses itself) is handed to it and its valid result used in its place (a shell's pieces
// stay shells, a hole's pieces holes), and a hole outside its shell is kept as an island,
// each listed in `repairs`. A ring with no area (fewer than 4 positions, or fewer than 3
// distinct points once repeats and spikes are gone) or whose repair is still invalid on the
// sphere is left out and listed in `dropped`: a hole alone, a shell with its polygon. The
// geometry is rejected only when nothing of it is left, or for defects no repair can
// interpret (coordinates out of range, an unclosed ring).
//
// Without `repair` (strict), the first defect rejects the geometry. Repair works ring by
// ring because that is where the defects are, and because whole-polygon repair is
// super-linear in the number of rings.
GeometryBuild BuildZoneGeometry(const std::vector<PolygonRings>& parts, bool multi,
                                const RingRepair& repair = {});

}  // namespace satfence::zones

#endif  // SATFENCE_ZONES_POLYGON_BUILDER_H_
