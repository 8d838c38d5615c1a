#include "satfence/pipeline/pipeline.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "satfence/verify/telemetry.h"

namespace satfence::pipeline {

ReportDigest DigestOf(std::string_view received) {
  return audit::Sha256(
      std::span(reinterpret_cast<const std::uint8_t*>(received.data()), received.size()));
}

Decided DecideReport(const Inputs& in, const verify::Report& r, TerminalState& state) {
  Decided d;
  d.verdict = in.verifier.Verify(r, state.history);
  // The fix's k-sigma ellipse against the zones; without a fix, the claimed place.
  zones::Proximity where;
  const verify::Verdict& v = d.verdict;
  if (v.fix) {
    in.index.Classify(
        v.fix->position.lat_deg, v.fix->position.lon_deg,
        zones::Region::Ellipse(v.fix->ellipse.semi_major_m, v.fix->ellipse.semi_minor_m,
                               v.fix->ellipse.azimuth_deg, in.policy.k_sigma),
        in.policy.near_deny_m, where);
  } else {
    in.index.Classify(r.claimed.position.lat_deg, r.claimed.position.lon_deg,
                      zones::Region::Circle(0.0), in.policy.near_deny_m, where);
  }
  d.decision = decide::Decider(in.policy).Apply(
      state.decision,
      decide::Decide(in.policy, {v, in.registry.Find(r.terminal), in.zones, where, r.time}));
  return d;
}

absl::StatusOr<EventKinds> ParseEventKinds(const std::vector<std::string>& names) {
  EventKinds k{false, false, false, false, false, false};
  for (const std::string& n : names) {
    bool* flag = n == "enter"             ? &k.enter
                 : n == "exit"            ? &k.exit
                 : n == "inside"          ? &k.inside
                 : n == "outside"         ? &k.outside
                 : n == "action_changed"  ? &k.action_changed
                 : n == "spoof_suspected" ? &k.spoof_suspected
                                          : nullptr;
    if (flag == nullptr) {
      return absl::InvalidArgumentError(
          "unknown event kind '" + n +
          "' (enter, exit, inside, outside, action_changed, spoof_suspected)");
    }
    *flag = true;
  }
  return k;
}

void AppendToBatch(const Inputs& in, const verify::Report& r, const ReportDigest& digest,
                   const Decided& decided, store::Batch& batch, const EventKinds& kinds) {
  const decide::TerminalDecision& td = decided.decision;
  const std::string time = FormatRfc3339(r.time);
  store::DecisionRecord& record = batch.decisions.emplace_back();
  record.terminal = r.terminal;
  record.time = time;
  record.action = std::string(decide::ActionName(td.decision.action));
  record.published = std::string(decide::ActionName(td.published));
  record.reasons = td.decision.reasons;
  record.zones = td.decision.zones;
  record.verdict = std::string(verify::OutcomeName(decided.verdict.outcome));
  record.report_digest = audit::Hex(digest);
  record.verdict_json = verify::VerdictJson(decided.verdict);
  record.policy_version = in.policy.version;
  record.zone_set_version = in.zones.version();
  const std::size_t index = batch.decisions.size() - 1;
  auto event = [&](const char* kind, std::string detail) {
    batch.events.push_back({index, {0, r.terminal, time, kind, std::move(detail)}});
  };
  for (const decide::ZoneEvent& ev : td.events) {
    const bool enter = ev.kind == decide::ZoneEvent::Kind::kEnter;
    if (enter ? kinds.enter : kinds.exit) event(enter ? "enter" : "exit", ev.zone);
  }
  if (kinds.inside) {
    for (const std::string& zone : td.decision.zones) event("inside", zone);
  }
  if (kinds.outside && td.decision.zones.empty()) event("outside", "");
  if (td.changed && kinds.action_changed) {
    event("action_changed", std::string(decide::ActionName(td.published)));
  }
  const std::vector<std::string>& reasons = td.decision.reasons;
  if (kinds.spoof_suspected &&
      std::find(reasons.begin(), reasons.end(), "spoof_suspected") != reasons.end()) {
    std::string flags;
    for (std::string_view f : decided.verdict.flags) {
      if (!flags.empty()) flags += ',';
      flags.append(f);
    }
    event("spoof_suspected", flags);
  }
}

Pipeline::Pipeline(Inputs in, TerminalStates& states, store::Store* store, int batch_size)
    : in_(in), states_(states), store_(store), batch_size_(std::max(batch_size, 1)) {}

absl::Status Pipeline::StoreVersions(const std::string& policy_text,
                                     const std::string& zone_set_description) {
  if (store_ == nullptr) return absl::OkStatus();
  absl::Status s = store_->PutPolicy(in_.policy.version, policy_text);
  if (s.ok()) s = store_->PutZoneSet(in_.zones.version(), zone_set_description);
  if (s.ok()) s = store_->PutTerminals(in_.registry.terminals());
  return s;
}

Decided Pipeline::Process(const verify::Report& r, const ReportDigest& digest) {
  Decided d = DecideReport(in_, r, states_.Get(r.terminal));
  ++counts_.outcomes[static_cast<int>(d.verdict.outcome)];
  const decide::TerminalDecision& td = d.decision;
  ++counts_.actions[static_cast<int>(td.decision.action)];
  ++counts_.published[static_cast<int>(td.published)];
  for (const std::string& x : td.decision.reasons) ++counts_.reasons[x];
  if (store_ == nullptr) return d;
  AppendToBatch(in_, r, digest, d, batch_);
  touched_.insert(r.terminal);
  if (static_cast<int>(batch_.decisions.size()) >= batch_size_) {
    Flush().IgnoreError();  // kept in store_status_
  }
  return d;
}

absl::Status Pipeline::Flush() {
  if (store_ == nullptr || !store_status_.ok()) return store_status_;
  for (const std::string& terminal : touched_) {
    batch_.states.push_back({terminal, EncodeTerminalState(states_.Get(terminal))});
  }
  const int decisions = static_cast<int>(batch_.decisions.size());
  store_status_ = batch_.empty() ? absl::OkStatus() : store_->PutBatch(batch_);
  if (store_status_.ok()) counts_.stored += decisions;
  batch_.clear();
  touched_.clear();
  return store_status_;
}

std::vector<std::string> UnknownPolicyZones(const decide::Policy& policy,
                                            const zones::ZoneSet& zones) {
  std::vector<std::string> unknown;
  for (const auto& [id, rules] : policy.zone_uncertainty) {
    if (zones.Find(id) < 0) unknown.push_back(id);
  }
  return unknown;
}

namespace {

std::string Line(std::string_view terminal, std::string_view time, std::string_view action,
                 std::string_view published, const std::vector<std::string>& reasons,
                 const std::vector<std::string>& zones, std::string_view policy,
                 std::string_view zone_set) {
  nlohmann::ordered_json j = {{"terminal", terminal}, {"time", time},
                              {"action", action},     {"published", published},
                              {"reasons", reasons},   {"zones", zones},
                              {"policy", policy},     {"zone_set", zone_set}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::string DecisionLine(const verify::Report& r, const Decided& d, const decide::Policy& policy,
                         const zones::ZoneSet& zones) {
  const decide::TerminalDecision& td = d.decision;
  return Line(r.terminal, FormatRfc3339(r.time), decide::ActionName(td.decision.action),
              decide::ActionName(td.published), td.decision.reasons, td.decision.zones,
              policy.version, zones.version());
}

std::string DecisionLine(const store::DecisionRecord& d) {
  return Line(d.terminal, d.time, d.action, d.published, d.reasons, d.zones, d.policy_version,
              d.zone_set_version);
}

}  // namespace satfence::pipeline
