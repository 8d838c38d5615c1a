#include "satfence/zones/ogr_reader.h"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_vsi.h>
#include <gdal.h>
#include <gdal_utils.h>
#include <ogr_api.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <optional>
#include <set>
#include <system_error>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace satfence::zones {
namespace {

// GDAL keeps global driver state; register once, quietly (errors are reported here).
void InitGdal() {
  static std::once_flag once;
  std::call_once(once, [] {
    GDALAllRegister();
    CPLSetErrorHandler(CPLQuietErrorHandler);
  });
}

// One layer as GeoJSON text in WGS-84 lon/lat, through GDALVectorTranslate into memory.
// `source_wgs84`: the layer carries no coordinate system but its format defines it as
// WGS-84 longitude/latitude (TopoJSON).
std::optional<std::string> LayerAsGeoJson(GDALDatasetH src, const char* layer, bool source_wgs84,
                                          std::string& error) {
  static std::atomic<int> counter = 0;
  const std::string out_path = absl::StrCat("/vsimem/satfence_zones_", ++counter, ".geojson");
  std::vector<std::string> args = {"-f", "GeoJSON", "-t_srs",        "EPSG:4326", "-dim",
                                   "XY", "-lco",    "WRITE_BBOX=NO", layer};
  if (source_wgs84) {
    args.insert(args.begin(), {"-s_srs", "EPSG:4326"});
  }
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  GDALVectorTranslateOptions* options = GDALVectorTranslateOptionsNew(argv.data(), nullptr);
  int usage_error = 0;
  CPLErrorReset();
  GDALDatasetH out = GDALVectorTranslate(out_path.c_str(), nullptr, 1, &src, options, &usage_error);
  GDALVectorTranslateOptionsFree(options);
  if (out == nullptr) {
    error = CPLGetLastErrorMsg();
    if (error.empty()) error = "could not convert the layer";
    VSIUnlink(out_path.c_str());
    return std::nullopt;
  }
  GDALClose(out);
  vsi_l_offset size = 0;
  GByte* bytes = VSIGetMemFileBuffer(out_path.c_str(), &size, /*bUnlinkAndSeize=*/TRUE);
  std::string text(reinterpret_cast<const char*>(bytes), static_cast<size_t>(size));
  CPLFree(bytes);
  return text;
}

}  // namespace

ZoneReadResult ReadZonesOgrFile(const std::string& path, const ZoneMapping& mapping,
                                const GeoJsonLimits& limits) {
  ZoneReadResult out;
  auto whole = [&](std::string where, std::string message) {
    out.errors.push_back({std::move(where), 0, 0, "", "", std::move(message)});
  };
  std::error_code ec;
  const auto bytes = std::filesystem::file_size(path, ec);
  if (ec) {
    whole(path, ec.message());
    return out;
  }
  if (bytes > limits.max_bytes) {
    whole(path, absl::StrCat("is ", bytes, " bytes; the limit is ", limits.max_bytes));
    return out;
  }
  InitGdal();
  CPLErrorReset();
  GDALDatasetH ds =
      GDALOpenEx(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr, nullptr, nullptr);
  if (ds == nullptr) {
    const std::string why = CPLGetLastErrorMsg();
    whole(path, why.empty() ? "not a vector format GDAL reads" : why);
    return out;
  }
  std::set<std::string> ids;
  const int layers = GDALDatasetGetLayerCount(ds);
  for (int l = 0; l < layers; ++l) {
    OGRLayerH layer = GDALDatasetGetLayer(ds, l);
    const std::string name = OGR_L_GetName(layer);
    const std::string where = absl::StrCat(path, ":", name);
    const GIntBig features = OGR_L_GetFeatureCount(layer, /*bForce=*/TRUE);
    if (features > static_cast<GIntBig>(limits.max_features)) {
      whole(where, absl::StrCat("has ", features, " features; the limit is ", limits.max_features));
      continue;
    }
    std::string error;
    const bool topojson =
        std::string_view(GDALGetDriverShortName(GDALGetDatasetDriver(ds))) == "TopoJSON";
    const bool source_wgs84 = topojson && OGR_L_GetSpatialRef(layer) == nullptr;
    const std::optional<std::string> text = LayerAsGeoJson(ds, name.c_str(), source_wgs84, error);
    if (!text) {
      whole(where, error);
      continue;
    }
    ZoneMapping text_mapping = mapping;
    text_mapping.text_attributes = true;
    ZoneReadResult r = ParseZonesGeoJson(*text, where, text_mapping, limits);
    for (RecordError& e : r.errors) out.errors.push_back(std::move(e));
    for (RecordError& w : r.warnings) out.warnings.push_back(std::move(w));
    out.rings += r.rings;
    for (Zone& z : r.zones) {
      if (!ids.insert(z.id).second) {
        out.errors.push_back({where, 0, 0, z.id, "id", "id already used by an earlier layer"});
        continue;
      }
      out.zones.push_back(std::move(z));
    }
  }
  GDALClose(ds);
  if (layers == 0) whole(path, "has no vector layers");
  return out;
}

ZoneReadResult ReadZonesFile(const std::string& path, const ZoneMapping& mapping,
                             const GeoJsonLimits& limits) {
  const std::string ext = absl::AsciiStrToLower(std::filesystem::path(path).extension().string());
  if (ext == ".geojson" || ext == ".json") return ReadZonesGeoJsonFile(path, mapping, limits);
  return ReadZonesOgrFile(path, mapping, limits);
}

}  // namespace satfence::zones
