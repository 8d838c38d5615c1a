#include "satfence/decide/decide.h"

#include <toml++/toml.h>

#include <algorithm>
#include <climits>
#include <cmath>

#include "absl/strings/str_format.h"
#include "satfence/audit/merkle.h"
#include "satfence/base/file.h"
#include "satfence/geo/geodesic.h"

namespace satfence::decide {
namespace {

constexpr size_t kMaxPolicyBytes = 1 << 20;

std::optional<Action> ParseAction(std::string_view s) {
  if (s == "allow") return Action::kAllow;
  if (s == "review") return Action::kReview;
  if (s == "deny") return Action::kDeny;
  return std::nullopt;
}

}  // namespace

std::string_view ActionName(Action a) {
  switch (a) {
    case Action::kAllow:
      return "allow";
    case Action::kReview:
      return "review";
    case Action::kDeny:
      return "deny";
  }
  return "unknown";
}

absl::StatusOr<Policy> ParsePolicy(std::string_view text, std::string_view source) {
  const std::string file(source);
  toml::table root;
  try {
    root = toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s:%d: %s", file, e.source().begin.line, std::string(e.description())));
  }
  Policy p;
  p.source = file;
  p.version = audit::Hex(
      audit::Sha256(std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size())));
  auto error = [&](const toml::node* n, const std::string& key, const std::string& message) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s:%d: %s: %s", file, n ? static_cast<int>(n->source().begin.line) : 0, key, message));
  };
  auto number = [&](const toml::table& t, const std::string& prefix, const char* key, double lo,
                    double hi, double& out) -> absl::Status {
    const toml::node* n = t.get(key);
    if (n == nullptr) return absl::OkStatus();
    std::optional<double> v = n->value<double>();
    if (!v || !std::isfinite(*v) || *v < lo || *v > hi) {
      return error(n, prefix + key, absl::StrFormat("expected a number in [%g, %g]", lo, hi));
    }
    out = *v;
    return absl::OkStatus();
  };
  auto action = [&](const toml::table& t, const std::string& prefix, const char* key,
                    Action& out) -> absl::Status {
    const toml::node* n = t.get(key);
    if (n == nullptr) return absl::OkStatus();
    std::optional<std::string> s = n->value<std::string>();
    std::optional<Action> a = s ? ParseAction(*s) : std::nullopt;
    if (!a) return error(n, prefix + key, "expected \"allow\", \"review\" or \"deny\"");
    out = *a;
    return absl::OkStatus();
  };
  // Every key of table `t` must be one of `known`; errors name it with `prefix`.
  auto only = [&](const toml::table& t, const std::string& prefix,
                  std::initializer_list<std::string_view> known) -> absl::Status {
    for (auto&& [k, v] : t) {
      if (std::find(known.begin(), known.end(), k.str()) == known.end()) {
        return error(&v, prefix + std::string(k.str()), "unknown key");
      }
    }
    return absl::OkStatus();
  };
  const std::initializer_list<std::string_view> kUncertaintyKeys = {
      "straddles_deny", "inconclusive_near_deny", "a1_only_near_deny"};
  if (absl::Status s = only(root, "",
                            {"k_sigma", "near_deny_km", "land_speed_limit_kmh",
                             "speed_exempt_whitelisted", "residential_radius_km",
                             "hysteresis_reports", "roam_days_abroad", "aviation_min_height_m",
                             "aviation_min_speed_kmh", "uncertainty", "sequential", "zones"});
      !s.ok()) {
    return s;
  }
  double near_deny_km = p.near_deny_m / 1000.0, hysteresis = p.hysteresis_reports,
         roam_days = p.roam_days_abroad;
  for (absl::Status s :
       {number(root, "", "k_sigma", 0.1, 10.0, p.k_sigma),
        number(root, "", "near_deny_km", 0.0, 1000.0, near_deny_km),
        number(root, "", "land_speed_limit_kmh", 1.0, 2000.0, p.land_speed_limit_kmh),
        number(root, "", "residential_radius_km", 0.01, 1000.0, p.residential_radius_km),
        number(root, "", "hysteresis_reports", 1.0, 100.0, hysteresis),
        number(root, "", "roam_days_abroad", 0.0, 3660.0, roam_days),
        number(root, "", "aviation_min_height_m", -500.0, 20000.0, p.aviation_min_height_m),
        number(root, "", "aviation_min_speed_kmh", 0.0, 2000.0, p.aviation_min_speed_kmh)}) {
    if (!s.ok()) return s;
  }
  p.near_deny_m = 1000.0 * near_deny_km;
  p.hysteresis_reports = static_cast<int>(hysteresis);
  p.roam_days_abroad = static_cast<int>(roam_days);
  if (const toml::node* n = root.get("speed_exempt_whitelisted")) {
    if (!n->is_boolean()) return error(n, "speed_exempt_whitelisted", "expected true or false");
    p.speed_exempt_whitelisted = *n->value<bool>();
  }
  if (const toml::node* n = root.get("sequential")) {
    const toml::table* t = n->as_table();
    if (t == nullptr) return error(n, "sequential", "expected a table");
    if (absl::Status s = only(*t, "sequential.",
                              {"false_denials_per_day", "fleet_terminals",
                               "reports_per_terminal_per_day", "design_shift"});
        !s.ok()) {
      return s;
    }
    SequentialPolicy& q = p.sequential;
    for (absl::Status s :
         {number(*t, "sequential.", "false_denials_per_day", 1e-6, 1e9, q.false_denials_per_day),
          number(*t, "sequential.", "fleet_terminals", 1.0, 1e11, q.fleet_terminals),
          number(*t, "sequential.", "reports_per_terminal_per_day", 1e-3, 1e6,
                 q.reports_per_terminal_per_day),
          number(*t, "sequential.", "design_shift", 0.5, 20.0, q.design_shift)}) {
      if (!s.ok()) return s;
    }
  }
  if (const toml::node* n = root.get("uncertainty")) {
    const toml::table* u = n->as_table();
    if (u == nullptr) return error(n, "uncertainty", "expected a table");
    if (absl::Status s = only(*u, "uncertainty.", kUncertaintyKeys); !s.ok()) return s;
    for (absl::Status s :
         {action(*u, "uncertainty.", "straddles_deny", p.straddles_deny),
          action(*u, "uncertainty.", "inconclusive_near_deny", p.inconclusive_near_deny),
          action(*u, "uncertainty.", "a1_only_near_deny", p.a1_only_near_deny)}) {
      if (!s.ok()) return s;
    }
  }
  // [zones."ID"]: the same three keys for one deny zone.
  if (const toml::node* n = root.get("zones")) {
    const toml::table* zt = n->as_table();
    if (zt == nullptr) return error(n, "zones", "expected a table of zone ids");
    for (auto&& [id, node] : *zt) {
      const std::string prefix = absl::StrCat("zones.", std::string(id.str()), ".");
      const toml::table* z = node.as_table();
      if (z == nullptr)
        return error(&node, prefix.substr(0, prefix.size() - 1), "expected a table");
      if (absl::Status s = only(*z, prefix, kUncertaintyKeys); !s.ok()) return s;
      UncertaintyRules r{p.straddles_deny, p.inconclusive_near_deny, p.a1_only_near_deny};
      for (absl::Status s : {action(*z, prefix, "straddles_deny", r.straddles_deny),
                             action(*z, prefix, "inconclusive_near_deny", r.inconclusive_near_deny),
                             action(*z, prefix, "a1_only_near_deny", r.a1_only_near_deny)}) {
        if (!s.ok()) return s;
      }
      p.zone_uncertainty[std::string(id.str())] = r;
    }
  }
  return p;
}

