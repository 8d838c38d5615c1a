// satfence: spoof-proof geofencing for satellite-internet terminals. See README.md.
#include <cstdio>
#include <cstdlib>

#include "commands.h"
#include "satfence/orbit/elements_file.h"
#include "satfence/verify/telemetry.h"

namespace satfence::cli {

namespace {
std::string data_dir_flag;  // --data-dir, set while the command line is parsed
}  // namespace

absl::StatusOr<DataDir> LookUpData() { return FindDataDir(data_dir_flag); }

std::optional<DataDir> FindData(const char* verb, ExitCode& exit) {
  absl::StatusOr<DataDir> data = LookUpData();
  if (data.ok()) return *std::move(data);
  std::fprintf(stderr, "satfence %s: %s\n", verb, std::string(data.status().message()).c_str());
  exit.value = 2;
  return std::nullopt;
}

int ForEachTelemetryReport(std::istream& in, const std::string& source,
                           const verify::SatelliteCatalog* catalog,
                           const std::function<void(verify::Report&&, std::string_view line)>& each,
                           const std::function<void(RecordError&&)>& error) {
  verify::TelemetryParser parser;
  int handed = 0;
  verify::ForEachReport(
      in, source, parser,
      [&](verify::Report&& report, std::string_view line) {
        RecordError e;
        if (!verify::FillSatelliteStates(report, catalog, e)) {
          e.source = source;
          error(std::move(e));
          return;
        }
        ++handed;
        each(std::move(report), line);
      },
      [&](RecordError&& e) { error(std::move(e)); });
  return handed;
}

std::unique_ptr<verify::SatelliteCatalog> LoadCatalog(const std::string& path, const char* verb,
                                                      ExitCode& exit) {
  ReadResult<orbit::ElementSet> elements = orbit::ReadElementsFile(path);
  for (const RecordError& e : elements.errors) std::fprintf(stderr, "%s\n", e.ToString().c_str());
  if (elements.records.empty()) {
    std::fprintf(stderr, "satfence %s: --catalog %s: no element sets\n", verb, path.c_str());
    exit.value = 2;
    return nullptr;
  }
  return std::make_unique<verify::SatelliteCatalog>(elements.records);
}

std::optional<UtcTime> ParseTimeOption(const std::string& text, const char* verb, ExitCode& exit) {
  const absl::StatusOr<UtcTime> t = ParseRfc3339(text);
  if (t.ok()) return *t;
  std::fprintf(stderr, "satfence %s: --time: %s\n", verb,
               std::string(t.status().message()).c_str());
  exit.value = 2;
  return std::nullopt;
}

}  // namespace satfence::cli

int main(int argc, char** argv) {
  CLI::App app{
      "satfence: geofences for satellite-internet terminals that a spoofed GNSS "
      "receiver cannot defeat"};
  app.require_subcommand(1);
  app.fallthrough();  // --data-dir may follow the verb
  app.add_option("--data-dir", satfence::cli::data_dir_flag,
                 "Where the shipped data is (world zones, examples, report assets); default: "
                 "$SATFENCE_DATA_DIR, else share/satfence beside or above the executable");
  satfence::cli::ExitCode exit;
  satfence::cli::RegisterOrbitCommands(app, exit);
  satfence::cli::RegisterZonesCommands(app, exit);
  satfence::cli::RegisterVerifyCommand(app, exit);
  satfence::cli::RegisterSimulateCommands(app, exit);
  satfence::cli::RegisterRegistryCommands(app, exit);
  satfence::cli::RegisterDecideCommand(app, exit);
  satfence::cli::RegisterServeCommand(app, exit);
  satfence::cli::RegisterLoadCommand(app, exit);
  satfence::cli::RegisterTokenCommand(app, exit);
  satfence::cli::RegisterAnalyticsCommands(app, exit);
  satfence::cli::RegisterAuditCommands(app, exit);
  satfence::cli::RegisterDemoCommand(app, exit);
  CLI11_PARSE(app, argc, argv);
  return exit.value;
}
