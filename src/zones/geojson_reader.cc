#include "satfence/zones/geojson_reader.h"

#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "absl/strings/str_cat.h"
#include "satfence/base/file.h"
#include "satfence/base/text.h"
#include "satfence/zones/geos_repair.h"
#include "satfence/zones/polygon_builder.h"

namespace satfence::zones {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

// OGR writes its date fields as "2026/11/24" and date-times as "2026/11/24 10:00:00+00"
// (or "+0130", ".123", no zone): back to ISO 8601 / RFC 3339. Other text is kept.
std::string OgrDateToIso(std::string_view s) {
  auto digits = [&](size_t from, size_t n) {
    if (s.size() < from + n) return false;
    for (size_t i = from; i < from + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
    }
    return true;
  };
  if (!digits(0, 4) || s.size() < 10 || s[4] != '/' || !digits(5, 2) || s[7] != '/' ||
      !digits(8, 2)) {
    return std::string(s);
  }
  // (Debian's abseil has its own string_view: plain std::string arithmetic here.)
  std::string out = std::string(s.substr(0, 4)) + "-" + std::string(s.substr(5, 2)) + "-" +
                    std::string(s.substr(8, 2));
  if (s.size() == 10) return out;
  if (s[10] != ' ') return std::string(s);
  const std::string rest(s.substr(11));
  const size_t zone = rest.find_first_of("+-Z");
  out += "T" + rest.substr(0, zone);
  if (zone == std::string::npos) return out;  // no zone: left for the parser to refuse
  const std::string tz = rest.substr(zone);
  if (tz == "+00" || tz == "Z") return out + "Z";
  if (tz.size() == 3) return out + tz + ":00";
  if (tz.size() == 5) return out + tz.substr(0, 3) + ":" + tz.substr(3);
  return out + tz;
}

// A feature as read from JSON, before any geometry is built.
struct RawFeature {
  int index = 0;  // 1-based
  Zone zone;      // fields, no geometry yet
  std::vector<PolygonRings> parts;
  bool multi = false;
  std::shared_ptr<const ZoneGeometry> borrowed;  // outline taken from a loaded country
  size_t positions = 0;
};

struct Reader {
  std::string source;
  const ZoneMapping& mapping;
  const GeoJsonLimits& limits;
  ZoneReadResult& out;

  void Error(int index, const std::string& id, std::string field, std::string message) {
    out.errors.push_back({source, 0, index, id, std::move(field), std::move(message)});
  }

  // Reads [lon, lat(, alt)] positions into rings; false (with an error) if malformed.
  bool ReadRings(element coordinates, bool multi, RawFeature& f) {
    array parts_json;
    if (coordinates.get_array().get(parts_json)) {
      Error(f.index, f.zone.id, "geometry.coordinates", "is not an array");
      return false;
    }
    auto read_polygon = [&](element poly, size_t p) -> bool {
      array rings;
      const std::string at = multi ? absl::StrCat("geometry.coordinates[", p, "]")
                                   : std::string("geometry.coordinates");
      if (poly.get_array().get(rings)) {
        Error(f.index, f.zone.id, at, "is not an array of rings");
        return false;
      }
      PolygonRings polygon;
      size_t r = 0;
      for (element ring_json : rings) {
        array ring;
        const std::string ring_at = absl::StrCat(at, "[", r, "]");
        if (ring_json.get_array().get(ring)) {
          Error(f.index, f.zone.id, ring_at, "is not an array of positions");
          return false;
        }
        if (ring.size() > limits.max_ring_positions) {
          Error(f.index, f.zone.id, ring_at,
                absl::StrCat("ring of ", ring.size(), " positions exceeds the limit of ",
                             limits.max_ring_positions));
          return false;
        }
        std::vector<LonLat> positions;
        positions.reserve(ring.size());
        size_t i = 0;
        for (element pos : ring) {
          array xy;
          double lon = 0, lat = 0;
          if (pos.get_array().get(xy) || xy.size() < 2 || xy.at(0).get_double().get(lon) ||
              xy.at(1).get_double().get(lat)) {
            Error(f.index, f.zone.id, absl::StrCat(ring_at, "[", i, "]"),
                  "is not a position [longitude, latitude]");
            return false;
          }
          positions.push_back({lon, lat});
          ++i;
        }
        f.positions += positions.size();
        polygon.push_back(std::move(positions));
        ++r;
      }
      f.parts.push_back(std::move(polygon));
      return true;
    };
    if (!multi) return read_polygon(coordinates, 0);
    size_t p = 0;
    for (element poly : parts_json) {
      if (!read_polygon(poly, p++)) return false;
    }
    return true;
  }

