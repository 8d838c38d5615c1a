// `satfence zones ...`: validate zone files, classify points against zones.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "commands.h"
#include "s2/s2latlng.h"
#include "satfence/base/file.h"
#include "satfence/base/text.h"
#include "satfence/zones/geojson_reader.h"
#include "satfence/zones/ogr_reader.h"
#include "satfence/zones/zone_index.h"
#include "satfence/zones/zone_set.h"
#include "zone_files.h"

namespace satfence::cli {
namespace {

std::string Rect(const S2LatLngRect& r) {
  if (r.is_empty()) return "empty";
  return absl::StrFormat("lat [%.4f, %.4f], lon [%.4f, %.4f]%s", r.lat_lo().degrees(),
                         r.lat_hi().degrees(), r.lng_lo().degrees(), r.lng_hi().degrees(),
                         r.lng().is_inverted() ? " (across the antimeridian)" : "");
}

void Check(const LoadOptions& o, ExitCode& exit) {
  bool rejected = false;
  std::vector<zones::Zone> loaded;  // earlier files, for "country" references
  for (const std::string& file : o.files) {
    const auto t0 = std::chrono::steady_clock::now();
    zones::ZoneMapping mapping = Mapping(o);
    mapping.countries = &loaded;
    const zones::ZoneReadResult r = zones::ReadZonesFile(file, mapping);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    size_t vertices = 0;
    double area_sr = 0.0;
    S2LatLngRect bound = S2LatLngRect::Empty();
    for (const zones::Zone& z : r.zones) {
      vertices += z.geometry->vertices;
      area_sr += z.geometry->area_steradians;
      bound = bound.Union(z.geometry->bound);
    }
    const zones::ZoneSet set(r.zones);
    constexpr double kR_km = 6371.0088;
    std::printf("%s\n", file.c_str());
    std::printf("  zones     %zu accepted, %zu rejected\n", r.zones.size(), r.errors.size());
    std::printf("  rings     %zu\n  vertices  %zu\n", r.rings, vertices);
    std::printf("  area      %.0f km2\n", area_sr * kR_km * kR_km);
    std::printf("  bounds    %s\n", Rect(bound).c_str());
    std::printf("  version   %s\n", set.version().c_str());
    std::printf("  read in   %.2f s\n", seconds);
    // Per-feature remarks: the first five of each kind, then their count.
    size_t repaired = 0, left_out = 0;
    for (const RecordError& w : r.warnings) {
      if (w.message.rfind("repaired", 0) == 0 && ++repaired > 5) continue;
      if (w.message.rfind("left out", 0) == 0 && ++left_out > 5) continue;
      std::printf("  warning: %s\n", w.ToString().c_str());
    }
    if (repaired > 5) std::printf("  warning: ... %zu repaired features in all\n", repaired);
    if (left_out > 5) {
      std::printf("  warning: ... %zu features with rings left out in all\n", left_out);
    }
    for (const RecordError& e : r.errors)
      std::fprintf(stderr, "satfence: %s\n", e.ToString().c_str());
    rejected |= !r.errors.empty();
    loaded.insert(loaded.end(), r.zones.begin(), r.zones.end());
  }
  exit.value = rejected ? 1 : 0;
}

struct ClassifyOptions {
  LoadOptions load;
  std::string points;
  std::string time;
  double k_sigma = 1.0;
  bool straddled = false;
};

void Classify(const ClassifyOptions& o, ExitCode& exit) {
  std::optional<UtcTime> at;
  if (!o.time.empty()) {
    at = ParseTimeOption(o.time, "zones classify", exit);
    if (!at) return;
  }
  const absl::StatusOr<std::string> text = ReadFileLimited(o.points, size_t{1} << 30);
  if (!text.ok()) {
    std::fprintf(stderr, "satfence zones classify: %s: %s\n", o.points.c_str(),
                 std::string(text.status().message()).c_str());
    exit.value = 2;
    return;
  }
  Loaded loaded = LoadFiles(o.load);
  if (at) {
    std::erase_if(loaded.zones, [&](const zones::Zone& z) { return !z.ActiveAt(*at); });
  }
  const zones::ZoneSet set(std::move(loaded.zones));
  const zones::ZoneIndex index(set);
  std::fprintf(stderr, "satfence: %zu zones, version %s\n", set.size(), set.version().c_str());

  bool bad_rows = false;
  std::string out = o.straddled ? "id,zones,border_distance_m,class,straddled\n"
                                : "id,zones,border_distance_m,class\n";
  std::vector<std::string_view> row_ids;  // of the valid rows, in order
  std::vector<zones::ZoneIndex::RegionAt> regions;
  for (const NumberedLine& line : SplitLines(*text)) {
    if (Trim(line.text).empty()) continue;
    std::vector<std::string_view> cells;
    for (size_t start = 0;;) {
      const size_t comma = line.text.find(',', start);
      cells.push_back(Trim(line.text.substr(start, comma - start)));
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    if (line.number == 1 && cells[0] == "id") continue;  // header
    auto reject = [&](const char* field, std::string why) {
      std::fprintf(stderr, "satfence: %s\n",
                   RecordError{o.points, line.number, 0, std::string(cells[0]), field, why}
                       .ToString()
                       .c_str());
      bad_rows = true;
    };
    if (cells.size() != 3 && cells.size() != 4 && cells.size() != 6) {
      reject("", absl::StrCat("has ", cells.size(),
                              " cells; expected id,lat,lon[,radius_m] or "
                              "id,lat,lon,semi_major_m,semi_minor_m,azimuth_deg"));
      continue;
    }
    const auto lat = ParseNumber(cells[1]), lon = ParseNumber(cells[2]);
    if (!lat || *lat < -90 || *lat > 90) {
      reject("lat", absl::StrCat("'", std::string(cells[1]), "' is not a latitude in [-90, 90]"));
      continue;
    }
    if (!lon || *lon < -180 || *lon > 180) {
      reject("lon",
             absl::StrCat("'", std::string(cells[2]), "' is not a longitude in [-180, 180]"));
      continue;
    }
    // Lengths up to a quarter of the Earth's circumference.
    auto length = [&](size_t i, const char* field) -> std::optional<double> {
      const auto v = ParseNumber(cells[i]);
      if (!v || *v < 0 || *v > 1e7) {
        reject(field, absl::StrCat("'", std::string(cells[i]), "' is not a length in [0, 1e7] m"));
        return std::nullopt;
      }
      return v;
    };
    zones::Region region;
    if (cells.size() == 6) {
      const auto a = length(3, "semi_major_m");
      if (!a) continue;
      const auto b = length(4, "semi_minor_m");
      if (!b) continue;
      if (*b > *a) {
        reject("semi_minor_m",
               absl::StrCat("'", std::string(cells[4]), "' is longer than semi_major_m"));
        continue;
      }
      const auto az = ParseNumber(cells[5]);
      if (!az || *az < -360 || *az > 360) {
        reject("azimuth_deg",
               absl::StrCat("'", std::string(cells[5]), "' is not an azimuth in [-360, 360]"));
        continue;
      }
      region = zones::Region::Ellipse(*a, *b, *az, o.k_sigma);
    } else {
      const auto radius = cells.size() == 4 ? length(3, "radius_m") : std::optional<double>(0.0);
      if (!radius) continue;
      region = zones::Region::Ellipse(*radius, *radius, 0.0, o.k_sigma);
    }
    if (region.extent_m() > 1e7) {
      reject("", absl::StrCat("the ", o.k_sigma, "-sigma region reaches beyond 1e7 m"));
      continue;
    }
    row_ids.push_back(cells[0]);
    regions.push_back({*lat, *lon, region});
  }
  // The valid rows classified together (ClassifyMany overlaps their table reads).
  std::vector<zones::Proximity> classes;
  index.ClassifyMany(regions, 0.0, classes);
  for (size_t i = 0; i < regions.size(); ++i) {
    // Zones come by index, and the set keeps them in id order: the lists come out sorted.
    std::vector<std::string> ids, straddled;
    for (const zones::ZoneNearby& z : classes[i].zones) {
      if (z.contains) ids.push_back(set.zones()[z.zone].id);
      if (z.region == zones::RegionClass::kStraddles) straddled.push_back(set.zones()[z.zone].id);
    }
    const zones::NearestBorder nb = index.Nearest(regions[i].lat_deg, regions[i].lon_deg);
    absl::StrAppend(&out, std::string(row_ids[i]), ",", absl::StrJoin(ids, ";"), ",",
                    nb.zone >= 0 ? absl::StrFormat("%.3f", nb.distance_m) : std::string(""), ",",
                    zones::ToString(classes[i].overall));
    if (o.straddled) absl::StrAppend(&out, ",", absl::StrJoin(straddled, ";"));
    out += '\n';
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  exit.value = loaded.rejected || bad_rows ? 1 : 0;
}

}  // namespace

void RegisterZonesCommands(CLI::App& app, ExitCode& exit) {
  CLI::App* zones_cmd = app.add_subcommand("zones", "Zone files: check, classify points");
  zones_cmd->require_subcommand(1);

  auto check = std::make_shared<LoadOptions>();
  CLI::App* c = zones_cmd->add_subcommand(
      "check", "Validate zone files and summarise them; exit status 1 if a feature was rejected");
  c->add_option(
       "FILE", check->files,
       "Zone files: GeoJSON, or KML, GeoPackage, Shapefile or any vector format GDAL reads")
      ->required()
      ->check(CLI::ExistingFile);
  AddLoadOptions(c, *check);
  c->callback([check, &exit] { Check(*check, exit); });

  auto classify = std::make_shared<ClassifyOptions>();
  CLI::App* k = zones_cmd->add_subcommand(
      "classify",
      "Which zones hold each point, the distance to the nearest border, and whether the "
      "point's uncertainty region (a radius, or a 1-sigma error ellipse, times --k-sigma) is "
      "inside, outside or straddles a border. Reads id,lat,lon[,radius_m] or "
      "id,lat,lon,semi_major_m,semi_minor_m,azimuth_deg and writes CSV: "
      "id,zones,border_distance_m,class");
  k->add_option("--zones", classify->load.files,
                "Zone files (GeoJSON, KML, GeoPackage, Shapefile...), in order: later files may "
                "refer to countries in earlier ones")
      ->required()
      ->check(CLI::ExistingFile);
  k->add_option("--points", classify->points,
                "CSV of id,lat,lon[,radius_m] or id,lat,lon,semi_major_m,semi_minor_m,azimuth_deg "
                "(azimuth of the major axis, degrees clockwise from north); rows may mix the forms")
      ->required()
      ->check(CLI::ExistingFile);
  k->add_option("--k-sigma", classify->k_sigma,
                "The region is the radius or ellipse times this (default 1)")
      ->check(CLI::Range(0.0, 100.0));
  k->add_flag("--straddled", classify->straddled,
              "Add a column 'straddled': the zones whose border the region straddles");
  k->add_option("--time", classify->time, "Only zones valid at this instant (RFC 3339)");
  AddLoadOptions(k, classify->load);
  k->callback([classify, &exit] { Classify(*classify, exit); });
}

}  // namespace satfence::cli
