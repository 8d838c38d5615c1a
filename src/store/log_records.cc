#include "satfence/store/log_records.h"

#include <nlohmann/json.hpp>

#include "satfence/audit/merkle.h"
#include "satfence/audit/proof.h"
#include "satfence/base/text.h"

namespace satfence::store {

std::string Sha256Hex(std::string_view text) {
  return audit::Hex(
      audit::Sha256(std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size())));
}

absl::StatusOr<std::string> PolicyLogRecord(const std::string& version, const std::string& text) {
  return audit::CanonicalJson(
      {{"type", kPolicyKind}, {"version", version}, {"text_sha256", Sha256Hex(text)}});
}

absl::StatusOr<std::string> ZoneSetLogRecord(const std::string& version,
                                             const std::string& description) {
  return audit::CanonicalJson({{"type", kZoneSetKind},
                               {"version", version},
                               {"description_sha256", Sha256Hex(description)}});
}

absl::StatusOr<std::string> TerminalLogRecord(const registry::Terminal& t, std::int64_t change) {
  nlohmann::json j = {{"type", kTerminalKind},
                      {"id", t.id},
                      {"model", t.model},
                      {"activated", t.activated},
                      {"plan", registry::PlanName(t.plan)},
                      {"channel", registry::ChannelName(t.channel)},
                      {"seller", t.seller},
                      {"sale_country", t.sale_country},
                      {"owner", t.owner},
                      {"owner_type", registry::OwnerTypeName(t.owner_type)},
                      {"inspected", t.inspected},
                      {"whitelisted", t.whitelisted}};
  if (change != 0) j["change"] = change;
  if (t.service_address) {
    j["service_lat"] = ExactDouble(t.service_address->lat_deg);
    j["service_lon"] = ExactDouble(t.service_address->lon_deg);
  }
  return audit::CanonicalJson(j);
}

absl::StatusOr<std::string> DecisionLogRecord(const DecisionRecord& d) {
  return audit::CanonicalJson({{"type", kDecisionKind},
                               {"seq", d.seq},
                               {"terminal", d.terminal},
                               {"time", d.time},
                               {"action", d.action},
                               {"published", d.published},
                               {"reasons", d.reasons},
                               {"zones", d.zones},
                               {"verdict", d.verdict},
                               {"report_sha256", d.report_digest},
                               {"verdict_sha256", Sha256Hex(d.verdict_json)},
                               {"policy_version", d.policy_version},
                               {"zone_set_version", d.zone_set_version}});
}

}  // namespace satfence::store