  // A string property, or a number written as text (ids are often numeric).
  static std::optional<std::string> Text(element e) {
    std::string_view s;
    if (!e.get_string().get(s)) return std::string(s);
    int64_t i;
    if (!e.get_int64().get(i)) return absl::StrCat(i);
    return std::nullopt;
  }

  bool ReadProperties(const object* props_or_null, element feature, RawFeature& f) {
    Zone& z = f.zone;
    element v;
    // A missing property reads as absent; so does every property of a feature without any.
    // A JSON null reads as absent too.
    struct Props {
      const object* o;
      bool dbf_names;
      simdjson::simdjson_result<element> operator[](std::string_view key) const {
        if (o == nullptr) return simdjson::NO_SUCH_FIELD;
        simdjson::simdjson_result<element> v = (*o)[key];
        if (v.error() == simdjson::NO_SUCH_FIELD && dbf_names && key.size() > 10) {
          v = (*o)[key.substr(0, 10)];
        }
        if (!v.error() && v.value_unsafe().is_null()) return simdjson::NO_SUCH_FIELD;
        return v;
      }
    } props{props_or_null, mapping.text_attributes};
    if (!props[mapping.id_property].get(v)) {
      if (auto t = Text(v)) z.id = *t;
    }
    if (z.id.empty() && mapping.id_property != "id" && !props["id"].get(v)) {
      if (auto t = Text(v)) z.id = *t;
    }
    if (z.id.empty() && !feature["id"].get(v)) {
      if (auto t = Text(v)) z.id = *t;
    }
    if (z.id.empty()) {
      Error(f.index, "", absl::StrCat("properties.", mapping.id_property),
            "no id: set the id property, or give the feature an \"id\"");
      return false;
    }
    z.name = z.id;
    if (!props[mapping.name_property].get(v)) {
      if (auto t = Text(v)) z.name = *t;
    }
    z.kind = mapping.default_kind;
    z.action = mapping.default_action;
    z.priority = mapping.default_priority;
    z.source = mapping.default_source;
    z.source_date = mapping.default_source_date;
    z.approximate = mapping.default_approximate;
    auto bad = [&](const char* key, std::string why) {
      Error(f.index, z.id, absl::StrCat("properties.", key), std::move(why));
      return false;
    };
    std::string_view s;
    if (!props["kind"].get(v)) {
      if (v.get_string().get(s) || !ParseZoneKind(s)) {
        return bad("kind", "must be country_land, territorial_waters or operator");
      }
      z.kind = *ParseZoneKind(s);
    }
    if (!props["action"].get(v)) {
      if (v.get_string().get(s) || !ParseZoneAction(s)) {
        return bad("action", "must be allow, allow_if_whitelisted, review or deny");
      }
      z.action = *ParseZoneAction(s);
    }
    if (!props["priority"].get(v)) {
      int64_t pr = 0;
      bool bad_priority = v.get_int64().get(pr);
      if (bad_priority && mapping.text_attributes && !v.get_string().get(s)) {
        const auto n = ParseInteger(s);
        bad_priority = !n;
        if (n) pr = *n;
      }
      if (bad_priority || pr < -1000000 || pr > 1000000) {
        return bad("priority", "must be an integer in [-1000000, 1000000]");
      }
      z.priority = static_cast<int>(pr);
    }
    for (const auto& [key, target] :
         {std::pair<const char*, std::optional<UtcTime>*>{"valid_from", &z.valid_from},
          {"valid_until", &z.valid_until}}) {
      if (props[key].get(v)) continue;
      if (v.is_null()) continue;
      if (v.get_string().get(s)) return bad(key, "must be an RFC 3339 date-time string");
      std::string ogr;
      if (mapping.text_attributes) s = ogr = OgrDateToIso(s);
      const absl::StatusOr<UtcTime> t = ParseRfc3339(s);
      if (!t.ok()) return bad(key, std::string(t.status().message()));
      *target = *t;
    }
    if (z.valid_from && z.valid_until && *z.valid_until <= *z.valid_from) {
      return bad("valid_until", "is not after valid_from");
    }
    if (!props["source"].get(v) && !v.get_string().get(s)) z.source = std::string(s);
    if (!props["source_date"].get(v) && !v.get_string().get(s)) {
      z.source_date = mapping.text_attributes ? OgrDateToIso(s) : std::string(s);
    }
    if (!props["approximate"].get(v)) {
      bool b = false;
      bool bad_bool = v.get_bool().get(b);
      if (bad_bool && mapping.text_attributes) {
        int64_t i;
        if (!v.get_int64().get(i) && (i == 0 || i == 1)) {
          b = i == 1;
          bad_bool = false;
        } else if (!v.get_string().get(s) &&
                   (s == "true" || s == "false" || s == "1" || s == "0")) {
          b = s == "true" || s == "1";
          bad_bool = false;
        }
      }
      if (bad_bool) return bad("approximate", "must be true or false");
      z.approximate = b;
    }
    return true;
  }

