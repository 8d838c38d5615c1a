// Real border data as people get it, loaded with the default (lenient) mapping: every
// feature of each set loads but for the ones named below, each for the reason given, and
// the zone index agrees with S2 built from the same repaired shapes.
//
// Sets: world-atlas 2.0.2 (Natural Earth admin-0 countries, TopoJSON at 1:10m, 1:50m and
// 1:110m, converted to GeoJSON by topojson-client's topo2geo as its README shows; the
// conversion is the test fixture `zones_world_atlas_geojson`), both @geo-maps sets
// (OpenStreetMap: countries with territorial seas, and land only) and world-countries 5.1.0
// (mledoze/countries: one GeoJSON file a country, from thematicmapping.org's world borders).
// The feature counts are read from the files with nlohmann-json, not from the reader.
//
// Points: SATFENCE_AGREEMENT_POINTS (default 100,000) a set, half uniform on the sphere,
// half within 50 km of a border; the `slow` label runs a million a set and the land set.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "satfence/zones/ogr_reader.h"
#include "zone_index_testing.h"

namespace satfence::zones {
namespace {

struct RealSet {
  std::string name;
  std::vector<std::string> files;
  ZoneMapping mapping;
  // Features that cannot load, each with the reason the reader must give.
  std::vector<std::pair<std::string, std::string>> rejected;
};

const std::string kGeoMaps = std::string(SATFENCE_WORLD_MODULES_DIR) + "/@geo-maps";
const std::string kAtlas = SATFENCE_WORLD_ATLAS_GEOJSON_DIR;

std::vector<std::string> WorldCountriesFiles() {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(
           std::string(SATFENCE_WORLD_MODULES_DIR) + "/world-countries/data")) {
    const std::string path = entry.path().string();
    if (path.ends_with(".geo.json")) files.push_back(path);
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<RealSet> Sets() {
  const ZoneMapping by_name{.id_property = "name"};
  return {
      {"world_atlas_110m", {kAtlas + "/countries-110m.geojson"}, by_name, {}},
      {"world_atlas_50m", {kAtlas + "/countries-50m.geojson"}, by_name, {}},
      // At 1:10m the Vatican is quantised to a line: two distinct positions, no area.
      {"world_atlas_10m",
       {kAtlas + "/countries-10m.geojson"},
       by_name,
       {{"Vatican", "nothing of the feature can be made valid: polygon dropped: its shell ring "
                    "collapses to fewer than 3 distinct points"}}},
      {"geo_maps_maritime",
       {kGeoMaps + "/countries-maritime-10m/map.geo.json"},
       {.id_property = "A3", .default_kind = ZoneKind::kTerritorialWaters, .mercator_polar_clip = true},
       {}},
      {"geo_maps_land",
       {kGeoMaps + "/countries-land-10m/map.geo.json"},
       {.id_property = "A3", .default_kind = ZoneKind::kCountryLand, .mercator_polar_clip = true},
       {}},
      // unk.geo.json (Kosovo) holds a "feature" with no type and no geometry.
      {"world_countries",
       WorldCountriesFiles(),
       {.id_property = "cca2"},
       {{"", "is not a GeoJSON Feature"}}},
  };
}

// Features with a geometry, counted without the reader.
size_t CountFeatures(const std::string& path) {
  std::ifstream in(path);
  const nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  size_t n = 0;
  if (j.is_object() && j.contains("features")) {
    for (const nlohmann::json& f : j["features"]) n += f.is_object() && f.contains("geometry");
  }
  return n;
}

int AgreementPoints() {
  const char* env = std::getenv("SATFENCE_AGREEMENT_POINTS");
  return env ? std::atoi(env) : 100'000;
}

void PrintTo(const RealSet& set, std::ostream* os) { *os << set.name; }

class RealSetTest : public ::testing::TestWithParam<RealSet> {};

TEST_P(RealSetTest, EveryFeatureLoadsAndTheIndexAgreesWithS2) {
  const RealSet& set = GetParam();
  std::vector<Zone> zones;
  std::vector<std::string> rejected;
  size_t features = 0, warnings = 0;
  for (const std::string& file : set.files) {
    ASSERT_TRUE(std::filesystem::exists(file)) << file << " (scripts/setup installs it)";
    features += CountFeatures(file);
    ZoneReadResult r = ReadZonesFile(file, set.mapping);
    for (const RecordError& e : r.errors) rejected.push_back(e.record_id + ": " + e.message);
    warnings += r.warnings.size();
    for (Zone& z : r.zones) zones.push_back(std::move(z));
  }
  std::vector<::testing::Matcher<std::string>> want;
  for (const auto& [id, why] : set.rejected) want.push_back(::testing::StartsWith(id + ": " + why));
  EXPECT_THAT(rejected, ::testing::UnorderedElementsAreArray(want));
  // A rejected "feature" without a geometry was not counted as one.
  size_t rejected_features = 0;
  for (const auto& [id, why] : set.rejected) rejected_features += !id.empty();
  EXPECT_EQ(zones.size() + rejected_features, features);

  const ZoneSet zone_set(std::move(zones));
  const ZoneIndex index(zone_set);
  const S2ZoneIndex reference(zone_set);
  const int n = AgreementPoints();
  const zone_testing::Agreement a = zone_testing::ExpectAgreesWithS2(zone_set, index, reference, n, 20261207);
  EXPECT_EQ(a.disagreements, 0);
  EXPECT_EQ(a.points, n);
  std::printf("%s: %zu zones, %zu warnings, %d points agree with S2\n", set.name.c_str(),
              zone_set.zones().size(), warnings, a.points - a.disagreements);
}

INSTANTIATE_TEST_SUITE_P(Sets, RealSetTest, ::testing::ValuesIn(Sets()),
                         [](const ::testing::TestParamInfo<RealSet>& info) {
                           return info.param.name;
                         });

}  // namespace
}  // namespace satfence::zones
