#include "satfence/zones/geojson_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "s2/s2latlng.h"
#include "satfence/zones/s2_zone_index.h"
#include "satfence/zones/zone_set.h"

namespace satfence::zones {
namespace {

using ::testing::HasSubstr;

std::string Feature(const std::string& id, const std::string& geometry,
                    const std::string& props = "") {
  return R"({"type":"Feature","properties":{"id":")" + id + "\"" + props + R"(},"geometry":)" +
         geometry + "}";
}
std::string Collection(const std::vector<std::string>& features) {
  std::string s = R"({"type":"FeatureCollection","features":[)";
  for (size_t i = 0; i < features.size(); ++i) s += (i ? "," : "") + features[i];
  return s + "]}";
}
std::string Polygon(const std::string& rings) {
  return R"({"type":"Polygon","coordinates":[)" + rings + "]}";
}
S2Point P(double lat, double lon) { return S2LatLng::FromDegrees(lat, lon).ToPoint(); }

const std::string kSquareCcw = "[[30,50],[31,50],[31,51],[30,51],[30,50]]";
const std::string kSquareCw = "[[30,50],[30,51],[31,51],[31,50],[30,50]]";

TEST(GeoJsonReader, ReadsFieldsAndEitherWinding) {
  const ZoneReadResult r = ParseZonesGeoJson(
      Collection({Feature("A", Polygon(kSquareCcw),
                          R"(,"name":"Square A","action":"review","priority":5,)"
                          R"("kind":"operator","valid_from":"2026-01-01T00:00:00Z",)"
                          R"("source":"test","source_date":"2026-11-24","approximate":true)"),
                  Feature("B", Polygon(kSquareCw))}),
      "t.geojson");
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].ToString();
  ASSERT_EQ(r.zones.size(), 2u);
  const Zone& a = r.zones[0];
  EXPECT_EQ(a.name, "Square A");
  EXPECT_EQ(a.action, ZoneAction::kReview);
  EXPECT_EQ(a.priority, 5);
  EXPECT_TRUE(a.approximate);
  EXPECT_EQ(FormatRfc3339(*a.valid_from), "2026-01-01T00:00:00.000000Z");
  EXPECT_FALSE(a.ActiveAt(*ParseRfc3339("2025-12-31T23:59:59Z")));
  // Both windings give the same 1 x 1 degree square, ~7,800 km2 at 50 N.
  const double km2 = 6371.0088 * 6371.0088;
  EXPECT_NEAR(a.geometry->area_steradians * km2, 7.9e3, 0.2e3);
  EXPECT_DOUBLE_EQ(a.geometry->area_steradians, r.zones[1].geometry->area_steradians);
  ASSERT_EQ(r.warnings.size(), 1u);  // B is clockwise
  EXPECT_THAT(r.warnings[0].message, HasSubstr("1 rings in 1 features are wound against"));
}

struct BadCase {
  const char* name;
  std::string geometry;
  std::string want;  // in the error text
};