absl::StatusOr<Policy> LoadPolicy(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFileLimited(path, kMaxPolicyBytes);
  if (!text.ok()) return text.status();
  return ParsePolicy(*text, path);
}

Decision Decide(const Policy& policy, const Evidence& e) {
  Decision d;
  auto ask = [&](Action a, const char* reason) {
    d.action = std::max(d.action, a);
    if (std::find(d.reasons.begin(), d.reasons.end(), reason) == d.reasons.end()) {
      d.reasons.emplace_back(reason);
    }
  };
  const verify::Verdict& v = e.verdict;
  auto flagged = [&](std::string_view f) {
    return std::find(v.flags.begin(), v.flags.end(), f) != v.flags.end();
  };
  const registry::Terminal* t = e.terminal;

  // A single `spoofed` verdict does not deny: the Decider's sequential test weighs it.
  d.spoof_log_lr =
      ReportEvidence(v.report_tests, v.report_p_value, policy.sequential.design_shift);
  d.history_log_lr = v.history_log_lr;
  if (flagged("clone")) ask(Action::kReview, "clone");
  if (t == nullptr) ask(Action::kReview, "unregistered");

  // The zones at the fix: only the highest-priority active zones holding it decide.
  int top = INT_MIN;
  for (const zones::ZoneNearby& z : e.where.zones) {
    const zones::Zone& zone = e.zones.zones()[z.zone];
    if (z.contains && zone.ActiveAt(e.time)) top = std::max(top, zone.priority);
  }
  // Uncertainty near a deny zone: that zone's rules, else the policy's.
  const UncertaintyRules defaults{policy.straddles_deny, policy.inconclusive_near_deny,
                                  policy.a1_only_near_deny};
  auto rules_of = [&](const zones::Zone& zone) -> const UncertaintyRules& {
    auto it = policy.zone_uncertainty.find(zone.id);
    return it == policy.zone_uncertainty.end() ? defaults : it->second;
  };
  bool near_deny = false;
  Action inconclusive_action = Action::kAllow, a1_only_action = Action::kAllow;
  for (const zones::ZoneNearby& z : e.where.zones) {
    const zones::Zone& zone = e.zones.zones()[z.zone];
    if (!zone.ActiveAt(e.time)) continue;
    const bool deny = zone.action == zones::ZoneAction::kDeny;
    if (deny && (z.contains || z.border_m <= policy.near_deny_m)) {
      near_deny = true;
      inconclusive_action = std::max(inconclusive_action, rules_of(zone).inconclusive_near_deny);
      a1_only_action = std::max(a1_only_action, rules_of(zone).a1_only_near_deny);
    }
    if (z.contains && zone.priority == top) {
      d.zones.push_back(zone.id);
      const bool inside = z.region == zones::RegionClass::kInside;
      switch (zone.action) {
        case zones::ZoneAction::kDeny:
          if (inside) {
            ask(Action::kDeny, "in_deny_zone");
          } else {
            ask(rules_of(zone).straddles_deny, "near_deny_border");
          }
          break;
        case zones::ZoneAction::kAllowIfWhitelisted:
          if (t == nullptr || !t->whitelisted)
            ask(inside ? Action::kDeny : Action::kReview, "not_whitelisted");
          break;
        case zones::ZoneAction::kReview:
          ask(Action::kReview, "in_review_zone");
          break;
        case zones::ZoneAction::kAllow:
          break;
      }
    } else if (deny && z.region == zones::RegionClass::kStraddles && zone.priority >= top) {
      ask(rules_of(zone).straddles_deny, "near_deny_border");  // reaches into a deny zone
    }
  }
  if (near_deny && v.outcome == verify::Outcome::kInconclusive) {
    ask(inconclusive_action, "inconclusive_near_deny");
  }
  const bool holds_a2 =
      std::find(v.assurance.begin(), v.assurance.end(), "A2") != v.assurance.end();
  if (near_deny && v.outcome == verify::Outcome::kConsistent && !holds_a2) {
    ask(a1_only_action, "a1_only_near_deny");
  }

  // Speed: the network's own estimate of the ground speed, or the verifier's flag.
  double speed_kmh = 0.0;
  if (v.fix && v.fix->velocity_enu_mps) {
    speed_kmh = 3.6 * std::hypot(v.fix->velocity_enu_mps->x, v.fix->velocity_enu_mps->y);
  }
  const bool exempt = t != nullptr && (t->plan == registry::Plan::kAviation ||
                                       t->plan == registry::Plan::kMaritime ||
                                       (policy.speed_exempt_whitelisted && t->whitelisted));
  if (!exempt && (speed_kmh > policy.land_speed_limit_kmh || flagged("speed_limit"))) {
    ask(Action::kDeny, "speed_limit");
  }

  // Plans, on the network's fix.
  if (t != nullptr && v.fix) {
    switch (t->plan) {
      case registry::Plan::kResidential:
        if (t->service_address &&
            geo::GeodesicInverse(*t->service_address, v.fix->position).distance_m >
                1000.0 * policy.residential_radius_km) {
          ask(Action::kReview, "plan_outside_area");
        }
        break;
      case registry::Plan::kMaritime:
        // On land only when the whole k-sigma region is: a ship in port is not flagged.
        for (const zones::ZoneNearby& z : e.where.zones) {
          if (z.contains && z.region == zones::RegionClass::kInside &&
              e.zones.zones()[z.zone].kind == zones::ZoneKind::kCountryLand) {
            ask(Action::kReview, "plan_on_land");
            break;
          }
        }
        break;
      case registry::Plan::kAviation: {
        const double k_up = policy.k_sigma * v.fix->sigma_up_m;
        if (v.fix->position.height_m + k_up < policy.aviation_min_height_m &&
            speed_kmh < policy.aviation_min_speed_kmh) {
          ask(Action::kReview, "plan_not_airborne");
        }
        break;
      }
      case registry::Plan::kRoam: {
        // Abroad: the set knows countries, and none holding the fix is the home country.
        bool knows_countries = false, at_home = false;
        for (const zones::Zone& zone : e.zones.zones()) {
          if (zone.kind == zones::ZoneKind::kCountryLand ||
              zone.kind == zones::ZoneKind::kTerritorialWaters) {
            knows_countries = true;
            break;
          }
        }
        for (const zones::ZoneNearby& z : e.where.zones) {
          const zones::Zone& zone = e.zones.zones()[z.zone];
          if (z.contains && zone.id == t->sale_country &&
              (zone.kind == zones::ZoneKind::kCountryLand ||
               zone.kind == zones::ZoneKind::kTerritorialWaters)) {
            at_home = true;
          }
        }
        if (knows_countries && !at_home) {
          const std::int64_t micros = e.time.time_since_epoch().count();
          constexpr std::int64_t kDay = 86'400'000'000;
          d.abroad_day = micros >= 0 ? micros / kDay : -((-micros + kDay - 1) / kDay);
        }
        break;
      }
    }
  }
  return d;
}

