#include "satfence/pipeline/terminal_state.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

namespace satfence::pipeline {
namespace {

using Json = nlohmann::json;
// Format 2 added decision.spoof_cusum; format 1 states read with it 0.
constexpr int kFormat = 2;

Json Vec(const geo::Vec3& v) { return Json::array({v.x, v.y, v.z}); }

Json Accumulator(const verify::HistoryAccumulator& a) {
  Json information = Json::array();
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 3; ++c) information.push_back(a.information(r, c));
  }
  return {{"information", information},
          {"weighted_offset", Json::array({a.weighted_offset.x(), a.weighted_offset.y(),
                                           a.weighted_offset.z()})},
          {"windows", a.windows}};
}

// Reading with the path of each field in errors.
class Reader {
 public:
  absl::Status status = absl::OkStatus();

  const Json* Field(const Json& object, const char* name, const std::string& path) {
    if (!status.ok()) return nullptr;
    if (!object.is_object() || !object.contains(name)) {
      Fail(path + name, "missing");
      return nullptr;
    }
    return &object[name];
  }
  double Number(const Json& object, const char* name, const std::string& path) {
    const Json* j = Field(object, name, path);
    if (j == nullptr) return 0.0;
    if (!j->is_number() || !std::isfinite(j->get<double>())) {
      Fail(path + name, "not a finite number");
      return 0.0;
    }
    return j->get<double>();
  }
  std::int64_t Integer(const Json& object, const char* name, const std::string& path,
                       std::int64_t min, std::int64_t max) {
    const Json* j = Field(object, name, path);
    if (j == nullptr) return 0;
    if (!j->is_number_integer() || j->get<std::int64_t>() < min || j->get<std::int64_t>() > max) {
      Fail(path + name, absl::StrCat("not an integer in [", min, ", ", max, "]"));
      return 0;
    }
    return j->get<std::int64_t>();
  }
  void Numbers(const Json& object, const char* name, const std::string& path, double* out,
               size_t n) {
    const Json* j = Field(object, name, path);
    if (j == nullptr) return;
    if (!j->is_array() || j->size() != n) {
      Fail(path + name, absl::StrCat("not an array of ", n, " numbers"));
      return;
    }
    for (size_t i = 0; i < n; ++i) {
      if (!(*j)[i].is_number() || !std::isfinite((*j)[i].get<double>())) {
        Fail(absl::StrCat(path, name, "[", i, "]"), "not a finite number");
        return;
      }
      out[i] = (*j)[i].get<double>();
    }
  }
  geo::Vec3 Vec(const Json& object, const char* name, const std::string& path) {
    double v[3] = {0, 0, 0};
    Numbers(object, name, path, v, 3);
    return {v[0], v[1], v[2]};
  }
  verify::HistoryAccumulator Accumulator(const Json& object, const char* name,
                                         const std::string& path) {
    verify::HistoryAccumulator a;
    const Json* j = Field(object, name, path);
    if (j == nullptr) return a;
    const std::string inner = absl::StrCat(path, name, ".");
    double information[9] = {};
    Numbers(*j, "information", inner, information, 9);
    for (int r = 0; r < 3; ++r) {
      for (int c = 0; c < 3; ++c) a.information(r, c) = information[3 * r + c];
    }
    double offset[3] = {};
    Numbers(*j, "weighted_offset", inner, offset, 3);
    a.weighted_offset = {offset[0], offset[1], offset[2]};
    a.windows = static_cast<int>(Integer(*j, "windows", inner, 0, 1 << 30));
    return a;
  }
  decide::Action Action(const Json& object, const char* name, const std::string& path) {
    const Json* j = Field(object, name, path);
    if (j == nullptr) return decide::Action::kAllow;
    for (decide::Action a :
         {decide::Action::kAllow, decide::Action::kReview, decide::Action::kDeny}) {
      if (j->is_string() && j->get<std::string>() == decide::ActionName(a)) return a;
    }
    Fail(path + name, "not allow, review or deny");
    return decide::Action::kAllow;
  }
  void Fail(const std::string& field, const std::string& why) {
    if (status.ok()) status = absl::InvalidArgumentError(absl::StrCat(field, ": ", why));
  }
};

}  // namespace

std::string EncodeTerminalState(const TerminalState& state) {
  const verify::TerminalHistory& h = state.history;
  const decide::DecisionState& d = state.decision;
  Json history = {{"reports", h.reports},
                  {"last_time_us", h.last_time.time_since_epoch().count()},
                  {"last_claim_ecef_m", Vec(h.last_claim_ecef_m)},
                  {"last_fix_ecef_m", h.last_fix_ecef_m ? Vec(*h.last_fix_ecef_m) : Json()},
                  {"last_fix_sigma_m", h.last_fix_sigma_m},
                  {"anchor_ecef_m", Vec(h.anchor_ecef_m)},
                  {"all", Accumulator(h.all)},
                  {"physical", Accumulator(h.physical)}};
  Json decision = {{"reports", d.reports},
                   {"published", decide::ActionName(d.published)},
                   {"candidate", decide::ActionName(d.candidate)},
                   {"agreeing", d.agreeing},
                   {"zones", d.zones},
                   {"days_abroad", d.days_abroad},
                   {"spoof_cusum", d.spoof_cusum}};
  return Json{{"format", kFormat}, {"history", history}, {"decision", decision}}.dump();
}

