// What `satfence decide` and `satfence serve` decide under, from the same flags: zone files
// and their mapping, the policy, the registry, an optional element-set catalog and the
// false-alarm probability, loaded into a pipeline::Configuration.
#ifndef SATFENCE_CLI_DECISION_INPUTS_H_
#define SATFENCE_CLI_DECISION_INPUTS_H_

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "satfence/pipeline/pipeline.h"
#include "zone_files.h"

namespace satfence::cli {

// How range bounds are read: --range-bound-delay-m, --range-bound-delay-sigma-m (the
// terminals' calibrated processing delay) or --range-bound-one-sided (no calibration).
struct RangeBoundArgs {
  verify::RangeBoundDelay delay = verify::kDefaultRangeBoundDelay;
  bool one_sided = false;
  verify::RangeBoundDelay Delay() const {
    verify::RangeBoundDelay d = delay;
    d.calibrated = !one_sided;
    return d;
  }
};
void AddRangeBoundOptions(CLI::App* cmd, RangeBoundArgs& args);

struct DecisionInputArgs {
  LoadOptions zones;
  std::string policy;
  std::string registry;
  std::string catalog;
  double false_alarm = 1e-3;
  RangeBoundArgs range_bound;
};

// --zones, the zone mapping options, --policy, --registry, --catalog, --false-alarm, the
// range-bound options. With
// `required` false, the caller checks that zones, policy and registry were given (serve: they
// may come from its config file).
void AddDecisionInputOptions(CLI::App* cmd, DecisionInputArgs& args, bool required = true);

struct LoadedInputs {
  std::shared_ptr<pipeline::Configuration> config;  // null when something could not be used
  bool rejected = false;  // some zone or registry record was bad (each said on stderr)
};
// Loads everything, saying what is wrong on stderr as "satfence VERB: ...".
LoadedInputs LoadDecisionInputs(const DecisionInputArgs& args, const char* verb);

}  // namespace satfence::cli

#endif  // SATFENCE_CLI_DECISION_INPUTS_H_
