// Repair of invalid polygons with GEOS MakeValid, for data sets whose defects are known
// and tolerated (the world default). Operator zones are rejected, not repaired, unless
// the caller asks.
//
//   std::optional<std::vector<PolygonRings>> fixed = RepairWithGeos(parts);
//
// GEOS works in the plane of longitude and latitude, so the repair is right for shapes
// that do not cross the antimeridian (RFC 7946 asks producers to cut them there, and the
// world data is cut). The result is the polygonal parts MakeValid returns; lines and
// points it produces from degenerate input are dropped. Callers hand it one invalid
// polygon at a time (BuildZoneGeometry's repair hook): MakeValid and union are
// super-linear in the number of rings, and a country can have 100,000.
#ifndef SATFENCE_ZONES_GEOS_REPAIR_H_
#define SATFENCE_ZONES_GEOS_REPAIR_H_

#include <optional>
#include <vector>

#include "satfence/zones/polygon_builder.h"

namespace satfence::zones {

// The repaired polygons, or nothing if GEOS could not make a polygonal result.
std::optional<std::vector<PolygonRings>> RepairWithGeos(const std::vector<PolygonRings>& parts);

}  // namespace satfence::zones

#endif  // SATFENCE_ZONES_GEOS_REPAIR_H_