TEST(GeoJsonReader, StrictRejectsBadGeometryNamingFeatureAndCoordinate) {
  const std::vector<BadCase> cases = {
      {"unclosed", Polygon("[[30,50],[31,50],[31,51],[30,51]]"),
       "geometry.coordinates[0][3]: ring is not closed: last position (lon 30, lat 51)"},
      {"short", Polygon("[[30,50],[31,50],[30,50]]"),
       "geometry.coordinates[0]: ring has 3 positions; a closed ring needs at least 4"},
      {"range", Polygon("[[30,50],[181,50],[31,51],[30,50]]"),
       "geometry.coordinates[0][1]: coordinate out of range (lon 181, lat 50)"},
      {"bowtie", Polygon("[[0,0],[1,1],[1,0],[0,1],[0,0]]"),
       // The geodesics (0,0)-(1,1) and (1,0)-(0,1) meet at lon 0.5 and
       // lat = atan(tan 1 deg * sin 0.5 deg / sin 1 deg) = 0.500057 deg.
       "geometry.coordinates[0][0]: ring crosses itself at (lon 0.5, lat 0.500057"},
      {"hole", Polygon(kSquareCcw + ",[[40,10],[40,11],[41,11],[41,10],[40,10]]"),
       "geometry.coordinates[1][0]: hole is not inside its shell (its first point (lon 40, lat "
       "10))"},
      {"point", R"({"type":"Point","coordinates":[30,50]})",
       "geometry.type: is Point; a zone needs a Polygon or MultiPolygon"},
      {"text", Polygon(R"([[30,50],["x",50],[31,51],[30,50]])"),
       "geometry.coordinates[0][1]: is not a position [longitude, latitude]"},
      {"collapsed", Polygon("[[30,50],[31,50],[30,50],[31,50],[30,50]]"),
       "geometry.coordinates[0]: ring collapses to fewer than 3 distinct points"},
  };
  std::vector<std::string> features = {Feature("good", Polygon(kSquareCcw))};
  for (const BadCase& c : cases) features.push_back(Feature(c.name, c.geometry));
  const ZoneReadResult r =
      ParseZonesGeoJson(Collection(features), "bad.geojson", {.repair = false});
  ASSERT_EQ(r.zones.size(), 1u);
  EXPECT_EQ(r.zones[0].id, "good");
  ASSERT_EQ(r.errors.size(), cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    EXPECT_THAT(r.errors[i].ToString(), HasSubstr("bad.geojson: record " + std::to_string(i + 2) +
                                                  " '" + cases[i].name + "': " + cases[i].want))
        << cases[i].name;
  }

  // By default the same file loads what can be made valid: the bow-tie (repaired) and the
  // stray hole (an island) load; a feature with nothing of area left, or whose structure
  // cannot be read, is still rejected, and says why.
  const ZoneReadResult lenient = ParseZonesGeoJson(Collection(features), "bad.geojson");
  std::vector<std::string> loaded;
  for (const Zone& z : lenient.zones) loaded.push_back(z.id);
  EXPECT_EQ(loaded, (std::vector<std::string>{"good", "bowtie", "hole"}));
  std::vector<std::string> rejected;
  for (const RecordError& e : lenient.errors) rejected.push_back(e.record_id + ": " + e.message);
  EXPECT_THAT(rejected,
              ::testing::ElementsAre(
                  HasSubstr("unclosed: ring is not closed"),
                  "short: nothing of the feature can be made valid: polygon dropped: its shell "
                  "ring has 3 positions; a closed ring needs at least 4 (it has no area)",
                  HasSubstr("range: coordinate out of range"), HasSubstr("point: is Point"),
                  HasSubstr("text: is not a position"),
                  HasSubstr("collapsed: nothing of the feature can be made valid: polygon "
                            "dropped: its shell ring collapses to fewer than 3 distinct points")));
}

TEST(GeoJsonReader, RingsWithoutAreaAreLeftOutNotTheFeature) {
  // A country whose tiny island collapsed when its coordinates were quantised, and a hole
  // that did: the rest of the feature loads, and a warning says what was left out where.
  const std::string island = "[[[10,10],[10.001,10],[10,10],[10.001,10],[10,10]]]";
  const std::string holed = "[" + kSquareCcw + ",[[30.5,50.5],[30.6,50.5],[30.5,50.5],[30.5,50.5]]]";
  const ZoneReadResult r = ParseZonesGeoJson(
      Collection({Feature("country", R"({"type":"MultiPolygon","coordinates":[)" + holed + "," +
                                         island + "]}")}),
      "q.geojson");
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].ToString();
  ASSERT_EQ(r.zones.size(), 1u);
  const ZoneSet set(r.zones);
  const S2ZoneIndex index(set);
  EXPECT_EQ(set.zones()[0].geometry->parts.size(), 1u);
  EXPECT_EQ(set.zones()[0].geometry->parts[0].size(), 1u);  // the hole is gone
  EXPECT_EQ(index.Containing(P(50.5005, 30.51)).size(), 1u);
  std::vector<std::string> warnings;
  for (const RecordError& w : r.warnings) warnings.push_back(w.ToString());
  EXPECT_THAT(warnings, ::testing::Contains(
                            "q.geojson: record 1 'country': geometry.coordinates[0][1]: left out: "
                            "2 rings with no area or beyond repair, the first: hole dropped: ring "
                            "collapses to fewer than 3 distinct points (repeated or back-and-forth "
                            "positions): it has no area"))
      << ::testing::PrintToString(warnings);
}

