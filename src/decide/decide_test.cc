// Decisions on real zone geometry (two zones sharing a border along 37 E, classified by the
// zone index with each fix's 3-sigma ellipse), hand-made verdicts and registry entries: each
// rule of decide.h gives its action and reason, and only those.
#include "satfence/decide/decide.h"

#include <gtest/gtest.h>

#include "satfence/zones/geojson_reader.h"
#include "satfence/zones/zone_index.h"

namespace satfence::decide {
namespace {

constexpr char kZones[] = R"({"type": "FeatureCollection", "features": [
 {"type": "Feature", "properties": {"id": "west", "name": "West", "kind": "operator",
   "action": "allow_if_whitelisted", "priority": 10},
  "geometry": {"type": "Polygon", "coordinates": [[[30,46],[37,46],[37,52],[30,52],[30,46]]]}},
 {"type": "Feature", "properties": {"id": "east", "name": "East", "kind": "operator",
   "action": "deny", "priority": 10},
  "geometry": {"type": "Polygon", "coordinates": [[[37,46],[40,46],[40,52],[37,52],[37,46]]]}},
 {"type": "Feature", "properties": {"id": "check", "name": "Checkpoint", "kind": "operator",
   "action": "review", "priority": 20},
  "geometry": {"type": "Polygon", "coordinates": [[[31,47],[31.2,47],[31.2,47.2],[31,47.2],[31,47]]]}}
]})";

class DecideTest : public ::testing::Test {
 protected:
  DecideTest() : set_(zones::ParseZonesGeoJson(kZones, "zones.geojson").zones), index_(set_) {
    terminal_.id = "KIT-1";
    terminal_.plan = registry::Plan::kRoam;
    terminal_.whitelisted = true;
  }

  // A verdict with a fix at (lat, lon), 1-sigma ellipse of `sigma_m`.
  static verify::Verdict At(double lat, double lon, double sigma_m,
                            verify::Outcome outcome = verify::Outcome::kConsistent) {
    verify::Verdict v;
    v.outcome = outcome;
    v.assurance = {"A1", "A2"};
    verify::Fix f;
    f.position = {lat, lon, 0.0};
    f.ellipse = {sigma_m, sigma_m, 0.0};
    v.fix = f;
    return v;
  }

  Decision Run(const verify::Verdict& v, const registry::Terminal* t, const Policy& p = {}) {
    zones::Proximity where;
    index_.Classify(v.fix->position.lat_deg, v.fix->position.lon_deg,
                    zones::Region::Ellipse(v.fix->ellipse.semi_major_m, v.fix->ellipse.semi_minor_m,
                                           v.fix->ellipse.azimuth_deg, p.k_sigma),
                    p.near_deny_m, where);
    return Decide(p, {v, t, set_, where, UtcTime{}});
  }

  zones::ZoneSet set_;
  zones::ZoneIndex index_;
  registry::Terminal terminal_;
};

TEST_F(DecideTest, ZonesAndWhitelist) {
  ASSERT_EQ(set_.size(), 3u);
  Decision allowed = Run(At(50.0, 33.0, 50.0), &terminal_);
  EXPECT_EQ(allowed.action, Action::kAllow);
  EXPECT_TRUE(allowed.reasons.empty());
  EXPECT_EQ(allowed.zones, (std::vector<std::string>{"west"}));

  registry::Terminal unlisted = terminal_;
  unlisted.whitelisted = false;
  Decision d = Run(At(50.0, 33.0, 50.0), &unlisted);
  EXPECT_EQ(d.action, Action::kDeny);
  EXPECT_EQ(d.reasons, (std::vector<std::string>{"not_whitelisted"}));

  d = Run(At(49.0, 38.5, 50.0), &terminal_);
  EXPECT_EQ(d.action, Action::kDeny);
  EXPECT_EQ(d.reasons, (std::vector<std::string>{"in_deny_zone"}));

  // 1 km west of the border, 3-sigma of 1.5 km: the region reaches into the deny zone.
  d = Run(At(49.0, 36.986, 500.0), &terminal_);
  EXPECT_EQ(d.action, Action::kReview);
  EXPECT_EQ(d.reasons, (std::vector<std::string>{"near_deny_border"}));
  // The same with a tight fix stays on its side.
  EXPECT_EQ(Run(At(49.0, 36.986, 50.0), &terminal_).action, Action::kAllow);

  // The review zone outranks (priority 20) the zone around it.
  d = Run(At(47.1, 31.1, 20.0), &terminal_);
  EXPECT_EQ(d.reasons, (std::vector<std::string>{"in_review_zone"}));
  EXPECT_EQ(d.zones, (std::vector<std::string>{"check"}));
}

