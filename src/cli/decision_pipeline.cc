#include "decision_pipeline.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_format.h"
#include "satfence/audit/merkle.h"
#include "satfence/verify/telemetry.h"

namespace satfence::cli {

DecisionPipeline::DecisionPipeline(PipelineInputs in)
    : in_(in), verifier_(in.verify), decider_(in.policy) {}

absl::Status DecisionPipeline::StoreVersions(const std::string& policy_text,
                                             const std::string& zone_set_description) {
  if (in_.store == nullptr) return absl::OkStatus();
  absl::Status s = in_.store->PutPolicy(in_.policy.version, policy_text);
  if (s.ok()) s = in_.store->PutZoneSet(in_.zones.version(), zone_set_description);
  if (s.ok()) s = in_.store->PutTerminals(in_.registry.terminals());
  return s;
}

ProcessedReport DecisionPipeline::Process(const verify::Report& r) {
  ProcessedReport p;
  p.verdict = verifier_.Verify(r);
  ++counts_.outcomes[static_cast<int>(p.verdict.outcome)];
  // The fix's k-sigma ellipse against the zones; without a fix, the claimed place.
  zones::Proximity where;
  const verify::Verdict& v = p.verdict;
  if (v.fix) {
    in_.index.Classify(
        v.fix->position.lat_deg, v.fix->position.lon_deg,
        zones::Region::Ellipse(v.fix->ellipse.semi_major_m, v.fix->ellipse.semi_minor_m,
                               v.fix->ellipse.azimuth_deg, in_.policy.k_sigma),
        in_.policy.near_deny_m, where);
  } else {
    in_.index.Classify(r.claimed.position.lat_deg, r.claimed.position.lon_deg,
                       zones::Region::Circle(0.0), in_.policy.near_deny_m, where);
  }
  p.decision = decider_.Apply(
      r.terminal,
      decide::Decide(in_.policy, {v, in_.registry.Find(r.terminal), in_.zones, where, r.time}));
  const decide::TerminalDecision& td = p.decision;
  ++counts_.actions[static_cast<int>(td.decision.action)];
  ++counts_.published[static_cast<int>(td.published)];
  for (const std::string& x : td.decision.reasons) ++counts_.reasons[x];

  if (in_.store == nullptr) return p;
  const std::string time = FormatRfc3339(r.time);
  const std::string report_line = verify::ReportJson(r);
  store::DecisionRecord record;
  record.terminal = r.terminal;
  record.time = time;
  record.action = std::string(decide::ActionName(td.decision.action));
  record.published = std::string(decide::ActionName(td.published));
  record.reasons = td.decision.reasons;
  record.zones = td.decision.zones;
  record.verdict = std::string(verify::OutcomeName(v.outcome));
  record.report_digest = audit::Hex(audit::Sha256(
      std::span(reinterpret_cast<const std::uint8_t*>(report_line.data()), report_line.size())));
  record.verdict_json = verify::VerdictJson(v);
  record.policy_version = in_.policy.version;
  record.zone_set_version = in_.zones.version();
  pending_.push_back(std::move(record));
  for (const decide::ZoneEvent& ev : td.events) {
    pending_events_.push_back({0, r.terminal, time,
                               ev.kind == decide::ZoneEvent::Kind::kEnter ? "enter" : "exit",
                               ev.zone});
  }
  if (td.changed) {
    pending_events_.push_back(
        {0, r.terminal, time, "published", std::string(decide::ActionName(td.published))});
  }
  if (pending_.size() >= 1024) Flush().IgnoreError();  // kept in store_status_
  return p;
}

absl::Status DecisionPipeline::Flush() {
  if (in_.store == nullptr || !store_status_.ok()) return store_status_;
  absl::Status s = in_.store->PutDecisions(pending_);
  if (s.ok()) {
    counts_.stored += static_cast<int>(pending_.size());
    s = in_.store->PutEvents(pending_events_);
  }
  pending_.clear();
  pending_events_.clear();
  store_status_ = s;
  return s;
}

std::vector<std::string> UnknownPolicyZones(const decide::Policy& policy,
                                            const zones::ZoneSet& zones) {
  std::vector<std::string> unknown;
  for (const auto& [id, rules] : policy.zone_uncertainty) {
    if (zones.Find(id) < 0) unknown.push_back(id);
  }
  return unknown;
}

std::string DecisionLine(const verify::Report& r, const ProcessedReport& p,
                         const decide::Policy& policy, const zones::ZoneSet& zones) {
  const decide::TerminalDecision& td = p.decision;
  nlohmann::ordered_json j = {{"terminal", r.terminal},
                              {"time", FormatRfc3339(r.time)},
                              {"action", decide::ActionName(td.decision.action)},
                              {"published", decide::ActionName(td.published)},
                              {"reasons", td.decision.reasons},
                              {"zones", td.decision.zones},
                              {"policy", policy.version},
                              {"zone_set", zones.version()}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace satfence::cli
