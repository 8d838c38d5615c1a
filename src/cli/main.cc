// satfence: spoof-proof geofencing for satellite-internet terminals. See README.md.
#include <charconv>
#include <cstdio>
#include <cstdlib>

#include "commands.h"

namespace satfence::cli {

std::string TestdataDir() {
  if (const char* env = std::getenv("SATFENCE_TESTDATA")) return env;
  return SATFENCE_TESTDATA_DIR;
}

std::string ExactDouble(double v) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, ec == std::errc() ? end : buf);
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
  satfence::cli::ExitCode exit;
  satfence::cli::RegisterOrbitCommands(app, exit);
  satfence::cli::RegisterZonesCommands(app, exit);
  satfence::cli::RegisterVerifyCommand(app, exit);
  satfence::cli::RegisterSimulateCommands(app, exit);
  satfence::cli::RegisterRegistryCommands(app, exit);
  satfence::cli::RegisterDecideCommand(app, exit);
  satfence::cli::RegisterAnalyticsCommands(app, exit);
  satfence::cli::RegisterAuditCommands(app, exit);
  satfence::cli::RegisterDemoCommand(app, exit);
  CLI11_PARSE(app, argc, argv);
  return exit.value;
}
