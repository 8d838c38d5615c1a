// A report reads alike from telemetry v1 JSON and from protobuf: the same report when good
// (compared through ReportJson, which writes every double exactly), and the same field and
// message when one value is wrong, for each check the telemetry reader makes. The JSON reader
// is the reference (docs/telemetry.md); the protobuf reader was written to match it.
#include "satfence/serve/proto_report.h"

#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>

#include "satfence/verify/telemetry.h"

namespace satfence::serve {
namespace {

namespace pb = satfence::v1;
using Json = nlohmann::json;

constexpr std::int64_t kT0 = 1'758'607'200;  // 2025-09-23T06:00:00Z

Json GoodJson() {
  return Json::parse(R"({"terminal": "KIT-7", "time": "2025-09-23T06:00:00Z",
    "claimed": {"lat": 48.28, "lon": 37.18, "alt_m": 180.5},
    "measurements": [
      {"kind": "range", "time": "2025-09-23T06:00:01.5Z", "sat": "44714",
       "sat_pos_m": [6900000.25, 1000.5, -2000.125], "sat_vel_mps": [0.5, 7500.25, 10],
       "value": 812345.2, "sigma": 30},
      {"kind": "range_rate", "time": "2025-09-23T06:00:02Z", "sat": "44714",
       "sat_pos_m": [6900000.25, 1000.5, -2000.125], "sat_vel_mps": [0.5, 7500.25, 10],
       "sat_pos_sigma_m": 12.5, "value": -1234.5, "sigma": 0.5},
      {"kind": "aoa", "time": "2025-09-23T05:59:59Z", "sat": "44714",
       "sat_pos_m": [6900000.25, 1000.5, -2000.125], "sat_vel_mps": [0.5, 7500.25, 10],
       "value": [0.6, 0.0, -0.8], "sigma": 0.003},
      {"kind": "beam", "time": "2025-09-23T06:00:00Z",
       "value": {"lat": 48.2, "lon": 37.1, "radius_m": 12000}},
      {"kind": "range_bound", "time": "2025-09-23T06:00:03.25Z", "sat": "44715",
       "sat_pos_m": [0, 6950000, 100], "sat_vel_mps": [7400, 0, 0],
       "value": 900000, "sigma": 40}]})");
}

void Set(pb::Vector3* v, double x, double y, double z) {
  v->set_x(x);
  v->set_y(y);
  v->set_z(z);
}

void SetTime(google::protobuf::Timestamp* t, std::int64_t s, int nanos = 0) {
  t->set_seconds(s);
  t->set_nanos(nanos);
}

pb::Report GoodProto() {
  pb::Report r;
  r.set_terminal("KIT-7");
  SetTime(r.mutable_time(), kT0);
  r.mutable_claimed()->set_lat_deg(48.28);
  r.mutable_claimed()->set_lon_deg(37.18);
  r.mutable_claimed()->set_alt_m(180.5);
  auto sat = [](pb::Measurement* m, const char* id) {
    m->set_sat(id);
    Set(m->mutable_sat_pos_m(), 6900000.25, 1000.5, -2000.125);
    Set(m->mutable_sat_vel_mps(), 0.5, 7500.25, 10);
  };
  pb::Measurement* m = r.add_measurements();
  m->set_kind(pb::RANGE);
  SetTime(m->mutable_time(), kT0 + 1, 500'000'000);
  sat(m, "44714");
  m->set_scalar(812345.2);
  m->set_sigma(30);
  m = r.add_measurements();
  m->set_kind(pb::RANGE_RATE);
  SetTime(m->mutable_time(), kT0 + 2);
  sat(m, "44714");
  m->set_sat_pos_sigma_m(12.5);
  m->set_scalar(-1234.5);
  m->set_sigma(0.5);
  m = r.add_measurements();
  m->set_kind(pb::AOA);
  SetTime(m->mutable_time(), kT0 - 1);
  sat(m, "44714");
  Set(m->mutable_direction(), 0.6, 0.0, -0.8);
  m->set_sigma(0.003);
  m = r.add_measurements();
  m->set_kind(pb::BEAM);
  SetTime(m->mutable_time(), kT0);
  m->mutable_beam()->set_lat_deg(48.2);
  m->mutable_beam()->set_lon_deg(37.1);
  m->mutable_beam()->set_radius_m(12000);
  m = r.add_measurements();
  m->set_kind(pb::RANGE_BOUND);
  SetTime(m->mutable_time(), kT0 + 3, 250'000'000);
  m->set_sat("44715");
  Set(m->mutable_sat_pos_m(), 0, 6950000, 100);
  Set(m->mutable_sat_vel_mps(), 7400, 0, 0);
  m->set_scalar(900000);
  m->set_sigma(40);
  return r;
}

// field: message, or "ok" with the report as ReportJson writes it.
std::string FromJson(const Json& j) {
  verify::TelemetryParser parser;
  verify::Report r;
  RecordError e;
  if (!parser.Parse(j.dump(), 1, "test", r, e)) return e.field + ": " + e.message;
  return "ok " + verify::ReportJson(r);
}

std::string FromProto(const pb::Report& p) {
  // Through the wire, as the service reads it.
  pb::Report back;
  EXPECT_TRUE(back.ParseFromString(p.SerializeAsString()));
  verify::Report r;
  RecordError e;
  if (!ReportFromProto(back, r, e)) return e.field + ": " + e.message;
  return "ok " + verify::ReportJson(r);
}

TEST(ProtoReport, AGoodReportReadsAsFromJson) {
  const std::string j = FromJson(GoodJson());
  ASSERT_EQ(j.substr(0, 2), "ok") << j;
  EXPECT_EQ(FromProto(GoodProto()), j);
}

TEST(ProtoReport, ReportToProtoReadsBackExactly) {
  verify::TelemetryParser parser;
  verify::Report r;
  RecordError e;
  ASSERT_TRUE(parser.Parse(GoodJson().dump(), 1, "test", r, e)) << e.ToString();
  pb::Report p;
  ReportToProto(r, p);
  EXPECT_EQ(FromProto(p), "ok " + verify::ReportJson(r));
}

struct Mutation {
  const char* what;
  std::function<void(Json&)> json;
  std::function<void(pb::Report&)> proto;
};

TEST(ProtoReport, EachCheckGivesTheSameFieldAndMessage) {
  const Mutation cases[] = {
      {"empty terminal", [](Json& j) { j["terminal"] = ""; },
       [](pb::Report& p) { p.set_terminal(""); }},
      {"long terminal", [](Json& j) { j["terminal"] = std::string(129, 'x'); },
       [](pb::Report& p) { p.set_terminal(std::string(129, 'x')); }},
      {"latitude", [](Json& j) { j["claimed"]["lat"] = 91.5; },
       [](pb::Report& p) { p.mutable_claimed()->set_lat_deg(91.5); }},
      {"longitude", [](Json& j) { j["claimed"]["lon"] = -180.25; },
       [](pb::Report& p) { p.mutable_claimed()->set_lon_deg(-180.25); }},
      {"altitude", [](Json& j) { j["claimed"]["alt_m"] = -20000; },
       [](pb::Report& p) { p.mutable_claimed()->set_alt_m(-20000); }},
      {"claimed speed", [](Json& j) { j["claimed"]["vel_enu_mps"] = {20000, 0, 0}; },
       [](pb::Report& p) { Set(p.mutable_claimed()->mutable_vel_enu_mps(), 20000, 0, 0); }},
      {"no measurements", [](Json& j) { j["measurements"] = Json::array(); },
       [](pb::Report& p) { p.clear_measurements(); }},
      {"measurement time", [](Json& j) { j["measurements"][1]["time"] = "2025-09-23T08:00:00Z"; },
       [](pb::Report& p) { SetTime(p.mutable_measurements(1)->mutable_time(), kT0 + 7200); }},
      {"no sat", [](Json& j) { j["measurements"][0].erase("sat"); },
       [](pb::Report& p) { p.mutable_measurements(0)->clear_sat(); }},
      {"long sat id", [](Json& j) { j["measurements"][0]["sat"] = std::string(33, '4'); },
       [](pb::Report& p) { p.mutable_measurements(0)->set_sat(std::string(33, '4')); }},
      {"position without velocity", [](Json& j) { j["measurements"][2].erase("sat_vel_mps"); },
       [](pb::Report& p) { p.mutable_measurements(2)->clear_sat_vel_mps(); }},
      {"satellite inside the Earth",
       [](Json& j) { j["measurements"][0]["sat_pos_m"] = {6000000, 0, 0}; },
       [](pb::Report& p) { Set(p.mutable_measurements(0)->mutable_sat_pos_m(), 6e6, 0, 0); }},
      {"satellite too fast", [](Json& j) { j["measurements"][1]["sat_vel_mps"] = {0, 30000, 0}; },
       [](pb::Report& p) { Set(p.mutable_measurements(1)->mutable_sat_vel_mps(), 0, 3e4, 0); }},
      {"ephemeris sigma", [](Json& j) { j["measurements"][1]["sat_pos_sigma_m"] = -1; },
       [](pb::Report& p) { p.mutable_measurements(1)->set_sat_pos_sigma_m(-1); }},
      {"negative range", [](Json& j) { j["measurements"][0]["value"] = -5; },
       [](pb::Report& p) { p.mutable_measurements(0)->set_scalar(-5); }},
      {"no sigma", [](Json& j) { j["measurements"][0].erase("sigma"); },
       [](pb::Report& p) { p.mutable_measurements(0)->clear_sigma(); }},
      {"range-rate sigma", [](Json& j) { j["measurements"][1]["sigma"] = 0; },
       [](pb::Report& p) { p.mutable_measurements(1)->set_sigma(0); }},
      {"range rate", [](Json& j) { j["measurements"][1]["value"] = 25000; },
       [](pb::Report& p) { p.mutable_measurements(1)->set_scalar(25000); }},
      {"aoa not unit", [](Json& j) { j["measurements"][2]["value"] = {1.2, 0, -0.8}; },
       [](pb::Report& p) { Set(p.mutable_measurements(2)->mutable_direction(), 1.2, 0, -0.8); }},
      {"aoa sigma", [](Json& j) { j["measurements"][2]["sigma"] = 0.7; },
       [](pb::Report& p) { p.mutable_measurements(2)->set_sigma(0.7); }},
      {"beam radius", [](Json& j) { j["measurements"][3]["value"]["radius_m"] = 0.5; },
       [](pb::Report& p) { p.mutable_measurements(3)->mutable_beam()->set_radius_m(0.5); }},
      {"beam latitude", [](Json& j) { j["measurements"][3]["value"]["lat"] = -95; },
       [](pb::Report& p) { p.mutable_measurements(3)->mutable_beam()->set_lat_deg(-95); }},
      {"range bound", [](Json& j) { j["measurements"][4]["value"] = 6e7; },
       [](pb::Report& p) { p.mutable_measurements(4)->set_scalar(6e7); }},
  };
  for (const Mutation& m : cases) {
    Json j = GoodJson();
    m.json(j);
    pb::Report p = GoodProto();
    m.proto(p);
    const std::string from_json = FromJson(j);
    EXPECT_NE(from_json.substr(0, 2), "ok") << m.what;
    EXPECT_EQ(FromProto(p), from_json) << m.what;
  }
}

TEST(ProtoReport, WhatOnlyProtobufCanGetWrongIsNamed) {
  pb::Report p = GoodProto();
  p.mutable_measurements(0)->set_kind(static_cast<pb::Kind>(42));
  EXPECT_EQ(FromProto(p),
            "measurements[0].kind: unknown kind 42 (RANGE, RANGE_RATE, RANGE_BOUND, AOA, BEAM)");
  p = GoodProto();
  Set(p.mutable_measurements(2)->mutable_direction(), 0.6, 0, 0.8);
  p.mutable_measurements(0)->set_sigma(std::numeric_limits<double>::quiet_NaN());
  EXPECT_EQ(FromProto(p), "measurements[0].sigma: not finite");
  p = GoodProto();
  p.mutable_measurements(0)->clear_scalar();
  EXPECT_EQ(FromProto(p), "measurements[0].value: missing");
  p = GoodProto();
  Set(p.mutable_measurements(0)->mutable_direction(), 1, 0, 0);
  EXPECT_EQ(FromProto(p), "measurements[0].value: expected scalar for this kind");
  p = GoodProto();
  p.mutable_time()->set_nanos(-1);
  EXPECT_EQ(FromProto(p), "time: not a valid timestamp");
  p = GoodProto();
  p.clear_claimed();
  EXPECT_EQ(FromProto(p), "claimed: missing");
}

TEST(TopLevelFields, FindsEachReportsBytesAndRefusesBrokenMessages) {
  pb::SubmitRequest request;
  *request.add_reports() = GoodProto();
  pb::Report second = GoodProto();
  second.set_terminal("KIT-8");
  *request.add_reports() = second;
  const std::string bytes = request.SerializeAsString();
  std::vector<std::string_view> fields;
  ASSERT_TRUE(TopLevelFields(bytes, 1, fields));
  ASSERT_EQ(fields.size(), 2u);
  EXPECT_EQ(fields[0], GoodProto().SerializeAsString());
  EXPECT_EQ(fields[1], second.SerializeAsString());
  fields.clear();
  EXPECT_FALSE(TopLevelFields(bytes.substr(0, bytes.size() - 3), 1, fields));  // truncated
  fields.clear();
  EXPECT_TRUE(TopLevelFields("", 1, fields));
  EXPECT_TRUE(fields.empty());
}

}  // namespace
}  // namespace satfence::serve
