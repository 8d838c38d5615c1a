// Zone files on the command line, shared by the verbs that load zones (zones, decide):
// the mapping options and loading several files in order.
#ifndef SATFENCE_CLI_ZONE_FILES_H_
#define SATFENCE_CLI_ZONE_FILES_H_

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "satfence/zones/geojson_reader.h"
#include "satfence/zones/zone.h"

namespace satfence::cli {

struct LoadOptions {
  std::vector<std::string> files;
  std::string id_property = "id";
  std::string kind = "operator";
  std::string action = "deny";
  bool strict = false;
  bool polar_clip = false;
};

zones::ZoneMapping Mapping(const LoadOptions& o);

// --id-property, --kind, --action, --strict (and --repair, the default), --polar-clip.
void AddLoadOptions(CLI::App* cmd, LoadOptions& o);

// Loads the files in order (later files may refer to countries in earlier ones), merging
// them; reports rejected features and ids repeated across files on stderr.
struct Loaded {
  std::vector<zones::Zone> zones;
  bool rejected = false;
  std::vector<RecordError> errors;  // each also said on stderr
};
Loaded LoadFiles(const LoadOptions& o);

}  // namespace satfence::cli

#endif  // SATFENCE_CLI_ZONE_FILES_H_
