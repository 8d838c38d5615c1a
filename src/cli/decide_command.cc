// `satfence decide`: telemetry in, decisions out: verify each report, place its fix among
// the zones, decide under the policy with the registry, and (with --store) keep decisions,
// events, the policy, the zone set and the registry in the store and its audit log.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "absl/strings/str_format.h"
#include "commands.h"
#include "decision_inputs.h"
#include "satfence/pipeline/pipeline.h"
#include "satfence/verify/telemetry.h"

namespace satfence::cli {
namespace {

struct DecideArgs {
  std::string input;
  DecisionInputArgs inputs;
  std::string store;
  std::string output;
  std::string verdicts;
};

void Decide(const DecideArgs& args, ExitCode& exit) {
  auto fail = [&](const std::string& why) {
    std::fprintf(stderr, "satfence decide: %s\n", why.c_str());
    exit.value = 2;
  };
  LoadedInputs loaded = LoadDecisionInputs(args.inputs, "decide");
  if (loaded.config == nullptr) {
    exit.value = 2;
    return;
  }
  bool rejected = loaded.rejected;  // some input record was bad: exit status 1 at the end
  const pipeline::Configuration& config = *loaded.config;

  std::unique_ptr<store::Store> db;
  if (!args.store.empty()) {
    absl::StatusOr<std::unique_ptr<store::Store>> opened = store::OpenSqliteStore(args.store);
    if (!opened.ok()) return fail(std::string(opened.status().message()));
    db = *std::move(opened);
  }
  // With a store, each terminal resumes from its state there (decisions of an earlier run).
  std::unique_ptr<pipeline::StoredTerminalStates> stored;
  pipeline::InMemoryTerminalStates in_memory;
  if (db) stored = std::make_unique<pipeline::StoredTerminalStates>(*db);
  pipeline::Pipeline pipeline(config.inputs(),
                              stored ? static_cast<pipeline::TerminalStates&>(*stored) : in_memory,
                              db.get());
  if (absl::Status s = pipeline.StoreVersions(config.policy_text, config.zone_set_description);
      !s.ok()) {
    return fail(absl::StrCat("store: ", s.message()));
  }

  std::ifstream file;
  std::istream* in = &std::cin;
  if (args.input != "-") {
    file.open(args.input, std::ios::binary);
    if (!file) return fail("cannot open " + args.input);
    in = &file;
  }
  std::ofstream out_file, verdicts;
  std::ostream* out = &std::cout;
  if (!args.output.empty()) {
    out_file.open(args.output);
    if (!out_file) return fail("cannot write " + args.output);
    out = &out_file;
  }
  if (!args.verdicts.empty()) {
    verdicts.open(args.verdicts);
    if (!verdicts) return fail("cannot write " + args.verdicts);
  }

  std::fprintf(stderr, "satfence decide: %s\n",
               decide::SequentialSummary(config.policy.sequential).c_str());
  const std::string source = args.input == "-" ? "<stdin>" : args.input;
  int bad_lines = 0;
  const int accepted = ForEachTelemetryReport(
      *in, source, config.catalog.get(),
      [&](verify::Report&& report, std::string_view line) {
        const pipeline::Decided p = pipeline.Process(report, pipeline::DigestOf(line));
        *out << pipeline::DecisionLine(report, p, config.policy, *config.zones) << '\n';
        if (verdicts.is_open()) verdicts << verify::VerdictJson(p.verdict) << '\n';
      },
      [&](RecordError&& e) {
        ++bad_lines;
        std::fprintf(stderr, "%s\n", e.ToString().c_str());
      });
  out->flush();
  if (absl::Status s = pipeline.Flush(); !s.ok()) return fail(absl::StrCat("store: ", s.message()));
  if (stored && stored->unreadable() > 0) {
    std::fprintf(stderr,
                 "satfence decide: %s: %d terminals' stored states could not be read and were "
                 "started afresh; the last: %s\n",
                 args.store.c_str(), stored->unreadable(),
                 std::string(stored->last_error().message()).c_str());
  }
  const pipeline::Counts& c = pipeline.counts();
  std::fprintf(
      stderr,
      "satfence decide: %d reports decided (%d allow, %d review, %d deny; published "
      "%d allow, %d review, %d deny), %d lines rejected%s\n",
      accepted, c.actions[0], c.actions[1], c.actions[2], c.published[0], c.published[1],
      c.published[2], bad_lines,
      db ? absl::StrFormat("; %d decisions stored in %s", c.stored, args.store).c_str() : "");
  if (rejected || bad_lines > 0) exit.value = 1;
}

}  // namespace

void RegisterDecideCommand(CLI::App& app, ExitCode& exit) {
  auto args = std::make_shared<DecideArgs>();
  CLI::App* cmd = app.add_subcommand(
      "decide",
      "Verify each telemetry report, place its fix among the zones and decide under the policy "
      "(one decision per line, JSON); with --store, keep decisions, events and versions in the "
      "store and its audit log");
  cmd->add_option("input", args->input, "Telemetry file (JSON Lines), or - for stdin")->required();
  AddDecisionInputOptions(cmd, args->inputs);
  cmd->add_option("--store", args->store, "Keep everything in this store (SQLite)");
  cmd->add_option("-o,--output", args->output, "Write decisions here instead of stdout");
  cmd->add_option("--verdicts", args->verdicts, "Also write the verifier's verdicts here");
  cmd->callback([args, &exit] { Decide(*args, exit); });
}

}  // namespace satfence::cli
