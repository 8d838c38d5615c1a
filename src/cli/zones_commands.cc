// `satfence zones ...`: validate zone files, classify points against zones.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "commands.h"
#include "s2/s2latlng.h"
#include "satfence/zones/geojson_reader.h"
#include "satfence/zones/zone_set.h"

namespace satfence::cli {
namespace {

struct LoadOptions {
  std::vector<std::string> files;
  std::string id_property = "id";
  std::string kind = "operator";
  std::string action = "deny";
  bool repair = false;
};

zones::ZoneMapping Mapping(const LoadOptions& o) {
  zones::ZoneMapping m;
  m.id_property = o.id_property;
  m.default_kind = *zones::ParseZoneKind(o.kind);
  m.default_action = *zones::ParseZoneAction(o.action);
  m.repair = o.repair;
  return m;
}

void AddLoadOptions(CLI::App* cmd, LoadOptions& o) {
  cmd->add_option("--id-property", o.id_property,
                  "GeoJSON property used as the zone id (then the feature's own id)")
      ->capture_default_str();
  cmd->add_option("--kind", o.kind, "Kind of zones whose features do not say")
      ->check(CLI::IsMember({"country_land", "territorial_waters", "operator"}))
      ->capture_default_str();
  cmd->add_option("--action", o.action, "Action of zones whose features do not say")
      ->check(CLI::IsMember({"allow", "allow_if_whitelisted", "review", "deny"}))
      ->capture_default_str();
  cmd->add_flag("--repair", o.repair,
                "Repair invalid features with GEOS MakeValid (reported) instead of rejecting");
}

std::string Rect(const S2LatLngRect& r) {
  if (r.is_empty()) return "empty";
  return absl::StrFormat("lat [%.4f, %.4f], lon [%.4f, %.4f]%s", r.lat_lo().degrees(),
                         r.lat_hi().degrees(), r.lng_lo().degrees(), r.lng_hi().degrees(),
                         r.lng().is_inverted() ? " (across the antimeridian)" : "");
}

void Check(const LoadOptions& o, ExitCode& exit) {
  bool rejected = false;
  for (const std::string& file : o.files) {
    const auto t0 = std::chrono::steady_clock::now();
    const zones::ZoneReadResult r = zones::ReadZonesGeoJsonFile(file, Mapping(o));
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
    size_t repaired = 0;
    for (const RecordError& w : r.warnings) {
      if (w.message.rfind("repaired", 0) == 0 && ++repaired > 5) continue;
      std::printf("  warning: %s\n", w.ToString().c_str());
    }
    if (repaired > 5) std::printf("  warning: ... %zu repaired features in all\n", repaired);
    for (const RecordError& e : r.errors)
      std::fprintf(stderr, "satfence: %s\n", e.ToString().c_str());
    rejected |= !r.errors.empty();
  }
  exit.value = rejected ? 1 : 0;
}

}  // namespace

void RegisterZonesCommands(CLI::App& app, ExitCode& exit) {
  CLI::App* zones_cmd = app.add_subcommand("zones", "Zone files: check, classify points");
  zones_cmd->require_subcommand(1);

  auto check = std::make_shared<LoadOptions>();
  CLI::App* c = zones_cmd->add_subcommand(
      "check", "Validate zone files and summarise them; exit status 1 if a feature was rejected");
  c->add_option("FILE", check->files, "GeoJSON files")->required()->check(CLI::ExistingFile);
  AddLoadOptions(c, *check);
  c->callback([check, &exit] { Check(*check, exit); });
}

}  // namespace satfence::cli
