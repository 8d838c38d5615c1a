// Zones from GeoJSON (RFC 7946): a FeatureCollection (or one Feature) of Polygon and
// MultiPolygon features, with feature properties mapped to zone fields.
//
//   ZoneReadResult r = ReadZonesGeoJsonFile("zones.geojson", {.id_property = "A3"});
//   for (const RecordError& e : r.errors) std::cerr << e.ToString() << "\n";  // skipped
//   ZoneSet set(std::move(r.zones));
//
// Geometry is interpreted on the sphere (geodesic edges). Either winding is accepted: the
// interior of each ring is the smaller of the two regions it bounds (so a single zone
// cannot cover more than a hemisphere), and rings wound against RFC 7946 (exterior
// counter-clockwise, holes clockwise) are reported as warnings. Shapes that cross the
// antimeridian, shapes cut along it (parts meeting at +/-180), and rings through a pole
// (including the "down the antimeridian to the pole and back" spike of cut polar shapes,
// which is removed) are all accepted.
//
// Properties read when present (names configurable where noted): id (`id_property`,
// then "id", then the feature's own "id"), name (`name_property`), kind, action,
// priority, valid_from, valid_until (RFC 3339), source, source_date, approximate (bool),
// country (with a null geometry: the outline of that zone in `ZoneMapping::countries`).
//
// Rejected features, each with the file, feature index and id, and the offending
// coordinate: unclosed ring, coordinates that are not numbers or out of range, unknown
// geometry types, missing or duplicate ids, bad property values, and geometry of which
// nothing can be made valid. Strict (`repair` false) also rejects a feature for a ring
// with fewer than 4 positions or that collapses to fewer than 3 distinct points, a
// self-intersection (with the crossing's location) and a hole outside its shell. The
// other features still load.
// Limits, checked before any geometry is built: bytes, JSON nesting depth, features,
// positions per ring and in total.
#ifndef SATFENCE_ZONES_GEOJSON_READER_H_
#define SATFENCE_ZONES_GEOJSON_READER_H_

#include <string>
#include <string_view>
#include <vector>

#include "satfence/base/record_error.h"
#include "satfence/zones/zone.h"

namespace satfence::zones {

struct ZoneMapping {
  std::string id_property = "id";
  std::string name_property = "name";
  ZoneKind default_kind = ZoneKind::kOperator;
  ZoneAction default_action = ZoneAction::kDeny;
  int default_priority = 0;
  std::string default_source = {};       // when a feature has no "source" property
  std::string default_source_date = {};  // when a feature has no "source_date" property
  bool default_approximate = false;
  // Lenient, as PostGIS's ST_MakeValid and QGIS are: a ring that crosses itself is
  // repaired with GEOS MakeValid (geos_repair.h), a ring with no area or beyond repair is
  // left out, a hole outside its shell becomes an island, each reported as a warning; a
  // feature is rejected only when nothing of it can be made valid (polygon_builder.h).
  // False (strict): the first defect rejects the feature.
  bool repair = true;
  // Data drawn for Web Mercator stops at its latitude limit, 85.0511 deg: a polygon around a
  // pole (Antarctica) is closed along that parallel instead of at the pole, leaving a
  // polar cap out (and its seam at the antimeridian touching itself). With this set, every
  // position at or beyond 85.05 deg of latitude is moved to the pole, closing such rings
  // there (reported as a warning). For the world default; no real outline lies beyond it.
  bool mercator_polar_clip = false;
  // Zones already loaded (the world default, say). A feature with "geometry": null and a
  // "country" property takes the outline of the zone with that id from here, so that a
  // rule file can say "Russia: deny" without copying Russia's border.
  const std::vector<Zone>* countries = nullptr;
  // Attributes from formats that keep them as text (KML) or have no booleans and cut names
  // to 10 characters (Shapefile's DBF): "true"/"false"/"1"/"0" and 1/0 are booleans,
  // integers written as text are integers, and a property longer than 10 characters is
  // also found under its first 10 ("source_dat"). ReadZonesOgrFile sets it.
  bool text_attributes = false;
};

struct GeoJsonLimits {
  size_t max_bytes = size_t{1} << 30;
  int max_depth = 16;
  size_t max_features = 1'000'000;
  size_t max_ring_positions = 2'000'000;
  size_t max_total_positions = 50'000'000;
};

struct ZoneReadResult {
  std::vector<Zone> zones;
  std::vector<RecordError> errors;    // rejected features (or the whole input)
  std::vector<RecordError> warnings;  // accepted with a remark (winding, duplicates)
  size_t rings = 0;                   // in the accepted zones
};

ZoneReadResult ParseZonesGeoJson(std::string_view text, std::string_view source,
                                 const ZoneMapping& mapping = {}, const GeoJsonLimits& limits = {});
ZoneReadResult ReadZonesGeoJsonFile(const std::string& path, const ZoneMapping& mapping = {},
                                    const GeoJsonLimits& limits = {});

}  // namespace satfence::zones

#endif  // SATFENCE_ZONES_GEOJSON_READER_H_