TEST(GeoJsonReader, PropertyAndIdErrors) {
  const ZoneReadResult r = ParseZonesGeoJson(
      Collection({Feature("A", Polygon(kSquareCcw)), Feature("A", Polygon(kSquareCw)),
                  Feature("C", Polygon(kSquareCcw), R"(,"action":"block")"),
                  Feature("D", Polygon(kSquareCcw), R"(,"valid_until":"tomorrow")"),
                  R"({"type":"Feature","properties":{},"geometry":)" + Polygon(kSquareCcw) + "}"}),
      "p.geojson");
  ASSERT_EQ(r.zones.size(), 1u);
  ASSERT_EQ(r.errors.size(), 4u);  // in file order
  EXPECT_EQ(r.errors[0].ToString(),
            "p.geojson: record 2 'A': id: duplicate id; an earlier feature has it");
  EXPECT_EQ(r.errors[1].ToString(),
            "p.geojson: record 3 'C': properties.action: must be allow, allow_if_whitelisted, "
            "review or deny");
  EXPECT_THAT(r.errors[2].ToString(),
              HasSubstr("record 4 'D': properties.valid_until: not an RFC 3339"));
  EXPECT_THAT(r.errors[3].ToString(), HasSubstr("record 5: properties.id: no id"));
}

TEST(GeoJsonReader, LimitsComeBeforeParsing) {
  const std::string deep = std::string(40, '[') + std::string(40, ']');
  EXPECT_THAT(ParseZonesGeoJson(deep, "d").errors[0].message,
              HasSubstr("nesting depth 40 exceeds the limit of 16"));
  EXPECT_THAT(
      ParseZonesGeoJson(Collection({Feature("A", Polygon(kSquareCcw))}), "s", {}, {.max_bytes = 10})
          .errors[0]
          .message,
      HasSubstr("exceeds the limit of 10"));
  EXPECT_THAT(ParseZonesGeoJson(Collection({Feature("A", Polygon(kSquareCcw))}), "v", {},
                                {.max_total_positions = 4})
                  .errors[0]
                  .message,
              HasSubstr("5 positions exceed the limit of 4; nothing was built"));
  EXPECT_THAT(ParseZonesGeoJson("{\"type\":", "j").errors[0].message, HasSubstr("not valid JSON"));
}

TEST(GeoJsonReader, AntimeridianCrossingAndCutShapesAndPoles) {
  const ZoneReadResult r = ParseZonesGeoJson(
      Collection({
          // Crosses the antimeridian with geodesic edges, not cut (vertices on it as well,
          // so that it is the same shape as the cut one below).
          Feature("cross", Polygon("[[179,-17],[180,-17],[-179,-17],[-179,-16],[180,-16],"
                                   "[179,-16],[179,-17]]")),
          // The same area cut at +/-180 into two parts (RFC 7946 style).
          Feature("cut", R"({"type":"MultiPolygon","coordinates":[)"
                         R"([[[179,-17],[180,-17],[180,-16],[179,-16],[179,-17]]],)"
                         R"([[[-180,-17],[-179,-17],[-179,-16],[-180,-16],[-180,-17]]]]})"),
          // Cap around the north pole above 80 N.
          Feature("arctic", Polygon("[[0,80],[90,80],[180,80],[-90,80],[0,80]]")),
          // Antarctica-style: cut at the antimeridian, down to the pole and back.
          Feature("antarctic", Polygon("[[-180,-80],[-90,-80],[0,-80],[90,-80],[180,-80],[180,-90],"
                                       "[-180,-90],[-180,-80]]")),
      }),
      "world.geojson");
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].ToString();
  const ZoneSet set(r.zones);
  const S2ZoneIndex index(set);
  auto ids = [&](double lat, double lon) {
    std::string s;
    for (int z : index.Containing(P(lat, lon))) s += (s.empty() ? "" : ",") + set.zones()[z].id;
    return s;
  };
  EXPECT_EQ(ids(-16.5, 180.0), "cross,cut");
  EXPECT_EQ(ids(-16.5, -179.5), "cross,cut");
  EXPECT_EQ(ids(-16.5, 179.5), "cross,cut");
  EXPECT_EQ(ids(-16.5, 178.5), "");
  EXPECT_EQ(ids(90.0, 0.0), "arctic");
  EXPECT_EQ(ids(85.0, 123.0), "arctic");
  EXPECT_EQ(ids(-90.0, 0.0), "antarctic");
  EXPECT_EQ(ids(-85.0, -170.0), "antarctic");
  EXPECT_EQ(ids(-75.0, 10.0), "");
  EXPECT_NEAR(set.zones()[set.Find("cross")].geometry->area_steradians,
              set.zones()[set.Find("cut")].geometry->area_steradians, 1e-15);
}