TEST_F(DecideTest, VerdictsAndUncertainty) {
  // One `spoofed` verdict alone denies nothing: it is evidence for the Decider's sequential
  // test, d z - d^2/2 with z = Q^-1(1e-12) = 7.0344838 and d = 4.
  verify::Verdict spoofed = At(50.0, 33.0, 50.0, verify::Outcome::kSpoofed);
  spoofed.report_tests = 2;
  spoofed.report_p_value = 1e-12;
  Decision d = Run(spoofed, &terminal_);
  EXPECT_EQ(d.action, Action::kAllow);
  EXPECT_TRUE(d.reasons.empty());
  EXPECT_NEAR(d.spoof_log_lr, 4.0 * 7.0344838 - 8.0, 1e-6);
  spoofed.report_tests = 0;  // no test could say: no evidence either way
  EXPECT_EQ(Run(spoofed, &terminal_).spoof_log_lr, 0.0);

  // 10 km from the deny zone (within the 20 km of "near"), no verdict either way.
  verify::Verdict unsure = At(49.0, 36.87, 50.0, verify::Outcome::kInconclusive);
  d = Run(unsure, &terminal_);
  EXPECT_EQ(d.action, Action::kReview);
  EXPECT_EQ(d.reasons, (std::vector<std::string>{"inconclusive_near_deny"}));
  Policy closed;
  closed.inconclusive_near_deny = Action::kDeny;
  EXPECT_EQ(Run(unsure, &terminal_, closed).action, Action::kDeny);
  // Far from any deny zone it does not matter.
  EXPECT_EQ(Run(At(50.0, 31.0, 50.0, verify::Outcome::kInconclusive), &terminal_).action,
            Action::kAllow);
  // Per zone: failing closed near "east" only; near a zone without its own rules, the default.
  Policy per_zone;
  per_zone.zone_uncertainty["east"] = {Action::kReview, Action::kDeny, Action::kReview};
  EXPECT_EQ(Run(unsure, &terminal_, per_zone).action, Action::kDeny);
  Policy elsewhere;
  elsewhere.zone_uncertainty["west"] = {Action::kReview, Action::kDeny, Action::kDeny};
  EXPECT_EQ(Run(unsure, &terminal_, elsewhere).action, Action::kReview);  // west is not deny
  // And open near "east": the per-zone rule may also be laxer than the default.
  Policy open;
  open.zone_uncertainty["east"] = {Action::kReview, Action::kAllow, Action::kReview};
  EXPECT_EQ(Run(unsure, &terminal_, open).action, Action::kAllow);

  verify::Verdict a1_only = At(49.0, 36.87, 50.0);
  a1_only.assurance = {"A1"};
  d = Run(a1_only, &terminal_);
  EXPECT_EQ(d.reasons, (std::vector<std::string>{"a1_only_near_deny"}));

  verify::Verdict twice = At(50.0, 33.0, 50.0);
  twice.flags = {"clone"};
  EXPECT_EQ(Run(twice, &terminal_).reasons, (std::vector<std::string>{"clone"}));
  // Unregistered means not whitelisted either: denied where only whitelisted kits may work.
  d = Run(At(50.0, 33.0, 50.0), nullptr);
  EXPECT_EQ(d.action, Action::kDeny);
  EXPECT_EQ(d.reasons, (std::vector<std::string>{"unregistered", "not_whitelisted"}));
}

