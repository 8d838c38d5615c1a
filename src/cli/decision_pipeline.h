// From reports to stored decisions, as `satfence decide` and `satfence demo` run it:
// verify each report, place the fix's k-sigma ellipse (or, without a fix, the claim) among
// the zones, decide under the policy with hysteresis, and batch decisions and events into
// the store (whose audit log takes them in the same transactions).
//
//   DecisionPipeline pipeline({policy, set, index, registry, store.get()});
//   pipeline.StoreVersions(policy_text, zone_set_description);
//   for (const Report& r : reports) {
//     ProcessedReport p = pipeline.Process(r);
//     decisions_out << DecisionLine(r, p, policy, set) << '\n';
//   }
//   pipeline.Flush();
#ifndef SATFENCE_CLI_DECISION_PIPELINE_H_
#define SATFENCE_CLI_DECISION_PIPELINE_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "satfence/decide/decide.h"
#include "satfence/registry/registry.h"
#include "satfence/store/store.h"
#include "satfence/verify/report.h"
#include "satfence/verify/verifier.h"
#include "satfence/zones/zone_index.h"
#include "satfence/zones/zone_set.h"

namespace satfence::cli {

struct PipelineInputs {
  const decide::Policy& policy;
  const zones::ZoneSet& zones;
  const zones::ZoneIndex& index;
  const registry::Registry& registry;
  store::Store* store = nullptr;  // none: decide without storing
  verify::VerifyOptions verify = {};
};

struct ProcessedReport {
  verify::Verdict verdict;
  decide::TerminalDecision decision;
};

// Counts over everything processed.
struct PipelineCounts {
  int outcomes[3] = {0, 0, 0};   // by verify::Outcome
  int actions[3] = {0, 0, 0};    // this report's, by decide::Action
  int published[3] = {0, 0, 0};  // after hysteresis
  std::map<std::string, int> reasons;
  int stored = 0;
};

class DecisionPipeline {
 public:
  explicit DecisionPipeline(PipelineInputs in);

  // Stores the policy, the zone set's version and the registry (each logged once).
  absl::Status StoreVersions(const std::string& policy_text,
                             const std::string& zone_set_description);

  // Reports in time order per terminal.
  ProcessedReport Process(const verify::Report& r);

  // Writes what is pending to the store (it also writes every 1,024 decisions). The first
  // error is kept and returned by every later call.
  absl::Status Flush();

  const PipelineCounts& counts() const { return counts_; }

 private:
  PipelineInputs in_;
  verify::Verifier verifier_;
  decide::Decider decider_;
  std::vector<store::DecisionRecord> pending_;
  std::vector<store::EventRecord> pending_events_;
  absl::Status store_status_;
  PipelineCounts counts_;
};

// Zone ids the policy gives rules for ([zones."ID"]) that the zone set does not hold: a typo
// there would silently leave the defaults in force, so the verbs warn.
std::vector<std::string> UnknownPolicyZones(const decide::Policy& policy,
                                            const zones::ZoneSet& zones);

// One line of decisions.jsonl: terminal, time, action, published, reasons, zones, policy and
// zone-set versions (JSON, escaped).
std::string DecisionLine(const verify::Report& r, const ProcessedReport& p,
                         const decide::Policy& policy, const zones::ZoneSet& zones);

}  // namespace satfence::cli

#endif  // SATFENCE_CLI_DECISION_PIPELINE_H_