absl::StatusOr<TerminalState> DecodeTerminalState(std::string_view bytes) {
  const Json j = Json::parse(bytes, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::InvalidArgumentError("terminal state: not a JSON object");
  }
  Reader in;
  const std::int64_t format = in.Integer(j, "format", "", 1, kFormat);
  if (!in.status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("terminal state: ", in.status.message()));
  }
  constexpr std::int64_t kMaxCount = std::int64_t{1} << 53;
  TerminalState s;
  verify::TerminalHistory& h = s.history;
  if (const Json* history = in.Field(j, "history", "")) {
    const std::string p = "history.";
    h.reports = in.Integer(*history, "reports", p, 0, kMaxCount);
    h.last_time = UtcTime(std::chrono::microseconds(in.Integer(
        *history, "last_time_us", p, std::numeric_limits<std::int64_t>::min(),
        std::numeric_limits<std::int64_t>::max())));
    h.last_claim_ecef_m = in.Vec(*history, "last_claim_ecef_m", p);
    if (const Json* fix = in.Field(*history, "last_fix_ecef_m", p); fix && !fix->is_null()) {
      h.last_fix_ecef_m = in.Vec(*history, "last_fix_ecef_m", p);
    }
    h.last_fix_sigma_m = in.Number(*history, "last_fix_sigma_m", p);
    h.anchor_ecef_m = in.Vec(*history, "anchor_ecef_m", p);
    h.all = in.Accumulator(*history, "all", p);
    h.physical = in.Accumulator(*history, "physical", p);
  }
  decide::DecisionState& d = s.decision;
  if (const Json* decision = in.Field(j, "decision", "")) {
    const std::string p = "decision.";
    d.reports = in.Integer(*decision, "reports", p, 0, kMaxCount);
    d.published = in.Action(*decision, "published", p);
    d.candidate = in.Action(*decision, "candidate", p);
    d.agreeing = static_cast<int>(in.Integer(*decision, "agreeing", p, 0, 1 << 30));
    if (format >= 2) {
      d.spoof_cusum = in.Number(*decision, "spoof_cusum", p);
      if (in.status.ok() && !(d.spoof_cusum >= 0.0)) in.Fail(p + "spoof_cusum", "negative");
    }
    for (const char* name : {"zones", "days_abroad"}) {
      const Json* list = in.Field(*decision, name, p);
      if (list == nullptr) break;
      if (!list->is_array()) {
        in.Fail(p + name, "not an array");
        break;
      }
      for (const Json& x : *list) {
        if (name[0] == 'z' && x.is_string()) {
          d.zones.push_back(x.get<std::string>());
        } else if (name[0] == 'd' && x.is_number_integer()) {
          d.days_abroad.push_back(x.get<std::int64_t>());
        } else {
          in.Fail(p + name, name[0] == 'z' ? "not all strings" : "not all integers");
          break;
        }
      }
    }
    if (in.status.ok() && (!std::is_sorted(d.zones.begin(), d.zones.end()) ||
                           !std::is_sorted(d.days_abroad.begin(), d.days_abroad.end()))) {
      in.Fail(p + "zones/days_abroad", "not sorted");
    }
  }
  if (!in.status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("terminal state: ", in.status.message()));
  }
  return s;
}

std::optional<TerminalState> InMemoryTerminalStates::Release(const std::string& terminal) {
  auto it = states_.find(terminal);
  if (it == states_.end()) return std::nullopt;
  TerminalState s = std::move(it->second);
  states_.erase(it);
  return s;
}

TerminalState& StoredTerminalStates::Get(const std::string& terminal) {
  if (looked_up_.insert(terminal).second) {
    absl::StatusOr<std::optional<std::string>> stored = store_.TerminalState(terminal);
    absl::Status why = stored.status();
    if (stored.ok() && stored->has_value()) {
      absl::StatusOr<TerminalState> state = DecodeTerminalState(**stored);
      if (state.ok()) {
        held_.Adopt(terminal, *std::move(state));
      } else {
        why = state.status();
      }
    }
    if (!why.ok()) {
      ++unreadable_;
      last_error_ = absl::Status(why.code(), absl::StrCat("terminal '", terminal, "': ",
                                                          why.message()));
    }
  }
  return held_.Get(terminal);
}

}  // namespace satfence::pipeline
