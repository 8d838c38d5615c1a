// A zone: a region on the Earth with what the operator does there, and where its outline
// comes from.
//
//   Zone z = ...;                          // from ReadZonesGeoJson
//   if (z.action == ZoneAction::kDeny && z.ActiveAt(t)) { ... }
//   z.geometry->parts[0][0]                // the first part's shell, S2 unit vectors
//
// Geometry is on the sphere with geodesic edges (the S2 convention): a polygon edge is the
// shortest great-circle arc between its vertices, so shapes may cross the antimeridian and
// cover the poles. Each part is a shell followed by its holes, oriented with the interior
// on the left (shell counter-clockwise around its interior, holes clockwise). Zones are
// immutable values; the geometry is shared between copies.
#ifndef SATFENCE_ZONES_ZONE_H_
#define SATFENCE_ZONES_ZONE_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "s2/s2latlng_rect.h"
#include "s2/s2point.h"
#include "satfence/base/utc_time.h"

namespace satfence::zones {

enum class ZoneKind { kCountryLand, kTerritorialWaters, kOperator };
enum class ZoneAction {
  kAllow,
  kAllowIfWhitelisted,  // allowed for whitelisted terminals only
  kReview,
  kDeny,
};

// "country_land", "territorial_waters", "operator"; "allow", "allow_if_whitelisted",
// "review", "deny": the names used in files and output.
const char* ZoneKindName(ZoneKind k);
const char* ZoneActionName(ZoneAction a);
std::optional<ZoneKind> ParseZoneKind(std::string_view name);
std::optional<ZoneAction> ParseZoneAction(std::string_view name);

struct ZoneGeometry {
  // parts[p][0] is part p's shell, parts[p][1..] its holes; each ring is a closed loop
  // without the repeated first vertex, interior on the left.
  std::vector<std::vector<std::vector<S2Point>>> parts;
  S2LatLngRect bound = S2LatLngRect::Empty();
  size_t vertices = 0;
  double area_steradians = 0.0;  // of the whole zone (holes subtracted)
};

// Which edges of `g` are borders, flattened part by part, ring by ring (edge i of a ring
// runs from vertex i to vertex i + 1, the last one back to vertex 0). Not borders: an edge
// whose reverse is also an edge of `g` (a seam inside the zone, such as where a ring that
// touched itself was split), and an edge along the antimeridian (both ends within 1e-9
// degree of it, or at a pole): RFC 7946 cuts shapes there, and sources do not always draw
// the two sides of a cut identically (Natural Earth's Fiji differs by up to 1e-5 degree), so
// the cut is recognised by where it lies rather than by matching.
std::vector<bool> BorderEdgeMask(const ZoneGeometry& g);

struct Zone {
  std::string id;
  std::string name;
  ZoneKind kind = ZoneKind::kOperator;
  ZoneAction action = ZoneAction::kDeny;
  int priority = 0;                    // higher wins when zones overlap
  std::optional<UtcTime> valid_from;   // inclusive; none: since always
  std::optional<UtcTime> valid_until;  // exclusive; none: for ever
  std::string source;                  // citation of the outline and the rule
  std::string source_date;             // date of that source (ISO 8601 text)
  bool approximate = false;            // the outline is known to be approximate
  std::shared_ptr<const ZoneGeometry> geometry;

  bool ActiveAt(UtcTime t) const {
    return (!valid_from || t >= *valid_from) && (!valid_until || t < *valid_until);
  }
};

}  // namespace satfence::zones

#endif  // SATFENCE_ZONES_ZONE_H_