  std::optional<RawFeature> ReadFeature(element feature, int index) {
    RawFeature f;
    f.index = index;
    object obj;
    std::string_view type;
    if (feature.get_object().get(obj) || obj["type"].get_string().get(type) || type != "Feature") {
      Error(index, "", "type", "is not a GeoJSON Feature");
      return std::nullopt;
    }
    object props;
    element props_json;
    bool has_props = false;
    if (!obj["properties"].get(props_json) && !props_json.is_null()) {
      if (props_json.get_object().get(props)) {
        Error(index, "", "properties", "is not an object");
        return std::nullopt;
      }
      has_props = true;
    }
    if (!ReadProperties(has_props ? &props : nullptr, feature, f)) return std::nullopt;
    object geometry;
    element geometry_json;
    const bool null_geometry = obj["geometry"].get(geometry_json) || geometry_json.is_null();
    if (null_geometry && has_props) {
      element country;
      std::string_view code;
      if (!props["country"].get(country) && !country.get_string().get(code)) {
        if (mapping.countries == nullptr) {
          Error(index, f.zone.id, "properties.country",
                absl::StrCat("refers to country '", std::string(code),
                             "', but no country zones are loaded (load them first)"));
          return std::nullopt;
        }
        for (const Zone& c : *mapping.countries) {
          if (c.id == code) f.borrowed = c.geometry;
        }
        if (!f.borrowed) {
          Error(index, f.zone.id, "properties.country",
                absl::StrCat("no loaded zone has the id '", std::string(code), "'"));
          return std::nullopt;
        }
        return f;
      }
    }
    if (null_geometry || geometry_json.get_object().get(geometry)) {
      Error(index, f.zone.id, "geometry", "missing");
      return std::nullopt;
    }
    std::string_view gtype;
    if (geometry["type"].get_string().get(gtype)) {
      Error(index, f.zone.id, "geometry.type", "missing");
      return std::nullopt;
    }
    if (gtype != "Polygon" && gtype != "MultiPolygon") {
      Error(index, f.zone.id, "geometry.type",
            absl::StrCat("is ", std::string(gtype), "; a zone needs a Polygon or MultiPolygon"));
      return std::nullopt;
    }
    f.multi = gtype == "MultiPolygon";
    element coordinates;
    if (geometry["coordinates"].get(coordinates)) {
      Error(index, f.zone.id, "geometry.coordinates", "missing");
      return std::nullopt;
    }
    if (!ReadRings(coordinates, f.multi, f)) return std::nullopt;
    return f;
  }
};

}  // namespace