TEST(GeoJsonReader, MercatorClippedPolarRingsCloseAtThePoleWhenAsked) {
  // Antarctica as Web Mercator tiles draw it (the world default's form): down the
  // antimeridian to the projection's limit, along that parallel, and back up.
  const std::string text = Collection({Feature(
      "ATA", Polygon("[[-180,-85.05113],[-180,-70],[-90,-70],[0,-70],[90,-70],[180,-70],"
                     "[180,-85.05],[90,-85.05],[0,-85.05],[-90,-85.05],[-180,-85.05113]]"))});
  // As it is, the cap south of 85.05 S is missing (or, as in the real data, the seam's
  // ends miss each other and the ring is rejected when strict).
  const ZoneReadResult as_is = ParseZonesGeoJson(text, "world.geojson", {.repair = false});
  if (as_is.errors.empty()) {
    const ZoneSet set(as_is.zones);
    EXPECT_TRUE(S2ZoneIndex(set).Containing(P(-90.0, 0.0)).empty());
  }
  const ZoneReadResult closed =
      ParseZonesGeoJson(text, "world.geojson", {.mercator_polar_clip = true});
  ASSERT_TRUE(closed.errors.empty()) << closed.errors[0].ToString();
  bool reported = false;
  for (const RecordError& w : closed.warnings) {
    reported |= w.message == "1 ring clipped at Web Mercator's latitude limit closed at the pole";
  }
  EXPECT_TRUE(reported);
  const ZoneSet set(closed.zones);
  const S2ZoneIndex index(set);
  EXPECT_EQ(index.Containing(P(-90.0, 0.0)).size(), 1u);
  EXPECT_EQ(index.Containing(P(-88.0, 45.0)).size(), 1u);
  EXPECT_EQ(index.Containing(P(-80.0, -120.0)).size(), 1u);  // edges are geodesics: not -75
  EXPECT_TRUE(index.Containing(P(-65.0, 10.0)).empty());
}

TEST(GeoJsonReader, HolesAndRingsTouchingThemselves) {
  // A shell with a hole, and a figure-eight-free ring that touches itself at (31, 51):
  // the loop (31,51)->(32,51)->(32,52)->(31,52) winds the same way, so it is a second lobe.
  const ZoneReadResult r = ParseZonesGeoJson(
      Collection({Feature("holed", Polygon(kSquareCcw + ",[[30.4,50.4],[30.4,50.6],[30.6,50.6],"
                                                        "[30.6,50.4],[30.4,50.4]]")),
                  Feature("lobes", Polygon("[[30,50],[31,50],[31,51],[32,51],[32,52],[31,52],"
                                           "[31,51],[30,51],[30,50]]"))}),
      "h.geojson");
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].ToString();
  const ZoneSet set(r.zones);
  const S2ZoneIndex index(set);
  EXPECT_EQ(index.Containing(P(50.5, 30.5)), std::vector<int>{set.Find("lobes")});  // hole
  EXPECT_EQ(index.Containing(P(50.2, 30.2)).size(), 2u);  // holed and lobes
  EXPECT_EQ(index.Containing(P(51.5, 31.5)), std::vector<int>{set.Find("lobes")});
  EXPECT_EQ(set.zones()[set.Find("lobes")].geometry->parts.size(), 2u);
  EXPECT_THAT(r.warnings.back().message, HasSubstr("1 rings touching themselves"));
}

TEST(GeoJsonReader, RepairIsTheDefaultAndReported) {
  // A bow-tie shell and a hole outside its shell: rejected when strict; by default the
  // bow-tie becomes its two triangles (GEOS MakeValid) and the stray hole an island.
  const std::string text = Collection(
      {Feature("bowtie", Polygon("[[0,0],[1,1],[1,0],[0,1],[0,0]]")),
       Feature("stray", Polygon(kSquareCcw + ",[[40,10],[40,11],[41,11],[41,10],[40,10]]"))});
  EXPECT_EQ(ParseZonesGeoJson(text, "r", {.repair = false}).errors.size(), 2u);
  const ZoneReadResult r = ParseZonesGeoJson(text, "r");
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].ToString();
  const ZoneSet set(r.zones);
  const S2ZoneIndex index(set);
  const int bowtie = set.Find("bowtie"), stray = set.Find("stray");
  EXPECT_EQ(set.zones()[bowtie].geometry->parts.size(), 2u);
  EXPECT_EQ(index.Containing(P(0.5, 0.2)), std::vector<int>{bowtie});   // left triangle
  EXPECT_EQ(index.Containing(P(0.5, 0.8)), std::vector<int>{bowtie});   // right triangle
  EXPECT_TRUE(index.Containing(P(0.2, 0.5)).empty());                   // between them
  EXPECT_EQ(index.Containing(P(10.5, 40.5)), std::vector<int>{stray});  // the island
  EXPECT_EQ(index.Containing(P(50.5, 30.5)), std::vector<int>{stray});  // the shell
  int repaired = 0;
  for (const RecordError& w : r.warnings) repaired += w.message.rfind("repaired: 1 ring", 0) == 0;
  EXPECT_EQ(repaired, 2);
}