TerminalDecision Decider::Apply(DecisionState& s, Decision decision) const {
  TerminalDecision out;
  const bool first = s.reports == 0;
  ++s.reports;
  if (decision.abroad_day) {
    auto at = std::lower_bound(s.days_abroad.begin(), s.days_abroad.end(), *decision.abroad_day);
    if (at == s.days_abroad.end() || *at != *decision.abroad_day) {
      s.days_abroad.insert(at, *decision.abroad_day);
    }
    if (static_cast<int>(s.days_abroad.size()) > policy_.roam_days_abroad) {
      decision.action = std::max(decision.action, Action::kReview);
      decision.reasons.emplace_back("roaming_limit");
    }
  }
  // The sequential spoof test: Page's CUSUM, kept below 2h so that it forgets a spoof
  // that has ended; at or over h (or the history's statistic there) the terminal is denied.
  const double h = spoof_threshold_;
  s.spoof_cusum = CusumStep(s.spoof_cusum, decision.spoof_log_lr, h);
  const bool spoof_alarm = SpoofAlarm(s.spoof_cusum, decision.history_log_lr, h);
  if (spoof_alarm) {
    decision.action = Action::kDeny;
    decision.reasons.insert(decision.reasons.begin(), "spoof_suspected");
  }
  if (first || (spoof_alarm && s.published != Action::kDeny)) {
    out.changed = true;
    s.published = decision.action;
    s.agreeing = 0;
  } else if (decision.action == s.published) {
    s.agreeing = 0;
  } else {
    if (decision.action == s.candidate && s.agreeing > 0) {
      ++s.agreeing;
    } else {
      s.candidate = decision.action;
      s.agreeing = 1;
    }
    if (s.agreeing >= policy_.hysteresis_reports) {
      s.published = decision.action;
      s.agreeing = 0;
      out.changed = true;
    }
  }
  out.published = s.published;
  std::vector<std::string> now = decision.zones;
  std::sort(now.begin(), now.end());
  for (const std::string& z : s.zones) {
    if (!std::binary_search(now.begin(), now.end(), z))
      out.events.push_back({ZoneEvent::Kind::kExit, z});
  }
  if (!first) {
    for (const std::string& z : now) {
      if (!std::binary_search(s.zones.begin(), s.zones.end(), z)) {
        out.events.push_back({ZoneEvent::Kind::kEnter, z});
      }
    }
  }
  s.zones = std::move(now);
  out.decision = std::move(decision);
  return out;
}

}  // namespace satfence::decide
