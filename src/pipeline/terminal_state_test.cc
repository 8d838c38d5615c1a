// The terminal state's encoding: exact round trips (every bit of every double, the optional
// fix, the lists) and located errors for what is missing, mistyped or out of range.
#include "satfence/pipeline/terminal_state.h"

#include <gtest/gtest.h>

#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>

namespace satfence::pipeline {
namespace {

bool SameBits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

TerminalState Awkward() {
  TerminalState s;
  verify::TerminalHistory& h = s.history;
  h.reports = 12;
  h.last_time = UtcTime(std::chrono::microseconds(1'758'607'200'123'457));
  h.last_claim_ecef_m = {3'617'468.123456789, 2'758'000.1, 4'700'000.000000001};
  h.last_fix_ecef_m = geo::Vec3{0.1, -0.0, 1e-300};
  h.last_fix_sigma_m = std::numeric_limits<double>::denorm_min();
  h.anchor_ecef_m = {std::nextafter(1.0, 2.0), -1.0 / 3.0, 6.02214076e23};
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 3; ++c) h.all.information(r, c) = 1.0 / (1 + r + 3 * c) * 1e-7;
  }
  h.all.weighted_offset = {0.3, -0.7, std::numeric_limits<double>::max()};
  h.all.windows = 5;
  h.physical.information = h.all.information * 3.0;
  h.physical.windows = 2;
  decide::DecisionState& d = s.decision;
  d.reports = 12;
  d.published = decide::Action::kDeny;
  d.candidate = decide::Action::kReview;
  d.agreeing = 1;
  d.zones = {"UKR", "occupied:south-east", "rule:\"quoted\" \xC3\xA9"};
  d.days_abroad = {-3, 20'350, 20'351};
  d.spoof_cusum = std::nextafter(24.1, 0.0);
  return s;
}

TEST(TerminalState, RoundTripsExactly) {
  const TerminalState s = Awkward();
  absl::StatusOr<TerminalState> back = DecodeTerminalState(EncodeTerminalState(s));
  ASSERT_TRUE(back.ok()) << back.status();
  const verify::TerminalHistory &a = s.history, &b = back->history;
  EXPECT_EQ(b.reports, a.reports);
  EXPECT_EQ(b.last_time, a.last_time);
  for (auto [x, y] : {std::pair{a.last_claim_ecef_m, b.last_claim_ecef_m},
                      std::pair{*a.last_fix_ecef_m, *b.last_fix_ecef_m},
                      std::pair{a.anchor_ecef_m, b.anchor_ecef_m}}) {
    EXPECT_TRUE(SameBits(x.x, y.x) && SameBits(x.y, y.y) && SameBits(x.z, y.z));
  }
  EXPECT_TRUE(SameBits(a.last_fix_sigma_m, b.last_fix_sigma_m));
  for (auto [x, y] : {std::pair{&a.all, &b.all}, std::pair{&a.physical, &b.physical}}) {
    for (int i = 0; i < 9; ++i) EXPECT_TRUE(SameBits(x->information(i), y->information(i)));
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(SameBits(x->weighted_offset(i), y->weighted_offset(i)));
    EXPECT_EQ(x->windows, y->windows);
  }
  const decide::DecisionState &c = s.decision, &e = back->decision;
  EXPECT_EQ(e.reports, c.reports);
  EXPECT_EQ(e.published, c.published);
  EXPECT_EQ(e.candidate, c.candidate);
  EXPECT_EQ(e.agreeing, c.agreeing);
  EXPECT_EQ(e.zones, c.zones);
  EXPECT_EQ(e.days_abroad, c.days_abroad);
  EXPECT_TRUE(SameBits(e.spoof_cusum, c.spoof_cusum));
  // And a state without a fix keeps having none.
  TerminalState no_fix;
  EXPECT_FALSE(DecodeTerminalState(EncodeTerminalState(no_fix))->history.last_fix_ecef_m);
}

// Decoding `mutate`d encodings of Awkward(): the error names the field.
std::string ErrorAfter(void (*mutate)(nlohmann::json&)) {
  nlohmann::json j = nlohmann::json::parse(EncodeTerminalState(Awkward()));
  mutate(j);
  absl::StatusOr<TerminalState> s = DecodeTerminalState(j.dump());
  return s.ok() ? "decoded" : std::string(s.status().message());
}

TEST(TerminalState, ErrorsNameTheField) {
  EXPECT_EQ(ErrorAfter([](nlohmann::json& j) { j["format"] = 3; }),
            "terminal state: format: not an integer in [1, 2]");
  EXPECT_EQ(ErrorAfter([](nlohmann::json& j) { j["decision"].erase("spoof_cusum"); }),
            "terminal state: decision.spoof_cusum: missing");
  EXPECT_EQ(ErrorAfter([](nlohmann::json& j) { j["decision"]["spoof_cusum"] = -0.5; }),
            "terminal state: decision.spoof_cusum: negative");
  EXPECT_EQ(ErrorAfter([](nlohmann::json& j) { j["history"].erase("anchor_ecef_m"); }),
            "terminal state: history.anchor_ecef_m: missing");
  EXPECT_EQ(ErrorAfter([](nlohmann::json& j) { j["history"]["all"]["information"][4] = "x"; }),
            "terminal state: history.all.information[4]: not a finite number");
  EXPECT_EQ(ErrorAfter([](nlohmann::json& j) { j["history"]["physical"]["windows"] = -1; }),
            "terminal state: history.physical.windows: not an integer in [0, 1073741824]");
  EXPECT_EQ(ErrorAfter([](nlohmann::json& j) { j["history"]["last_claim_ecef_m"] = {1, 2}; }),
            "terminal state: history.last_claim_ecef_m: not an array of 3 numbers");
  EXPECT_EQ(ErrorAfter([](nlohmann::json& j) { j["decision"]["published"] = "block"; }),
            "terminal state: decision.published: not allow, review or deny");
  EXPECT_EQ(ErrorAfter([](nlohmann::json& j) { j["decision"]["zones"] = {"b", "a"}; }),
            "terminal state: decision.zones/days_abroad: not sorted");
  EXPECT_EQ(ErrorAfter([](nlohmann::json& j) { j["decision"]["days_abroad"] = {1, "2"}; }),
            "terminal state: decision.days_abroad: not all integers");
  EXPECT_EQ(ErrorAfter([](nlohmann::json& j) { j.erase("decision"); }),
            "terminal state: decision: missing");
  EXPECT_FALSE(DecodeTerminalState("").ok());
  EXPECT_FALSE(DecodeTerminalState("[1,2]").ok());
  EXPECT_FALSE(DecodeTerminalState(std::string("{\"format\":1\0}", 13)).ok());
}

// States written before the sequential spoof test (format 1) read with its statistic at 0.
TEST(TerminalState, ReadsFormatOne) {
  nlohmann::json j = nlohmann::json::parse(EncodeTerminalState(Awkward()));
  j["format"] = 1;
  j["decision"].erase("spoof_cusum");
  absl::StatusOr<TerminalState> s = DecodeTerminalState(j.dump());
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->decision.spoof_cusum, 0.0);
  EXPECT_EQ(s->decision.days_abroad, Awkward().decision.days_abroad);
}

TEST(InMemoryTerminalStates, ReleaseHandsOverAndForgets) {
  InMemoryTerminalStates states;
  states.Get("A").decision.reports = 3;
  EXPECT_EQ(states.size(), 1u);
  std::optional<TerminalState> a = states.Release("A");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->decision.reports, 3);
  EXPECT_EQ(states.size(), 0u);
  EXPECT_FALSE(states.Release("A").has_value());
  states.Adopt("B", *a);
  EXPECT_EQ(states.Get("B").decision.reports, 3);
}

}  // namespace
}  // namespace satfence::pipeline
