#include "zone_files.h"

#include <cstdio>
#include <set>

#include "satfence/zones/ogr_reader.h"

namespace satfence::cli {

zones::ZoneMapping Mapping(const LoadOptions& o) {
  zones::ZoneMapping m;
  m.id_property = o.id_property;
  m.default_kind = *zones::ParseZoneKind(o.kind);
  m.default_action = *zones::ParseZoneAction(o.action);
  m.repair = !o.strict;
  m.mercator_polar_clip = o.polar_clip;
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
  CLI::Option* strict = cmd->add_flag(
      "--strict", o.strict,
      "Reject a feature for any defect, instead of repairing crossing rings with GEOS "
      "MakeValid and leaving out rings without area (each reported)");
  cmd->add_flag_function(
         "--repair", [](std::int64_t) {},
         "Repair and leave out as needed: the default (accepted for older scripts)")
      ->excludes(strict);
  cmd->add_flag("--polar-clip", o.polar_clip,
                "Close rings clipped at Web Mercator's 85.05 deg limit at the pole (the world "
                "default's Antarctica)");
}

Loaded LoadFiles(const LoadOptions& o) {
  Loaded out;
  std::set<std::string> ids;
  for (const std::string& file : o.files) {
    zones::ZoneMapping mapping = Mapping(o);
    mapping.countries = &out.zones;
    zones::ZoneReadResult r = zones::ReadZonesFile(file, mapping);
    for (const RecordError& e : r.errors) {
      std::fprintf(stderr, "satfence: %s\n", e.ToString().c_str());
      out.errors.push_back(e);
    }
    out.rejected |= !r.errors.empty();
    for (zones::Zone& z : r.zones) {
      if (!ids.insert(z.id).second) {
        std::fprintf(stderr, "satfence: %s: zone '%s': id already used by an earlier file\n",
                     file.c_str(), z.id.c_str());
        RecordError e;
        e.source = file;
        e.record_id = z.id;
        e.message = "id already used by an earlier file";
        out.errors.push_back(std::move(e));
        out.rejected = true;
        continue;
      }
      out.zones.push_back(std::move(z));
    }
  }
  return out;
}

}  // namespace satfence::cli
