#include "satfence/zones/ogr_reader.h"

#include <gdal.h>
#include <gdal_utils.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "s2/s2latlng.h"
#include "satfence/zones/zone_index.h"

namespace satfence::zones {
namespace {

const std::string kTestdata = std::string(SATFENCE_SOURCE_DIR) + "/src/zones/testdata";
const std::string kScenario =
    std::string(SATFENCE_SOURCE_DIR) + "/data/zones/ukraine_scenario.geojson";

// The polygons of the example scenario (features with a geometry), written by GDAL as
// `driver` into `path`, in the CRS `srs`.
void Convert(const std::string& path, const char* driver, const char* srs) {
  GDALAllRegister();
  GDALDatasetH src = GDALOpenEx(kScenario.c_str(), GDAL_OF_VECTOR, nullptr, nullptr, nullptr);
  ASSERT_NE(src, nullptr);
  std::vector<std::string> args = {"-f",   driver,    "-t_srs", srs, "-where", "country IS NULL",
                                   "-nln", "occupied"};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  GDALVectorTranslateOptions* options = GDALVectorTranslateOptionsNew(argv.data(), nullptr);
  GDALDatasetH out = GDALVectorTranslate(path.c_str(), nullptr, 1, &src, options, nullptr);
  GDALVectorTranslateOptionsFree(options);
  ASSERT_NE(out, nullptr) << CPLGetLastErrorMsg();
  GDALClose(out);
  GDALClose(src);
}

// The zones from `path` match the scenario's polygons read as GeoJSON: ids, rules, and
// every vertex to within `tolerance_deg` (GeoPackage and KML keep the doubles; a
// Shapefile in UTM goes through PROJ and back).
void ExpectSameAsScenario(const std::string& path, double tolerance_deg,
                          size_t text_limit = std::string::npos) {
  ZoneReadResult want = ReadZonesGeoJsonFile(kScenario);
  std::erase_if(want.zones, [](const Zone& z) { return z.id.rfind("occupied:", 0) != 0; });
  ASSERT_EQ(want.zones.size(), 2u);
  const ZoneReadResult got = ReadZonesFile(path);
  for (const RecordError& e : got.errors) ADD_FAILURE() << e.ToString();
  ASSERT_EQ(got.zones.size(), want.zones.size()) << path;
  for (size_t i = 0; i < want.zones.size(); ++i) {
    const Zone &g = got.zones[i], &w = want.zones[i];
    EXPECT_EQ(g.id, w.id);
    EXPECT_EQ(g.action, w.action);
    EXPECT_EQ(g.priority, w.priority);
    EXPECT_EQ(g.approximate, w.approximate);
    EXPECT_EQ(g.source, w.source.substr(0, text_limit));
    EXPECT_EQ(g.source_date, w.source_date);
    ASSERT_EQ(g.geometry->parts.size(), w.geometry->parts.size());
    for (size_t p = 0; p < w.geometry->parts.size(); ++p) {
      ASSERT_EQ(g.geometry->parts[p].size(), w.geometry->parts[p].size());
      for (size_t r = 0; r < w.geometry->parts[p].size(); ++r) {
        const auto &gr = g.geometry->parts[p][r], &wr = w.geometry->parts[p][r];
        ASSERT_EQ(gr.size(), wr.size()) << g.id;
        // The same loop, perhaps from another first vertex (Shapefiles wind shells the
        // other way, and the reader turns them back).
        size_t shift = 0;
        while (shift < gr.size() && S1Angle(gr[shift], wr[0]).degrees() > tolerance_deg) ++shift;
        ASSERT_LT(shift, gr.size()) << g.id << ": first vertex not found";
        for (size_t v = 0; v < wr.size(); ++v) {
          EXPECT_LE(S1Angle(gr[(v + shift) % gr.size()], wr[v]).degrees(), tolerance_deg)
              << g.id << " vertex " << v;
        }
      }
    }
  }
}

class OgrReader : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("satfence_ogr_" + std::to_string(::getpid()) + "_" +
            testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(OgrReader, GeoPackageKeepsZonesAndRules) {
  const std::string path = dir_ / "occupied.gpkg";
  Convert(path, "GPKG", "EPSG:4326");
  ExpectSameAsScenario(path, 1e-12);
}

TEST_F(OgrReader, KmlKeepsZonesAndRules) {
  const std::string path = dir_ / "occupied.kml";
  Convert(path, "KML", "EPSG:4326");
  ExpectSameAsScenario(path, 1e-12);
}

// A Shapefile in UTM zone 36N: reprojected to longitude/latitude on reading (PROJ round
// trip: well under a millimetre, 1e-8 degree). DBF keeps text up to 254 characters.
TEST_F(OgrReader, ShapefileInUtmIsReprojected) {
  const std::string path = dir_ / "occupied.shp";
  Convert(path, "ESRI Shapefile", "EPSG:32636");
  ExpectSameAsScenario(path, 1e-8, 254);
}

TEST(OgrReaderKml, ReportsTheBadPlacemarkAndKeepsTheGoodOne) {
  const std::string path = kTestdata + "/fences.kml";
  // By default the bow-tie is repaired into its two triangles and loads too.
  EXPECT_EQ(ReadZonesFile(path, {.id_property = "Name"}).zones.size(), 2u);
  const ZoneReadResult r = ReadZonesFile(path, {.id_property = "Name", .repair = false});
  ASSERT_EQ(r.zones.size(), 1u);
  EXPECT_EQ(r.zones[0].id, "ring-with-hole");
  ASSERT_EQ(r.zones[0].geometry->parts.size(), 1u);
  EXPECT_EQ(r.zones[0].geometry->parts[0].size(), 2u);  // shell and hole
  ASSERT_EQ(r.errors.size(), 1u);
  const std::string e = r.errors[0].ToString();
  EXPECT_NE(e.find("fences.kml:fences"), std::string::npos) << e;
  EXPECT_NE(e.find("'bowtie'"), std::string::npos) << e;
  EXPECT_NE(e.find("crosses itself at (lon 10.5, lat 10.5"), std::string::npos) << e;
}

TEST(OgrReaderErrors, NamesTheFile) {
  const ZoneReadResult missing = ReadZonesFile("/nonexistent/zones.gpkg");
  ASSERT_EQ(missing.errors.size(), 1u);
  EXPECT_NE(missing.errors[0].ToString().find("/nonexistent/zones.gpkg"), std::string::npos);
  // Not a vector file at all.
  const ZoneReadResult garbage = ReadZonesFile(kTestdata + "/../CMakeLists.txt");
  ASSERT_EQ(garbage.errors.size(), 1u);
  EXPECT_TRUE(garbage.zones.empty());
  EXPECT_NE(garbage.errors[0].ToString().find("CMakeLists.txt"), std::string::npos);
  // Over the size limit: refused before GDAL reads it.
  const ZoneReadResult big = ReadZonesFile(kTestdata + "/fences.kml", {}, {.max_bytes = 100});
  ASSERT_EQ(big.errors.size(), 1u);
  EXPECT_NE(big.errors[0].ToString().find("the limit is 100"), std::string::npos);
}

// Natural Earth's countries (world-atlas, the report's basemap, installed by scripts/setup)
// as TopoJSON, which carries no coordinate system and is WGS-84 by definition. Unlike the
// OpenStreetMap set, it cuts Lesotho out of South Africa: a real hole, which the zone index
// and S2 must both respect.
TEST(OgrReaderTopoJson, NaturalEarthCountriesWithLesothoAHoleInSouthAfrica) {
  const std::string source =
      std::string(SATFENCE_SOURCE_DIR) + "/web/node_modules/world-atlas/countries-50m.json";
  const std::string path = ::testing::TempDir() + "/countries-50m.topojson";
  std::filesystem::copy_file(source, path, std::filesystem::copy_options::overwrite_existing);
  ZoneReadResult r =
      ReadZonesFile(path, {.id_property = "name", .default_kind = ZoneKind::kCountryLand});
  EXPECT_GE(r.zones.size(), 230u);
  std::vector<Zone> countries;
  for (Zone& z : r.zones) {
    if (z.id == "South Africa" || z.id == "Lesotho" || z.id == "eSwatini") {
      countries.push_back(std::move(z));
    }
  }
  ASSERT_EQ(countries.size(), 3u);
  const ZoneSet set(std::move(countries));
  const ZoneIndex index(set);
  auto in = [&](double lat, double lon) {
    const std::vector<int> fast = index.Containing(lat, lon);
    EXPECT_EQ(fast, index.reference().Containing(S2LatLng::FromDegrees(lat, lon).ToPoint()))
        << lat << ", " << lon;
    std::string ids;
    for (int z : fast) ids += (ids.empty() ? "" : ";") + set.zones()[z].id;
    return ids;
  };
  EXPECT_EQ(in(-29.3151, 27.4869), "Lesotho");       // Maseru: in the hole, not South Africa
  EXPECT_EQ(in(-29.61, 28.23), "Lesotho");           // the highlands
  EXPECT_EQ(in(-29.0852, 26.1596), "South Africa");  // Bloemfontein
  EXPECT_EQ(in(-26.3054, 31.1367), "eSwatini");      // Mbabane (Natural Earth spells it so)
  EXPECT_EQ(in(-25.7479, 28.2293), "South Africa");  // Pretoria
}

}  // namespace
}  // namespace satfence::zones