TEST_F(DecideTest, SpeedAndPlans) {
  verify::Verdict fast = At(50.0, 33.0, 50.0);
  fast.fix->velocity_enu_mps = geo::Vec3{40.0, 10.0, 0.0};  // 148 km/h
  Decision d = Run(fast, &terminal_);
  EXPECT_EQ(d.action, Action::kDeny);
  EXPECT_EQ(d.reasons, (std::vector<std::string>{"speed_limit"}));
  registry::Terminal plane = terminal_;
  plane.plan = registry::Plan::kAviation;
  verify::Verdict flying = fast;
  flying.fix->position.height_m = 3000.0;  // airborne, so the aviation plan's own rule is met
  EXPECT_EQ(Run(flying, &plane).action, Action::kAllow);
  Policy lenient;
  lenient.speed_exempt_whitelisted = true;
  EXPECT_EQ(Run(fast, &terminal_, lenient).action, Action::kAllow);

  registry::Terminal home = terminal_;
  home.plan = registry::Plan::kResidential;
  home.service_address = geo::Geodetic{50.0, 33.0, 0.0};
  EXPECT_EQ(Run(At(50.02, 33.0, 50.0), &home).action, Action::kAllow);  // 2.2 km away
  d = Run(At(50.1, 33.0, 50.0), &home);                                 // 11 km away
  EXPECT_EQ(d.action, Action::kReview);
  EXPECT_EQ(d.reasons, (std::vector<std::string>{"plan_outside_area"}));
}

TEST(Decider, HysteresisAndZoneEvents) {
  Policy policy;  // two agreeing reports change a published action
  Decider decider(policy);
  auto decision = [](Action a, std::vector<std::string> zones) {
    Decision d;
    d.action = a;
    d.zones = std::move(zones);
    return d;
  };
  TerminalDecision t = decider.Apply("KIT-1", decision(Action::kAllow, {"west"}));
  EXPECT_TRUE(t.changed);
  EXPECT_EQ(t.published, Action::kAllow);
  EXPECT_TRUE(t.events.empty());  // the first report enters nothing: it starts there
  t = decider.Apply("KIT-1", decision(Action::kDeny, {"east"}));
  EXPECT_FALSE(t.changed);
  EXPECT_EQ(t.published, Action::kAllow);  // one report is not enough
  ASSERT_EQ(t.events.size(), 2u);          // crossing: out of west, into east
  EXPECT_EQ(t.events[0].kind, ZoneEvent::Kind::kExit);
  EXPECT_EQ(t.events[0].zone, "west");
  EXPECT_EQ(t.events[1].kind, ZoneEvent::Kind::kEnter);
  EXPECT_EQ(t.events[1].zone, "east");
  t = decider.Apply("KIT-1", decision(Action::kAllow, {"east"}));  // back: the count restarts
  EXPECT_EQ(t.published, Action::kAllow);
  t = decider.Apply("KIT-1", decision(Action::kDeny, {"east"}));
  EXPECT_FALSE(t.changed);
  t = decider.Apply("KIT-1", decision(Action::kDeny, {"east"}));
  EXPECT_TRUE(t.changed);
  EXPECT_EQ(t.published, Action::kDeny);
  EXPECT_TRUE(t.events.empty());
  // Another terminal has its own state.
  EXPECT_EQ(decider.Apply("KIT-2", decision(Action::kReview, {})).published, Action::kReview);
}

