#include "decision_inputs.h"

#include <cstdio>

#include "absl/strings/str_format.h"
#include "commands.h"
#include "satfence/base/file.h"

namespace satfence::cli {

void AddDecisionInputOptions(CLI::App* cmd, DecisionInputArgs& args, bool required) {
  cmd->add_option("--zones", args.zones.files,
                  "Zone files in order (later files may refer to countries in earlier ones)")
      ->required(required)
      ->check(CLI::ExistingFile);
  AddLoadOptions(cmd, args.zones);
  cmd->add_option("--policy", args.policy, "Policy (TOML, docs/policy.md)")
      ->required(required)
      ->check(CLI::ExistingFile);
  cmd->add_option("--registry", args.registry, "Terminal registry (CSV, docs/registry.md)")
      ->required(required)
      ->check(CLI::ExistingFile);
  cmd->add_option("--catalog", args.catalog,
                  "Element sets (TLE/3LE or OMM) for measurements without satellite states");
  cmd->add_option("--false-alarm", args.false_alarm, "False-alarm probability per report")
      ->check(CLI::Range(1e-12, 0.5))
      ->capture_default_str();
  AddRangeBoundOptions(cmd, args.range_bound);
}

void AddRangeBoundOptions(CLI::App* cmd, RangeBoundArgs& args) {
  cmd->add_option("--range-bound-delay-m", args.delay.mean_m,
                  "Terminals' calibrated distance-bounding delay, metres of range")
      ->check(CLI::Range(0.0, 1e6))
      ->capture_default_str();
  cmd->add_option("--range-bound-delay-sigma-m", args.delay.sigma_m,
                  "Its spread between answers, one sigma (m)")
      ->check(CLI::Range(0.0, 1e5))
      ->capture_default_str();
  cmd->add_flag("--range-bound-one-sided", args.one_sided,
                "Range bounds are upper limits only (terminals without a calibrated delay)");
}

LoadedInputs LoadDecisionInputs(const DecisionInputArgs& args, const char* verb) {
  LoadedInputs out;
  auto fail = [&](const std::string& why) {
    std::fprintf(stderr, "satfence %s: %s\n", verb, why.c_str());
    out.config.reset();
    return out;
  };
  auto c = std::make_shared<pipeline::Configuration>();
  absl::StatusOr<decide::Policy> policy = decide::LoadPolicy(args.policy);
  if (!policy.ok()) return fail(std::string(policy.status().message()));
  c->policy = *std::move(policy);
  absl::StatusOr<std::string> policy_text = ReadFileLimited(args.policy, 1 << 20);
  if (!policy_text.ok()) return fail(std::string(policy_text.status().message()));
  c->policy_text = *std::move(policy_text);

  Loaded loaded = LoadFiles(args.zones);
  out.rejected |= loaded.rejected;
  if (loaded.zones.empty()) return fail("no zones loaded");
  auto set = std::make_unique<const zones::ZoneSet>(std::move(loaded.zones));
  c->index = std::make_unique<const zones::ZoneIndex>(*set);
  c->zones = std::move(set);
  c->zone_set_description = absl::StrFormat("%d zones from %d files", c->zones->size(),
                                            static_cast<int>(args.zones.files.size()));

  ReadResult<registry::Terminal> terminals = registry::ReadRegistryFile(args.registry);
  for (const RecordError& e : terminals.errors) std::fprintf(stderr, "%s\n", e.ToString().c_str());
  out.rejected |= !terminals.errors.empty();
  c->registry = registry::Registry(std::move(terminals.records));

  if (!args.catalog.empty()) {
    ExitCode exit;
    std::unique_ptr<verify::SatelliteCatalog> catalog = LoadCatalog(args.catalog, verb, exit);
    if (catalog == nullptr) {
      out.config.reset();
      return out;
    }
    c->catalog = std::move(catalog);
  }
  verify::VerifyOptions options;
  options.false_alarm = args.false_alarm;
  options.range_bound_delay = args.range_bound.Delay();
  options.speed_limit_mps = c->policy.land_speed_limit_kmh / 3.6;
  c->verifier = verify::Verifier(options);
  for (const std::string& id : pipeline::UnknownPolicyZones(c->policy, *c->zones)) {
    std::fprintf(stderr, "satfence %s: %s: zones.\"%s\": no zone with that id is loaded\n", verb,
                 args.policy.c_str(), id.c_str());
  }
  out.config = std::move(c);
  return out;
}

}  // namespace satfence::cli
