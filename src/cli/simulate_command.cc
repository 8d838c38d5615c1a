// `satfence simulate` and `satfence evaluate`: telemetry from a scenario, and how well the
// verifier did on it.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/str_format.h"
#include "commands.h"
#include "satfence/decide/decide.h"
#include "satfence/sim/evaluation.h"
#include "satfence/sim/scenario.h"
#include "satfence/verify/telemetry.h"

namespace satfence::cli {
namespace {

struct SimulateArgs {
  std::string scenario;
  std::string out_dir = ".";
};

void Simulate(const SimulateArgs& args, ExitCode& exit) {
  const absl::StatusOr<DataDir> data = LookUpData();
  absl::StatusOr<sim::Scenario> scenario =
      sim::LoadScenario(args.scenario, data.ok() ? data->root : std::string());
  if (!scenario.ok()) {
    std::fprintf(stderr, "satfence simulate: %s\n",
                 std::string(scenario.status().message()).c_str());
    exit.value = 2;
    return;
  }
  std::error_code ec;
  std::filesystem::create_directories(args.out_dir, ec);
  const std::string telemetry_path = args.out_dir + "/telemetry.jsonl";
  const std::string truth_path = args.out_dir + "/truth.jsonl";
  const std::string registry_path = args.out_dir + "/registry.csv";
  std::ofstream telemetry(telemetry_path), truth(truth_path);
  std::vector<registry::Terminal> terminals;
  if (!telemetry || !truth) {
    std::fprintf(stderr, "satfence simulate: cannot write into %s\n", args.out_dir.c_str());
    exit.value = 2;
    return;
  }
  sim::SimulationStats stats = sim::Simulate(
      *scenario,
      [&](const verify::Report& r, const sim::TruthRecord& t) {
        telemetry << verify::ReportJson(r) << '\n';
        truth << sim::TruthJson(t) << '\n';
      },
      [](double done) { std::fprintf(stderr, "\rsimulating: %3.0f%%", 100.0 * done); },
      [&](const registry::Terminal& t) { terminals.push_back(t); });
  std::ofstream(registry_path) << registry::RegistryCsv(registry::Registry(std::move(terminals)));
  std::fprintf(stderr,
               "\nsatfence simulate: %d terminals, %d reports (%d windows without a satellite "
               "above the mask skipped)\n  telemetry: %s\n  truth:     %s\n  registry:  %s\n",
               stats.terminals, stats.reports, stats.skipped_no_satellite, telemetry_path.c_str(),
               truth_path.c_str(), registry_path.c_str());
}

struct EvaluateArgs {
  std::string truth;
  std::string verdicts;
  std::string output;
  std::string policy;
};

void Evaluate(const EvaluateArgs& args, ExitCode& exit) {
  decide::SequentialPolicy sequential;
  if (!args.policy.empty()) {
    absl::StatusOr<decide::Policy> policy = decide::LoadPolicy(args.policy);
    if (!policy.ok()) {
      std::fprintf(stderr, "satfence evaluate: %s\n", std::string(policy.status().message()).c_str());
      exit.value = 2;
      return;
    }
    sequential = policy->sequential;
  }
  absl::StatusOr<sim::Evaluation> e = sim::EvaluateFiles(args.truth, args.verdicts, sequential);
  if (!e.ok()) {
    std::fprintf(stderr, "satfence evaluate: %s\n", std::string(e.status().message()).c_str());
    exit.value = 2;
    return;
  }
  std::fputs(sim::EvaluationText(*e).c_str(), stdout);
  if (!args.output.empty()) {
    std::ofstream out(args.output);
    out << sim::EvaluationJson(*e) << '\n';
    if (!out) {
      std::fprintf(stderr, "satfence evaluate: cannot write %s\n", args.output.c_str());
      exit.value = 2;
      return;
    }
    std::fprintf(stderr, "satfence evaluate: wrote %s\n", args.output.c_str());
  }
  if (!e->unmatched.empty()) exit.value = 1;
}

}  // namespace

void RegisterSimulateCommands(CLI::App& app, ExitCode& exit) {
  auto s = std::make_shared<SimulateArgs>();
  CLI::App* sim_cmd = app.add_subcommand(
      "simulate", "Generate telemetry (v1) and a truth file from a scenario (TOML)");
  sim_cmd->add_option("scenario", s->scenario, "Scenario file (see docs/simulation.md)")
      ->required()
      ->check(CLI::ExistingFile);
  sim_cmd->add_option("-o,--out-dir", s->out_dir, "Folder for telemetry.jsonl and truth.jsonl")
      ->capture_default_str();
  sim_cmd->callback([s, &exit] { Simulate(*s, exit); });

  auto e = std::make_shared<EvaluateArgs>();
  CLI::App* eval = app.add_subcommand(
      "evaluate", "Score verdicts against a simulation's truth, beside the theoretical limits");
  eval->add_option("--truth", e->truth, "truth.jsonl from satfence simulate")->required();
  eval->add_option("--verdicts", e->verdicts, "Output of satfence verify")->required();
  eval->add_option("-o,--output", e->output, "Also write the evaluation as JSON here");
  eval->add_option("--policy", e->policy,
                   "Policy whose [sequential] budget the sequential test runs at (default: the "
                   "defaults, docs/policy.md)")
      ->check(CLI::ExistingFile);
  eval->callback([e, &exit] { Evaluate(*e, exit); });
}

}  // namespace satfence::cli