// The sequential spoof test: evidence adds up to the threshold, which denies at once (no
// hysteresis); honest reports bring the statistic back down, and then hysteresis releases.
TEST(Decider, SequentialSpoofTest) {
  Policy policy;  // h = log(2.88e10) = 24.08, d = 4
  ASSERT_NEAR(SpoofThreshold(policy.sequential), 24.0836412, 1e-6);
  Decider decider(policy);
  auto report = [](double llr, double history = 0.0) {
    Decision d;
    d.spoof_log_lr = llr;
    d.history_log_lr = history;
    return d;
  };
  DecisionState s;
  TerminalDecision t = decider.Apply(s, report(-8.0));  // an honest first report
  EXPECT_EQ(t.published, Action::kAllow);
  EXPECT_EQ(s.spoof_cusum, 0.0);
  t = decider.Apply(s, report(12.0));  // z = 5 three times: 12, 24, 36
  EXPECT_EQ(t.published, Action::kAllow);
  t = decider.Apply(s, report(12.0));
  EXPECT_EQ(t.published, Action::kAllow);  // 24 < 24.08
  EXPECT_FALSE(t.changed);
  t = decider.Apply(s, report(12.0));
  EXPECT_TRUE(t.changed);  // at once, though hysteresis asks for two agreeing reports
  EXPECT_EQ(t.published, Action::kDeny);
  EXPECT_EQ(t.decision.action, Action::kDeny);
  EXPECT_EQ(t.decision.reasons, (std::vector<std::string>{"spoof_suspected"}));
  t = decider.Apply(s, report(1000.0));  // the statistic is kept under 2h
  EXPECT_NEAR(s.spoof_cusum, 2.0 * SpoofThreshold(policy.sequential), 1e-12);
  // Honest again (z = 0: -8 each): 48.2 -> 40.2, 32.2, 24.2 still denied, then 16.2.
  for (int i = 0; i < 3; ++i) {
    t = decider.Apply(s, report(-8.0));
    EXPECT_EQ(t.decision.action, Action::kDeny) << i;
  }
  t = decider.Apply(s, report(-8.0));
  EXPECT_EQ(t.decision.action, Action::kAllow);
  EXPECT_EQ(t.published, Action::kDeny);  // hysteresis: one allowing report is not enough
  t = decider.Apply(s, report(-8.0));
  EXPECT_EQ(t.published, Action::kAllow);
  EXPECT_TRUE(t.changed);
  // The history's statistic alarms on its own, at the same threshold.
  t = decider.Apply(s, report(-8.0, 24.1));
  EXPECT_EQ(t.published, Action::kDeny);
  EXPECT_NEAR(s.spoof_cusum, 2.0 * SpoofThreshold(policy.sequential) - 6 * 8.0, 1e-9);  // CUSUM below h
  // A terminal whose first report is overwhelming is denied on it.
  DecisionState fresh;
  t = decider.Apply(fresh, report(4.0 * 30.0 - 8.0));
  EXPECT_EQ(t.published, Action::kDeny);
  EXPECT_TRUE(t.changed);
}

// Country outlines for the plan rules: a land outline, its country's land and waters (the
// world set's form: id = ISO 3166-1 alpha-3), and another country.
constexpr char kCountries[] = R"({"type": "FeatureCollection", "features": [
 {"type": "Feature", "properties": {"id": "UKR-land", "kind": "country_land", "action": "allow"},
  "geometry": {"type": "Polygon", "coordinates": [[[30,46],[34,46],[34,50],[30,50],[30,46]]]}},
 {"type": "Feature", "properties": {"id": "UKR", "kind": "territorial_waters", "action": "allow"},
  "geometry": {"type": "Polygon", "coordinates": [[[30,45],[35,45],[35,50],[30,50],[30,45]]]}},
 {"type": "Feature", "properties": {"id": "POL", "kind": "country_land", "action": "allow"},
  "geometry": {"type": "Polygon", "coordinates": [[[15,49],[24,49],[24,54],[15,54],[15,49]]]}}
]})";

class PlanTest : public ::testing::Test {
 protected:
  PlanTest() : set_(zones::ParseZonesGeoJson(kCountries, "countries.geojson").zones), index_(set_) {
    terminal_.id = "KIT-9";
    terminal_.sale_country = "UKR";
    terminal_.whitelisted = true;
  }
  Decision Run(const verify::Verdict& v, UtcTime time = UtcTime{}) {
    zones::Proximity where;
    index_.Classify(v.fix->position.lat_deg, v.fix->position.lon_deg,
                    zones::Region::Ellipse(v.fix->ellipse.semi_major_m, v.fix->ellipse.semi_minor_m,
                                           v.fix->ellipse.azimuth_deg, policy_.k_sigma),
                    policy_.near_deny_m, where);
    return Decide(policy_, {v, &terminal_, set_, where, time});
  }
  static verify::Verdict At(double lat, double lon, double height_m, double sigma_m,
                            double sigma_up_m) {
    verify::Verdict v;
    v.outcome = verify::Outcome::kConsistent;
    v.assurance = {"A1", "A2"};
    verify::Fix f;
    f.position = {lat, lon, height_m};
    f.ellipse = {sigma_m, sigma_m, 0.0};
    f.sigma_up_m = sigma_up_m;
    v.fix = f;
    return v;
  }
  Policy policy_;
  zones::ZoneSet set_;
  zones::ZoneIndex index_;
  registry::Terminal terminal_;
};

