// From reports to stored decisions: verify each report, place the fix's k-sigma ellipse (or,
// without a fix, the claim) among the zones, decide under the policy with the terminal's
// history and hysteresis, and write decisions, events and terminal states to the store in
// batches (its audit log takes the decisions in the same transactions).
//
// Two layers. DecideReport is the step for one report: no state of its own, so a service
// can run it on several threads for different terminals. Pipeline is the loop `satfence
// decide` and `satfence demo` run: it keeps the terminals' states behind TerminalStates,
// counts outcomes and batches the store's writes.
//
//   InMemoryTerminalStates states;
//   Pipeline pipeline({policy, set, index, registry, verifier}, states, store.get());
//   pipeline.StoreVersions(policy_text, zone_set_description);
//   ForEachReport(in, "telemetry.jsonl", parser, [&](Report&& r, std::string_view line) {
//     Decided d = pipeline.Process(r, DigestOf(line));
//     out << DecisionLine(r, d, policy, set) << '\n';
//   }, ...);
//   pipeline.Flush();
//
// A report's digest is the SHA-256 of the report as received (its telemetry line without the
// line terminator, or its protobuf message), taken once where it comes in: an auditor holding
// the original bytes can check a stored decision against them.
#ifndef SATFENCE_PIPELINE_PIPELINE_H_
#define SATFENCE_PIPELINE_PIPELINE_H_

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "satfence/audit/merkle.h"
#include "satfence/decide/decide.h"
#include "satfence/pipeline/terminal_state.h"
#include "satfence/registry/registry.h"
#include "satfence/store/store.h"
#include "satfence/verify/catalog.h"
#include "satfence/verify/report.h"
#include "satfence/verify/verifier.h"
#include "satfence/zones/zone_index.h"
#include "satfence/zones/zone_set.h"

namespace satfence::pipeline {

using ReportDigest = audit::Hash;
ReportDigest DigestOf(std::string_view received);

// What a report is decided under. Every decision names the policy's and the zone set's
// versions.
struct Inputs {
  const decide::Policy& policy;
  const zones::ZoneSet& zones;
  const zones::ZoneIndex& index;
  const registry::Registry& registry;
  const verify::Verifier& verifier;
};

// The owning form of Inputs, with what they were read from: what a long-running process
// decides under, replaced whole when the operator changes any part.
struct Configuration {
  decide::Policy policy;
  std::string policy_text;
  std::shared_ptr<const zones::ZoneSet> zones;  // the index refers to it
  std::shared_ptr<const zones::ZoneIndex> index;
  std::string zone_set_description;
  registry::Registry registry;
  verify::Verifier verifier;
  std::shared_ptr<const verify::SatelliteCatalog> catalog;  // may be null

  Inputs inputs() const { return {policy, *zones, *index, registry, verifier}; }
};

struct Decided {
  verify::Verdict verdict;
  decide::TerminalDecision decision;
};

// Verifies, places and decides one report against its terminal's `state`, and updates the
// state. Reports of one terminal in time order; different terminals on any threads.
Decided DecideReport(const Inputs& in, const verify::Report& report, TerminalState& state);

// Which events decisions raise, in the vocabulary of geofence servers (Tile38's detect
// types) plus two of satfence's: per terminal and deciding zone "enter" and "exit" (its
// zones changed), "inside" (each report, per zone it is in) and "outside" (each report in
// no zone); "action_changed" (its published action changed; detail: the new one) and
// "spoof_suspected" (the verdict said spoofed; detail: its flags).
struct EventKinds {
  bool enter = true;
  bool exit = true;
  bool inside = false;   // one event per report and zone: for consumers that want a feed
  bool outside = false;  // one event per report outside every zone
  bool action_changed = true;
  bool spoof_suspected = true;
};
// From names ("enter,exit,inside,..."); errors name the unknown kind.
absl::StatusOr<EventKinds> ParseEventKinds(const std::vector<std::string>& names);

// The stored form of a decision and the events it raises, appended to `batch`.
void AppendToBatch(const Inputs& in, const verify::Report& report, const ReportDigest& digest,
                   const Decided& decided, store::Batch& batch, const EventKinds& kinds = {});

// Counts over everything processed.
struct Counts {
  int outcomes[3] = {0, 0, 0};   // by verify::Outcome
  int actions[3] = {0, 0, 0};    // this report's, by decide::Action
  int published[3] = {0, 0, 0};  // after hysteresis
  std::map<std::string, int> reasons;
  int stored = 0;
};

class Pipeline {
 public:
  // Decisions go to `store` (none: decide without storing) in batches of `batch_size`.
  Pipeline(Inputs in, TerminalStates& states, store::Store* store, int batch_size = 1024);

  // Stores the policy, the zone set's version and the registry (each logged once).
  absl::Status StoreVersions(const std::string& policy_text,
                             const std::string& zone_set_description);

  // Reports in time order per terminal.
  Decided Process(const verify::Report& report, const ReportDigest& digest);

  // Writes what is pending (decisions, events and the states of the terminals they touched)
  // in one transaction. The first error is kept and returned by every later call.
  absl::Status Flush();

  const Counts& counts() const { return counts_; }

 private:
  Inputs in_;
  TerminalStates& states_;
  store::Store* store_;
  int batch_size_;
  store::Batch batch_;
  absl::flat_hash_set<std::string> touched_;  // terminals with decisions in batch_
  absl::Status store_status_;
  Counts counts_;
};

// Zone ids the policy gives rules for ([zones."ID"]) that the zone set does not hold: a typo
// there would silently leave the defaults in force, so the verbs warn.
std::vector<std::string> UnknownPolicyZones(const decide::Policy& policy,
                                            const zones::ZoneSet& zones);

// One line of decisions.jsonl: terminal, time, action, published, reasons, zones, policy and
// zone-set versions (JSON, escaped).
std::string DecisionLine(const verify::Report& report, const Decided& decided,
                         const decide::Policy& policy, const zones::ZoneSet& zones);
// The same line from the stored decision (byte for byte what the first form gave).
std::string DecisionLine(const store::DecisionRecord& stored);

}  // namespace satfence::pipeline

#endif  // SATFENCE_PIPELINE_PIPELINE_H_