TEST(GeoJsonReader, ARingValidInThePlaneButCrossingOnTheSphereIsNodedThere) {
  // The bottom edge runs 20 degrees along 60 N: straight in the plane of longitude and
  // latitude, but as a geodesic it rises to 60.38 N at 10 E (tan lat = tan 60 / cos 10),
  // above the notch at 60.2 N. GEOS finds nothing to repair in the plane; on the sphere
  // the ring crosses itself twice and is noded there: two lobes and, between the geodesic
  // and the notch, the sliver the ring winds the other way round (an island, as MakeValid
  // makes of it).
  const std::string text =
      Collection({Feature("notch", Polygon("[[0,60],[20,60],[20,61],[10,60.2],[0,61],[0,60]]"))});
  EXPECT_THAT(ParseZonesGeoJson(text, "n", {.repair = false}).errors.at(0).message,
              HasSubstr("ring crosses itself"));
  const ZoneReadResult r = ParseZonesGeoJson(text, "n");
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].ToString();
  const ZoneSet set(r.zones);
  const S2ZoneIndex index(set);
  EXPECT_EQ(set.zones()[0].geometry->parts.size(), 3u);
  EXPECT_EQ(index.Containing(P(60.6, 3)).size(), 1u);    // left lobe
  EXPECT_EQ(index.Containing(P(60.6, 17)).size(), 1u);   // right lobe
  EXPECT_EQ(index.Containing(P(60.3, 10)).size(), 1u);   // the sliver
  EXPECT_TRUE(index.Containing(P(60.1, 10)).empty());    // below both
  EXPECT_TRUE(index.Containing(P(60.6, 10)).empty());    // inside the notch
  // The crossing, and the sliver made an island.
  EXPECT_THAT(r.warnings.at(0).message,
              HasSubstr("repaired: 2 rings, first coordinates[0]: Edge 0 crosses edge 2"));
}

TEST(ZoneSet, VersionIsTheContentNotTheOrder) {
  const std::string a = Feature("A", Polygon(kSquareCcw));
  const std::string b = Feature("B", Polygon("[[10,10],[11,10],[11,11],[10,10]]"));
  const ZoneSet ab(ParseZonesGeoJson(Collection({a, b}), "x").zones);
  const ZoneSet ba(ParseZonesGeoJson(Collection({b, a}), "y").zones);
  EXPECT_EQ(ab.version(), ba.version());
  EXPECT_EQ(ab.version().size(), 7u + 64u);
  const ZoneSet renamed(
      ParseZonesGeoJson(Collection({Feature("A", Polygon(kSquareCcw), R"(,"name":"x")"), b}), "z")
          .zones);
  EXPECT_NE(ab.version(), renamed.version());
  const ZoneSet moved(
      ParseZonesGeoJson(Collection({Feature("A", Polygon("[[30,50],[31,50],[31,51.000001],"
                                                         "[30,51],[30,50]]")),
                                    b}),
                        "w")
          .zones);
  EXPECT_NE(ab.version(), moved.version());
}

TEST(S2ZoneIndex, SharedBorderPointsBelongToExactlyOneSide) {
  const ZoneReadResult r = ParseZonesGeoJson(
      Collection({Feature("W", Polygon("[[30,50],[31,50],[31,51],[30,51],[30,50]]")),
                  Feature("E", Polygon("[[31,50],[32,50],[32,51],[31,51],[31,50]]"))}),
      "b");
  const ZoneSet set(r.zones);
  const S2ZoneIndex index(set);
  // Points on the shared edge belong to exactly one side (S2's semi-open model).
  for (double lat : {50.1, 50.5, 50.9}) EXPECT_EQ(index.Containing(P(lat, 31)).size(), 1u) << lat;
  const NearestBorder nb = index.Nearest(P(50.5, 30.5));
  EXPECT_NEAR(nb.distance_m, 0.5 * M_PI / 180 * kEarthRadius_m * std::cos(50.5 * M_PI / 180),
              100.0);  // half a degree of longitude at 50.5 N (the parallel is not geodesic)
  EXPECT_EQ(index.BordersWithin(P(50.5, 30.99), 2000.0).size(), 2u);
  EXPECT_EQ(index.BordersWithin(P(50.5, 30.5), 2000.0).size(), 0u);
}

}  // namespace
}  // namespace satfence::zones
