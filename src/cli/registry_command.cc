// `satfence registry check`: read a terminal registry (CSV), report every bad row, summarise,
// and optionally write the accepted terminals back out as normalised CSV.
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <string>

#include "commands.h"
#include "satfence/registry/registry.h"

namespace satfence::cli {
namespace {

struct RegistryArgs {
  std::string file;
  std::string output;
};

void Check(const RegistryArgs& args, ExitCode& exit) {
  ReadResult<registry::Terminal> r = registry::ReadRegistryFile(args.file);
  for (const RecordError& e : r.errors) std::fprintf(stderr, "%s\n", e.ToString().c_str());
  std::map<std::string, int> by_plan, by_channel;
  int whitelisted = 0;
  for (const registry::Terminal& t : r.records) {
    ++by_plan[std::string(registry::PlanName(t.plan))];
    ++by_channel[std::string(registry::ChannelName(t.channel))];
    whitelisted += t.whitelisted;
  }
  std::printf("%s: %zu terminals accepted, %zu rows rejected, %d whitelisted\n", args.file.c_str(),
              r.records.size(), r.errors.size(), whitelisted);
  for (const auto& [plan, n] : by_plan) std::printf("  plan %-15s %d\n", plan.c_str(), n);
  for (const auto& [channel, n] : by_channel)
    std::printf("  channel %-12s %d\n", channel.c_str(), n);
  if (!args.output.empty()) {
    std::ofstream out(args.output);
    out << registry::RegistryCsv(registry::Registry(std::move(r.records)));
    if (!out) {
      std::fprintf(stderr, "satfence registry check: cannot write %s\n", args.output.c_str());
      exit.value = 2;
      return;
    }
  }
  exit.value = r.errors.empty() ? 0 : 1;
}

}  // namespace

void RegisterRegistryCommands(CLI::App& app, ExitCode& exit) {
  CLI::App* reg = app.add_subcommand("registry", "The terminal registry (CSV, docs/registry.md)");
  reg->require_subcommand(1);
  auto args = std::make_shared<RegistryArgs>();
  CLI::App* check = reg->add_subcommand(
      "check", "Validate a registry file: every bad row with its line and reason, a summary");
  check->add_option("file", args->file, "Registry CSV")->required();
  check->add_option("-o,--output", args->output, "Write the accepted terminals here as CSV");
  check->callback([args, &exit] { Check(*args, exit); });
}

}  // namespace satfence::cli
