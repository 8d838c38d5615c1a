// Decisions: zones x verdict x registry x policy -> allow, review or deny, with named reasons.
//
//   absl::StatusOr<Policy> policy = LoadPolicy("examples/policy.toml");
//   zones::Proximity where;                       // the fix's k-sigma ellipse against the zones
//   index.Classify(fix.lat, fix.lon, Region::Ellipse(a, b, az, policy->k_sigma),
//                  policy->near_deny_m, where);
//   Decision d = Decide(*policy, {verdict, terminal, zone_set, where, verdict.time});
//
// Rules, each adding a reason; the decision is the most severe action any rule asks for:
//   spoof_suspected      the terminal's sequential spoof test crossed its threshold  deny
//                        (Decider; published at once, without hysteresis)
//   clone                the network saw the identity in two places                  review
//   unregistered         the terminal is not in the registry                         review
//   in_deny_zone         the whole k-sigma region lies in an active deny zone        deny
//   near_deny_border     the region straddles a deny zone's border   policy, per zone (review)
//   not_whitelisted      inside an allow-if-whitelisted zone, not whitelisted        deny
//                        (review while the region straddles its border)
//   in_review_zone       inside a review zone                                        review
//   inconclusive_near_deny  no verdict either way, a deny zone within reach
//                                                                   policy, per zone (review)
//   a1_only_near_deny    consistent only against GNSS spoofing, a deny zone within reach
//                                                                   policy, per zone (review)
//   speed_limit          above the land speed cut-off (aviation plans and, if the policy
//                        says so, whitelisted terminals exempt)                      deny
//   plan_outside_area    a residential plan farther than allowed from its address    review
//   plan_on_land         a maritime plan whose k-sigma region lies on land (needs
//                        country_land zones in the set)                              review
//   plan_not_airborne    an aviation plan surely on the ground: height plus k sigma
//                        below the floor and slower than an aircraft flies            review
//   roaming_limit        a roaming plan abroad (outside its country of sale's zones)
//                        on more distinct UTC days than allowed (Decider)             review
// Where zones overlap, only the highest-priority active zones at the fix decide.
#ifndef SATFENCE_DECIDE_DECIDE_H_
#define SATFENCE_DECIDE_DECIDE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "satfence/base/utc_time.h"
#include "satfence/decide/sequential.h"
#include "satfence/registry/registry.h"
#include "satfence/verify/verifier.h"
#include "satfence/zones/region.h"
#include "satfence/zones/zone_set.h"

