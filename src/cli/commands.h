// The `satfence` command line: each module registers its verbs here.
// A verb's callback returns the process exit status: 0 success, 1 when input records were
// rejected (everything else still processed), 2 for usage errors or unreadable inputs.
#ifndef SATFENCE_CLI_COMMANDS_H_
#define SATFENCE_CLI_COMMANDS_H_

#include <CLI/CLI.hpp>
#include <functional>
#include <istream>
#include <memory>
#include <optional>
#include <string>

#include "satfence/analytics/diversion.h"
#include "satfence/base/data_dir.h"
#include "satfence/base/record_error.h"
#include "satfence/base/utc_time.h"
#include "satfence/verify/catalog.h"
#include "satfence/verify/report.h"

namespace satfence::cli {

// Set by the chosen verb; main() returns it.
struct ExitCode {
  int value = 0;
};

void RegisterOrbitCommands(CLI::App& app, ExitCode& exit);
void RegisterZonesCommands(CLI::App& app, ExitCode& exit);
void RegisterDemoCommand(CLI::App& app, ExitCode& exit);
void RegisterVerifyCommand(CLI::App& app, ExitCode& exit);
void RegisterSimulateCommands(CLI::App& app, ExitCode& exit);
void RegisterRegistryCommands(CLI::App& app, ExitCode& exit);
void RegisterAuditCommands(CLI::App& app, ExitCode& exit);
void RegisterDecideCommand(CLI::App& app, ExitCode& exit);
void RegisterServeCommand(CLI::App& app, ExitCode& exit);
void RegisterLoadCommand(CLI::App& app, ExitCode& exit);
void RegisterTokenCommand(CLI::App& app, ExitCode& exit);
void RegisterAnalyticsCommands(CLI::App& app, ExitCode& exit);

// The data directory (satfence/base/data_dir.h) from --data-dir or its defaults. When there
// is none, says why on stderr as "satfence VERB: ...", sets the exit status to 2 and
// returns nothing.
std::optional<DataDir> FindData(const char* verb, ExitCode& exit);
// The same without a word on stderr, for verbs that need the data directory only for
// relative paths that may not occur.
absl::StatusOr<DataDir> LookUpData();

// Telemetry from `in` (named `source` in errors), each report with its missing satellite
// states filled from `catalog` (may be null). A line that is malformed, or whose states
// cannot be filled, goes to `error` (the first already printed form: file:line: ...), every
// other report to `each` with its line as received (verify::ForEachReport); the reading goes
// on. Returns the number of reports handed on.
int ForEachTelemetryReport(std::istream& in, const std::string& source,
                           const verify::SatelliteCatalog* catalog,
                           const std::function<void(verify::Report&&, std::string_view line)>& each,
                           const std::function<void(RecordError&&)>& error);

// Element sets for --catalog: errors on stderr; none when the file holds none (the verb's
// exit status is then 2).
std::unique_ptr<verify::SatelliteCatalog> LoadCatalog(const std::string& path, const char* verb,
                                                      ExitCode& exit);

// Parses a --time option (RFC 3339). On error, says so on stderr as "satfence VERB: --time:
// why", sets the exit status to 2 and returns nothing.
std::optional<UtcTime> ParseTimeOption(const std::string& text, const char* verb, ExitCode& exit);

// The tables `satfence channels` and `satfence clusters` print (and the demo shows).
std::string ChannelsText(const analytics::ChannelReport& r, int top);
std::string ClustersText(const std::vector<analytics::Cluster>& sites, double radius_m,
                         int min_terminals, int top);

}  // namespace satfence::cli

#endif  // SATFENCE_CLI_COMMANDS_H_
