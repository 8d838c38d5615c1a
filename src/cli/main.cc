// satfence: spoof-proof geofencing for satellite-internet terminals. See README.md.
#include <charconv>
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

}  // namespace satfence::cli

int main(int argc, char** argv) {
  CLI::App app{
      "satfence: geofences for satellite-internet terminals that a spoofed GNSS "
      "receiver cannot defeat"};
  app.require_subcommand(1);
  satfence::cli::ExitCode exit;
  satfence::cli::RegisterOrbitCommands(app, exit);
  satfence::cli::RegisterZonesCommands(app, exit);
  satfence::cli::RegisterDemoCommand(app, exit);
  CLI11_PARSE(app, argc, argv);
  return exit.value;
}