ZoneReadResult ParseZonesGeoJson(std::string_view text, std::string_view source,
                                 const ZoneMapping& mapping, const GeoJsonLimits& limits) {
  ZoneReadResult out;
  Reader reader{std::string(source), mapping, limits, out};
  auto whole = [&](std::string message) {
    out.errors.push_back({std::string(source), 0, 0, "", "", std::move(message)});
    return out;
  };
  if (text.size() > limits.max_bytes) {
    return whole(
        absl::StrCat("input of ", text.size(), " bytes exceeds the limit of ", limits.max_bytes));
  }
  if (const int depth = MaxJsonNestingDepth(text); depth > limits.max_depth) {
    return whole(
        absl::StrCat("JSON nesting depth ", depth, " exceeds the limit of ", limits.max_depth));
  }
  simdjson::dom::parser parser;
  element doc;
  if (const auto error = parser.parse(text.data(), text.size()).get(doc)) {
    return whole(absl::StrCat("not valid JSON: ", simdjson::error_message(error)));
  }
  std::string_view type;
  if (doc["type"].get_string().get(type)) return whole("no GeoJSON \"type\" at the top level");

  // Phase 1: read every feature's fields and positions; count before building anything.
  std::vector<RawFeature> raw;
  if (type == "FeatureCollection") {
    array features;
    if (doc["features"].get_array().get(features)) return whole("\"features\" is not an array");
    if (features.size() > limits.max_features) {
      return whole(
          absl::StrCat(features.size(), " features exceed the limit of ", limits.max_features));
    }
    int index = 0;
    for (element f : features) {
      if (auto r = reader.ReadFeature(f, ++index)) raw.push_back(std::move(*r));
    }
  } else if (type == "Feature") {
    if (auto r = reader.ReadFeature(doc, 1)) raw.push_back(std::move(*r));
  } else {
    return whole(absl::StrCat("top-level type is ", std::string(type),
                              "; expected a FeatureCollection or a Feature"));
  }
  size_t total = 0;
  for (const RawFeature& f : raw) total += f.positions;
  if (total > limits.max_total_positions) {
    out.errors.push_back({std::string(source), 0, 0, "", "",
                          absl::StrCat(total, " positions exceed the limit of ",
                                       limits.max_total_positions, "; nothing was built")});
    return out;
  }

  // Phase 2: build and validate the geometry of each feature.
  std::set<std::string> seen;
  int against_rfc = 0, features_against_rfc = 0, duplicates = 0, spikes = 0, split = 0, polar = 0;
  for (RawFeature& f : raw) {
    if (!seen.insert(f.zone.id).second) {
      reader.Error(f.index, f.zone.id, "id", "duplicate id; an earlier feature has it");
      continue;
    }
    const RingRepair repair = [](const std::vector<LonLat>& ring) {
      return RepairWithGeos({PolygonRings{ring}});
    };
    if (f.borrowed) {
      for (const auto& part : f.borrowed->parts) out.rings += part.size();
      f.zone.geometry = std::move(f.borrowed);
      out.zones.push_back(std::move(f.zone));
      continue;
    }
    if (mapping.mercator_polar_clip) {
      constexpr double kMercatorClip_deg = 85.05;  // 85.0511, written rounded by some tools
      for (PolygonRings& part : f.parts) {
        for (std::vector<LonLat>& ring : part) {
          bool moved = false;
          for (LonLat& q : ring) {
            if (std::abs(q.lat_deg) >= kMercatorClip_deg && std::abs(q.lat_deg) < 90.0) {
              q.lat_deg = q.lat_deg > 0.0 ? 90.0 : -90.0;
              moved = true;
            }
          }
          polar += moved;
        }
      }
    }
    GeometryBuild g = BuildZoneGeometry(f.parts, f.multi, mapping.repair ? repair : RingRepair());
    if (!g.repairs.empty()) {
      out.warnings.push_back(
          {std::string(source), 0, f.index, f.zone.id, "geometry",
           absl::StrCat("repaired: ", g.repairs.size(), " ring", g.repairs.size() == 1 ? "" : "s",
                        ", first ", g.repairs[0])});
    }
    if (!g.geometry) {
      reader.Error(f.index, f.zone.id, "geometry." + g.error_path, g.error);
      continue;
    }
    if (!g.dropped.empty()) {
      out.warnings.push_back(
          {std::string(source), 0, f.index, f.zone.id, "geometry." + g.dropped[0].path,
           absl::StrCat("left out: ", g.dropped.size(), " ring", g.dropped.size() == 1 ? "" : "s",
                        " with no area or beyond repair, the first: ", g.dropped[0].message)});
    }
    against_rfc += g.rings_against_rfc7946;
    features_against_rfc += g.rings_against_rfc7946 > 0;
    duplicates += g.duplicate_points_dropped;
    spikes += g.spikes_removed;
    split += g.rings_split_at_touching_points;
    for (const auto& part : g.geometry->parts) out.rings += part.size();
    f.zone.geometry = std::move(g.geometry);
    out.zones.push_back(std::move(f.zone));
  }
  // Structure errors were found while reading, geometry errors while building: report
  // them in file order.
  std::stable_sort(out.errors.begin(), out.errors.end(),
                   [](const RecordError& a, const RecordError& b) { return a.record < b.record; });
  if (polar > 0) {
    out.warnings.push_back(
        {std::string(source), 0, 0, "", "mercator_polar_clip",
         absl::StrCat(polar, " ring", polar == 1 ? "" : "s",
                      " clipped at Web Mercator's latitude limit closed at the pole")});
  }
  if (against_rfc > 0) {
    out.warnings.push_back(
        {std::string(source), 0, 0, "", "winding",
         absl::StrCat(against_rfc, " rings in ", features_against_rfc,
                      " features are wound against RFC 7946 (exterior counter-clockwise, holes "
                      "clockwise); accepted, the interior being the smaller side")});
  }
  if (split > 0) {
    out.warnings.push_back({std::string(source), 0, 0, "", "geometry",
                            absl::StrCat(split,
                                         " rings touching themselves at a point were "
                                         "split there into simple rings")});
  }
  if (duplicates + spikes > 0) {
    out.warnings.push_back({std::string(source), 0, 0, "", "coordinates",
                            absl::StrCat(duplicates, " repeated positions and ", spikes,
                                         " back-and-forth spikes were dropped")});
  }
  return out;
}

ZoneReadResult ReadZonesGeoJsonFile(const std::string& path, const ZoneMapping& mapping,
                                    const GeoJsonLimits& limits) {
  const absl::StatusOr<std::string> text = ReadFileLimited(path, limits.max_bytes);
  if (!text.ok()) {
    ZoneReadResult out;
    out.errors.push_back({path, 0, 0, "", "", std::string(text.status().message())});
    return out;
  }
  return ParseZonesGeoJson(*text, path, mapping, limits);
}

}  // namespace satfence::zones