TEST_F(PlanTest, AMaritimePlanOnLandIsReviewedButNotInPortOrAtSea) {
  terminal_.plan = registry::Plan::kMaritime;
  Decision inland = Run(At(48.0, 32.0, 0.0, 200.0, 50.0));
  EXPECT_EQ(inland.action, Action::kReview);
  EXPECT_EQ(inland.reasons, (std::vector<std::string>{"plan_on_land"}));
  // 1 km off the coast with a 3 x 500 m region: it may be on water.
  EXPECT_TRUE(Run(At(48.0, 34.0134, 0.0, 500.0, 50.0)).reasons.empty());
  EXPECT_TRUE(Run(At(45.5, 34.5, 0.0, 200.0, 50.0)).reasons.empty());  // in the waters
  EXPECT_TRUE(Run(At(42.0, 33.0, 0.0, 200.0, 50.0)).reasons.empty());  // high seas
}

TEST_F(PlanTest, AnAviationPlanSurelyOnTheGroundIsReviewed) {
  terminal_.plan = registry::Plan::kAviation;
  EXPECT_TRUE(Run(At(48.0, 32.0, 10'000.0, 200.0, 80.0)).reasons.empty());  // cruising
  Decision parked = Run(At(48.0, 32.0, 120.0, 200.0, 40.0));                // 120 + 3 x 40 < 300
  EXPECT_EQ(parked.action, Action::kReview);
  EXPECT_EQ(parked.reasons, (std::vector<std::string>{"plan_not_airborne"}));
  EXPECT_TRUE(Run(At(48.0, 32.0, 120.0, 200.0, 100.0)).reasons.empty());  // 120 + 300: may fly
  verify::Verdict rolling = At(48.0, 32.0, 120.0, 200.0, 40.0);
  rolling.fix->velocity_enu_mps = geo::Vec3{50.0, 0.0, 0.0};  // 180 km/h on the runway
  EXPECT_TRUE(Run(rolling).reasons.empty());
}

TEST_F(PlanTest, ARoamingPlanIsReviewedAfterItsDaysAbroad) {
  terminal_.plan = registry::Plan::kRoam;
  policy_.roam_days_abroad = 2;
  Decider decider(policy_);
  const UtcTime day1 = FromCalendar(2026, 3, 1, 3'600'000'000);
  auto on_day = [&](int n) { return day1 + std::chrono::hours(24 * (n - 1)); };
  const verify::Verdict warsaw = At(52.2, 21.0, 100.0, 200.0, 50.0);
  const verify::Verdict home = At(48.0, 32.0, 100.0, 200.0, 50.0);
  EXPECT_FALSE(Run(home, on_day(1)).abroad_day.has_value());
  Decision abroad = Run(warsaw, on_day(1));
  ASSERT_TRUE(abroad.abroad_day.has_value());
  EXPECT_EQ(*abroad.abroad_day, 20513);  // 2026-03-01 is day 20,513 since 1970-01-01
  EXPECT_TRUE(decider.Apply("KIT-9", abroad).decision.reasons.empty());
  EXPECT_TRUE(decider.Apply("KIT-9", Run(warsaw, on_day(1))).decision.reasons.empty());
  EXPECT_TRUE(decider.Apply("KIT-9", Run(home, on_day(2))).decision.reasons.empty());
  EXPECT_TRUE(decider.Apply("KIT-9", Run(warsaw, on_day(3))).decision.reasons.empty());
  TerminalDecision third = decider.Apply("KIT-9", Run(warsaw, on_day(5)));  // a third day
  EXPECT_EQ(third.decision.action, Action::kReview);
  EXPECT_EQ(third.decision.reasons, (std::vector<std::string>{"roaming_limit"}));
  // At sea, outside every country: abroad too.
  EXPECT_TRUE(Run(At(42.0, 33.0, 0.0, 200.0, 50.0), on_day(6)).abroad_day.has_value());
}

TEST(Policy, ReadsTomlWithLocatedErrors) {
  absl::StatusOr<Policy> p = ParsePolicy(
      "k_sigma = 2.5\nnear_deny_km = 30\nroam_days_abroad = 30\naviation_min_height_m = 500\n"
      "[uncertainty]\ninconclusive_near_deny = \"deny\"\n"
      "[zones.\"occupied:south-east\"]\na1_only_near_deny = \"deny\"\n",
      "policy.toml");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->roam_days_abroad, 30);
  EXPECT_EQ(p->aviation_min_height_m, 500.0);
  EXPECT_EQ(p->k_sigma, 2.5);
  EXPECT_EQ(p->near_deny_m, 30'000.0);
  EXPECT_EQ(p->inconclusive_near_deny, Action::kDeny);
  ASSERT_EQ(p->zone_uncertainty.count("occupied:south-east"), 1u);
  const UncertaintyRules& front = p->zone_uncertainty.at("occupied:south-east");
  EXPECT_EQ(front.a1_only_near_deny, Action::kDeny);
  EXPECT_EQ(front.inconclusive_near_deny, Action::kDeny);  // the file's default, as given above
  EXPECT_EQ(front.straddles_deny, Action::kReview);
  EXPECT_EQ(p->version.size(), 64u);
  EXPECT_NEAR(SpoofThreshold(p->sequential), 24.0836412, 1e-6);  // the default budget
  absl::StatusOr<Policy> budget = ParsePolicy(
      "[sequential]\nfalse_denials_per_day = 0.1\nfleet_terminals = 2e6\n"
      "reports_per_terminal_per_day = 96\ndesign_shift = 3\n",
      "policy.toml");
  ASSERT_TRUE(budget.ok()) << budget.status();
  EXPECT_NEAR(SpoofThreshold(budget->sequential), std::log(2.0 * 2e6 * 96 / 0.1), 1e-9);
  EXPECT_EQ(budget->sequential.design_shift, 3.0);
  absl::StatusOr<Policy> other = ParsePolicy("k_sigma = 2.5\n", "policy.toml");
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->version, p->version);

  struct Bad {
    std::string text, message;
  };
  for (const Bad& b : std::vector<Bad>{
           {"k_sigma = 50\n", "policy.toml:1: k_sigma: expected a number in [0.1, 10]"},
           {"\nspeed = 3\n", "policy.toml:2: speed: unknown key"},
           {"[uncertainty]\nstraddles_deny = \"maybe\"\n",
            "policy.toml:2: uncertainty.straddles_deny: expected \"allow\", \"review\" or "
            "\"deny\""},
           {"k_sigma = \n", "policy.toml:1: "},
           {"[zones.east]\nfail = \"deny\"\n", "policy.toml:2: zones.east.fail: unknown key"},
           {"roam_days_abroad = -1\n",
            "policy.toml:1: roam_days_abroad: expected a number in [0, 3660]"},
           {"[sequential]\nfleet = 3\n", "policy.toml:2: sequential.fleet: unknown key"},
           {"[sequential]\ndesign_shift = 0\n",
            "policy.toml:2: sequential.design_shift: expected a number in [0.5, 20]"},
       }) {
    absl::StatusOr<Policy> r = ParsePolicy(b.text, "policy.toml");
    ASSERT_FALSE(r.ok()) << b.text;
    EXPECT_NE(r.status().message().find(b.message), std::string::npos) << r.status();
  }
}

}  // namespace
}  // namespace satfence::decide