namespace satfence::decide {

enum class Action { kAllow, kReview, kDeny };  // in order of severity
std::string_view ActionName(Action a);

// How uncertainty near one deny zone is treated, overriding the policy's defaults.
struct UncertaintyRules {
  Action straddles_deny = Action::kReview;
  Action inconclusive_near_deny = Action::kReview;  // kDeny fails closed, kAllow open
  Action a1_only_near_deny = Action::kReview;
};

struct Policy {
  std::string source;
  std::string version;            // SHA-256 of the file's bytes, hex
  double k_sigma = 3.0;           // the region tested against zones
  double near_deny_m = 20'000.0;  // "near a deny zone": a deny border this close
  double land_speed_limit_kmh = 90.0;
  bool speed_exempt_whitelisted = false;
  double residential_radius_km = 5.0;
  Action straddles_deny = Action::kReview;
  Action inconclusive_near_deny = Action::kReview;  // kDeny fails closed, kAllow open
  Action a1_only_near_deny = Action::kReview;
  int hysteresis_reports = 2;  // agreeing reports needed to change a terminal's decision
  // Per deny zone (by id), [zones."ID"] in the file: keys not given there take the defaults
  // above. Near several deny zones, the most severe action asked for applies.
  std::map<std::string, UncertaintyRules> zone_uncertainty;
  int roam_days_abroad = 60;              // distinct UTC days a roaming plan may be used abroad
  double aviation_min_height_m = 300.0;   // above the ellipsoid: airborne
  double aviation_min_speed_kmh = 150.0;  // or at least this fast
  SequentialPolicy sequential;            // [sequential] in the file; SpoofThreshold gives h
};

// Reads a policy (TOML; docs/policy.md). Errors name the file, line and key.
absl::StatusOr<Policy> ParsePolicy(std::string_view text, std::string_view source);
absl::StatusOr<Policy> LoadPolicy(const std::string& path);

struct Evidence {
  const verify::Verdict& verdict;
  const registry::Terminal* terminal;  // null when unregistered
  const zones::ZoneSet& zones;
  const zones::Proximity& where;  // the fix's (or, without one, the claim's) region
  UtcTime time;
};

struct Decision {
  Action action = Action::kAllow;
  std::vector<std::string> reasons;  // in rule order, without repeats
  std::vector<std::string> zones;    // ids of the deciding zones at the fix
  // A roaming plan's fix outside its home country: the UTC day (days since 1970-01-01),
  // counted by the Decider against Policy::roam_days_abroad.
  std::optional<std::int64_t> abroad_day;
  // This report's evidence for the sequential spoof test (0 when its tests could not say).
  double spoof_log_lr = 0.0;
  double history_log_lr = 0.0;  // the verdict's
};

Decision Decide(const Policy& policy, const Evidence& evidence);

// A terminal's movement between the deciding zones of successive reports.
struct ZoneEvent {
  enum class Kind { kEnter, kExit };
  Kind kind;
  std::string zone;
};

struct TerminalDecision {
  Decision decision;              // this report's
  Action published;               // what the terminal's service follows, after hysteresis
  bool changed = false;           // `published` changed with this report
  std::vector<ZoneEvent> events;  // exits first, then entries, each in zone-id order
};

// What the decider keeps of a terminal between its reports. Plain values, so it can be
// stored or moved to another machine (pipeline/terminal_state.h encodes it).
struct DecisionState {
  std::int64_t reports = 0;  // decided so far; 0: nothing below is set
  Action published = Action::kAllow;
  Action candidate = Action::kAllow;
  int agreeing = 0;                       // successive reports for `candidate`
  std::vector<std::string> zones;         // the last report's deciding zones, sorted
  std::vector<std::int64_t> days_abroad;  // sorted, distinct
  double spoof_cusum = 0.0;               // the sequential spoof test's S, in [0, 2h]
};

// Per-terminal state: a terminal's published action changes only after
// `policy.hysteresis_reports` successive reports agree on a new one (its first report sets it
// at once), so a single noisy report does not flap service. The sequential spoof test
// (SequentialPolicy) runs here: while its CUSUM or the verdict's history statistic is at or
// above the threshold the decision is `deny` for `spoof_suspected`, published at once (the
// test is its own persistence check). The CUSUM is kept below 2h, so after a spoof ends it
// falls back under h within about h / (d^2/2) honest reports. It also counts the distinct
// days a roaming plan was used abroad and adds `roaming_limit` past the policy's limit.
// Reports in time order.
class Decider {
 public:
  explicit Decider(const Policy& policy)
      : policy_(policy), spoof_threshold_(SpoofThreshold(policy.sequential)) {}
  // Applies `decision` to the terminal's `state` and updates it. Safe to call from several
  // threads on different states.
  TerminalDecision Apply(DecisionState& state, Decision decision) const;
  // The same with the states kept here, by terminal id.
  TerminalDecision Apply(const std::string& terminal, Decision decision) {
    return Apply(states_[terminal], std::move(decision));
  }

 private:
  const Policy& policy_;
  double spoof_threshold_;  // SpoofThreshold(policy_.sequential), once
  std::unordered_map<std::string, DecisionState> states_;
};

}  // namespace satfence::decide

#endif  // SATFENCE_DECIDE_DECIDE_H_
